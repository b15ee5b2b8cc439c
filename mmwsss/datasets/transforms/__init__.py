"""Data pipeline transforms for weakly supervised segmentation."""
from .load_saliency_map import LoadSaliencyMap
from .pack_wsss_inputs import PackWSSSInputs
from .random_color_jitter import RandomColorJitter
from .random_crop_pad import RandomCropPad
from .seg_fields_random_flip import SegFieldsRandomFlip
from .seg_fields_resize import SegFieldsResize

__all__ = [
    'LoadSaliencyMap', 'PackWSSSInputs', 'RandomColorJitter', 'RandomCropPad',
    'SegFieldsRandomFlip', 'SegFieldsResize'
]
