"""Affinity labels from CAMs refined by a dense CRF (PSA; docs/method.md#affinity-labels).

The pipeline, as in the official PSA code:

1. Offline, per training image: :func:`affinity_crf_scores` runs the dense CRF on
   [background map with low alpha (4); present CAMs] and on the same stack with
   high alpha (32, paper 24), and stores both (C+1, H, W) score maps.
2. In the affinity training pipeline: the image and both score maps are cropped
   together (448, zero padded), flipped, and the scores are averaged over 8x8
   blocks (:func:`pool_scores`, 448 -> 56).
3. :func:`affinity_label_from_scores` turns the pooled scores into labels at
   feature resolution: confident foreground, confident background (0) and
   neutral / padding (255).
"""
from typing import Tuple, TypeVar

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F

from .crf import dense_crf

ArrayOrTensor = TypeVar('ArrayOrTensor', np.ndarray, torch.Tensor)


def crf_background_scores(image: np.ndarray, norm_cams: np.ndarray,
                          alpha: float) -> np.ndarray:
    """Run the dense CRF on the background map stacked over the present CAMs.

    Args:
        image: RGB image of shape (H, W, 3), uint8.
        norm_cams: Normalised CAMs of the present classes only, shape
            (C_present, H, W), float32; C_present may be 0.
        alpha: Exponent of the background map ``(1 - max_c M_c) ** alpha``.

    Returns:
        float32 CRF marginals of shape (1 + C_present, H, W); channel 0 is the
        background, channel k the k-th present class. All ones when no class is
        present (a single label).
    """
    norm_cams = np.asarray(norm_cams, dtype=np.float32)
    if norm_cams.shape[0] == 0:
        return np.ones((1, ) + norm_cams.shape[1:], dtype=np.float32)
    background = np.power(1 - norm_cams.max(axis=0, keepdims=True), alpha)
    return dense_crf(image, np.concatenate([background, norm_cams], axis=0))


def affinity_crf_scores(image: np.ndarray,
                        norm_cams: np.ndarray,
                        labels: np.ndarray,
                        low_alpha: float = 4,
                        high_alpha: float = 32,
                        dtype: npt.DTypeLike = np.float32
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Compute the low- and high-alpha CRF scores of one image.

    The CRF runs on the present classes only (as the official code); its output
    is then expanded to all classes: channel 0 is the background, channel c the
    class of value c, and absent classes are all zero.

    Args:
        image: RGB image of shape (H, W, 3), uint8.
        norm_cams: Normalised CAMs of all classes, shape (C, H, W).
        labels: Multi-hot image labels of shape (C,), no background entry.
        low_alpha: Background exponent that enlarges the background (official 4).
        high_alpha: Background exponent that shrinks the background (official 32,
            paper 24).
        dtype: Storage dtype. float16 halves the files and is safe for the label
            rule: present scores are CRF marginals (at least 1 / (C+1) for the
            maximum), stored with about 3 significant digits.

    Returns:
        Low-alpha and high-alpha scores, each of shape (C+1, H, W).
    """
    norm_cams = np.asarray(norm_cams, dtype=np.float32)
    present = np.flatnonzero(np.asarray(labels) > 0)
    channels = np.concatenate([[0], present + 1])
    results = []
    for alpha in (low_alpha, high_alpha):
        full = np.zeros((norm_cams.shape[0] + 1, ) + norm_cams.shape[1:], dtype=dtype)
        full[channels] = crf_background_scores(image, norm_cams[present], alpha)
        results.append(full)
    return results[0], results[1]


def pool_scores(scores: ArrayOrTensor, factor: int = 8) -> ArrayOrTensor:
    """Average scores over non-overlapping ``factor`` x ``factor`` blocks.

    PyTorch's ``avg_pool2d`` (in float32, the result in the input's dtype), on
    numpy arrays and torch tensors alike (448 x 448 -> 56 x 56 for the
    official affinity crop).

    Args:
        scores: Scores of shape (n, H, W) with H and W multiples of ``factor``.
        factor: Block size.

    Returns:
        Block means of shape (n, H / factor, W / factor).
    """
    num, height, width = scores.shape
    if height % factor or width % factor:
        raise ValueError(
            f'score size {height}x{width} is not a multiple of {factor}')
    tensor = torch.as_tensor(np.ascontiguousarray(scores) if isinstance(scores, np.ndarray)
                             else scores)
    pooled = F.avg_pool2d(tensor.float()[None], factor)[0].to(tensor.dtype)
    return pooled.numpy() if isinstance(scores, np.ndarray) else pooled


def affinity_label_from_scores(low_scores: np.ndarray, high_scores: np.ndarray,
                               min_score: float = 1e-5) -> np.ndarray:
    """Derive affinity labels from the (cropped, pooled) low/high-alpha scores.

    The rules apply in this order, later ones overriding earlier ones:

    1. label = argmax of the low-alpha scores (ties: lowest channel);
    2. where that argmax is background -> 255 (neutral);
    3. where the high-alpha argmax is background -> 0 (confident background);
    4. where no channel of either map reaches ``min_score`` (padding) -> 255.

    Args:
        low_scores: Low-alpha scores of shape (C+1, h, w), channel 0 background.
        high_scores: High-alpha scores of shape (C+1, h, w).
        min_score: Pixels whose largest score over both maps is below this value
            carry no score.

    Returns:
        uint8 label map of shape (h, w) with values 0 .. C and 255.
    """
    low_scores = np.asarray(low_scores)
    high_scores = np.asarray(high_scores)
    low_label = low_scores.argmax(axis=0)
    label = low_label.astype(np.uint8)
    label[low_label == 0] = 255
    label[high_scores.argmax(axis=0) == 0] = 0
    no_score = np.maximum(low_scores.max(axis=0), high_scores.max(axis=0)) < min_score
    label[no_score] = 255
    return label
