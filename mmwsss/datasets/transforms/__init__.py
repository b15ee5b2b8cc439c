"""Data pipeline transforms for weakly supervised segmentation."""
from .load_saliency_map import LoadSaliencyMap
from .pack_wsss_inputs import PackWSSSInputs
from .random_color_jitter import RandomColorJitter
from .random_crop_pad import RandomCropPad
from .seg_fields_random_flip import SegFieldsRandomFlip
from .seg_fields_resize import SegFieldsResize
from .affinity_label_from_scores import AffinityLabelFromScores
from .load_affinity_scores import LoadAffinityScores
from .load_cams import LoadCAMs
from .load_wsss_annotations import LoadWSSSAnnotations
from .load_wsss_image import LoadWSSSImage

__all__ = [
    'LoadSaliencyMap', 'PackWSSSInputs', 'RandomColorJitter', 'RandomCropPad',
    'SegFieldsRandomFlip', 'SegFieldsResize', 'AffinityLabelFromScores',
    'LoadAffinityScores', 'LoadCAMs', 'LoadWSSSAnnotations', 'LoadWSSSImage'
]
