"""AffinityNet's pair loss as a registered MMSeg loss."""
from typing import Dict

from mmseg.registry import MODELS
from torch import Tensor, nn

from mmwsss.ops.pair_loss import pair_affinity_loss


@MODELS.register_module()
class PairAffinityLoss(nn.Module):
    """Cross-entropy of pair affinities against pair labels (docs/method.md#affinitynet).

    A thin wrapper over :func:`mmwsss.ops.pair_loss.pair_affinity_loss`:
    ``bg / 4 + fg / 4 + neg / 2``, each term averaged over its pairs in the
    whole batch: under DDP, by default, over the batch of every process (the
    pair counts are all-reduced), as PSA's one-process DataParallel training.

    Args:
        loss_weight: Weight of the total loss.
        loss_name: Key of the optimised total; must start with ``loss_``.
        log_prefix: Prefix of the keys of the three unweighted terms, which
            are logged but not optimised (so it must not contain ``loss``).
        global_batch: Normalise by the pair counts of all processes (see
            :func:`~mmwsss.ops.pair_loss.pair_affinity_loss`); False
            normalises each process's batch alone.
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_aff',
                 log_prefix: str = 'aff_', global_batch: bool = True) -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(f'loss_name must start with "loss_", got {loss_name!r}')
        if 'loss' in log_prefix:
            raise ValueError('log_prefix must not contain "loss" (mmengine would '
                             f'optimise those terms too), got {log_prefix!r}')
        self.loss_weight = loss_weight
        self._loss_name = loss_name
        self.log_prefix = log_prefix
        self.global_batch = global_batch

    @property
    def loss_name(self) -> str:
        """Key of the optimised loss."""
        return self._loss_name

    def forward(self, affinity: Tensor, bg_pos: Tensor, fg_pos: Tensor,
                neg: Tensor) -> Dict[str, Tensor]:
        """Compute the loss.

        Args:
            affinity: Affinities in [0, 1], (B, K, P).
            bg_pos: Background-positive pair mask (B, K, P).
            fg_pos: Foreground-positive pair mask (B, K, P).
            neg: Negative pair mask (B, K, P).

        Returns:
            ``{loss_name: weighted total}`` and the detached terms
            ``{prefix}bg``, ``{prefix}fg``, ``{prefix}neg``.
        """
        terms = pair_affinity_loss(affinity, bg_pos, fg_pos, neg, self.global_batch)
        losses = {self.loss_name: terms['total'] * self.loss_weight}
        for key in ('bg', 'fg', 'neg'):
            losses[self.log_prefix + key] = terms[key].detach()
        return losses
