"""Completion markers of pipeline steps, tied to the resolved config they ran with.

A finished step leaves ``{stage work dir}/done_{step}.json``. Besides timings,
it records the step's resolved config, flattened to dotted keys, with its
SHA-256, and the ``run_id`` of the step that ran just before it in the
pipeline (``after``). A rerun skips a step only when both still match: the
same resolved config, and an unchanged earlier step (not rerun since). When
they do not match the step is *stale*: :func:`check_marker` says which keys
changed (or which earlier step was rerun) and how to start over.
"""
import hashlib
import json
import os.path as osp
import uuid
from typing import Any, Dict, List, Mapping, Optional

from mmengine.config import Config

from mmwsss.utils import read_json_object

VOLATILE_KEYS = ('experiment_name', 'launcher', 'model_wrapper_cfg', 'work_dir')
"""Top-level config keys left out of the hash: they name the run or the way it
is launched (``tools/train.py`` vs torchrun), not what it computes."""


class StaleStepError(RuntimeError):
    """A finished step's marker does not match the config of this run."""


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
