"""Completion markers of pipeline steps, and settings records of output folders.

A finished step leaves ``{stage work dir}/done_{step}.json``. Besides timings,
it records the step's resolved config, flattened to dotted keys, with its
SHA-256, and the ``run_id`` of the step that ran just before it in the
pipeline (``after``). A rerun skips a step only when both still match: the
same resolved config, and an unchanged earlier step (not rerun since). When
they do not match the step is *stale*: :func:`check_marker` says which keys
changed (or which earlier step was rerun) and how to start over.

Stand-alone tools that skip the images already written (``tools/test.py``,
``tools/random_walk.py``, ``tools/make_affinity_labels.py``) keep the same kind
of record beside each folder they write, ``.{folder}.mmwsss-settings.json``
(:func:`claim_output_folders`): a rerun with other settings is refused, naming
the changed keys, instead of mixing old and new files in one folder.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
import time
import uuid
from typing import Any, Dict, List, Mapping, Optional, Sequence

from mmengine.config import Config

from mmwsss.utils import read_json_object, save_json

VOLATILE_KEYS = ('experiment_name', 'launcher', 'model_wrapper_cfg', 'work_dir')
"""Top-level config keys left out of the hash: they name the run or the way it
is launched (``tools/train.py`` vs torchrun), not what it computes."""


SETTINGS_RECORD = '.{name}.mmwsss-settings.json'
"""File beside an output folder ``name`` naming the settings its files were made
with (beside, not in it: the folder holds only the per-image files)."""

NOT_OUTPUT_SETTINGS = (
    'resume', 'redo', 'log_level', 'log_processor', 'env_cfg', 'visualizer', 'vis_backends',
    'trusted_checkpoints', 'default_hooks.logger', 'default_hooks.timer',
    'default_hooks.checkpoint', 'train_dataloader.num_workers',
    'train_dataloader.persistent_workers', 'val_dataloader.num_workers',
    'val_dataloader.persistent_workers', 'val_dataloader.batch_size',
    'test_dataloader.num_workers', 'test_dataloader.persistent_workers',
    'test_dataloader.batch_size')
"""Config keys (with everything under them) that do not change what a test loop
writes: logging, loader processes, batch sizes of inference, checkpoint saving."""

NOT_OUTPUT_HOOKS = ('ResumeWritersHook', 'ProgressBarHook')
"""``custom_hooks`` types left out of the output settings: whether written images
are skipped, and the progress bar."""


class StaleStepError(RuntimeError):
    """A finished step's marker does not match the config of this run."""


class StaleOutputsError(StaleStepError):
    """An output folder holds files made with other settings than this run's."""


def marker_path(stage_dir: str, step: str) -> str:
    """Completion marker of one step."""
    return osp.join(stage_dir, f'done_{step}.json')


def _flatten(value: Any, prefix: str, out: Dict[str, str]) -> None:
    """Flatten nested dicts and lists into ``out`` as ``dotted.key -> JSON text``."""
    if isinstance(value, Mapping) and value:
        for key in sorted(value, key=str):
            _flatten(value[key], f'{prefix}.{key}' if prefix else str(key), out)
    elif isinstance(value, (list, tuple)) and value:
        for index, item in enumerate(value):
            _flatten(item, f'{prefix}.{index}', out)
    else:
        out[prefix] = json.dumps(value, sort_keys=True, default=repr)


def flat_config(cfg: Config, extra: Optional[Mapping[str, Any]] = None) -> Dict[str, str]:
    """The resolved config as ``{dotted key: JSON text of the value}``.

    Args:
        cfg: Resolved stage config.
        extra: Stage options applied outside the config (e.g. ``tta``), keyed
            as given.

    Returns:
        Flat mapping, without :data:`VOLATILE_KEYS` (nor the per-process
        ``train_dataloader.batch_size`` of a config that states its
        ``total_batch_size``: a rerun on another number of processes trains
        the same recipe).
    """
    values = {key: value for key, value in cfg.to_dict().items()
              if key not in VOLATILE_KEYS}
    flat: Dict[str, str] = {}
    _flatten(values, '', flat)
    if values.get('total_batch_size'):
        # the per-process share of the total depends on the process count only
        flat.pop('train_dataloader.batch_size', None)
    for key, value in (extra or {}).items():
        flat[key] = json.dumps(value, sort_keys=True, default=repr)
    return flat


def config_digest(flat: Mapping[str, str]) -> str:
    """SHA-256 of a flat config (key order does not matter)."""
    return hashlib.sha256(json.dumps(dict(flat), sort_keys=True).encode()).hexdigest()


def changed_keys(old: Mapping[str, str], new: Mapping[str, str],
                 limit: int = 20) -> List[str]:
    """Human-readable differences between two flat configs.

    Args:
        old: Flat config of the marker.
        new: Flat config of this run.
        limit: Most lines to return (one more says how many were left out).

    Returns:
        ``key: old -> new`` lines, sorted by key.
    """
    lines = [f'{key}: {old.get(key, "(absent)")} -> {new.get(key, "(absent)")}'
             for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    if len(lines) > limit:
        lines = lines[:limit] + [f'... and {len(lines) - limit} more']
    return lines


def new_marker(flat: Mapping[str, str], after: Optional[str], **fields: Any) -> dict:
    """The content of a marker for a step that just finished.

    Args:
        flat: Flat resolved config of the step (:func:`flat_config`).
        after: ``run_id`` of the previous step's marker (None for the first step).
        **fields: Other fields (stage, step, seconds, ...).

    Returns:
        JSON-serialisable marker with a fresh ``run_id``.
    """
    return dict(fields, run_id=uuid.uuid4().hex, after=after,
                config_sha256=config_digest(flat), config=dict(flat))


def check_marker(marker: Mapping[str, Any], path: str, flat: Mapping[str, str],
                 after: Optional[str], start_over: str) -> None:
    """Raise if a finished step no longer matches this run.

    Markers written before configs were recorded (no ``config_sha256``) are
    accepted as they are.

    Args:
        marker: Content of the marker file.
        path: The marker file, for the message.
        flat: Flat resolved config of the step in this run.
        after: ``run_id`` of the previous step in this run (None for the first).
        start_over: Sentence telling how to start over, appended to the message.

    Raises:
        StaleStepError: the config changed, or the previous step was rerun
            after this one finished.
    """
    if 'config_sha256' not in marker:
        return
    if marker['config_sha256'] != config_digest(flat):
        changes = changed_keys(marker.get('config') or {}, flat)
        raise StaleStepError(
            f'{path} was written with another config; changed keys:\n  '
            + '\n  '.join(changes) + f'\n{start_over}')
    if marker.get('after') != after:
        raise StaleStepError(
            f'{path} was written after an earlier run of the previous step, which has '
            f'been run again since: its outputs may be stale.\n{start_over}')


def check_stage(stage_dir: str, flats: Mapping[str, Mapping[str, str]],
                after: Optional[str], start_over: str) -> Optional[str]:
    """Check the markers of a stage's finished steps, in order, before it runs.

    Args:
        stage_dir: The stage's work dir.
        flats: Step -> flat resolved config of this run, in step order.
        after: ``run_id`` of the last step before this stage (None: first stage).
        start_over: How to start over, for the message.

    Returns:
        The ``run_id`` of the stage's last finished step (``after`` if none).

    Raises:
        StaleStepError: a finished step does not match this run.
    """
    for step, flat in flats.items():
        path = marker_path(stage_dir, step)
        if not osp.isfile(path):
            break
        marker = read_json_object(path, 'done marker')
        check_marker(marker, path, flat, after, start_over)
        after = marker.get('run_id')
    return after


def output_settings(cfg: Config) -> Dict[str, str]:
    """The settings that decide what a run writes, flattened as by :func:`flat_config`.

    Args:
        cfg: The run's resolved config (with the checkpoint as ``load_from``).

    Returns:
        The flat config without :data:`NOT_OUTPUT_SETTINGS` and the
        :data:`NOT_OUTPUT_HOOKS` of ``custom_hooks``.
    """
    values = cfg.to_dict()
    values['custom_hooks'] = [
        hook for hook in values.get('custom_hooks') or []
        if getattr(hook.get('type'), '__name__', hook.get('type')) not in NOT_OUTPUT_HOOKS]
    flat = flat_config(Config(values))
    return {key: value for key, value in flat.items()
            if not any(key == name or key.startswith(f'{name}.')
                       for name in NOT_OUTPUT_SETTINGS)}


def settings_record_path(folder: str) -> str:
    """The :data:`SETTINGS_RECORD` of an output folder."""
    folder = osp.abspath(folder)
    return osp.join(osp.dirname(folder), SETTINGS_RECORD.format(name=osp.basename(folder)))


def _folder_problem(folder: str, flat: Mapping[str, str]) -> Optional[str]:
    """Why the files of ``folder`` cannot be kept by a run of ``flat`` (None: they can)."""
    if not osp.isdir(folder):
        return None
    record = settings_record_path(folder)
    if not osp.isfile(record):
        files = [name for name in sorted(os.listdir(folder))
                 if not name.startswith('.') and osp.isfile(osp.join(folder, name))]
        if not files:
            return None
        return (f'{folder} holds {len(files)} files ({files[0]}, ...) but no '
                f'{record}: nothing says which settings they were made with '
                '(written by hand or by an older version)')
    recorded = read_json_object(record, 'settings record')
    if recorded.get('config_sha256') == config_digest(flat):
        return None
    changes = changed_keys(recorded.get('config') or {}, flat)
    return (f'{folder} holds files made with other settings ({record}); changed keys:\n  '
            + '\n  '.join(changes))


def set_aside(folders: Sequence[str]) -> Dict[str, str]:
    """Move folders to ``{parent}/replaced_{time}/{name}``; nothing is deleted.

    Args:
        folders: Folders to move (those that do not exist are left out).

    Returns:
        Each moved folder -> where it went.
    """
    stamp = time.strftime('%Y%m%d_%H%M%S')
    moved = {}
    for folder in folders:
        if osp.lexists(folder):
            target = osp.join(osp.dirname(osp.abspath(folder)), f'replaced_{stamp}')
            os.makedirs(target, exist_ok=True)
            moved[folder] = shutil.move(folder, osp.join(target, osp.basename(folder)))
    return moved


def claim_output_folders(folders: Sequence[str], flat: Mapping[str, str],
                         redo: bool = False, redo_hint: str = '--redo') -> Dict[str, str]:
    """Make sure the output folders of a run hold only files of its settings.

    Call it once (one process) before anything is written or skipped. A
    folder is accepted when it does not exist, holds no file, or its
    :data:`SETTINGS_RECORD` names the same settings; then the record is
    (re)written. Otherwise the run is refused, or with ``redo`` every folder
    is first moved aside with its record (:func:`set_aside`) and the run
    starts over.

    Args:
        folders: The folders the run writes its per-image files into.
        flat: The settings of the run (:func:`output_settings`).
        redo: Move existing folders aside instead of refusing.
        redo_hint: How the user asks for ``redo``, for the message.

    Returns:
        Each folder moved aside -> where it went (empty unless ``redo``).

    Raises:
        StaleOutputsError: without ``redo``, a folder holds files of other (or
            unknown) settings; the message names the folder and changed keys.
    """
    moved: Dict[str, str] = {}
    if redo:
        moved = set_aside(folders)
        for folder, target in moved.items():
            record = settings_record_path(folder)
            if osp.isfile(record):
                shutil.move(record, osp.join(osp.dirname(target), osp.basename(record)))
    else:
        problems = [problem for problem in (_folder_problem(folder, flat)
                                            for folder in folders) if problem]
        if problems:
            raise StaleOutputsError(
                '\n'.join(problems) + f'\nRefusing to mix settings in one folder. To '
                f'start over, rerun with {redo_hint} (moves the folders to '
                'replaced_<time>/ beside them), or delete them, or write elsewhere.')
    record = dict(config_sha256=config_digest(flat), config=dict(flat))
    for folder in folders:
        os.makedirs(folder, exist_ok=True)
        save_json(record, settings_record_path(folder))
    return moved
