"""DeepLab-v2's multi-scale inputs ("MSC"): one network run at several input
scales, the outputs max-fused, a loss on every output (docs: configs/seg/README.md)."""
from typing import Callable, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

DEFAULT_MSC_SCALES = (0.5, 0.75)
"""The scales DeepLab-v2 adds to the full-scale input (deeplab-pytorch's MSC wrapper)."""


def check_msc_scales(scales: Sequence[float], where: str) -> None:
    """Refuse an empty list of multi-scale input scales or one outside (0, 1].

    Args:
        scales: Input scales besides 1.
        where: Name of the setting, for the message.

    Raises:
        ValueError: naming ``where`` and the scales.
    """
    if not scales or any(isinstance(scale, bool) or not isinstance(scale, (int, float))
                         or not 0 < scale <= 1 for scale in scales):
        raise ValueError(f'{where} must be a non-empty list of numbers in (0, 1], '
                         f'got {scales!r}')


def multi_scale_input_logits(forward: Callable[[Tensor], Tensor], inputs: Tensor,
                             scales: Sequence[float] = DEFAULT_MSC_SCALES) -> List[Tensor]:
    """The network's logits at the full scale and at each smaller input scale, and
    their max fusion.

    Each smaller input is the batch resized by ``scales[i]`` (bilinear,
    ``align_corners=False``, the size floored as ``F.interpolate`` does for a
    scale factor); its logits are upsampled (bilinear) to the size of the
    full-scale logits and the fused logits are their element-wise maximum.

    Args:
        forward: The network: images (B, 3, H, W) -> logits (B, C, h, w).
        inputs: Images (B, 3, H, W).
        scales: Input scales besides 1, each in (0, 1].

    Returns:
        ``[full (B, C, h, w), one per scale (B, C, h_i, w_i) at its own size,
        fused (B, C, h, w)]``: ``len(scales) + 2`` tensors.

    Raises:
        ValueError: no scale, a scale not in (0, 1], or an input scale that leaves
            no pixel.
    """
    check_msc_scales(scales, 'multi-scale input scales')
    full = forward(inputs)
    height, width = inputs.shape[-2:]
    smaller = []
    for scale in scales:
        if int(height * scale) < 1 or int(width * scale) < 1:
            raise ValueError(f'input scale {scale} of a {height}x{width} batch leaves no pixel')
        scaled = F.interpolate(inputs, scale_factor=scale, mode='bilinear',
                               align_corners=False)
        smaller.append(forward(scaled))
    upsampled = [F.interpolate(logits, size=full.shape[-2:], mode='bilinear',
                               align_corners=False) for logits in smaller]
    fused = torch.stack([full] + upsampled).max(dim=0).values
    return [full] + smaller + [fused]


def resize_labels(labels: Tensor, size: Sequence[int]) -> Tensor:
    """Labels resized by nearest neighbour to a logit size with PIL's ``NEAREST``,
    image by image, as deeplab-pytorch's ``resize_labels`` (torch's nearest
    modes round some pixel centres differently).

    Args:
        labels: Class indices (B, H, W), integer (ignored pixels keep their value).
        size: Output (h, w).

    Returns:
        (B, h, w), the dtype and device of ``labels``.
    """
    height, width = (int(side) for side in size)
    resized = [np.asarray(Image.fromarray(label.cpu().numpy().astype(np.float32)).resize(
        (width, height), resample=Image.NEAREST)) for label in labels]
    return torch.from_numpy(np.stack(resized)).to(device=labels.device, dtype=labels.dtype)


def multi_scale_input_losses(outputs: Sequence[Tensor], labels: Tensor,
                             loss: Callable[[Tensor, Tensor], Tensor]) -> List[Tensor]:
    """One loss per output of :func:`multi_scale_input_logits`, each against the
    labels resized to its size (:func:`resize_labels`); DeepLab-v2 trains on
    their sum.

    Args:
        outputs: Logits (B, C, h_i, w_i), e.g. ``[full, scaled..., fused]``.
        labels: Class indices (B, H, W) at the input size.
        loss: ``(logits (B, C, h, w), labels (B, h, w)) -> scalar``.

    Returns:
        The losses, in the order of ``outputs``.
    """
    return [loss(logits, resize_labels(labels, logits.shape[-2:])) for logits in outputs]
