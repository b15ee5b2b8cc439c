"""The CAM file format shared by the CAM stage, EPS, affinity labels and the random walk.

One ``{img_id}.npz`` per image (no pickle): ``cams`` float16 (K, H, W), the
normalised CAMs of the K present classes, and ``labels`` int16 (K,), their class
values 1..C. Non-finite values are refused when a file is written and when it
is read.
"""
import os
import os.path as osp
from typing import Tuple, Union

import numpy as np
import torch

from .finite import check_finite
from .io import save_npz
from .readers import read_npz


def _img_id(path: Union[str, os.PathLike]) -> str:
    """The image id of a per-image file (its stem)."""
    return osp.splitext(osp.basename(path))[0]


def save_cams(path: Union[str, os.PathLike], cams: torch.Tensor,
              img_labels: torch.Tensor) -> None:
    """Atomically write the CAMs of the present classes.

    Args:
        path: Destination ``.npz``.
        cams: Normalised CAMs (C, H, W) of all C foreground classes.
        img_labels: Multi-hot labels (C,).

    Raises:
        NonFiniteError: the CAMs of a present class hold NaN or infinity
            (nothing is written).
    """
    present = torch.nonzero(img_labels > 0).flatten()
    kept = cams[present].detach().cpu().numpy()
    check_finite(kept, f'CAMs of image {_img_id(path)!r} to write to {path}')
    save_npz(path,
             cams=kept.astype(np.float16),
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

    Raises:
        FileNotFoundError: the file does not exist.
        UnreadableFileError: the file cannot be decoded.
        KeyError: it lacks ``cams`` or ``labels``.
        ValueError: class values out of range, or shapes that disagree.
        NonFiniteError: the CAMs hold NaN or infinity.
    """
    img_id = _img_id(path)
    data = read_npz(path, img_id, 'CAM file')
    if 'cams' not in data or 'labels' not in data:
        raise KeyError(f'{path} is not a CAM file (needs "cams" and "labels")')
    if data['cams'].ndim != 3 or data['cams'].shape[0] != data['labels'].size:
        raise ValueError(f'{path}: "cams" {data["cams"].shape} must be (K, H, W) with '
                         f'K = {data["labels"].size} classes')
    check_finite(data['cams'], f'CAM file of image {img_id!r}: {path}')
    labels = data['labels'].astype(np.int64)
    if labels.size and (labels.min() < 1 or labels.max() > num_classes):
        raise ValueError(f'{path}: class values {labels.tolist()} not in 1..{num_classes}')
    cams = np.zeros((num_classes, ) + data['cams'].shape[1:], dtype=np.float32)
    cams[labels - 1] = data['cams']
    return cams, labels
