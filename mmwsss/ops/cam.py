"""Class activation maps: computation, multi-scale aggregation and CAM labels.

Implements the PSA / AffinityNet CAM stage (docs/method.md#cam). Every function works on
float32 torch tensors on any device; nothing here depends on a registry.

The official multi-scale inference, reproduced by these helpers, is::

    for s in scales:                                  # (1.0, 0.5, 1.5, 2.0)
        img_s = rescale_image(img, s)                 # bicubic, round(side * s)
        for flip in (False, True):
            cam = cam_from_features(backbone(img_s or its flip), fc8.weight)
    cams = merge_multiscale_cams(cams, flips, (H, W), labels)
    norm_cams = normalize_cams(cams)                  # cam / (max + 1e-5)
    label = cam_pseudo_label(norm_cams, bg_score=0.2)
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

#: Test-time scales of the official PSA CAM inference.
DEFAULT_CAM_SCALES: Tuple[float, ...] = (1.0, 0.5, 1.5, 2.0)


def cam_from_features(features: Tensor, weight: Tensor) -> Tensor:
    """Compute class activation maps with the classifier's 1x1 convolution.

    Args:
        features: Backbone features of shape (B, D, h, w).
        weight: Classifier weight of shape (C, D, 1, 1) (no bias).

    Returns:
        ``relu(conv2d(features, weight))`` of shape (B, C, h, w).
    """
    return F.relu(F.conv2d(features, weight))


def scaled_size(size: Sequence[int], scale: float) -> Tuple[int, int]:
    """Return the size of an image rescaled by ``scale``, as the official code does.

    Each side becomes ``round(side * scale)`` with Python's built-in ``round``
    (round half to even: ``round(375 * 0.5) == 188``, ``round(281 * 1.5) == 422``).

    Args:
        size: Original size (H, W).
        scale: Scale factor.

    Returns:
        The scaled size (H_s, W_s).
    """
    height, width = size
    return round(height * scale), round(width * scale)


def rescale_image(img: Tensor, scale: float) -> Tensor:
    """Resize images bicubically to :func:`scaled_size`.

    The official code resizes the uint8 PIL image with ``Image.BICUBIC`` before
    normalisation. Here the float tensor is resized with ``F.interpolate(
    mode='bicubic', align_corners=False, antialias=True)``, which uses PIL's kernel
    (a = -0.5, support widened when downscaling). The results differ only by PIL's
    rounding and clipping to uint8 after each pass: at most about one grey level on
    natural images, more only next to saturated high-contrast edges. Because the
    resize is linear it may be applied to normalised images as well.

    Args:
        img: Images of shape (B, 3, H, W) or (3, H, W), float.
        scale: Scale factor; ``1.0`` returns ``img`` unchanged.

    Returns:
        Resized images of shape (B, 3, H_s, W_s) or (3, H_s, W_s).
    """
    size = scaled_size(img.shape[-2:], scale)
    if size == tuple(img.shape[-2:]):
        return img
    batched = img if img.dim() == 4 else img.unsqueeze(0)
    resized = F.interpolate(
        batched, size=size, mode='bicubic', align_corners=False, antialias=True)
    return resized if img.dim() == 4 else resized.squeeze(0)


def multiscale_flip_inputs(
        img: Tensor,
        scales: Sequence[float] = DEFAULT_CAM_SCALES,
        flip: bool = True) -> List[Tuple[Tensor, bool]]:
    """Build the test-time inputs of the multi-scale, flipped CAM inference.

    The order is the official one: for each scale, the rescaled image and then
    its horizontal flip.

    Args:
        img: Images of shape (B, 3, H, W).
        scales: Scale factors.
        flip: Whether to add the horizontally flipped copy of every scale.

    Returns:
        A list of ``(image (B, 3, H_s, W_s), flipped)`` pairs.
    """
    inputs = []
    for scale in scales:
        scaled = rescale_image(img, scale)
        inputs.append((scaled, False))
        if flip:
            inputs.append((scaled.flip(-1), True))
    return inputs


def merge_multiscale_cams(cams: Sequence[Tensor], flips: Sequence[bool],
                          out_size: Sequence[int], labels: Tensor) -> Tensor:
    """Aggregate the CAMs of the multi-scale, flipped passes of one image.

    Each CAM is upsampled bilinearly (``align_corners=False``) to ``out_size``,
    multiplied by the image-label mask, flipped back if its input was flipped,
    and the results are summed.

    Args:
        cams: CAMs of one image, each of shape (C, h_i, w_i).
        flips: Whether each CAM was computed on a horizontally flipped input.
        out_size: Original image size (H, W).
        labels: Multi-hot image labels of shape (C,), no background entry.

    Returns:
        Summed CAMs of shape (C, H, W), zero for absent classes.
    """
    if len(cams) != len(flips) or not cams:
        raise ValueError(
            f'need one flip flag per CAM and at least one CAM, got {len(cams)} '
            f'CAMs and {len(flips)} flags')
    mask = labels.to(cams[0].dtype).view(-1, 1, 1)
    total = None
    for cam, flipped in zip(cams, flips):
        cam = F.interpolate(
            cam.unsqueeze(0), size=tuple(out_size), mode='bilinear',
            align_corners=False).squeeze(0) * mask
        if flipped:
            cam = cam.flip(-1)
        total = cam if total is None else total + cam
    return total


def normalize_cams(cams: Tensor, eps: float = 1e-5) -> Tensor:
    """Divide each CAM by its spatial maximum.

    Args:
        cams: Non-negative CAMs of shape (..., H, W).
        eps: Added to the maximum, so all-zero (absent) maps stay zero.

    Returns:
        ``cams / (max over (H, W) + eps)``, same shape, values in [0, 1).
    """
    return cams / (cams.amax(dim=(-2, -1), keepdim=True) + eps)


def background_map(norm_cams: Tensor, alpha: float) -> Tensor:
    """Compute the background score ``(1 - max_c M_c) ** alpha``.

    Absent classes have all-zero maps and do not change the maximum, so either
    the full C channels or only the present ones may be passed.

    Args:
        norm_cams: Normalised CAMs of shape (C, H, W), C may be 0.
        alpha: Exponent; low alpha (4) enlarges the background, high alpha (32,
            paper 24) shrinks it, the random walk uses 16.

    Returns:
        Background map of shape (H, W); all ones when C == 0.
    """
    if norm_cams.shape[0] == 0:
        return norm_cams.new_ones(norm_cams.shape[-2:])
    return (1 - norm_cams.amax(dim=0)).pow(alpha)


def cam_pseudo_label(norm_cams: Tensor, bg_score: float = 0.2) -> Tensor:
    """Label every pixel by the argmax over a constant background and the CAMs.

    Ties resolve to the lowest index (``torch.argmax`` returns the first
    maximum), so a CAM exactly equal to ``bg_score`` gives background and equal
    CAMs give the smaller class value.

    Args:
        norm_cams: Normalised CAMs of shape (C, H, W), all C classes, zero for
            absent ones.
        bg_score: Constant background score (0.2 for PSA's ResNet-38 CAMs,
            IRNet uses 0.15).

    Returns:
        int64 label map of shape (H, W) with values 0 (background) .. C.
    """
    background = norm_cams.new_full((1, ) + tuple(norm_cams.shape[-2:]), bg_score)
    return torch.cat([background, norm_cams], dim=0).argmax(dim=0)
