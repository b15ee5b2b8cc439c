"""Utilities shared by the stages: atomic, pickle-free file I/O and config loading."""
from .cam_io import load_cams, save_cams
from .config import load_config
from .io import (atomic_path, load_npz, save_json, save_label_png, save_npz,
                 voc_palette)

__all__ = [
    'atomic_path', 'load_cams', 'load_config', 'load_npz', 'save_cams',
    'save_json', 'save_label_png', 'save_npz', 'voc_palette'
]
