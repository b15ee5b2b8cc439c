"""Utilities shared by the stages: atomic, pickle-free file I/O, configs, checkpoints."""
from .cam_io import load_cams, save_cams
from .checkpoint import load_local_checkpoint, register_local_checkpoint_loader
from .config import init_cpu_process_group, load_config
from .io import (atomic_path, load_npz, save_json, save_label_png, save_npz,
                 voc_palette)

__all__ = [
    'atomic_path', 'init_cpu_process_group', 'load_cams', 'load_config', 'load_local_checkpoint', 'load_npz',
    'register_local_checkpoint_loader', 'save_cams',
    'save_json', 'save_label_png', 'save_npz', 'voc_palette'
]
