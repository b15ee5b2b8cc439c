"""EPS saliency loss: saliency maps as pseudo-pixel supervision (docs/method.md#eps)."""
from typing import Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor


def saliency_overlap(fg_probs: Tensor, saliency: Tensor) -> Tensor:
    """Compute the overlap ratio of each class map with the saliency map.

    ``O_c = sum(round(P_c) * round(S)) / sum(round(P_c) + 1e-4)``: the 1e-4 is
    added at every pixel, so the denominator is ``sum(round(P_c)) + 1e-4 * h * w``
    and a class with no pixel above 0.5 has ratio 0. ``torch.round`` rounds half
    to even (0.5 -> 0). The result carries no gradient.

    Args:
        fg_probs: Softmax probabilities of the C foreground channels, shape
            (B, C, h, w).
        saliency: Saliency at the same resolution, shape (B, 1, h, w), in [0, 1].

    Returns:
        Overlap ratios of shape (B, C).
    """
    with torch.no_grad():
        rounded = torch.round(fg_probs)
        overlap = (rounded * torch.round(saliency)).sum(dim=(2, 3))
        return overlap / (rounded + 1e-4).sum(dim=(2, 3))


def eps_saliency_loss(logits_cam: Tensor,
                      saliency: Tensor,
                      labels: Tensor,
                      tau: float = 0.4,
                      lam: float = 0.5,
                      return_overlap: bool = False
                      ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Compute the EPS saliency loss.

    S is the saliency resized (nearest, ``F.interpolate`` default) to the CAM size
    and P the softmax over the C+1 channels (last channel = background). Present
    classes whose overlap ratio (:func:`saliency_overlap`) exceeds ``tau`` form the
    foreground set; the background channel and the other present classes form the
    background set; absent classes are in neither. Then
    ``S_hat = lam * sum_fg P_c + (1 - lam) * (1 - sum_bg P_c)`` and the loss is the
    mean squared error between S_hat and S over all B * h * w pixels of the batch
    (``F.mse_loss`` as the official code). Gradients flow through P only.

    Args:
        logits_cam: CAM logits of shape (B, C+1, h, w), no ReLU.
        saliency: Saliency maps of shape (B, 1, H, W) in [0, 1].
        labels: Multi-hot image labels of shape (B, C), no background entry.
        tau: Overlap threshold (official scripts 0.4, code default 0.5).
        lam: Weight of the foreground map (0.5 for VOC, 0.9 for COCO).
        return_overlap: Also return the overlap ratios.

    Returns:
        The scalar loss, and with ``return_overlap`` the overlap ratios of shape
        (B, C) (computed for every class, used for the present ones only).
    """
    num_classes = labels.shape[1]
    if logits_cam.shape[1] != num_classes + 1:
        raise ValueError(f'logits_cam has {logits_cam.shape[1]} channels, expected '
                         f'{num_classes} classes + background')
    saliency = F.interpolate(
        saliency.to(logits_cam.dtype), size=logits_cam.shape[-2:], mode='nearest')
    probs = logits_cam.softmax(dim=1)
    fg_probs, bg_prob = probs[:, :num_classes], probs[:, num_classes:]
    overlap = saliency_overlap(fg_probs, saliency)
    present = labels > 0
    in_fg = (present & (overlap > tau)).to(probs.dtype)[..., None, None]
    in_bg = (present & (overlap <= tau)).to(probs.dtype)[..., None, None]
    fg_map = (fg_probs * in_fg).sum(dim=1, keepdim=True)
    bg_map = bg_prob + (fg_probs * in_bg).sum(dim=1, keepdim=True)
    pred = lam * fg_map + (1 - lam) * (1 - bg_map)
    loss = F.mse_loss(pred, saliency)
    if return_overlap:
        return loss, overlap
    return loss
