"""Let mmengine 0.10.7 load its own checkpoints under PyTorch >= 2.6.

PyTorch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine
0.10.7, the latest release, predates it: its checkpoints also hold the message
hub (``HistoryBuffer`` objects and numpy arrays, whose unpickling needs
``getattr``), so resuming or testing from them fails. mmengine's own extension
point, ``CheckpointLoader.register_scheme``, replaces the loader of local paths
by one that loads as PyTorch < 2.6 did. As then, a checkpoint is a pickle that
can run code when loaded: load only checkpoints you trust.
"""
import os.path as osp
from typing import Any, Optional

import torch
from mmengine.runner.checkpoint import CheckpointLoader


def load_local_checkpoint(filename: str, map_location: Optional[Any] = None) -> Any:
    """Load a local checkpoint with ``weights_only=False``.

    Args:
        filename: Path of the checkpoint.
        map_location: As for :func:`torch.load`.

    Returns:
        The unpickled checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    return torch.load(filename, map_location=map_location, weights_only=False)


def register_local_checkpoint_loader() -> None:
    """Make :func:`load_local_checkpoint` mmengine's loader for local paths."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint,
                                     force=True)
