"""The interface every hook that writes files of the test samples offers."""
from abc import ABCMeta, abstractmethod
from typing import Any, List

import mmcv
import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmwsss.utils import atomic_path


class SampleWriterHook(Hook, metaclass=ABCMeta):
    """A hook that writes files of each test sample, one file per folder.

    Writers only write (in ``after_test_iter``, at the latest in
    ``after_test_epoch``); each file is written atomically, so the loop may
    be sharded across ranks and killed at any time. What a rerun needs from
    a writer is this interface: :class:`ResumeWritersHook` removes the
    temporaries a killed run left in :meth:`output_dirs` and skips the images
    for which :meth:`is_written` holds; :class:`ScorePseudoLabelsHook` scores
    the folders afterwards.
    """

    priority = 'NORMAL'

    @abstractmethod
    def output_dirs(self) -> List[str]:
        """The folders this hook writes into (relative: under the work dir)."""

    @abstractmethod
    def is_written(self, work_dir: str, img_id: str) -> bool:
        """Whether the files that mark an image as done all exist.

        Args:
            work_dir: The runner's work dir.
            img_id: The image's ``img_id``.
        """

    @staticmethod
    def write_picture(picture: np.ndarray, path: str) -> None:
        """Atomically write an (H, W, 3) uint8 RGB picture as JPEG."""
        with atomic_path(path) as tmp:
            mmcv.imwrite(picture[..., ::-1], str(tmp))


def is_sample_writer(hook_type: Any) -> bool:
    """Whether the ``type`` of a ``custom_hooks`` entry (a registered name or a
    class) is a :class:`SampleWriterHook`."""
    cls = hook_type if isinstance(hook_type, type) else HOOKS.get(hook_type)
    return isinstance(cls, type) and issubclass(cls, SampleWriterHook)
