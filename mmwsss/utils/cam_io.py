"""The CAM file format shared by the CAM stage, EPS, affinity labels and the random walk.

One ``{img_id}.npz`` per image (no pickle): ``cams`` float16 (K, H, W), the
normalised CAMs of the K present classes, and ``labels`` int16 (K,), their class
values 1..C.
"""
import os
from typing import Tuple, Union

import numpy as np
import torch

from .io import load_npz, save_npz


def save_cams(path: Union[str, os.PathLike], cams: torch.Tensor,
              img_labels: torch.Tensor) -> None:
    """Atomically write the CAMs of the present classes.

    Args:
        path: Destination ``.npz``.
        cams: Normalised CAMs (C, H, W) of all C foreground classes.
        img_labels: Multi-hot labels (C,).
    """
    present = torch.nonzero(img_labels > 0).flatten()
    save_npz(path,
             cams=cams[present].detach().cpu().numpy().astype(np.float16),
             labels=(present + 1).cpu().numpy().astype(np.int16))


def load_cams(path: Union[str, os.PathLike],
              num_classes: int) -> Tuple[np.ndarray, np.ndarray]:
    """Read a CAM file back as full (C, H, W) maps.

    Args:
        path: ``.npz`` written by :func:`save_cams`.
        num_classes: Number of foreground classes C.

    Returns:
        ``(cams, labels)``: float32 (C, H, W), zero for absent classes, and the
        int64 class values 1..C of the present classes.
    """
    data = load_npz(path)
    if 'cams' not in data or 'labels' not in data:
        raise KeyError(f'{path} is not a CAM file (needs "cams" and "labels")')
    labels = data['labels'].astype(np.int64)
    if labels.size and (labels.min() < 1 or labels.max() > num_classes):
        raise ValueError(f'{path}: class values {labels.tolist()} not in 1..{num_classes}')
    cams = np.zeros((num_classes, ) + data['cams'].shape[1:], dtype=np.float32)
    cams[labels - 1] = data['cams']
    return cams, labels
