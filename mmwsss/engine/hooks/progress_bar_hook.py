"""A progress bar on the rank-0 console for the test and validation loops."""
import sys
from typing import Optional, Sequence

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar
from mmseg.registry import HOOKS


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """Show how many batches of the test (and validation) loop are done.

    Only the main process draws it; under distributed testing every rank runs
    about ``len(dataloader)`` batches of its own shard.

    Args:
        in_val: Also draw it for the validation loop.
    """

    priority = 'VERY_LOW'

    def __init__(self, in_val: bool = False) -> None:
        self.in_val = in_val
        self._bar: Optional[ProgressBar] = None

    def _start(self, num_batches: int) -> None:
        self._bar = (ProgressBar(num_batches, file=sys.stdout)
                     if is_main_process() else None)

    def _update(self) -> None:
        if self._bar is not None:
            self._bar.update()

    def before_test_epoch(self, runner) -> None:
        """Start the bar."""
        self._start(len(runner.test_dataloader))

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        """Advance the bar."""
        self._update()

    def before_val_epoch(self, runner) -> None:
        """Start the bar (if ``in_val``)."""
        if self.in_val:
            self._start(len(runner.val_dataloader))

    def after_val_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                       outputs: Optional[Sequence] = None) -> None:
        """Advance the bar (if ``in_val``)."""
        if self.in_val:
            self._update()
