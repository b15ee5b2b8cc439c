"""The affinity-score file format: dense-CRF scores from which affinity labels are cut.

One ``{img_id}.npz`` per training image (no pickle), written once after the CAM
stage (:func:`mmwsss.engine.make_affinity_labels`) and read by the
``LoadAffinityScores`` transform:

- ``low``: float16 (K + 1, H, W), CRF scores with the low background alpha
  (enlarged background); channel 0 is the background, channel k the k-th
  present class;
- ``high``: float16 (K + 1, H, W), the same with the high alpha (shrunk
  background);
- ``labels``: int16 (K,), the class values 1..C of the K present classes.

The scores, not hard labels, are stored: the official label rule (SPEC
section 3) applies after the random crop and the 8 x 8 pooling of the scores.
"""
import os
from typing import Tuple, Union

import numpy as np

from .io import load_npz, save_npz

PathLike = Union[str, os.PathLike]


def save_affinity_scores(path: PathLike, low: np.ndarray, high: np.ndarray,
                         img_labels: np.ndarray) -> None:
    """Atomically write the scores of the background and the present classes.

    Args:
        path: Destination ``.npz``.
        low: Low-alpha scores (C + 1, H, W) of the background and all C
            classes (absent classes are dropped).
        high: High-alpha scores (C + 1, H, W).
        img_labels: Multi-hot labels (C,).
    """
    img_labels = np.asarray(img_labels)
    if low.shape != high.shape or low.shape[0] != img_labels.shape[0] + 1:
        raise ValueError(
            f'scores for {path} must both be (C + 1, H, W) with C = '
            f'{img_labels.shape[0]}, got {low.shape} and {high.shape}')
    present = np.flatnonzero(img_labels > 0) + 1
    channels = np.concatenate([[0], present])
    save_npz(path,
             low=np.asarray(low[channels], dtype=np.float16),
             high=np.asarray(high[channels], dtype=np.float16),
             labels=present.astype(np.int16))


def load_affinity_scores(
        path: PathLike) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read an affinity-score file.

    Args:
        path: ``.npz`` written by :func:`save_affinity_scores`.

    Returns:
        ``(low, high, classes)``: float32 (K + 1, H, W) scores and the int64
        class value of each channel, (K + 1,), starting with 0 (background).
    """
    data = load_npz(path)
    missing = {'low', 'high', 'labels'} - set(data)
    if missing:
        raise KeyError(f'{path} is not an affinity-score file (missing '
                       f'{sorted(missing)})')
    low, high = data['low'], data['high']
    labels = data['labels'].astype(np.int64)
    if low.ndim != 3 or low.shape != high.shape or low.shape[0] != labels.size + 1:
        raise ValueError(
            f'{path}: "low" {low.shape} and "high" {high.shape} must be '
            f'(K + 1, H, W) with K = {labels.size} classes')
    classes = np.concatenate([[0], labels])
    return low.astype(np.float32), high.astype(np.float32), classes
