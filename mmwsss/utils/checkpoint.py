"""Load local checkpoints without running code from them.

A PyTorch checkpoint is a pickle, and unpickling an untrusted file can run
arbitrary code. mmwsss replaces mmengine's loader of local paths (the one that
``load_from``, ``resume``, ``init_cfg=dict(type='Pretrained')``, ``tools/test.py``
and the pipeline use) by :func:`load_local_checkpoint`, which always loads with
``torch.load(weights_only=True)``: only tensors, containers and plain values
are rebuilt. mmengine's own checkpoints also hold its message hub
(``HistoryBuffer`` objects, numpy arrays and scalars); the exact classes they
contain are allowed for the duration of each load through
:func:`torch.serialization.safe_globals` (:data:`CHECKPOINT_SAFE_GLOBALS`), never
globally.

Full unpickling is an explicit, per-file opt-in: :func:`trust_checkpoints`
(``--trust-checkpoint FILE`` of every tool that loads a checkpoint,
:data:`TRUSTING_TOOLS`, or the config key ``trusted_checkpoints``) lists the
files that may load with ``weights_only=False``, each with a logged warning.

A file that is not a whole checkpoint (empty, cut short by a killed save or a
full disk, or not a PyTorch file at all) is refused with its path and what is
wrong (:func:`checkpoint_file_problem`), trusted or not.
"""
import argparse
import logging
import os.path as osp
import pickle
import re
import zipfile
from typing import (Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence,
                    Set, Tuple)

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner.checkpoint import CheckpointLoader

from .readers import UnreadableFileError


def _history_buffer_getattr(owner: Any, name: str) -> Any:
    """``getattr`` restricted to what mmengine's ``HistoryBuffer`` pickles need.

    A ``HistoryBuffer`` pickles its statistics methods (``HistoryBuffer.mean``,
    ...) as ``getattr(HistoryBuffer, 'mean')``. This stands in for
    ``builtins.getattr`` during a weights-only load and refuses anything else.
    """
    if owner is HistoryBuffer and name in ('min', 'max', 'current', 'mean'):
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'getattr({owner!r}, {name!r}) is not among the attributes a checkpoint may '
        'refer to')


def _numpy_globals() -> List[Any]:
    """The numpy functions and classes that pickled arrays and scalars refer to."""
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    found: List[Any] = [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype]
    found.extend(type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDGSUV')
    return found


CHECKPOINT_SAFE_GLOBALS: List[Any] = (
    [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')] + _numpy_globals())
"""Objects, beyond PyTorch's own, that a checkpoint written by mmengine's
``CheckpointHook`` refers to: its message hub's ``HistoryBuffer`` (and its
statistics methods, through a restricted ``getattr``) and the numpy arrays,
dtypes and scalars inside it. None of them can run code of the file's choosing."""

_trusted: Set[str] = set()

TRUSTING_TOOLS = ('tools/train.py', 'tools/test.py', 'tools/random_walk.py',
                  'tools/voc_test_submission.py', 'tools/convert_weights.py')
"""The tools that load a checkpoint; each accepts ``--trust-checkpoint FILE``
(:func:`add_trust_checkpoint_argument`)."""

TRUNCATED = ('cut short (a save that was killed or ran out of disk space?); save it '
             'again or take another checkpoint')
"""What a refusal says about a file that ends early."""


def add_trust_checkpoint_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--trust-checkpoint FILE`` (repeatable; default ``[]``) to a tool's parser.

    Pass the parsed list to :func:`trust_checkpoints`.

    Args:
        parser: The tool's argument parser.
    """
    parser.add_argument('--trust-checkpoint', action='append', default=[], metavar='FILE',
                        help='allow FILE to be fully unpickled (weights_only=False); '
                        'only for files you trust, unpickling can run code. '
                        'Every other checkpoint loads weights only')


def trust_checkpoints(paths: Iterable[str]) -> None:
    """Allow full unpickling (``weights_only=False``) of these checkpoint files.

    Only for files you trust: unpickling can run code. Each file is logged
    with a warning.

    Args:
        paths: Checkpoint paths; compared after resolving links.
    """
    for path in paths:
        real = osp.realpath(osp.expanduser(path))
        if real not in _trusted:
            _trusted.add(real)
            print_log(f'checkpoint {path} is trusted: it will be unpickled with '
                      'weights_only=False, which can run code stored in the file',
                      logger='current', level=logging.WARNING)


def load_local_checkpoint(filename: str, map_location: Optional[Any] = None) -> Any:
    """Load a local checkpoint with ``weights_only=True`` (unless trusted).

    Args:
        filename: Path of the checkpoint.
        map_location: As for :func:`torch.load`.

    Returns:
        The loaded checkpoint.

    Raises:
        FileNotFoundError: No file at ``filename``.
        UnreadableFileError: The file is empty, cut short, damaged or not a
            PyTorch checkpoint; the message names the file and the problem.
        pickle.UnpicklingError: The file refers to objects outside the
            allowlist; the message names the file, the object and the opt-in.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    problem = checkpoint_file_problem(filename)
    if problem:
        raise UnreadableFileError(f'checkpoint {filename} {problem}')
    try:
        if osp.realpath(filename) in _trusted:
            return torch.load(filename, map_location=map_location, weights_only=False)
        with torch.serialization.safe_globals(CHECKPOINT_SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except (EOFError, KeyError, RuntimeError) as error:
        # a whole zip archive whose records are cut or corrupt, a pickle cut short
        raise UnreadableFileError(
            f'checkpoint {filename} could not be read, it is damaged or {TRUNCATED} '
            f'({type(error).__name__}: {str(error).strip() or "no message"})') from None
    except pickle.UnpicklingError as error:
        reason = _unpickler_reason(str(error))
        if 'truncated' in reason or 'ran out of input' in reason.lower():
            raise UnreadableFileError(f'checkpoint {filename} is {TRUNCATED} ({reason})') from None
        raise pickle.UnpicklingError(
            f'refused to load checkpoint {filename}: it holds objects that a '
            f'weights-only load does not rebuild ({reason}). If you trust the file, '
            f'opt in with --trust-checkpoint {filename} ({", ".join(TRUSTING_TOOLS)}) '
            f'or trusted_checkpoints=[{filename!r}] in the config (a pipeline: '
            f'--cfg-options "trusted_checkpoints=[{filename!r}]"); unpickling it can '
            'run code stored in it.') from None


def checkpoint_file_problem(filename: str) -> Optional[str]:
    """What makes a file unreadable as a PyTorch checkpoint, checked before loading.

    ``torch.save`` writes a zip archive (or, in the legacy format, a pickle
    stream starting with the pickle protocol byte ``0x80``); a zip archive
    ends with its central directory, so a file cut short has none.

    Args:
        filename: An existing file.

    Returns:
        The problem as the end of a sentence (``'is empty (0 bytes) ...'``),
        or None when the file looks like a whole checkpoint.
    """
    size = osp.getsize(filename)
    if size == 0:
        return f'is empty (0 bytes): {TRUNCATED}'
    with open(filename, 'rb') as file:
        head = file.read(4)
    if head == b'PK\x03\x04':
        if not zipfile.is_zipfile(filename):
            return (f'is a zip archive without its end (central directory) after '
                    f'{size} bytes: {TRUNCATED}')
        return None
    if head[:1] == b'\x80':
        return None
    return (f'is not a PyTorch checkpoint: neither a zip archive nor a pickle (it starts '
            f'with {head!r}, {size} bytes)')


class KeyReport(NamedTuple):
    """How a checkpoint's state dict covers a model's.

    Attributes:
        loaded: Model keys found in the checkpoint with the right shape.
        missing: Model keys absent from the checkpoint.
        mismatched: ``(key, model shape, checkpoint shape)`` of keys found
            with another shape.
        unexpected: Checkpoint keys the model does not have.
    """

    loaded: List[str]
    missing: List[str]
    mismatched: List[Tuple[str, Tuple[int, ...], Tuple[int, ...]]]
    unexpected: List[str]


def compare_state_dicts(model_state: Mapping[str, torch.Tensor],
                        checkpoint_state: Mapping[str, torch.Tensor],
                        revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''),)
                        ) -> KeyReport:
    """Compare a model's state dict with a checkpoint's, key by key.

    Args:
        model_state: The model's ``state_dict()``.
        checkpoint_state: The checkpoint's state dict.
        revise_keys: ``(pattern, replacement)`` applied to checkpoint keys
            first, as mmengine does when loading (``module.`` of DDP removed).

    Returns:
        The keys loaded, missing, of mismatched shape and unexpected.
    """
    revised: Dict[str, torch.Tensor] = {}
    for key, value in checkpoint_state.items():
        for pattern, replacement in revise_keys:
            key = re.sub(pattern, replacement, key)
        revised[key] = value
    loaded, missing, mismatched = [], [], []
    for key, value in model_state.items():
        if key not in revised:
            missing.append(key)
        elif tuple(revised[key].shape) != tuple(value.shape):
            mismatched.append((key, tuple(value.shape), tuple(revised[key].shape)))
        else:
            loaded.append(key)
    unexpected = [key for key in revised if key not in model_state]
    return KeyReport(loaded, missing, mismatched, unexpected)


def check_checkpoint_coverage(model_state: Mapping[str, torch.Tensor],
                              checkpoint_state: Mapping[str, torch.Tensor],
                              source: str,
                              min_loaded: float = 0.5,
                              strict: bool = True,
                              max_listed: int = 10) -> KeyReport:
    """Refuse a checkpoint that would leave most of a model randomly initialised.

    Args:
        model_state: The model's ``state_dict()``.
        checkpoint_state: The state dict about to be loaded (keys as loaded,
            after any prefix was removed).
        source: The checkpoint's name, for the message.
        min_loaded: Smallest accepted fraction of the model's entries found in
            the checkpoint with the right shape.
        strict: Raise if below ``min_loaded``; if False, log a warning.
        max_listed: How many keys of each kind the message lists.

    Returns:
        The comparison.

    Raises:
        RuntimeError: Below ``min_loaded`` with ``strict``; the message names
            the missing, mismatched and unexpected keys.
    """
    report = compare_state_dicts(model_state, checkpoint_state)
    fraction = len(report.loaded) / max(len(model_state), 1)
    if fraction >= min_loaded:
        return report
    message = (
        f'checkpoint {source} matches only {len(report.loaded)} of the model\'s '
        f'{len(model_state)} state-dict entries ({fraction:.0%}, below '
        f'{min_loaded:.0%}): the rest would stay randomly initialised. Missing '
        f'({len(report.missing)}): {report.missing[:max_listed]}; shape mismatches '
        f'({len(report.mismatched)}): {report.mismatched[:max_listed]}; unexpected keys '
        f'in the checkpoint ({len(report.unexpected)}): {report.unexpected[:max_listed]}. '
        'Check the checkpoint path and the model config')
    if strict:
        raise RuntimeError(message + '; to load it anyway set '
                           'default_hooks.checkpoint_keys.strict=False (warn only)')
    print_log(message, logger='current', level=logging.WARNING)
    return report


def _unpickler_reason(message: str) -> str:
    """What PyTorch's weights-only error says was refused.

    PyTorch words this differently from version to version: the text after
    its ``WeightsUnpickler error:`` marker where there is one (up to 2.12),
    else its line naming the refused global (2.13: ``Trying to load
    unsupported GLOBAL posix.system ...``), else its whole message less its
    advice to load with ``weights_only=False`` and its pointer to the docs.
    """
    text = re.sub(r'\x1b\[[0-9;]*m', '', message).strip()
    marker = 'WeightsUnpickler error:'
    if marker in text:
        reason = text.split(marker, 1)[1].strip().split('\n\n')[0]
        return reason.split('. Please use')[0].strip()
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and 'weights_only' not in line
             and 'documentation' not in line]
    named = [line for line in lines if re.search(r'\bglobal\b', line, re.IGNORECASE)]
    return ' '.join(named or lines) or 'unknown reason'


def register_local_checkpoint_loader() -> None:
    """Make :func:`load_local_checkpoint` mmengine's loader for local paths."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint,
                                     force=True)
