"""Plain algorithms of weakly supervised segmentation (no registries)."""
from .affinity import pairwise_affinity
from .affinity_labels import (affinity_crf_scores, affinity_label_from_scores,
                              crf_background_scores, pool_scores)
from .cam import (DEFAULT_CAM_SCALES, background_map, cam_from_features,
                  cam_pseudo_label, merge_multiscale_cams, multiscale_flip_inputs,
                  normalize_cams, rescale_image, scaled_size)
from .crf import crf_refine_label, dense_crf
from .multi_scale_inputs import (DEFAULT_MSC_SCALES, check_msc_scales,
                                 multi_scale_input_logits, multi_scale_input_losses,
                                 resize_labels)
from .pair_indices import (extract_pair_labels, from_grid_size, pair_indices,
                           radius_offsets)
from .pair_loss import pair_affinity_loss
from .random_walk import (affinity_graph, affinity_matrix_dense, random_walk,
                          random_walk_dense, random_walk_input, random_walk_to_label)
from .saliency_loss import eps_saliency_loss, saliency_overlap

__all__ = [
    'affinity_crf_scores', 'affinity_label_from_scores', 'crf_background_scores',
    'pool_scores', 'DEFAULT_CAM_SCALES', 'background_map', 'cam_from_features',
    'cam_pseudo_label', 'merge_multiscale_cams', 'multiscale_flip_inputs',
    'normalize_cams', 'rescale_image', 'scaled_size', 'crf_refine_label', 'dense_crf',
    'eps_saliency_loss', 'saliency_overlap', 'pairwise_affinity', 'extract_pair_labels',
    'DEFAULT_MSC_SCALES', 'check_msc_scales', 'multi_scale_input_logits',
    'multi_scale_input_losses', 'resize_labels', 'from_grid_size', 'pair_indices',
    'radius_offsets', 'pair_affinity_loss',
    'affinity_graph', 'affinity_matrix_dense', 'random_walk', 'random_walk_dense',
    'random_walk_input', 'random_walk_to_label'
]
