"""Run a chain of stage configs under one work dir: the whole WSSS pipeline.

A *pipeline config* is an mmengine config with a ``stages`` list (and no
model); ``tools/train.py`` runs it like any config::

    work_dir = 'work_dirs/psa_demo'
    stages = [
        dict(name='cam', config='../cam/<cam config>.py', steps=['train', 'test']),
        dict(name='affinity_labels', config=AFFINITY, steps=['affinity_labels'],
             cfg_options={'train_dataloader.dataset.data_prefix.cam_path': '{cam}/cams',
                          'train_dataloader.dataset.data_prefix.affinity_path':
                              '{affinity_labels}/scores'}),
        ...
    ]
    leaderboard = dict(dataset='demo', pretraining='none')

Each stage is an ordinary config (``config``, relative to the pipeline file)
that also runs alone, run with its work dir set to ``{work_dir}/{name}`` and
its ``cfg_options`` applied. In option values, ``{work_dir}`` is the pipeline's
work dir, ``{NAME}`` the work dir of stage ``NAME`` and ``{NAME.checkpoint}``
that stage's latest checkpoint: that is how the outputs of one stage become the
inputs of the next. The steps of a stage, in order:

- ``train``: ``Runner.train()`` (hooks such as ``RunTestAfterTrainHook`` run
  after it); resumed from the last checkpoint of the stage's work dir if any;
- ``test``: ``Runner.test()`` on the stage's latest checkpoint (or the
  stage's ``checkpoint`` option), with the stage's ``tta`` / ``crf`` flags;
- ``affinity_labels``: the affinity-label scores of the config's training set
  (:func:`~mmwsss.apis.affinity_labels.make_affinity_labels`), with
  ``workers`` processes per rank (default: the cores over the ranks).

Every finished step leaves ``{stage work dir}/done_{step}.json`` with the
hash of its resolved config (:mod:`~mmwsss.apis.done_marker`); a rerun skips
finished steps and resumes an interrupted one: training from its checkpoint;
CAM inference, the random walk and the affinity labels from the images not yet
written (the pipeline turns on ``skip_written`` of the config's
``ResumeWritersHook``, see :meth:`~mmwsss.engine.ResumeWritersHook.turn_on`).
Before a stage runs, its finished steps are checked against this run: when
the resolved config changed (or an earlier step was run again since), the
pipeline stops and names the changed keys; with the pipeline option
``redo=True`` (``--cfg-options redo=True``) it instead moves the folders of that
stage and every later one to ``{work_dir}/replaced_{time}/`` and runs them
again. Hidden temporary files that a killed run left in a stage's folder are
removed when the stage starts. The pipeline option ``until=NAME``
(``--cfg-options until=rw``) runs the stages up to and including ``NAME`` only.
Under ``--launcher pytorch`` every rank runs every step: training with DDP,
tests sharded, metrics gathered on rank 0. After each stage the main process
writes ``{work_dir}/pipeline_summary.json`` (resolved configs, git commit,
step timings, metrics, and per step the number of images whose image-level
label list is empty); with ``leaderboard`` it ends with the per-stage table
and the per-class IoU table of
:func:`~mmwsss.reporting.leaderboard.write_leaderboard`.
"""
import gc
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.dist import barrier, get_world_size, init_dist, is_distributed, is_main_process
from mmengine.runner import Runner

from mmwsss.engine import ResumeWritersHook
from mmwsss.reporting.leaderboard import write_leaderboard
from mmwsss.utils import (apply_test_time_options, init_cpu_process_group, load_config,
                          remove_stale_temporaries, save_json)
from mmwsss.version import __version__
from .affinity_labels import jobs_from_config, make_affinity_labels
from .done_marker import StaleStepError, check_stage, flat_config, marker_path, new_marker

STEPS = ('train', 'test', 'affinity_labels')
"""The steps a stage may run, see the module docstring."""
SUMMARY_FILE = 'pipeline_summary.json'
STAGE_KEYS = {'name', 'config', 'steps', 'cfg_options', 'checkpoint', 'tta', 'crf',
              'workers'}


@dataclass
class Stage:
    """One stage of a pipeline.

    Attributes:
        name: Identifier; the stage's work dir is ``{work_dir}/{name}``.
        config: Absolute path of the stage's config.
        steps: Steps to run, in order (see :data:`STEPS`).
        cfg_options: Overrides of the stage config; string values may hold
            ``{work_dir}``, ``{NAME}`` and ``{NAME.checkpoint}``.
        checkpoint: Checkpoint of the ``test`` step (default: the stage's
            own); may hold the same fields as ``cfg_options``.
        tta: ``test`` with multi-scale + flip.
        crf: ``test`` with dense-CRF post-processing.
        workers: CRF processes per rank of the ``affinity_labels`` step (None:
            the cores over the ranks).
    """

    name: str
    config: str
    steps: Tuple[str, ...]
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    checkpoint: Optional[str] = None
    tta: bool = False
    crf: bool = False
    workers: Optional[int] = None


class StageOutputs:
    """What ``{NAME}`` and ``{NAME.checkpoint}`` stand for in stage options.

    Args:
        name: Stage name.
        work_dir: The stage's work dir.
    """

    def __init__(self, name: str, work_dir: str) -> None:
        self.name = name
        self.work_dir = work_dir

    def __format__(self, spec: str) -> str:
        return format(self.work_dir, spec)

    @property
    def checkpoint(self) -> str:
        """The stage's latest checkpoint (mmengine's ``last_checkpoint`` record)."""
        record = osp.join(self.work_dir, 'last_checkpoint')
        if not osp.isfile(record):
            raise FileNotFoundError(f'stage {self.name!r} has no checkpoint yet: '
                                    f'{record} not found')
        with open(record) as file:
            return file.read().strip()


def is_pipeline_config(cfg: Config) -> bool:
    """Whether a config is a pipeline (has ``stages``) rather than a stage."""
    return 'stages' in cfg


def parse_stages(cfg: Config) -> List[Stage]:
    """Check and convert the ``stages`` of a pipeline config.

    Args:
        cfg: Pipeline config (``cfg.filename`` locates relative stage configs).

    Returns:
        The stages, in order.

    Raises:
        ValueError: a stage lacks a key, has an unknown key, step or a
            duplicate or non-identifier name, or the list is empty.
        FileNotFoundError: a stage config does not exist.
    """
    where = cfg.filename or 'pipeline config'
    if not cfg.stages:
        raise ValueError(f'{where}: stages is empty')
    stages, names = [], set()
    for index, spec in enumerate(cfg.stages):
        spec = dict(spec)
        key = f'{where}: stages[{index}]'
        for required in ('name', 'config', 'steps'):
            if required not in spec:
                raise ValueError(f'{key} has no {required!r}')
        unknown = set(spec) - STAGE_KEYS
        if unknown:
            raise ValueError(f'{key} ({spec["name"]}) has unknown keys {sorted(unknown)}; '
                             f'allowed: {sorted(STAGE_KEYS)}')
        name = spec['name']
        if not str(name).isidentifier() or name in names or name == 'work_dir':
            raise ValueError(f'{key}: name {name!r} must be a new Python identifier '
                             'other than work_dir')
        names.add(name)
        bad_steps = [step for step in spec['steps'] if step not in STEPS]
        if bad_steps or not spec['steps']:
            raise ValueError(f'{key} ({name}): steps {list(spec["steps"])} must be a '
                             f'non-empty list of {STEPS}')
        config = spec['config']
        if not osp.isabs(config) and cfg.filename:
            config = osp.normpath(osp.join(osp.dirname(cfg.filename), config))
        if not osp.isfile(config):
            raise FileNotFoundError(f'{key} ({name}): config not found: {config}')
        stages.append(Stage(
            name=name, config=config, steps=tuple(spec['steps']),
            cfg_options=dict(spec.get('cfg_options') or {}),
            checkpoint=spec.get('checkpoint'), tta=bool(spec.get('tta', False)),
            crf=bool(spec.get('crf', False)),
            workers=int(spec['workers']) if spec.get('workers') else None))
    return stages


def stages_until(stages: List[Stage], until: Optional[str], path: str) -> List[Stage]:
    """The stages up to and including the one named ``until`` (all when None).

    Args:
        stages: The pipeline's stages, in order.
        until: Name of the last stage to run (pipeline option ``until``).
        path: Pipeline config file, for the error message.

    Raises:
        ValueError: no stage has that name.
    """
    if until is None:
        return stages
    names = [stage.name for stage in stages]
    if until not in names:
        raise ValueError(f'{path}: until={until!r} names no stage; stages: {names}')
    return stages[:names.index(until) + 1]


def split_cfg_options(options: Optional[Mapping[str, Any]],
                      stage_names: Sequence[str]) -> Tuple[Dict[str, Any],
                                                           Dict[str, Dict[str, Any]]]:
    """Route ``--cfg-options`` to the pipeline or to one stage.

    A key whose first part is a stage name goes to that stage without it
    (``cam.train_cfg.max_epochs=1``); any other key to the pipeline config.

    Args:
        options: Dotted key -> value.
        stage_names: Names of the stages.

    Returns:
        The pipeline's options and, per stage name, the stage's options.
    """
    pipeline: Dict[str, Any] = {}
    per_stage: Dict[str, Dict[str, Any]] = {name: {} for name in stage_names}
    for key, value in (options or {}).items():
        head, _, rest = key.partition('.')
        if head in per_stage and rest:
            per_stage[head][rest] = value
        else:
            pipeline[key] = value
    return pipeline, per_stage


def fill_templates(value: Any, fields: Mapping[str, Any]) -> Any:
    """Format every string in a value (nested lists, tuples, dicts) with ``fields``.

    Args:
        value: Option value.
        fields: ``str.format_map`` fields.

    Returns:
        The value with its strings formatted.

    Raises:
        KeyError: a string names an unknown field.
    """
    if isinstance(value, str):
        try:
            return value.format_map(fields)
        except KeyError as error:
            raise KeyError(f'option value {value!r} names {error}, which is neither '
                           f'work_dir nor a stage ({sorted(fields)})') from error
    if isinstance(value, (list, tuple)):
        return type(value)(fill_templates(item, fields) for item in value)
    if isinstance(value, dict):
        return {key: fill_templates(item, fields) for key, item in value.items()}
    return value


def git_commit(path: str) -> Optional[str]:
    """The commit checked out at ``path`` (None outside a git work tree)."""
    try:
        result = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=path, capture_output=True,
                                text=True, timeout=30)
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _read_json(path: str) -> dict:
    """Read a JSON file."""
    with open(path) as file:
        return json.load(file)


def _stage_metrics(stage_dir: str) -> Dict[str, Any]:
    """The metric JSON files a stage left at the top of its work dir."""
    return {osp.basename(path): _read_json(path)
            for path in sorted(glob.glob(osp.join(stage_dir, '*metrics*.json')))
            if 'sweep' not in osp.basename(path)}


def init_distributed(launcher: str) -> None:
    """Start the process group of a launched pipeline before its first step.

    Every step relies on it: rank 0 alone writes the done markers, after a
    barrier. Runners would start it in their first step, but a resumed run may
    begin with a step that builds no runner (``affinity_labels``), where every
    rank would otherwise believe it is the main one. Runners find it started
    and keep it. GPUs get NCCL, CPU processes under torchrun gloo.

    Args:
        launcher: ``none`` (nothing to do), ``pytorch``, ``slurm`` or ``mpi``.
    """
    if launcher == 'none' or is_distributed():
        return
    if torch.cuda.is_available():
        init_dist(launcher, backend='nccl')
    elif launcher == 'pytorch':
        init_cpu_process_group()


def _run_step(stage: Stage, step: str, cfg: Config, fields: Mapping[str, Any]) -> int:
    """Run one step of a stage on its resolved config (``fields``: templates).

    Returns:
        How many images of the step's dataset have an empty image-level label
        list (allowed, with a warning; see ``WSSSDataset.empty_label_ids``).
    """
    if step == 'affinity_labels':
        if 'affinity_label_cfg' not in cfg:
            raise KeyError(f'stage {stage.name!r}: config {stage.config} has no '
                           'affinity_label_cfg (low_alpha, high_alpha)')
        make_affinity_labels(jobs_from_config(cfg), num_workers=stage.workers,
                             **cfg.affinity_label_cfg)
        barrier()
        return 0
    if step == 'train':
        cfg.resume = osp.isfile(osp.join(cfg.work_dir, 'last_checkpoint'))
        runner = Runner.from_cfg(cfg)
        runner.train()
        dataset = runner.train_dataloader.dataset
    else:
        outputs = StageOutputs(stage.name, cfg.work_dir)
        cfg.load_from = (fill_templates(stage.checkpoint, fields) if stage.checkpoint
                         else outputs.checkpoint)
        if not osp.isfile(cfg.load_from):
            raise FileNotFoundError(f'stage {stage.name!r}: checkpoint not found: '
                                    f'{cfg.load_from}')
        apply_test_time_options(cfg, tta=stage.tta, crf=stage.crf)
        runner = Runner.from_cfg(cfg)
        runner.test()
        dataset = runner.test_dataloader.dataset
    empty = len(getattr(dataset, 'empty_label_ids', ()))
    del runner, dataset
    gc.collect()
    return empty


def run_pipeline(path: str,
                 cfg_options: Optional[Mapping[str, Any]] = None,
                 work_dir: Optional[str] = None,
                 launcher: str = 'none') -> Dict[str, Any]:
    """Run (or resume) every stage of a pipeline config.

    Args:
        path: Pipeline config file.
        cfg_options: ``--cfg-options``; keys starting with a stage name go to
            that stage (see :func:`split_cfg_options`).
        work_dir: Work dir (wins over the config's ``work_dir``).
        launcher: ``none`` or ``pytorch`` (every rank calls this function).

    Returns:
        The run summary (also written to ``{work_dir}/pipeline_summary.json``).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config not found: {path}')
    cfg = Config.fromfile(path)
    pipeline_options, stage_options = split_cfg_options(
        cfg_options, [stage.name for stage in parse_stages(cfg)])
    cfg.merge_from_dict(pipeline_options)  # may change stages, e.g. stages.1.workers=4
    stages = stages_until(parse_stages(cfg), cfg.get('until'), path)
    init_distributed(launcher)
    work_dir = osp.abspath(work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(path))[0]))
    fields: Dict[str, Any] = {'work_dir': work_dir}
    fields.update({s.name: StageOutputs(s.name, osp.join(work_dir, s.name)) for s in stages})
    summary: Dict[str, Any] = dict(
        pipeline=osp.abspath(path), work_dir=work_dir,
        git_commit=git_commit(osp.dirname(osp.abspath(path))), mmwsss_version=__version__,
        launcher=launcher, started=time.strftime('%Y-%m-%d %H:%M:%S'), stages=[])
    start = time.time()
    previous_run: Optional[str] = None  # run_id of the last finished step
    for index, stage in enumerate(stages):
        stage_dir = osp.join(work_dir, stage.name)
        record: Dict[str, Any] = dict(name=stage.name, config=stage.config,
                                      steps=list(stage.steps), seconds={}, skipped=[],
                                      resolved_config={}, images_without_labels={})
        options = fill_templates(stage.cfg_options, fields)
        options.update(stage_options[stage.name])
        step_cfgs = {step: _step_config(stage, options, stage_dir, launcher,
                                        train=step == 'train')
                     for step in stage.steps}
        flats = {step: flat_config(cfg_step, dict(
            stage_tta=stage.tta, stage_crf=stage.crf, stage_checkpoint=stage.checkpoint))
                 for step, cfg_step in step_cfgs.items()}
        later = [osp.join(work_dir, s.name) for s in stages[index:]]
        try:
            check_stage(stage_dir, flats, previous_run, _start_over(work_dir, later))
        except StaleStepError as error:
            if not cfg.get('redo', False):
                raise
            _log(f'== {stage.name}: {error.args[0].splitlines()[0]}')
            _set_aside(work_dir, later)
        if is_main_process():
            for path in remove_stale_temporaries(stage_dir):
                _log(f'== {stage.name}: removed {path}, left by an interrupted run')
        barrier()
        for step in stage.steps:
            marker = marker_path(stage_dir, step)
            if osp.isfile(marker):
                done = _read_json(marker)
                previous_run = done.get('run_id')
                record['seconds'][step] = done['seconds']
                record['skipped'].append(step)
                record['cfg_options'] = done.get('cfg_options')
                record['resolved_config'][step] = done.get('resolved_config')
                _log(f'== {stage.name}: {step} done ({marker}), skipped')
                continue
            cfg_step = step_cfgs[step]
            cfg_step.experiment_name = (f'{stage.name}_{step}_'
                                        f'{time.strftime("%Y%m%d_%H%M%S")}')
            _log(f'== {stage.name}: {step} ({stage.config}, work dir {stage_dir})')
            step_start = time.time()
            record['images_without_labels'][step] = _run_step(stage, step, cfg_step,
                                                              fields)
            seconds = round(time.time() - step_start, 1)
            barrier()
            record['seconds'][step] = seconds
            record['cfg_options'] = {k: str(v) for k, v in options.items()}
            record['resolved_config'][step] = cfg_step.pretty_text
            if is_main_process():
                save_json(new_marker(flats[step], previous_run,
                                     stage=stage.name, step=step, seconds=seconds,
                                     world_size=get_world_size(),
                                     finished=time.strftime('%Y-%m-%d %H:%M:%S'),
                                     cfg_options=record['cfg_options'],
                                     resolved_config=cfg_step.pretty_text), marker)
            barrier()
            previous_run = _read_json(marker)['run_id']
        record['metrics'] = _stage_metrics(stage_dir)
        summary['stages'].append(record)
        summary['seconds'] = round(time.time() - start, 1)
        summary['world_size'] = get_world_size()
        if is_main_process():
            save_json(summary, osp.join(work_dir, SUMMARY_FILE))
    summary['finished'] = time.strftime('%Y-%m-%d %H:%M:%S')
    if is_main_process():
        save_json(summary, osp.join(work_dir, SUMMARY_FILE))
        _report(summary, cfg.get('leaderboard'))
    return summary


def _step_config(stage: Stage, options: Mapping[str, Any], stage_dir: str,
                 launcher: str, train: bool) -> Config:
    """The resolved config of one step of a stage (its test loop skips the images
    already written; a ``train`` step gets its per-process batch from
    ``total_batch_size``)."""
    cfg = load_config(stage.config, dict(options), stage_dir, launcher, train=train)
    ResumeWritersHook.turn_on(cfg.get('custom_hooks') or [])
    return cfg


def _start_over(work_dir: str, folders: Sequence[str]) -> str:
    """How to start over from a stale stage: the end of a :class:`StaleStepError`."""
    return (f'To run it and every later stage again, rerun with --cfg-options redo=True '
            f'(moves {", ".join(folders)} to {work_dir}/replaced_<time>/), or delete '
            'those folders, or use another --work-dir.')


def _set_aside(work_dir: str, folders: Sequence[str]) -> None:
    """Move stage folders to ``{work_dir}/replaced_{time}/`` (main process; all wait)."""
    if is_main_process():
        target = osp.join(work_dir, f'replaced_{time.strftime("%Y%m%d_%H%M%S")}')
        for folder in folders:
            if osp.isdir(folder):
                os.makedirs(target, exist_ok=True)
                shutil.move(folder, osp.join(target, osp.basename(folder)))
                _log(f'== redo: moved {folder} to {target}/')
    barrier()


def _log(message: str) -> None:
    """Print a pipeline message on the main process."""
    if is_main_process():
        print(message, flush=True)


def _report(summary: Dict[str, Any], leaderboard: Optional[Mapping[str, Any]]) -> None:
    """Print the timings, the leaderboard tables and where the outputs are."""
    work_dir = summary['work_dir']
    if leaderboard is not None:
        folders = [record['name'] for record in summary['stages']]
        text, out = write_leaderboard(work_dir, **leaderboard, folders=folders)
        print('\n' + text, end='')
        print(f'\nwritten to {out}')
    print('\nstep times (s; earlier runs for skipped steps):')
    for record in summary['stages']:
        times = ', '.join(f'{step} {seconds:.0f}'
                          for step, seconds in record['seconds'].items())
        print(f'  {record["name"]:<16} {times}')
    print(f'this run: {summary["seconds"]:.0f} s')
    print(f'\noutputs: one folder per stage under {work_dir}/; run summary '
          f'{osp.join(work_dir, SUMMARY_FILE)}')
