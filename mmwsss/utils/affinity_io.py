"""The affinity-score file format: dense-CRF scores from which affinity labels are cut.

One ``{img_id}.npz`` per training image (no pickle), written once after the CAM
stage (:func:`mmwsss.apis.make_affinity_labels`) and read by the
``LoadAffinityScores`` transform:

- ``low``: float16 (K + 1, H, W), CRF scores with the low background alpha
  (enlarged background); channel 0 is the background, channel k the k-th
  present class;
- ``high``: float16 (K + 1, H, W), the same with the high alpha (shrunk
  background);
- ``labels``: int16 (K,), the class values 1..C of the K present classes.

The scores, not hard labels, are stored: the official label rule
(docs/method.md#affinity-labels) applies after the random crop and the 8 x 8 pooling of
the scores.
Non-finite scores are refused when a file is written and when it is read.
"""
import os
import os.path as osp
from typing import Tuple, Union

import numpy as np

from .finite import check_finite
from .io import save_npz
from .readers import read_npz

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

    Raises:
        ValueError: the shapes disagree.
        NonFiniteError: the kept scores hold NaN or infinity (nothing is written).
    """
    img_labels = np.asarray(img_labels)
    if low.shape != high.shape or low.shape[0] != img_labels.shape[0] + 1:
        raise ValueError(
            f'scores for {path} must both be (C + 1, H, W) with C = '
            f'{img_labels.shape[0]}, got {low.shape} and {high.shape}')
    present = np.flatnonzero(img_labels > 0) + 1
    channels = np.concatenate([[0], present])
    img_id = osp.splitext(osp.basename(path))[0]
    for name, scores in (('low', low), ('high', high)):
        check_finite(scores[channels],
                     f'{name}-alpha affinity scores of image {img_id!r} to write to {path}')
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

    Raises:
        FileNotFoundError: the file does not exist.
        UnreadableFileError: the file cannot be decoded.
        KeyError: it lacks ``low``, ``high`` or ``labels``.
        ValueError: the shapes disagree.
        NonFiniteError: the scores hold NaN or infinity.
    """
    img_id = osp.splitext(osp.basename(path))[0]
    data = read_npz(path, img_id, 'affinity-score file')
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
    for name, scores in (('low', low), ('high', high)):
        check_finite(scores, f'"{name}" of the affinity-score file of image {img_id!r}: '
                     f'{path}')
    classes = np.concatenate([[0], labels])
    return low.astype(np.float32), high.astype(np.float32), classes
