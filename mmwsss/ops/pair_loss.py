"""AffinityNet pair loss (docs/method.md#affinitynet)."""
from typing import Dict

from torch import Tensor

EPS = 1e-5


def pair_affinity_loss(affinity: Tensor, bg_pos: Tensor, fg_pos: Tensor,
                       neg: Tensor) -> Dict[str, Tensor]:
    """Cross-entropy of the pair affinities against the pair labels.

    Every term is averaged over all its pairs in the whole batch::

        bg  = sum(-bg_pos * log(W + 1e-5))     / (sum(bg_pos) + 1e-5)
        fg  = sum(-fg_pos * log(W + 1e-5))     / (sum(fg_pos) + 1e-5)
        neg = sum(-neg    * log(1 + 1e-5 - W)) / (sum(neg) + 1e-5)
        total = bg / 4 + fg / 4 + neg / 2

    A term without pairs is 0 (and has zero gradient).

    Args:
        affinity: Affinities W in [0, 1], tensor (B, K, P).
        bg_pos: Background-positive pair mask (B, K, P), 0 or 1.
        fg_pos: Foreground-positive pair mask (B, K, P), 0 or 1.
        neg: Negative pair mask (B, K, P), 0 or 1.

    Returns:
        Dict of scalar tensors: ``'bg'``, ``'fg'`` and ``'neg'`` (the three
        averaged terms) and ``'total'`` (their weighted sum above).
    """
    for name, mask in (('bg_pos', bg_pos), ('fg_pos', fg_pos), ('neg', neg)):
        if mask.shape != affinity.shape:
            raise ValueError(f'{name} has shape {tuple(mask.shape)}, affinity '
                             f'has shape {tuple(affinity.shape)}')
    log_pos = (affinity + EPS).log()
    log_neg = (1 + EPS - affinity).log()
    bg = (-bg_pos * log_pos).sum() / (bg_pos.sum() + EPS)
    fg = (-fg_pos * log_pos).sum() / (fg_pos.sum() + EPS)
    neg_loss = (-neg * log_neg).sum() / (neg.sum() + EPS)
    total = bg / 4 + fg / 4 + neg_loss / 2
    return {'bg': bg, 'fg': fg, 'neg': neg_loss, 'total': total}
