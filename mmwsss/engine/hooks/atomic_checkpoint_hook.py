"""mmengine's CheckpointHook with checkpoints written atomically."""
from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS

from mmwsss.utils import remove_stale_temporaries
from mmwsss.utils.atomic_local_backend import ATOMIC_LOCAL_BACKEND


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose checkpoints appear only once completely written.

    Saves through :class:`~mmwsss.utils.atomic_local_backend.AtomicLocalBackend`
    (temporary file, then rename), so a run killed while saving (SIGKILL,
    out of memory) or stopped by a full disk leaves no cut ``epoch_N.pth``
    under the final name; ``last_checkpoint`` is written (by mmengine) only
    once the checkpoint is complete, so resuming starts from the last whole
    checkpoint. Before training, the main process removes the temporaries
    such a save left in the checkpoint folder.

    Args:
        **kwargs: Those of ``CheckpointHook``, except ``backend_args`` and
            ``file_client_args`` (local files only).
    """

    def __init__(self, **kwargs: Any) -> None:
        given = {key: kwargs.pop(key) for key in ('backend_args', 'file_client_args')
                 if kwargs.get(key) is not None}
        if given:
            raise ValueError(f'AtomicCheckpointHook writes local files only: remove '
                             f'{sorted(given)} (or use type=CheckpointHook)')
        super().__init__(backend_args=dict(backend=ATOMIC_LOCAL_BACKEND), **kwargs)

    def before_train(self, runner) -> None:
        """Set the folder up as ``CheckpointHook`` does; remove stale temporaries."""
        super().before_train(runner)
        if is_main_process():
            for path in remove_stale_temporaries(self.out_dir):
                runner.logger.info(f'removed {path}, left by an interrupted save')
