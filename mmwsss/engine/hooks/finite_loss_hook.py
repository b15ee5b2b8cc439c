"""Stop training at the first NaN or infinite loss, naming the batch's images."""
import os.path as osp
from typing import List, Optional

from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmwsss.utils.finite import NonFiniteError, check_finite


def batch_image_ids(data_batch: Optional[dict]) -> List[str]:
    """Image ids of a batch (``img_id``, else the stem of ``img_path``)."""
    ids = []
    for sample in (data_batch or {}).get('data_samples') or []:
        meta = getattr(sample, 'metainfo', {})
        img_id = meta.get('img_id') or osp.splitext(osp.basename(meta.get('img_path', '?')))[0]
        ids.append(str(img_id))
    return ids


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`~mmwsss.utils.finite.NonFiniteError` when a loss is NaN or infinite.

    Checked after every training iteration on every rank, before the logger
    and the checkpoint hook (so no checkpoint of the broken weights is saved);
    the message names the loss terms, the iteration (1-based, as logged), the
    epoch and the image ids of this rank's batch. Every mmwsss runtime config
    enables it as ``default_hooks.finite_loss``.
    """

    priority = 'HIGH'

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Check the loss terms of one iteration."""
        for name, value in (outputs or {}).items():
            if 'loss' not in name:
                continue
            try:
                check_finite(value, name)
            except NonFiniteError as error:
                terms = ', '.join(f'{key}={float(val):.4g}' for key, val in outputs.items()
                                  if 'loss' in key)
                raise NonFiniteError(
                    f'non-finite training loss at iteration {runner.iter + 1} (epoch '
                    f'{runner.epoch + 1}, batch {batch_idx + 1}): {terms}; images of the '
                    f'batch: {batch_image_ids(data_batch)}') from error
