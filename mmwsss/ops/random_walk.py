"""Random walk with AffinityNet affinities (SPEC section 5).

The affinity graph of an ``h x w`` feature map has ``N = h * w`` nodes: the
radius pairs of :mod:`~mmwsss.ops.pair_indices` with their affinity ``W_ij``
in both directions, and self-loops of weight 1. With ``A = W ** beta``
(elementwise) and the column-normalised transition ``T = A / A.sum(0)``, the
walk propagates the class scores as ``v <- v @ T`` (``v`` is ``(C + 1) x N``)
``t`` times.

:func:`random_walk` takes the ``t`` steps with a sparse ``T`` (``2 K P + N``
non-zeros): O(N k) memory and O(t N k) time, with k = 2 K + 1 = 69 for
radius 5. :func:`random_walk_dense` is the official formulation (dense ``T``
squared ``log2(t)`` times), kept as a reference for tests and benchmarks.

``v @ T`` replaces each node's score by a weighted average of its neighbours'
scores (``T``'s columns sum to 1), so a constant map stays constant, scores
stay between their minimum and maximum, and the degree-weighted sum
``sum_j v_j * A.sum(0)_j`` is preserved (``A`` is symmetric). The plain sum
over nodes is not preserved.
"""
import math
import warnings
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .pair_indices import pair_indices


def affinity_graph(affinity: Tensor,
                   height: int,
                   width: int,
                   radius: int = 5) -> Tuple[Tensor, Tensor]:
    """Return the symmetric affinity matrix W in coordinate (COO) form.

    Entries: ``W[from, to] = W[to, from] = affinity`` for every radius pair and
    ``W[i, i] = 1``. No entry is repeated (each unordered pair of distinct
    nodes is one radius pair at most), so the entries need no summing.
    A batch gives a block-diagonal matrix: item ``b`` owns nodes
    ``[b * N, (b + 1) * N)``.

    Args:
        affinity: Pair affinities, tensor (K, P) or (B, K, P), for an
            ``h x w`` map (see :func:`~mmwsss.ops.affinity.pairwise_affinity`).
        height: Map height h.
        width: Map width w.
        radius: Pair radius r.

    Returns:
        Tuple ``(indices, values)``: long (2, E) rows and columns, and values
        (E,) of the dtype of ``affinity``, with ``E = B * (2 K P + N)``,
        ``N = h * w`` (``B = 1`` for an unbatched ``affinity``).
    """
    if affinity.dim() == 2:
        affinity = affinity.unsqueeze(0)
    if affinity.dim() != 3:
        raise ValueError(f'affinity must be (K, P) or (B, K, P), got shape '
                         f'{tuple(affinity.shape)}')
    batch = affinity.shape[0]
    num_nodes = height * width
    index_from, index_to = pair_indices(height, width, radius,
                                        affinity.device)
    if affinity.shape[1:] != index_to.shape:
        raise ValueError(
            f'affinity of shape {tuple(affinity.shape)} does not match a '
            f'{height} x {width} map with radius {radius}: expected (..., '
            f'{index_to.shape[0]}, {index_to.shape[1]})')
    base = torch.arange(batch, device=affinity.device).view(batch, 1) * num_nodes
    source = (base + index_from.expand_as(index_to).reshape(1, -1)).reshape(-1)
    target = (base + index_to.reshape(1, -1)).reshape(-1)
    diagonal = torch.arange(batch * num_nodes, device=affinity.device)
    rows = torch.cat([source, target, diagonal])
    cols = torch.cat([target, source, diagonal])
    pair_values = affinity.reshape(-1)
    values = torch.cat(
        [pair_values, pair_values,
         pair_values.new_ones(batch * num_nodes)])
    return torch.stack([rows, cols]), values


def affinity_matrix_dense(affinity: Tensor,
                          height: int,
                          width: int,
                          radius: int = 5) -> Tensor:
    """Return the symmetric affinity matrix W as a dense matrix.

    Memory is O(N^2): use for references and tests on small maps only.

    Args:
        affinity: Pair affinities, tensor (K, P), for an ``h x w`` map.
        height: Map height h.
        width: Map width w.
        radius: Pair radius r.

    Returns:
        Tensor (N, N), ``N = h * w``, of the dtype and device of ``affinity``:
        the pair affinities in both directions, 1 on the diagonal, 0 elsewhere.
    """
    if affinity.dim() != 2:
        raise ValueError(
            f'affinity must be (K, P), got shape {tuple(affinity.shape)}')
    indices, values = affinity_graph(affinity, height, width, radius)
    num_nodes = height * width
    matrix = affinity.new_zeros(num_nodes, num_nodes)
    matrix[indices[0], indices[1]] = values
    return matrix


def _compute_dtype(*tensors: Tensor) -> torch.dtype:
    """float64 if any input is float64, else float32."""
    if any(tensor.dtype == torch.float64 for tensor in tensors):
        return torch.float64
    return torch.float32


def _sparse_transition_transposed(affinity: Tensor, height: int, width: int,
                                  beta: float, radius: int,
                                  dtype: torch.dtype) -> Tensor:
    """Return ``T^T`` as a sparse CSR matrix, so that ``v @ T == (T^T @ v^T)^T``.

    ``A = W ** beta``, its column sums and ``T = A / A.sum(0)`` are computed in
    float64 and rounded once to ``dtype``. Computed in float32 instead, every
    column sum of ``T`` would be off by up to ~1e-7 relative, the same at
    every step, which 256 steps compound (measured on a nearly diagonal
    ``T``: 1.7e-5 instead of 1.1e-5 off the float64 walk).

    Args:
        affinity: Pair affinities (B, K, P).
        height: Map height h.
        width: Map width w.
        beta: Exponent applied to the affinities.
        radius: Pair radius r.
        dtype: dtype of the returned matrix.

    Returns:
        Sparse CSR tensor (B N, B N), ``N = h * w``, block diagonal over the
        batch, with entry ``(j, i) = T[i, j] = A[i, j] / sum_i' A[i', j]``.
    """
    indices, values = affinity_graph(
        affinity.to(torch.float64), height, width, radius)
    values = values.pow(beta)
    rows, cols = indices
    num_nodes = affinity.shape[0] * height * width
    column_sums = values.new_zeros(num_nodes).index_add_(0, cols, values)
    transition_t = torch.sparse_coo_tensor(
        torch.stack([cols, rows]), (values / column_sums[cols]).to(dtype),
        (num_nodes, num_nodes),
        check_invariants=False).coalesce()
    with warnings.catch_warnings():
        # torch warns once per process that sparse CSR support is in beta.
        warnings.filterwarnings('ignore', message='Sparse CSR tensor support')
        return transition_t.to_sparse_csr()


def random_walk(cams: Tensor,
                affinity: Tensor,
                beta: float = 8.0,
                num_iters: int = 256,
                radius: int = 5) -> Tensor:
    """Propagate class scores with the sparse affinity random walk.

    Computes ``cam_vec @ T ** num_iters`` with ``T = A / A.sum(0)``,
    ``A = W ** beta`` (see :func:`affinity_graph` for W) by ``num_iters``
    sparse steps (a CSR matrix times the (N, C + 1) scores), all channels at
    once: O(N k) memory and O(num_iters * N k * (C + 1)) time, never an
    N x N matrix. Computes in float32, or in float64 if ``cams`` or
    ``affinity`` is float64.

    Every step is a convex average, so rounding errors add up at most
    linearly in ``num_iters`` and are never amplified: after 256 float32
    steps, scores in [0, 1] are within ~2e-5 of the float64 walk (the dense
    float32 reference is within ~4e-6).

    Args:
        cams: Scores (C + 1, h, w), or a batch (B, C + 1, h, w).
        affinity: Pair affinities in [0, 1] of the same map, (K, P) or
            (1, K, P) for unbatched ``cams``, (B, K, P) for a batch.
        beta: Exponent applied to the affinities.
        num_iters: Number of steps t (0 returns the input).
        radius: Pair radius r the affinities were computed with.

    Returns:
        Propagated scores of the shape of ``cams``, float32 (or float64),
        on the device of ``cams``.
    """
    if num_iters < 0:
        raise ValueError(f'num_iters must be non-negative, got {num_iters}')
    batched = cams.dim() == 4
    if not batched:
        if cams.dim() != 3:
            raise ValueError(
                f'cams must be (C + 1, h, w) or (B, C + 1, h, w), '
                f'got shape {tuple(cams.shape)}')
        cams = cams.unsqueeze(0)
    batch, channels, height, width = cams.shape
    if affinity.dim() == 2:
        affinity = affinity.unsqueeze(0)
    if affinity.dim() != 3 or affinity.shape[0] != batch:
        raise ValueError(
            f'affinity of shape {tuple(affinity.shape)} does not match cams '
            f'of shape {tuple(cams.shape)}')
    dtype = _compute_dtype(cams, affinity)
    transition_t = _sparse_transition_transposed(
        affinity.to(cams.device), height, width, beta, radius, dtype)
    num_nodes = batch * height * width
    scores = cams.to(dtype).permute(0, 2, 3, 1).reshape(num_nodes, channels)
    for _ in range(num_iters):
        scores = transition_t @ scores
    scores = scores.view(batch, height, width, channels).permute(0, 3, 1, 2)
    scores = scores.contiguous()
    return scores if batched else scores[0]


def random_walk_dense(cams: Tensor,
                      affinity: Tensor,
                      beta: float = 8.0,
                      num_iters: int = 256,
                      radius: int = 5) -> Tensor:
    """Reference random walk in the official dense formulation.

    Builds the dense N x N transition ``T = A / A.sum(0)``, squares it
    ``log2(num_iters)`` times and returns ``cam_vec @ T ** num_iters``:
    O(N^2) memory and O(N^3 log2(num_iters)) time. For tests and benchmarks
    only; use :func:`random_walk`. Computes in float32, or in float64 if
    ``cams`` or ``affinity`` is float64.

    Args:
        cams: Scores (C + 1, h, w), or a batch (B, C + 1, h, w).
        affinity: Pair affinities, (K, P) or (1, K, P) for unbatched ``cams``,
            (B, K, P) for a batch.
        beta: Exponent applied to the affinities.
        num_iters: Number of steps t, a power of two (1, 2, 4, ...).
        radius: Pair radius r the affinities were computed with.

    Returns:
        Propagated scores of the shape of ``cams``.
    """
    if num_iters < 1 or num_iters & (num_iters - 1):
        raise ValueError(
            f'num_iters must be a power of two, got {num_iters}')
    if cams.dim() == 4:
        if affinity.dim() != 3 or affinity.shape[0] != cams.shape[0]:
            raise ValueError(
                f'affinity of shape {tuple(affinity.shape)} does not match '
                f'cams of shape {tuple(cams.shape)}')
        return torch.stack([
            random_walk_dense(item_cams, item_affinity, beta, num_iters,
                              radius)
            for item_cams, item_affinity in zip(cams, affinity)
        ])
    if cams.dim() != 3:
        raise ValueError(f'cams must be (C + 1, h, w) or (B, C + 1, h, w), '
                         f'got shape {tuple(cams.shape)}')
    if affinity.dim() == 3 and affinity.shape[0] == 1:
        affinity = affinity[0]
    channels, height, width = cams.shape
    dtype = _compute_dtype(cams, affinity)
    matrix = affinity_matrix_dense(
        affinity.to(device=cams.device, dtype=dtype), height, width, radius)
    matrix = matrix.pow(beta)
    transition = matrix / matrix.sum(dim=0, keepdim=True)
    for _ in range(int(math.log2(num_iters))):
        transition = transition @ transition
    scores = cams.to(dtype).reshape(channels, -1) @ transition
    return scores.view(channels, height, width)


def random_walk_input(cams: Tensor,
                      alpha: float = 16.0,
                      stride: int = 8) -> Tensor:
    """Build the class scores the random walk propagates.

    Channel 0 is the background map ``(1 - max_c cams) ** alpha``, channels
    1..C are ``cams``; the stack is zero-padded bottom/right to a multiple of
    ``stride`` and average-pooled by ``stride`` to the feature resolution.

    Args:
        cams: Normalised CAMs in [0, 1], tensor (C, H, W) with C >= 1 (all
            foreground classes; zeros for the classes not in the image).
        alpha: Background exponent (16 for the random walk).
        stride: Output stride of the affinity features.

    Returns:
        Tensor (C + 1, ceil(H / stride), ceil(W / stride)) of the dtype of
        ``cams``.
    """
    if cams.dim() != 3 or cams.shape[0] < 1:
        raise ValueError(
            f'cams must be (C, H, W) with C >= 1, got shape {tuple(cams.shape)}')
    height, width = cams.shape[-2:]
    background = (1 - cams.amax(dim=0, keepdim=True)).pow(alpha)
    scores = torch.cat([background, cams])
    pad_bottom = -height % stride
    pad_right = -width % stride
    scores = F.pad(scores, (0, pad_right, 0, pad_bottom))
    return F.avg_pool2d(scores.unsqueeze(0), stride)[0]


def random_walk_scores_to_image(scores: Tensor,
                                image_size: Tuple[int, int],
                                stride: int = 8) -> Tensor:
    """Upsample propagated scores to the image.

    Upsamples bilinearly (``align_corners=False``) to the padded size
    ``(h * stride, w * stride)`` and crops the top-left ``H x W``, as the
    official random walk does before its argmax.

    Args:
        scores: Propagated scores (C + 1, h, w) with
            ``h = ceil(H / stride)`` and ``w = ceil(W / stride)``.
        image_size: Image size ``(H, W)``.
        stride: Output stride of the affinity features.

    Returns:
        Scores (C + 1, H, W) of the dtype of ``scores``.
    """
    if scores.dim() != 3:
        raise ValueError(
            f'scores must be (C + 1, h, w), got shape {tuple(scores.shape)}')
    height, width = image_size
    feat_height, feat_width = scores.shape[-2:]
    if (feat_height, feat_width) != (-(-height // stride),
                                     -(-width // stride)):
        raise ValueError(
            f'scores of size {feat_height} x {feat_width} do not match an '
            f'image of size {height} x {width} with stride {stride}')
    upsampled = F.interpolate(
        scores.unsqueeze(0),
        size=(feat_height * stride, feat_width * stride),
        mode='bilinear',
        align_corners=False)[0]
    return upsampled[:, :height, :width]


def random_walk_to_label(scores: Tensor,
                         image_size: Tuple[int, int],
                         stride: int = 8) -> Tensor:
    """Turn propagated scores into a label map of the image.

    Upsamples bilinearly (``align_corners=False``) to the padded size
    ``(h * stride, w * stride)``, takes the argmax over the channels and crops
    the top-left ``H x W`` (see :func:`random_walk_scores_to_image`).

    Args:
        scores: Propagated scores (C + 1, h, w) with
            ``h = ceil(H / stride)`` and ``w = ceil(W / stride)``.
        image_size: Image size ``(H, W)``.
        stride: Output stride of the affinity features.

    Returns:
        Long tensor (H, W) with values 0 (background) .. C.
    """
    return random_walk_scores_to_image(scores, image_size, stride).argmax(dim=0)
