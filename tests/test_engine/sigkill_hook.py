"""A test hook that SIGKILLs its own process once, in the middle of a loop.

Imported by a stage config's ``custom_imports`` in the pipeline and resume
tests, to interrupt the random walk or a training the way a crash or a
scheduler would.
"""
import os
import os.path as osp
import signal

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class SIGKILLOnceHook(Hook):
    """Kill the process with SIGKILL before test iteration ``after_iters``.

    Args:
        flag_file: Created just before the kill; while it exists the hook does
            nothing, so the rerun of the same command goes through.
        after_iters: Test iterations (with ``in_training``: training
            iterations, counted over all epochs) to let finish first.
        in_training: Kill in the training loop instead of the test loop.
    """

    def __init__(self, flag_file: str, after_iters: int, in_training: bool = False) -> None:
        self.flag_file = flag_file
        self.after_iters = after_iters
        self.in_training = in_training

    def _maybe_kill(self, iteration: int) -> None:
        if iteration == self.after_iters and not osp.exists(self.flag_file):
            open(self.flag_file, 'w').close()
            os.kill(os.getpid(), signal.SIGKILL)

    def before_test_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if not self.in_training:
            self._maybe_kill(batch_idx)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self.in_training:
            self._maybe_kill(runner.iter)
