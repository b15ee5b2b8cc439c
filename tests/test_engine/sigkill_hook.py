"""A test hook that SIGKILLs its own process once, in the middle of a test loop.

Imported by a stage config's ``custom_imports`` in the pipeline tests, to
interrupt the random walk the way a crash or a scheduler would.
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
        after_iters: Test iterations to let finish first.
    """

    def __init__(self, flag_file: str, after_iters: int) -> None:
        self.flag_file = flag_file
        self.after_iters = after_iters

    def before_test_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if batch_idx == self.after_iters and not osp.exists(self.flag_file):
            open(self.flag_file, 'w').close()
            os.kill(os.getpid(), signal.SIGKILL)
