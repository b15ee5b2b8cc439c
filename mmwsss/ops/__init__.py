"""Plain algorithms of weakly supervised segmentation (no registries)."""
from .affinity_labels import (affinity_crf_scores, affinity_label_from_scores,
                              crf_background_scores, pool_scores)
from .cam import (DEFAULT_CAM_SCALES, background_map, cam_from_features,
                  cam_pseudo_label, merge_multiscale_cams, multiscale_flip_inputs,
                  normalize_cams, rescale_image, scaled_size)
from .crf import crf_refine_label, dense_crf
from .saliency_loss import eps_saliency_loss, saliency_overlap

__all__ = [
    'affinity_crf_scores', 'affinity_label_from_scores', 'crf_background_scores',
    'pool_scores', 'DEFAULT_CAM_SCALES', 'background_map', 'cam_from_features',
    'cam_pseudo_label', 'merge_multiscale_cams', 'multiscale_flip_inputs',
    'normalize_cams', 'rescale_image', 'scaled_size', 'crf_refine_label', 'dense_crf',
    'eps_saliency_loss', 'saliency_overlap'
]
