"""AffinityNet pair loss (docs/method.md#affinitynet)."""
from typing import Dict

import torch
import torch.distributed as dist
from torch import Tensor

EPS = 1e-5


def pair_affinity_loss(affinity: Tensor, bg_pos: Tensor, fg_pos: Tensor,
                       neg: Tensor, global_batch: bool = False) -> Dict[str, Tensor]:
    """Cross-entropy of the pair affinities against the pair labels.

    Every term is averaged over all its pairs in the whole batch::

        bg  = sum(-bg_pos * log(W + 1e-5))     / (sum(bg_pos) + 1e-5)
        fg  = sum(-fg_pos * log(W + 1e-5))     / (sum(fg_pos) + 1e-5)
        neg = sum(-neg    * log(1 + 1e-5 - W)) / (sum(neg) + 1e-5)
        total = bg / 4 + fg / 4 + neg / 2

    A term without pairs is 0 (and has zero gradient).

    With ``global_batch`` and an initialised process group of W > 1
    processes, each process holds 1 / W of the batch: the pair counts are
    summed over the processes (an all-reduce of three numbers) and each
    process returns ``W * sum_local / (count_global + 1e-5)`` per term. DDP
    averages the gradients over the processes, so the update is that of the
    one-process loss over the whole batch (PSA's DataParallel over 8 images),
    and so is the mean of the returned values over the processes.

    Args:
        affinity: Affinities W in [0, 1], tensor (B, K, P).
        bg_pos: Background-positive pair mask (B, K, P), 0 or 1.
        fg_pos: Foreground-positive pair mask (B, K, P), 0 or 1.
        neg: Negative pair mask (B, K, P), 0 or 1.
        global_batch: Normalise by the pair counts of every process (above);
            without a process group, or with one process, no effect.

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
    counts = torch.stack([bg_pos.sum(), fg_pos.sum(), neg.sum()]).detach()
    scale = 1
    if global_batch and dist.is_available() and dist.is_initialized() \
            and dist.get_world_size() > 1:
        counts = counts.clone()
        dist.all_reduce(counts)
        scale = dist.get_world_size()
    bg = scale * (-bg_pos * log_pos).sum() / (counts[0] + EPS)
    fg = scale * (-fg_pos * log_pos).sum() / (counts[1] + EPS)
    neg_loss = scale * (-neg * log_neg).sum() / (counts[2] + EPS)
    total = bg / 4 + fg / 4 + neg_loss / 2
    return {'bg': bg, 'fg': fg, 'neg': neg_loss, 'total': total}
