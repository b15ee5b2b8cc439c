"""Log the training batch over all processes, the lr and the iterations at the start."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop
from mmseg.registry import HOOKS


def batch_info_line(world_size: int, batch_per_process: int, lr: float, iterations: int,
                    epochs: Optional[int] = None) -> str:
    """The line :class:`BatchInfoHook` logs.

    Args:
        world_size: Number of training processes.
        batch_per_process: Images per iteration in each process.
        lr: Base learning rate (before the parameter groups' multipliers).
        iterations: Iterations of the whole training.
        epochs: Number of epochs of an epoch-based loop (None: iteration-based).

    Returns:
        e.g. ``total batch 16 = 4 processes x 4 per process, lr 0.01, 9915
        iterations (15 epochs x 661)``.
    """
    processes = f'{world_size} process{"es" if world_size != 1 else ""}'
    line = (f'total batch {world_size * batch_per_process} = {processes} x '
            f'{batch_per_process} per process, lr {lr:g}, {iterations} iterations')
    if epochs:
        line += f' ({epochs} epochs x {iterations // epochs})'
    return line


@HOOKS.register_module()
class BatchInfoHook(Hook):
    """Log the total and per-process batch, the lr and the iterations of a training.

    :func:`~mmwsss.utils.load_config` adds this hook to every config that
    trains, so each stage's log states the batch it really trains with (see
    :func:`~mmwsss.utils.config.resolve_batch_size`). The lr is the optimizer's
    base lr, scaled as the Runner scales it when ``auto_scale_lr`` is enabled.
    """

    priority = 'VERY_LOW'

    def before_train(self, runner) -> None:
        """Log the line of :func:`batch_info_line` (MMLogger shows it on rank 0)."""
        batch = runner.train_dataloader.batch_size
        world_size = runner.world_size
        optimizer_cfg = (runner.cfg.get('optim_wrapper') or {}).get('optimizer') or {}
        if 'lr' in optimizer_cfg:
            lr = float(optimizer_cfg['lr'])
            auto_scale = runner.cfg.get('auto_scale_lr') or {}
            if auto_scale.get('enable') and auto_scale.get('base_batch_size'):
                lr *= world_size * batch / auto_scale['base_batch_size']
        else:
            lr = float(runner.optim_wrapper.get_lr()['lr'][0])
        epochs = (runner.train_loop.max_epochs
                  if isinstance(runner.train_loop, EpochBasedTrainLoop) else None)
        runner.logger.info(
            batch_info_line(world_size, batch, lr, runner.max_iters, epochs))
