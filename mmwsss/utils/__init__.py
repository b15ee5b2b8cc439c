"""Utilities shared by the stages: atomic, pickle-free file I/O, configs, checkpoints."""
from .cam_io import load_cams, save_cams
from .checkpoint import (CHECKPOINT_SAFE_GLOBALS, add_trust_checkpoint_argument,
                         load_local_checkpoint, register_local_checkpoint_loader,
                         trust_checkpoints)
from .config import (check_batch_split, init_cpu_process_group, launcher_world_size,
                     load_config, resolve_batch_size)
from .finite import NonFiniteError, check_finite
from .image_ids import check_plain_name, read_id_list
from .io import atomic_path, save_json, save_label_png, save_npz, voc_palette
from .readers import (MAX_IMAGE_PIXELS, ImageTooLargeError, UnreadableFileError, read_image,
                      read_json_object, read_label_png, read_npz, read_saliency_map)
from .stale_files import remove_stale_temporaries
from .test_time_options import apply_test_time_options, variant_suffix
from .affinity_io import load_affinity_scores, save_affinity_scores

__all__ = [
    'atomic_path', 'init_cpu_process_group', 'launcher_world_size', 'load_cams',
    'load_config', 'resolve_batch_size', 'check_batch_split',
    'load_local_checkpoint', 'read_npz', 'register_local_checkpoint_loader',
    'save_cams', 'save_json', 'save_label_png', 'save_npz', 'voc_palette',
    'apply_test_time_options', 'variant_suffix', 'load_affinity_scores',
    'save_affinity_scores', 'NonFiniteError', 'check_finite', 'UnreadableFileError',
    'read_image', 'read_json_object', 'read_label_png', 'read_saliency_map', 'remove_stale_temporaries',
    'CHECKPOINT_SAFE_GLOBALS', 'trust_checkpoints', 'add_trust_checkpoint_argument',
    'check_plain_name', 'read_id_list', 'MAX_IMAGE_PIXELS', 'ImageTooLargeError'
]
