"""Re-run the random walk of one image for a grid of settings (no network).

The walk is linear in its input and only the background channel depends on
the background exponent alpha, so for each beta one walk propagates the
background maps of every alpha and the CAMs of the present classes together,
and the walk to the largest t passes through every smaller t of the grid. A
constant background (``bg_score``, see
:func:`~mmwsss.ops.random_walk.constant_background`) needs no walk of its
own: it re-normalises the same walked classes.
"""
from typing import Iterator, List, NamedTuple, Sequence, Tuple, Union

import torch
from torch import Tensor

from .random_walk import (constant_background, propagate, random_walk_input,
                          random_walk_scores_to_image, random_walk_transition,
                          single_intra_op_thread)


class Background(NamedTuple):
    """The background of a random walk.

    Attributes:
        kind: ``'alpha'``: PSA's background channel ``(1 - max CAM) ** value``,
            walked with the classes (``AffinityNet`` test_cfg ``bg_alpha``);
            ``'bg_score'``: the constant ``value`` after the walk, each walked
            class divided by its maximum (test_cfg ``bg_score``).
        value: The exponent, the constant score, or a tuple of C constant
            scores, one per class (class order).
    """

    kind: str
    value: Union[float, Tuple[float, ...]]

    def __str__(self) -> str:
        name = 'alpha' if self.kind == 'alpha' else 'bg score'
        if isinstance(self.value, tuple):
            return f'{name}s per class ' + '/'.join(f'{value:g}' for value in self.value)
        return f'{name} {self.value:g}'


Setting = Tuple[Background, float, int]
"""``(background, beta, t)``."""


def random_walk_sweep(cams: Tensor,
                      affinity: Tensor,
                      alphas: Sequence[float],
                      betas: Sequence[float],
                      iters: Sequence[int],
                      radius: int = 5,
                      stride: int = 8,
                      bg_scores: Sequence[Union[float, Tuple[float, ...]]] = ()
                      ) -> Iterator[Tuple[List[Setting], Tensor, Tensor]]:
    """Yield the random-walk scores of one image for every setting of a grid.

    For each ``(background, beta, t)``, ``channel_labels[channel_argmax(scores)]``
    are the labels ``AffinityNet.predict`` computes:
    :func:`~mmwsss.ops.random_walk.random_walk_input` (background exponent
    alpha, or none for a constant background),
    :func:`~mmwsss.ops.random_walk.random_walk` (beta, t steps), upsampling,
    :func:`~mmwsss.ops.random_walk.constant_background` for a ``bg_score``, and
    argmax; only the channels of the background and the present classes are
    walked (the others are zero and never win the argmax).

    Args:
        cams: Normalised CAMs (C, H, W), zero for absent classes.
        affinity: Pair affinities (K, P) of the ``ceil(H / stride) x
            ceil(W / stride)`` feature map.
        alphas: Background exponents (walked backgrounds).
        betas: Affinity exponents.
        iters: Numbers of steps t (non-negative).
        radius: Pair radius r.
        stride: Output stride of the features.
        bg_scores: Constant background scores in (0, 1), each one score or a
            tuple of C scores, one per class.

    Yields:
        For each beta: ``(settings, scores, channel_labels)``: the S
        settings (t ascending, then the alphas, then the background scores),
        their scores (S, 1 + M, H, W) at the image size for the background and
        the M present classes, and ``channel_labels`` long (1 + M,), the label
        values of these channels (0, then the present classes 1..C).
    """
    if cams.dim() != 3:
        raise ValueError(f'cams must be (C, H, W), got shape {tuple(cams.shape)}')
    if not alphas and not bg_scores:
        raise ValueError('the sweep needs at least one alpha or one bg_score')
    per_class = [score for score in bg_scores if isinstance(score, tuple)]
    if any(len(scores) != cams.shape[0] for scores in per_class):
        raise ValueError(f'per-class background scores {per_class} for {cams.shape[0]} '
                         'classes: give one score per class')
    image_size = tuple(cams.shape[-2:])
    present = torch.nonzero(cams.flatten(1).ne(0).any(dim=1)).flatten()
    channel_labels = torch.cat([present.new_zeros(1), present + 1])
    classes = random_walk_input(cams, None, stride)[present + 1]
    height, width = classes.shape[-2:]
    backgrounds = classes.new_zeros((len(alphas), height, width))
    for index, alpha in enumerate(alphas):
        backgrounds[index] = random_walk_input(cams, alpha, stride)[0]
    # columns: the background of each alpha, then the present classes
    columns = torch.cat([backgrounds, classes]).reshape(len(alphas) + len(present),
                                                        height * width)
    columns = columns.t().to(torch.float32)
    num_alphas = len(alphas)
    for beta in betas:
        with single_intra_op_thread():
            transition_t = random_walk_transition(affinity, height, width, beta, radius)
        walked, done = columns, 0
        settings, maps = [], []
        for num_iters in sorted(iters):
            if walked.shape[1]:  # nothing to walk: no alpha and no class in the image
                walked = propagate(transition_t, walked, num_iters - done)
            done = num_iters
            walked_maps = walked.t().reshape(-1, height, width)
            walked_classes = walked_maps[num_alphas:]
            for index, alpha in enumerate(alphas):
                settings.append((Background('alpha', alpha), beta, num_iters))
                maps.append(torch.cat([walked_maps[index:index + 1], walked_classes]))
            for bg_score in bg_scores:
                settings.append((Background('bg_score', bg_score), beta, num_iters))
                maps.append(torch.cat([walked_maps.new_zeros((1, height, width)), walked_classes]))
        scores = random_walk_scores_to_image(torch.stack(maps), image_size, stride)
        if len(present):
            for index, (background, _, _) in enumerate(settings):
                if background.kind == 'bg_score':
                    value = background.value
                    if isinstance(value, tuple):
                        value = [value[label] for label in present.tolist()]
                    scores[index] = constant_background(scores[index], value)
        yield settings, scores, channel_labels
