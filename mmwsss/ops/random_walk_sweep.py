"""Re-run the random walk of one image for a grid of settings (no network).

The walk is linear in its input and only the background channel depends on
the background exponent alpha, so for each beta one walk propagates the
background maps of every alpha and the CAMs of the present classes together,
and the walk to the largest t passes through every smaller t of the grid.
"""
from typing import Iterator, List, Sequence, Tuple

import torch
from torch import Tensor

from .random_walk import (propagate, random_walk_input, random_walk_scores_to_image,
                          random_walk_transition, single_intra_op_thread)

Setting = Tuple[float, float, int]


def random_walk_sweep(cams: Tensor,
                      affinity: Tensor,
                      alphas: Sequence[float],
                      betas: Sequence[float],
                      iters: Sequence[int],
                      radius: int = 5,
                      stride: int = 8) -> Iterator[Tuple[List[Setting], Tensor, Tensor]]:
    """Yield the random-walk scores of one image for every setting of a grid.

    For each ``(alpha, beta, t)``, ``channel_labels[channel_argmax(scores)]``
    are the labels of :func:`~mmwsss.ops.random_walk.random_walk_input`
    (background exponent alpha), :func:`~mmwsss.ops.random_walk.random_walk`
    (beta, t steps), upsampling and argmax, as ``AffinityNet.predict``
    computes them; only the channels of the background and the present
    classes are walked (the others are zero and never win the argmax).

    Args:
        cams: Normalised CAMs (C, H, W), zero for absent classes.
        affinity: Pair affinities (K, P) of the ``ceil(H / stride) x
            ceil(W / stride)`` feature map.
        alphas: Background exponents.
        betas: Affinity exponents.
        iters: Numbers of steps t (non-negative).
        radius: Pair radius r.
        stride: Output stride of the features.

    Yields:
        For each beta: ``(settings, scores, channel_labels)``: the S
        settings ``(alpha, beta, t)`` (t ascending, then alphas), their
        scores (S, 1 + M, H, W) at the image size for the background and the
        M present classes, and ``channel_labels`` long (1 + M,), the label
        values of these channels (0, then the present classes 1..C).
    """
    if cams.dim() != 3:
        raise ValueError(f'cams must be (C, H, W), got shape {tuple(cams.shape)}')
    image_size = tuple(cams.shape[-2:])
    present = torch.nonzero(cams.flatten(1).ne(0).any(dim=1)).flatten()
    channel_labels = torch.cat([present.new_zeros(1), present + 1])
    inputs = [random_walk_input(cams, alpha, stride) for alpha in alphas]
    height, width = inputs[0].shape[-2:]
    # columns: the background of each alpha, then the present classes
    columns = torch.cat([torch.stack([inp[0] for inp in inputs]),
                         inputs[0][present + 1]]).reshape(len(alphas) + len(present), -1)
    columns = columns.t().to(torch.float32)
    num_alphas = len(alphas)
    for beta in betas:
        with single_intra_op_thread():
            transition_t = random_walk_transition(affinity, height, width, beta, radius)
        walked, done = columns, 0
        settings, maps = [], []
        for num_iters in sorted(iters):
            walked = propagate(transition_t, walked, num_iters - done)
            done = num_iters
            walked_maps = walked.t().reshape(-1, height, width)
            for index, alpha in enumerate(alphas):
                settings.append((alpha, beta, num_iters))
                maps.append(torch.cat([walked_maps[index:index + 1],
                                       walked_maps[num_alphas:]]))
        yield (settings, random_walk_scores_to_image(torch.stack(maps), image_size, stride),
               channel_labels)
