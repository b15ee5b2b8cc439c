"""Pixel pairs within a radius, as used by AffinityNet (docs/method.md#affinitynet).

A pair joins a "from" position to a "to" position displaced by one of the
radius offsets. The offsets cover half of the disc (``dy > 0``, or ``dy == 0``
and ``dx > 0``), so every unordered pair of distinct positions closer than the
radius appears at most once. "From" positions are rows ``[0, H - (r - 1))`` and
columns ``[r - 1, W - (r - 1))``, which keeps every "to" position inside the map.

Pair tensors are offset-major: shape ``(K, P)`` (or ``(B, K, P)``) with ``K``
offsets and ``P`` "from" positions in row-major order, the layout of the
official affinity tensor.
"""
from typing import List, Optional, Tuple, Union

import torch
from torch import Tensor

DeviceLike = Optional[Union[str, torch.device]]


def radius_offsets(radius: int = 5) -> List[Tuple[int, int]]:
    """Return the (dy, dx) offsets of the pairs within ``radius``.

    First ``(0, dx)`` for ``dx = 1 .. radius - 1``, then for each
    ``dy = 1 .. radius - 1`` every ``dx = -(radius - 1) .. radius - 1`` with
    ``dx**2 + dy**2 < radius**2``. ``radius = 5`` gives 34 offsets.

    Args:
        radius: Pair radius (exclusive), at least 2.

    Returns:
        The offsets in this order.
    """
    if radius < 2:
        raise ValueError(f'radius must be at least 2, got {radius}')
    offsets = [(0, dx) for dx in range(1, radius)]
    for dy in range(1, radius):
        for dx in range(-(radius - 1), radius):
            if dx * dx + dy * dy < radius * radius:
                offsets.append((dy, dx))
    return offsets


def from_grid_size(height: int, width: int, radius: int = 5) -> Tuple[int, int]:
    """Return the size of the grid of "from" positions.

    Args:
        height: Map height H.
        width: Map width W.
        radius: Pair radius r.

    Returns:
        ``(H - (r - 1), W - 2 * (r - 1))``, each clamped at 0. The grid starts
        at row 0, column ``r - 1``.
    """
    margin = radius - 1
    return max(height - margin, 0), max(width - 2 * margin, 0)


def pair_indices(height: int,
                 width: int,
                 radius: int = 5,
                 device: DeviceLike = None) -> Tuple[Tensor, Tensor]:
    """Return flat indices (``y * W + x``) of the pairs of an ``H x W`` map.

    A map too small to hold a "from" position (``H <= r - 1`` or
    ``W <= 2 * (r - 1)``) has no pairs: ``P = 0``.

    Args:
        height: Map height H.
        width: Map width W.
        radius: Pair radius r.
        device: Device of the returned tensors.

    Returns:
        Tuple ``(index_from, index_to)``:
        ``index_from``, long (P,), with ``P = (H - (r - 1)) * (W - 2 * (r - 1))``
        (2,496 for 56 x 56 and r = 5);
        ``index_to``, long (K, P), ``index_to[k, p]`` being ``index_from[p]``
        displaced by offset ``k`` of :func:`radius_offsets`.
    """
    if height < 0 or width < 0:
        raise ValueError(f'map size must be non-negative, got {height} x {width}')
    offsets = radius_offsets(radius)
    margin = radius - 1
    rows, cols = from_grid_size(height, width, radius)
    flat = torch.arange(height * width, device=device).view(height, width)
    index_from = flat[:rows, margin:margin + cols].reshape(-1)
    index_to = torch.stack([
        flat[dy:dy + rows, margin + dx:margin + dx + cols].reshape(-1)
        for dy, dx in offsets
    ])
    return index_from, index_to


def extract_pair_labels(label: Tensor,
                        radius: int = 5) -> Tuple[Tensor, Tensor, Tensor]:
    """Turn an affinity label map into pair labels.

    With ``valid`` meaning both labels are below 255: background-positive pairs
    have equal labels and a background (0) "from" label; foreground-positive
    pairs have equal labels, a non-zero "from" label and are valid; negative
    pairs have different labels and are valid.

    Args:
        label: Long tensor (B, H, W), values 0 (background), 1..C or 255
            (neutral / ignore).
        radius: Pair radius r.

    Returns:
        Tuple ``(bg_pos, fg_pos, neg)`` of float32 tensors (B, K, P) with
        values 0 or 1, on the device of ``label``.
    """
    if label.dim() != 3:
        raise ValueError(f'label must be (B, H, W), got shape {tuple(label.shape)}')
    batch, height, width = label.shape
    index_from, index_to = pair_indices(height, width, radius, label.device)
    flat = label.reshape(batch, -1)
    label_from = flat[:, index_from].unsqueeze(1)
    label_to = flat[:, index_to.reshape(-1)].view(batch, *index_to.shape)
    valid = (label_from < 255) & (label_to < 255)
    equal = label_from == label_to
    bg_pos = equal & (label_from == 0)
    fg_pos = equal & (label_from != 0) & valid
    neg = ~equal & valid
    return bg_pos.float(), fg_pos.float(), neg.float()
