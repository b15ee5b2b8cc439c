"""Pairwise affinities of AffinityNet features (docs/method.md#affinitynet)."""
import torch
from torch import Tensor

from .pair_indices import from_grid_size, pair_indices, radius_offsets


def pairwise_affinity(features: Tensor, radius: int = 5) -> Tensor:
    """Compute ``W_ij = exp(-mean_c |f_i - f_j|)`` for the radius pairs.

    The pairs are those of :func:`~mmwsss.ops.pair_indices.pair_indices`
    (same order); each offset's "to" positions form a shifted window of the
    map, so the features are sliced instead of gathered.

    Args:
        features: Float tensor (B, D, H, W).
        radius: Pair radius r.

    Returns:
        Affinities in (0, 1], tensor (B, K, P) of the dtype and device of
        ``features``, differentiable with respect to ``features``. ``P`` is 0
        when the map is too small to hold a pair.
    """
    if features.dim() != 4:
        raise ValueError(
            f'features must be (B, D, H, W), got shape {tuple(features.shape)}')
    batch, _, height, width = features.shape
    margin = radius - 1
    rows, cols = from_grid_size(height, width, radius)
    source = features[:, :, :rows, margin:margin + cols]
    distances = [
        (features[:, :, dy:dy + rows, margin + dx:margin + dx + cols] -
         source).abs().mean(dim=1) for dy, dx in radius_offsets(radius)
    ]
    distance = torch.stack(distances, dim=1).reshape(
        batch, len(distances), rows * cols)
    return torch.exp(-distance)


def mean_neighbour_affinity(affinity: Tensor,
                            height: int,
                            width: int,
                            radius: int = 5,
                            fill: float = 1.0) -> Tensor:
    """Average each position's affinities to its radius neighbours.

    Every radius pair counts for both of its positions, so a position inside
    the map averages over up to ``2 K`` neighbours. Low values mark positions
    next to a boundary the network has learnt; used for pictures.

    Args:
        affinity: Pair affinities (K, P) or (B, K, P) of an ``h x w`` map
            (see :func:`pairwise_affinity`).
        height: Map height h.
        width: Map width w.
        radius: Pair radius r.
        fill: Value of positions that belong to no pair (the first ``r - 1``
            positions of row 0, or every position of a map too small for
            pairs).

    Returns:
        Tensor (h, w), or (B, h, w) for a batch, of the dtype of ``affinity``.
    """
    batched = affinity.dim() == 3
    if not batched:
        affinity = affinity.unsqueeze(0)
    if affinity.dim() != 3:
        raise ValueError(f'affinity must be (K, P) or (B, K, P), got shape '
                         f'{tuple(affinity.shape)}')
    index_from, index_to = pair_indices(height, width, radius, affinity.device)
    if affinity.shape[1:] != index_to.shape:
        raise ValueError(
            f'affinity of shape {tuple(affinity.shape)} does not match a '
            f'{height} x {width} map with radius {radius}')
    batch = affinity.shape[0]
    nodes = torch.cat([index_from.expand_as(index_to).reshape(-1),
                       index_to.reshape(-1)])
    values = torch.cat([affinity.reshape(batch, -1)] * 2, dim=1)
    totals = affinity.new_zeros(batch, height * width).index_add_(1, nodes, values)
    counts = affinity.new_zeros(height * width).index_add_(
        0, nodes, affinity.new_ones(nodes.numel()))
    means = torch.where(counts > 0, totals / counts.clamp(min=1),
                        totals.new_tensor(fill))
    means = means.view(batch, height, width)
    return means if batched else means[0]
