"""Save the random generators' states in checkpoints and restore them on resume."""
import random
from typing import Any, Dict

import numpy as np
import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

STATE_KEY = 'random_state'
"""Checkpoint entry of the generator states."""


def random_state() -> Dict[str, Any]:
    """The states of Python's, NumPy's and PyTorch's global generators.

    Only tensors, ints and lists: the entry loads with ``weights_only=True``.

    Returns:
        ``python``, ``numpy``, ``torch`` and, with CUDA, ``cuda`` states.
    """
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state: Dict[str, Any] = dict(
        python=[version, list(internal), gauss],
        numpy=[name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss),
               float(cached)],
        torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state: Dict[str, Any]) -> None:
    """Restore the states returned by :func:`random_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Make a resumed training draw the same random numbers as an uninterrupted one.

    mmengine's resume restores the weights, optimiser, schedulers and the
    sampler's epoch, but the global generators restart from the seed, so the
    augmentations drawn in the main process (and the seeds PyTorch gives new
    dataloader workers) differ after a resume. This hook stores the states of
    Python's, NumPy's and PyTorch's (CPU and CUDA) generators in every
    checkpoint and restores them when training resumes from it. Workers
    seeded by mmengine's ``worker_init_fn`` restart their streams at each
    epoch unless ``persistent_workers=True``: with persistent workers the
    streams inside the workers still restart on resume (see the README).
    Every mmwsss runtime config enables it as ``default_hooks.random_state``.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the generator states."""
        checkpoint[STATE_KEY] = random_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Restore the generator states when resuming (not for ``load_from``)."""
        # mmengine calls this hook for both; only a resume continues the run
        if STATE_KEY in checkpoint and getattr(runner, '_resume', False):
            set_random_state(checkpoint[STATE_KEY])
