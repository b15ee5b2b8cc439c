"""Random walk with AffinityNet affinities (PSA pseudo-label synthesis).

The affinity graph of an ``h x w`` feature map has ``N = h * w`` nodes: the
radius pairs of :mod:`~mmwsss.ops.pair_indices` with their affinity ``W_ij``
in both directions, and self-loops of weight 1. With ``A = W ** beta``
(elementwise) and the column-normalised transition ``T = A / A.sum(0)``, the
walk propagates the class scores as ``v <- v @ T`` (``v`` is ``(C + 1) x N``)
``t`` times.

:func:`random_walk` takes the ``t`` steps with a sparse ``T`` (``2 K P + N``
non-zeros, built straight from the stencil of each node's 2 K + 1
neighbours): O(N k) memory and O(t N k) time, with k = 2 K + 1 = 69 for
radius 5. On CPU the steps run without any per-step parallel region (see
:func:`propagate`), so the walk keeps its speed when other processes hold
cores. :func:`random_walk_dense` is the official formulation (dense ``T``
squared ``log2(t)`` times), kept as a reference for tests and benchmarks.

``v @ T`` replaces each node's score by a weighted average of its neighbours'
scores (``T``'s columns sum to 1), so a constant map stays constant, scores
stay between their minimum and maximum, and the degree-weighted sum
``sum_j v_j * A.sum(0)_j`` is preserved (``A`` is symmetric). The plain sum
over nodes is not preserved.
"""
import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Iterator, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from .pair_indices import from_grid_size, pair_indices, radius_offsets

# Channels of one CPU task of :func:`propagate`: at most this many, in blocks of
# CHANNEL_BLOCK (zero-padded), the widths the CPU sparse kernel vectorises.
MAX_TASK_CHANNELS = 16
CHANNEL_BLOCK = 4


def _batched(affinity: Tensor) -> Tensor:
    """Affinities as (B, K, P): a (K, P) tensor gets a batch dimension of 1."""
    if affinity.dim() == 2:
        affinity = affinity.unsqueeze(0)
    if affinity.dim() != 3:
        raise ValueError(f'affinity must be (K, P) or (B, K, P), got shape '
                         f'{tuple(affinity.shape)}')
    return affinity

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
    affinity = _batched(affinity)
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


def _stencil_weights(affinity: Tensor, height: int, width: int,
                     radius: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Lay the affinity graph out as a stencil: every node's neighbours.

    Args:
        affinity: Pair weights (B, K, P) (affinities, or their powers).
        height: Map height h.
        width: Map width w.
        radius: Pair radius r.

    Returns:
        Tuple ``(weights, valid, displacement)``: ``weights`` (B, N, S) with
        ``weights[b, j, s] = W[j + displacement[s], j]`` (0 where ``valid``
        is False; 1 for the self-loop), ``valid`` bool (N, S),
        ``displacement`` long (S,) sorted ascending: the flat displacements
        ``dy * w + dx`` of the ``S = 2 K + 1`` stencil offsets (the radius
        offsets, their opposites and 0 for the self-loop).
    """
    batch = affinity.shape[0]
    margin = radius - 1
    rows, cols = from_grid_size(height, width, radius)
    offsets = radius_offsets(radius)
    if affinity.shape[1:] != (len(offsets), rows * cols):
        raise ValueError(
            f'affinity of shape {tuple(affinity.shape)} does not match a '
            f'{height} x {width} map with radius {radius}: expected (..., '
            f'{len(offsets)}, {rows * cols})')
    if not rows * cols:
        offsets = []
    forward = affinity.new_zeros(batch, len(offsets), height + 2 * margin,
                                 width + 2 * margin)
    forward_valid = torch.zeros(len(offsets), height + 2 * margin, width + 2 * margin,
                                dtype=torch.bool, device=affinity.device)
    inner = (slice(margin, margin + rows), slice(2 * margin, 2 * margin + cols))
    forward[(slice(None), slice(None)) + inner] = affinity.reshape(
        batch, len(offsets), rows, cols)
    forward_valid[(slice(None), ) + inner] = True
    stencil = {(0, 0): (affinity.new_ones(batch, height, width),
                        torch.ones(height, width, dtype=torch.bool,
                                   device=affinity.device))}
    crop = (slice(margin, margin + height), slice(margin, margin + width))
    for index, (dy, dx) in enumerate(offsets):
        # the pair (p, p + o) seen from p: neighbour p + o, weight a[p]
        stencil[(dy, dx)] = (forward[(slice(None), index) + crop],
                             forward_valid[(index, ) + crop])
        # seen from q = p + o: neighbour q - o, weight a[q - o]
        shifted = (slice(margin - dy, margin - dy + height),
                   slice(margin - dx, margin - dx + width))
        stencil[(-dy, -dx)] = (forward[(slice(None), index) + shifted],
                               forward_valid[(index, ) + shifted])
    order = sorted(stencil)  # (dy, dx) order = order of dy * w + dx, as |dx| < w / 2
    weights = torch.stack([stencil[key][0] for key in order], dim=-1)
    valid = torch.stack([stencil[key][1] for key in order], dim=-1)
    displacement = torch.tensor([dy * width + dx for dy, dx in order],
                                device=affinity.device)
    return (weights.reshape(batch, height * width, len(order)),
            valid.reshape(height * width, len(order)), displacement)


def random_walk_transition(affinity: Tensor,
                           height: int,
                           width: int,
                           beta: float = 8.0,
                           radius: int = 5,
                           dtype: torch.dtype = torch.float32) -> Tensor:
    """Return ``T^T`` as a sparse CSR matrix, so that ``v @ T == (T^T @ v^T)^T``.

    Built straight from the stencil of each node's neighbours (the radius
    offsets, their opposites and the node itself, in the order of their
    flat displacement, so each row's columns come out sorted): no sort,
    O(N k) time and memory. ``A = W ** beta``, its column sums and
    ``T = A / A.sum(0)`` are computed in float64 and rounded once to
    ``dtype``. Computed in float32 instead, every column sum of ``T`` would
    be off by up to ~1e-7 relative, the same at every step, which 256 steps
    compound (measured on a nearly diagonal ``T``: 1.7e-5 instead of 1.1e-5
    off the float64 walk). The indices are int32 on CPU (the index type of
    the CPU sparse kernel, so no step converts them), int64 elsewhere.

    Args:
        affinity: Pair affinities (K, P) or (B, K, P).
        height: Map height h.
        width: Map width w.
        beta: Exponent applied to the affinities.
        radius: Pair radius r.
        dtype: dtype of the returned matrix.

    Returns:
        Sparse CSR tensor (B N, B N), ``N = h * w``, block diagonal over the
        batch, on the device of ``affinity``, with entry
        ``(j, i) = T[i, j] = A[i, j] / sum_i' A[i', j]`` and ``2 K P + N``
        entries per image.
    """
    affinity = _batched(affinity)
    batch = affinity.shape[0]
    num_nodes = height * width
    powered, valid, displacement = _stencil_weights(
        affinity.to(torch.float64).pow(beta), height, width, radius)
    transition = (powered / powered.sum(dim=2, keepdim=True)).to(dtype)
    keep = valid.reshape(-1).nonzero().squeeze(1)
    values = transition.reshape(batch, -1)[:, keep].reshape(-1)
    nodes = torch.arange(num_nodes, device=affinity.device)
    columns = (nodes[:, None] + displacement).reshape(-1)[keep]
    base = torch.arange(batch, device=affinity.device)[:, None] * num_nodes
    columns = (base + columns).reshape(-1)
    counts = valid.sum(dim=1).repeat(batch)
    crow = torch.cat([counts.new_zeros(1), counts.cumsum(0)])
    index_dtype = torch.int32 if affinity.device.type == 'cpu' else torch.int64
    with warnings.catch_warnings():
        # torch warns once per process that sparse CSR support is in beta.
        warnings.filterwarnings('ignore', message='Sparse CSR tensor support')
        return torch.sparse_csr_tensor(
            crow.to(index_dtype), columns.to(index_dtype), values,
            (batch * num_nodes, batch * num_nodes), check_invariants=False)


def channel_chunks(channels: int) -> Tuple[int, int]:
    """Split the score channels into the tasks of :func:`propagate`.

    The split depends on the number of channels only, never on the thread
    count, so every thread count computes the same numbers.

    Args:
        channels: Number of score channels.

    Returns:
        ``(num_chunks, chunk_width)``: ``ceil(channels / 16)`` chunks of the
        same width, a multiple of 4 (21 channels: 2 chunks of 12, the last 3
        columns zero padding).
    """
    num_chunks = max(math.ceil(channels / MAX_TASK_CHANNELS), 1)
    width = CHANNEL_BLOCK * math.ceil(channels / (num_chunks * CHANNEL_BLOCK))
    return num_chunks, width


@contextmanager
def single_intra_op_thread(enabled: bool = True) -> Iterator[None]:
    """Run the calling thread's torch CPU ops on one intra-op thread.

    Small CPU ops gain little from threads, and each parallel region ends in
    a barrier that waits a whole scheduler time slice when another process
    holds a core. The torch thread count is restored on exit.

    Args:
        enabled: False makes this a no-op (e.g. for CUDA tensors).
    """
    previous = torch.get_num_threads()
    if enabled:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if enabled:
            torch.set_num_threads(previous)


def _walk_steps(transition_t: Tensor, scores: Tensor, num_iters: int) -> Tensor:
    """Take ``num_iters`` steps ``scores <- T^T @ scores`` in two buffers.

    On CPU each step is one sparse-dense product written into the other
    buffer (``addmm`` with ``beta=0`` does not read it), so no step allocates,
    zero-fills or copies.
    """
    if scores.device.type != 'cpu':
        for _ in range(num_iters):
            scores = transition_t @ scores
        return scores
    scores = scores.clone(memory_format=torch.contiguous_format)
    buffer = torch.zeros_like(scores)
    for _ in range(num_iters):
        torch.addmm(buffer, transition_t, scores, beta=0, out=buffer)
        scores, buffer = buffer, scores
    return scores


def _walk_single_threaded(transition_t: Tensor, scores: Tensor,
                          num_iters: int) -> Tensor:
    """:func:`_walk_steps` with one intra-op thread (in a worker thread)."""
    torch.set_num_threads(1)
    return _walk_steps(transition_t, scores, num_iters)


def propagate(transition_t: Tensor,
              scores: Tensor,
              num_iters: int,
              num_threads: Optional[int] = None) -> Tensor:
    """Multiply scores by ``T^T`` ``num_iters`` times.

    On CUDA the steps run one after the other on all channels. On CPU each
    step is far too small to pay for a parallel region (a step of a
    500 x 375 image takes ~0.1 ms; a fork/join barrier waits a whole
    scheduler time slice when another process holds a core), so the
    channels are split into fixed chunks (:func:`channel_chunks`) and each
    chunk takes all its steps in one thread with one intra-op thread: one
    fork/join per walk instead of several per step, and the same numbers
    on any thread count. The torch thread count is restored afterwards.

    Args:
        transition_t: ``T^T``, sparse CSR (N, N), from
            :func:`random_walk_transition`.
        scores: Scores (N, C) of the dtype of ``transition_t``.
        num_iters: Number of steps t (0 returns a copy of ``scores``).
        num_threads: CPU threads walking chunks at once (default: the torch
            thread count).

    Returns:
        ``(T^T)^num_iters @ scores``, (N, C).
    """
    if num_iters < 0:
        raise ValueError(f'num_iters must be non-negative, got {num_iters}')
    if scores.device.type != 'cpu':
        return _walk_steps(transition_t, scores, num_iters)
    channels = scores.shape[1]
    num_chunks, width = channel_chunks(channels)
    padded = F.pad(scores, (0, num_chunks * width - channels))
    chunks = [padded[:, index * width:(index + 1) * width] for index in range(num_chunks)]
    workers = min(num_threads or torch.get_num_threads(), num_chunks)
    with single_intra_op_thread():
        if workers == 1:
            results = [_walk_steps(transition_t, chunk, num_iters) for chunk in chunks]
        else:
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(
                    partial(_walk_single_threaded, transition_t, num_iters=num_iters),
                    chunks))
    return torch.cat(results, dim=1)[:, :channels]


def random_walk(cams: Tensor,
                affinity: Tensor,
                beta: float = 8.0,
                num_iters: int = 256,
                radius: int = 5) -> Tensor:
    """Propagate class scores with the sparse affinity random walk.

    Computes ``cam_vec @ T ** num_iters`` with ``T = A / A.sum(0)``,
    ``A = W ** beta`` (see :func:`affinity_graph` for W) by ``num_iters``
    sparse steps (:func:`random_walk_transition` times the (N, C + 1)
    scores, see :func:`propagate`): O(N k) memory and
    O(num_iters * N k * (C + 1)) time, never an N x N matrix. Channels that
    are zero everywhere (the classes absent from an image) stay zero and are
    not walked. Computes in float32, or in float64 if ``cams`` or
    ``affinity`` is float64. The result does not depend on the thread count.

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
    workers = torch.get_num_threads()
    with single_intra_op_thread(cams.device.type == 'cpu'):
        transition_t = random_walk_transition(
            affinity.to(cams.device), height, width, beta, radius, dtype)
        num_nodes = batch * height * width
        scores = cams.to(dtype).permute(0, 2, 3, 1).reshape(num_nodes, channels)
        walked = torch.zeros_like(scores)
        active = scores.ne(0).any(dim=0)
        if active.any():
            walked[:, active] = propagate(transition_t, scores[:, active], num_iters,
                                          workers)
    scores = walked.reshape(batch, height, width, channels).permute(0, 3, 1, 2)
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
                      alpha: Optional[float] = 16.0,
                      stride: int = 8) -> Tensor:
    """Build the class scores the random walk propagates.

    Channel 0 is the background map ``(1 - max_c cams) ** alpha`` (PSA), or
    zeros when ``alpha`` is None (the background is then a constant applied
    after the walk, see :func:`constant_background`); channels 1..C are
    ``cams``; the stack is zero-padded bottom/right to a multiple of
    ``stride`` and average-pooled by ``stride`` to the feature resolution.

    Args:
        cams: Normalised CAMs in [0, 1], tensor (C, H, W) with C >= 1 (all
            foreground classes; zeros for the classes not in the image).
        alpha: Background exponent (16 for the random walk), or None.
        stride: Output stride of the affinity features.

    Returns:
        Tensor (C + 1, ceil(H / stride), ceil(W / stride)) of the dtype of
        ``cams``.
    """
    if cams.dim() != 3 or cams.shape[0] < 1:
        raise ValueError(
            f'cams must be (C, H, W) with C >= 1, got shape {tuple(cams.shape)}')
    height, width = cams.shape[-2:]
    background = (cams.new_zeros((1, height, width)) if alpha is None else
                  (1 - cams.amax(dim=0, keepdim=True)).pow(alpha))
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
        scores: Propagated scores (C + 1, h, w), or a batch (S, C + 1, h, w),
            with ``h = ceil(H / stride)`` and ``w = ceil(W / stride)``.
        image_size: Image size ``(H, W)``.
        stride: Output stride of the affinity features.

    Returns:
        Scores (C + 1, H, W) (or (S, C + 1, H, W)) of the dtype of ``scores``.
    """
    if scores.dim() not in (3, 4):
        raise ValueError(
            f'scores must be (C + 1, h, w) or (S, C + 1, h, w), got shape '
            f'{tuple(scores.shape)}')
    height, width = image_size
    feat_height, feat_width = scores.shape[-2:]
    if (feat_height, feat_width) != (-(-height // stride),
                                     -(-width // stride)):
        raise ValueError(
            f'scores of size {feat_height} x {feat_width} do not match an '
            f'image of size {height} x {width} with stride {stride}')
    upsampled = F.interpolate(
        scores if scores.dim() == 4 else scores.unsqueeze(0),
        size=(feat_height * stride, feat_width * stride),
        mode='bilinear',
        align_corners=False)
    upsampled = upsampled[..., :height, :width]
    return upsampled if scores.dim() == 4 else upsampled[0]


def constant_background(scores: Tensor,
                        bg_score: Union[float, Sequence[float]],
                        eps: float = 1e-5) -> Tensor:
    """Re-normalise propagated class scores and give the background a constant.

    The walk averages each class map over the regions its affinities join, so
    a CAM that peaks on a small discriminative part comes out of the walk far
    below 1, while a CAM that already covered its object does not. Dividing
    each class channel by its own maximum over the image restores the
    convention of the walk's input (every present class peaks at 1, see
    :func:`~mmwsss.ops.cam.normalize_cams`), and the background is then the
    constant score of the CAM-only labels
    (:func:`~mmwsss.ops.cam.cam_pseudo_label`): a pixel is foreground where a
    propagated class reaches ``bg_score`` of its maximum. (IRNet labels its
    walked CAMs the same way, dividing by one maximum over all classes.)

    With one score per class, ``b_c``, a pixel is foreground where a class
    reaches ``b_c`` of its maximum: the background channel is 1 and class ``c``
    is ``n_c / b_c`` (``n_c`` the class divided by its maximum). With every
    ``b_c`` equal to ``b`` the argmax and the per-pixel probabilities
    (scores divided by their sum, as the dense CRF reads them) are those of
    the single score ``b``.

    Args:
        scores: Propagated scores (C + 1, H, W) or (S, C + 1, H, W); channel
            0 (the background) is replaced, channels 1..C are the classes
            (zero for absent ones, which stay zero).
        bg_score: Constant background score in (0, 1), or C scores in (0, 1),
            one per class (in channel order).
        eps: Added to each maximum, so all-zero channels stay zero.

    Returns:
        Scores of the same shape and dtype.
    """
    if scores.dim() not in (3, 4) or scores.shape[-3] < 2:
        raise ValueError(f'scores must be (C + 1, H, W) or (S, C + 1, H, W) with C >= 1, '
                         f'got shape {tuple(scores.shape)}')
    classes = scores[..., 1:, :, :]
    classes = classes / (classes.amax(dim=(-2, -1), keepdim=True) + eps)
    if isinstance(bg_score, (int, float)):
        background = torch.full_like(scores[..., :1, :, :], bg_score)
        return torch.cat([background, classes], dim=-3)
    class_scores = torch.as_tensor(bg_score, dtype=scores.dtype, device=scores.device)
    if class_scores.shape != (classes.shape[-3], ):
        raise ValueError(f'{class_scores.numel()} background scores for '
                         f'{classes.shape[-3]} classes: give one score, or one per class')
    background = torch.ones_like(scores[..., :1, :, :])
    return torch.cat([background, classes / class_scores[:, None, None]], dim=-3)


def channel_argmax(scores: Tensor) -> Tensor:
    """``scores.argmax(dim=-3)`` (first maximum on ties), fast on CPU.

    torch's argmax over a leading, strided dimension is ~6x slower than a
    few elementwise comparisons, one per channel.

    Args:
        scores: Scores (..., C, H, W), C >= 1.

    Returns:
        Long tensor (..., H, W): the index of the largest channel.
    """
    best = scores[..., 0, :, :]
    index = torch.zeros(best.shape, dtype=torch.long, device=scores.device)
    for channel in range(1, scores.shape[-3]):
        larger = scores[..., channel, :, :] > best
        index.masked_fill_(larger, channel)
        best = torch.maximum(best, scores[..., channel, :, :])
    return index


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
    return channel_argmax(random_walk_scores_to_image(scores, image_size, stride))
