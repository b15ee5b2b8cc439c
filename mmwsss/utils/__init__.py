"""Utilities shared by the stages: atomic, pickle-free file I/O, configs, checkpoints."""
from .cam_io import load_cams, save_cams
from .checkpoint import load_local_checkpoint, register_local_checkpoint_loader
from .config import (init_cpu_process_group, launcher_world_size, load_config,
                     resolve_batch_size)
from .io import (atomic_path, load_npz, save_json, save_label_png, save_npz,
                 voc_palette)
from .test_time import apply_test_time_options, variant_suffix
from .affinity_io import load_affinity_scores, save_affinity_scores

__all__ = [
    'atomic_path', 'init_cpu_process_group', 'launcher_world_size', 'load_cams',
    'load_config', 'resolve_batch_size',
    'load_local_checkpoint', 'load_npz', 'register_local_checkpoint_loader',
    'save_cams', 'save_json', 'save_label_png', 'save_npz', 'voc_palette',
    'apply_test_time_options', 'variant_suffix', 'load_affinity_scores',
    'save_affinity_scores'
]
