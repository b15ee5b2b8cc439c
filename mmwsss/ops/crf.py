"""Fully connected CRF (Krahenbuhl and Koltun) on top of pydensecrf.

The settings are those of the official PSA code (docs/method.md#dense-crf): a Gaussian kernel
(sxy 3, compat 3) and a bilateral kernel (sxy 80, srgb 13, compat 10), 10 mean-field
iterations, unaries ``-log(clip(score, 1e-5, 1))`` from ``unary_from_softmax``.
pydensecrf is the PyPI package ``pydensecrf2``.
"""
import numpy as np
from pydensecrf.densecrf import DenseCRF2D
from pydensecrf.utils import unary_from_softmax


def dense_crf(image: np.ndarray,
              probs: np.ndarray,
              num_iters: int = 10,
              gauss_sxy: float = 3,
              gauss_compat: float = 3,
              bilateral_sxy: float = 80,
              bilateral_srgb: float = 13,
              bilateral_compat: float = 10) -> np.ndarray:
    """Run mean-field inference of a dense CRF.

    As in the official PSA code, ``probs`` need not be normalised: each score is
    clipped to [1e-5, 1] and its negative log is the unary energy.

    Args:
        image: RGB image of shape (H, W, 3), uint8.
        probs: Scores of shape (n, H, W), ideally in [0, 1]; computed in float32.
        num_iters: Number of mean-field iterations.
        gauss_sxy: Spatial standard deviation of the Gaussian (smoothness) kernel.
        gauss_compat: Weight of the Gaussian kernel (Potts compatibility).
        bilateral_sxy: Spatial standard deviation of the bilateral kernel.
        bilateral_srgb: Colour standard deviation of the bilateral kernel.
        bilateral_compat: Weight of the bilateral kernel.

    Returns:
        float32 marginals of shape (n, H, W); they sum to 1 over the n labels.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f'image must be uint8 (H, W, 3), got {image.dtype} {image.shape}')
    probs = np.asarray(probs, dtype=np.float32)
    num_labels = probs.shape[0]
    height, width = image.shape[:2]
    if probs.ndim != 3 or probs.shape[1:] != (height, width):
        raise ValueError(f'probs must be (n, {height}, {width}), got {probs.shape}')
    crf = DenseCRF2D(width, height, num_labels)
    crf.setUnaryEnergy(np.ascontiguousarray(unary_from_softmax(probs)))
    crf.addPairwiseGaussian(sxy=gauss_sxy, compat=gauss_compat)
    crf.addPairwiseBilateral(
        sxy=bilateral_sxy, srgb=bilateral_srgb,
        rgbim=np.ascontiguousarray(image), compat=bilateral_compat)
    marginals = crf.inference(num_iters)
    return np.asarray(marginals, dtype=np.float32).reshape(num_labels, height, width)


def crf_refine_label(image: np.ndarray, scores: np.ndarray,
                     num_iters: int = 10) -> np.ndarray:
    """Refine a score map into a label map with the dense CRF (the "+dCRF" step).

    Used on the random-walk result (PSA's paper row "RW + dCRF", docs/method.md#random-walk): the
    (C+1) random-walk scores, upsampled to the image size, are divided by their
    sum over labels at each pixel (so they are probabilities and the argmax before
    the CRF is unchanged; pixels whose scores are all zero get a uniform
    distribution), refined by :func:`dense_crf` and labelled by argmax.

    Args:
        image: RGB image of shape (H, W, 3), uint8.
        scores: Non-negative scores of shape (n, H, W); channel k is label k.
        num_iters: Number of mean-field iterations.

    Returns:
        int64 label map of shape (H, W) with values 0 .. n-1.
    """
    scores = np.asarray(scores, dtype=np.float32)
    total = scores.sum(axis=0, keepdims=True)
    probs = np.where(total > 0, scores / np.maximum(total, 1e-20),
                     np.float32(1.0 / scores.shape[0]))
    return dense_crf(image, probs, num_iters=num_iters).argmax(axis=0)
