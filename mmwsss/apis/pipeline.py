"""Run a chain of stage configs under one work dir: the whole WSSS pipeline.

A *pipeline config* is an mmengine config with a ``stages`` dict (and no
model); ``tools/train.py`` runs it like any config::

    work_dir = 'work_dirs/psa_demo'
    inputs = dict(cams='{cam}/cams')
    stages = dict(
        cam=dict(config='../cam/<cam config>.py', steps=['train', 'test']),
        affinity_labels=dict(
            config=AFFINITY, steps=['affinity_labels'],
            cfg_options={'train_dataloader.dataset.data_prefix.cam_path': '{cams}',
                         'train_dataloader.dataset.data_prefix.affinity_path':
                             '{affinity_labels}/scores'}),
        ...)
    leaderboard = dict()

Each stage (a key of ``stages``: its name) is an ordinary config (``config``,
relative to the pipeline file) that also runs alone, run with its work dir set
to ``{work_dir}/{name}`` and its ``cfg_options`` applied. In option values,
``{work_dir}`` is the pipeline's work dir, ``{NAME}`` the work dir of stage
``NAME``, ``{NAME.checkpoint}`` that stage's latest checkpoint and ``{INPUT}``
the value of ``inputs[INPUT]`` (itself made of those fields): that is how the
outputs of one stage become the inputs of the next. A stage runs after the
stages its options name, otherwise in the order written. Pipelines inherit
each other like any config: a base holds the stages that several pipelines
share and names what they read through ``inputs``; a child adds the stages
that produce them and sets ``inputs`` (see ``configs/_base_/pipelines/``).
The steps of a stage, in order:

- ``train``: ``Runner.train()`` (hooks such as ``RunTestAfterTrainHook`` run
  after it); resumed from the last checkpoint of the stage's work dir if any;
- ``test``: ``Runner.test()`` on the stage's latest checkpoint (or the
  stage's ``checkpoint`` option), with the stage's ``tta`` / ``crf`` flags;
- ``affinity_labels``: the affinity-label scores of the config's training set
  (:func:`~mmwsss.apis.affinity_labels.affinity_labels_from_config`), with
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
Before the first stage the pipeline reads its dataset once
(:mod:`~mmwsss.apis.pipeline_datasets`): the pipeline options ``data_root``
(every stage's datasets), ``classes`` (names, background first; default: the
dataset's ``meta.json``), ``dataset_name`` and ``ground_truth=False`` (no
pixel ground truth) reach every stage, every head's ``num_classes`` is set
from the classes, and a dataset that does not fit (image-level labels outside
the classes, a contradicting ``num_classes`` option, ...) is one error before
anything runs. Under ``--launcher pytorch`` every rank runs every step: training with DDP,
tests sharded, metrics gathered on rank 0. After each stage the main process
writes ``{work_dir}/pipeline_summary.json`` (resolved configs, git commit,
step timings, metrics, per step the number of images whose image-level
label list is empty, the dataset (name, classes, split sizes) and each
stage's initialisation); with ``leaderboard`` (a dict of arguments of
:func:`~mmwsss.reporting.leaderboard.write_leaderboard`, usually empty: the
dataset and initialisations are the recorded ones) it ends with the per-stage
table and the per-class IoU table. Last, unless the pipeline option
``report=False``, it writes the browsable report of the work dir,
``{work_dir}/report/index.html`` (:func:`~mmwsss.reporting.report.write_report`).
"""
import gc
import glob
import os
import os.path as osp
import re
import string
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import torch
from mmengine.config import Config
from mmengine.dist import barrier, get_world_size, init_dist, is_distributed, is_main_process
from mmengine.runner import Runner

from mmwsss.engine import ResumeWritersHook
from mmwsss.reporting.leaderboard import RUN_RECORD_FILE, write_leaderboard
from mmwsss.reporting.report import write_report
from mmwsss.utils import (apply_test_time_options, check_batch_split, init_cpu_process_group,
                          load_config, read_json_object, remove_stale_temporaries, save_json)
from mmwsss.version import __version__
from .affinity_labels import affinity_labels_from_config
from .done_marker import (StaleStepError, check_stage, flat_config, marker_path, new_marker,
                          set_aside)
from .pipeline_datasets import (PipelineDataset, PlannedStageOutputs, StageOutputs,
                                initialisation, pipeline_dataset, tested_initialisation)

SUMMARY_FILE = RUN_RECORD_FILE
STAGE_KEYS = {'config', 'steps', 'cfg_options', 'checkpoint', 'tta', 'crf', 'workers'}
"""The keys of a stage in a pipeline config's ``stages`` dict."""


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


def is_pipeline_config(cfg: Config) -> bool:
    """Whether a config is a pipeline (has ``stages``) rather than a stage."""
    return 'stages' in cfg


def template_fields(value: Any) -> Set[str]:
    """The first name of every ``{field}`` in the strings of a value.

    Args:
        value: Option value (strings in nested lists, tuples and dicts count).

    Returns:
        E.g. ``{'cam', 'work_dir'}`` for ``['{cam.checkpoint}', '{work_dir}/x']``.
    """
    if isinstance(value, str):
        return {re.split(r'[.\[]', name)[0]
                for _, name, _, _ in string.Formatter().parse(value) if name}
    if isinstance(value, (list, tuple)):
        return set().union(*(template_fields(item) for item in value))
    if isinstance(value, dict):
        return set().union(*(template_fields(item) for item in value.values()))
    return set()


class PipelineInput:
    """What ``{NAME}`` stands for when ``NAME`` is one of the pipeline's ``inputs``.

    Its template (e.g. ``'{cam_train_aug}/cams'``) is filled when a stage
    option is, so a ``{STAGE.checkpoint}`` in it is looked up only then.

    Args:
        template: The input's value in the pipeline config.
        fields: The fields of :func:`fill_templates` (stages, ``work_dir``).
    """

    def __init__(self, template: str, fields: Mapping[str, Any]) -> None:
        self.template = template
        self.fields = fields

    def __format__(self, spec: str) -> str:
        return format(fill_templates(self.template, self.fields), spec)


def pipeline_fields(cfg: Config, work_dir: str, stages: Sequence[Stage],
                    stage_outputs: Optional[Callable[[str, str], Any]] = None
                    ) -> Dict[str, Any]:
    """The fields of :func:`fill_templates` for the stages of a pipeline.

    Args:
        cfg: Pipeline config (its ``inputs``).
        work_dir: The pipeline's work dir.
        stages: Its stages.
        stage_outputs: ``(name, stage work dir) -> `` what ``{NAME}`` stands for
            (default :class:`StageOutputs`).

    Returns:
        ``work_dir``, one entry per stage and one :class:`PipelineInput` per input.
    """
    stage_outputs = stage_outputs or StageOutputs
    fields: Dict[str, Any] = {'work_dir': work_dir}
    fields.update({stage.name: stage_outputs(stage.name, osp.join(work_dir, stage.name))
                   for stage in stages})
    fields.update({name: PipelineInput(template, fields)
                   for name, template in parse_inputs(cfg, list(cfg.stages)).items()})
    return fields


def parse_inputs(cfg: Config, stage_names: Sequence[str]) -> Dict[str, str]:
    """Check the ``inputs`` of a pipeline config (name -> template).

    Raises:
        ValueError: an input is not a string, its name is not a new identifier,
            or its template names something other than stages and ``work_dir``.
    """
    where = cfg.filename or 'pipeline config'
    inputs = dict(cfg.get('inputs') or {})
    for name, template in inputs.items():
        if not isinstance(template, str):
            raise ValueError(f'{where}: inputs.{name} must be a string, got {template!r}')
        if not name.isidentifier() or name in stage_names or name == 'work_dir':
            raise ValueError(f'{where}: inputs.{name}: the name must be a Python '
                             'identifier other than work_dir and the stage names')
        unknown = template_fields(template) - set(stage_names) - {'work_dir'}
        if unknown:
            raise ValueError(f'{where}: inputs.{name} = {template!r} names '
                             f'{sorted(unknown)}, which are neither work_dir nor stages '
                             f'({sorted(stage_names)})')
    return inputs


def parse_stages(cfg: Config) -> List[Stage]:
    """Check and order the ``stages`` of a pipeline config.

    ``stages`` maps each stage's name to its keys (:data:`STAGE_KEYS` but
    ``name``), so a pipeline that inherits another adds, replaces or changes
    stages by name. A stage runs after every stage its ``cfg_options`` and
    ``checkpoint`` name (directly or through the pipeline's ``inputs``), and
    otherwise in the order written (a base's stages before the child's).

    Args:
        cfg: Pipeline config (``cfg.filename`` locates relative stage configs).

    Returns:
        The stages, in the order they run.

    Raises:
        ValueError: ``stages`` is empty or not a dict, a stage lacks a key, has
            an unknown key or step, a non-identifier name, names an unknown
            field, or stages name each other in a cycle.
        FileNotFoundError: a stage config does not exist.
    """
    where = cfg.filename or 'pipeline config'
    if not isinstance(cfg.stages, Mapping):
        raise ValueError(f'{where}: stages must be a dict of name -> stage, got '
                         f'{type(cfg.stages).__name__}')
    if not cfg.stages:
        raise ValueError(f'{where}: stages is empty')
    names = list(cfg.stages)
    inputs = parse_inputs(cfg, names)
    stages, needs = [], {}
    for name, spec in cfg.stages.items():
        spec = dict(spec)
        key = f'{where}: stages.{name}'
        if not str(name).isidentifier() or name in ('work_dir', 'inputs'):
            raise ValueError(f'{key}: the name must be a Python identifier other than '
                             'work_dir and inputs')
        for required in ('config', 'steps'):
            if required not in spec:
                raise ValueError(f'{key} has no {required!r}')
        unknown = set(spec) - STAGE_KEYS
        if unknown:
            raise ValueError(f'{key} has unknown keys {sorted(unknown)}; allowed: '
                             f'{sorted(STAGE_KEYS)}')
        bad_steps = [step for step in spec['steps'] if step not in STEPS]
        if bad_steps or not spec['steps']:
            raise ValueError(f'{key}: steps {list(spec["steps"])} must be a '
                             f'non-empty list of {STEPS}')
        config = spec['config']
        if not osp.isabs(config) and cfg.filename:
            config = osp.normpath(osp.join(osp.dirname(cfg.filename), config))
        if not osp.isfile(config):
            raise FileNotFoundError(f'{key}: config not found: {config}')
        stage = Stage(
            name=name, config=config, steps=tuple(spec['steps']),
            cfg_options=dict(spec.get('cfg_options') or {}),
            checkpoint=spec.get('checkpoint'), tta=bool(spec.get('tta', False)),
            crf=bool(spec.get('crf', False)),
            workers=int(spec['workers']) if spec.get('workers') else None)
        named = template_fields([stage.cfg_options, stage.checkpoint])
        unknown = named - set(names) - set(inputs) - {'work_dir'}
        if unknown:
            raise ValueError(f'{key} names {sorted(unknown)}, which are neither work_dir, '
                             f'stages ({names}) nor inputs ({sorted(inputs)})')
        needs[name] = set().union(*(
            template_fields(inputs[field]) if field in inputs else {field}
            for field in named)) - {'work_dir', name}
        stages.append(stage)
    return _in_running_order(stages, needs, where)


def _in_running_order(stages: List[Stage], needs: Mapping[str, Set[str]],
                      where: str) -> List[Stage]:
    """Each stage after the stages it needs, otherwise in the given order."""
    ordered: List[Stage] = []
    left = list(stages)
    while left:
        done = {stage.name for stage in ordered}
        ready = next((stage for stage in left if needs[stage.name] <= done), None)
        if ready is None:
            raise ValueError(f'{where}: stages {[stage.name for stage in left]} need each '
                             'other\'s outputs (a cycle)')
        ordered.append(ready)
        left.remove(ready)
    return ordered


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


def _stage_metrics(stage_dir: str) -> Dict[str, Any]:
    """The metric JSON files a stage left at the top of its work dir."""
    return {osp.basename(path): read_json_object(path, 'metrics file')
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


def _train(stage: Stage, cfg: Config, fields: Mapping[str, Any]) -> int:
    """The ``train`` step: train, resuming from the stage's last checkpoint."""
    cfg.resume = osp.isfile(osp.join(cfg.work_dir, 'last_checkpoint'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    return _images_without_labels(runner.train_dataloader)


def _test(stage: Stage, cfg: Config, fields: Mapping[str, Any]) -> int:
    """The ``test`` step: test the stage's checkpoint (or its ``checkpoint``)."""
    cfg.load_from = (fill_templates(stage.checkpoint, fields) if stage.checkpoint
                     else StageOutputs(stage.name, cfg.work_dir).checkpoint)
    if not osp.isfile(cfg.load_from):
        raise FileNotFoundError(f'stage {stage.name!r}: checkpoint not found: '
                                f'{cfg.load_from}')
    apply_test_time_options(cfg, tta=stage.tta, crf=stage.crf)
    runner = Runner.from_cfg(cfg)
    runner.test()
    return _images_without_labels(runner.test_dataloader)


def _affinity_labels(stage: Stage, cfg: Config, fields: Mapping[str, Any]) -> int:
    """The ``affinity_labels`` step: the affinity-label scores of the training set."""
    affinity_labels_from_config(cfg, num_workers=stage.workers)
    return 0


def _images_without_labels(loader) -> int:
    """How many images of a step's dataset have an empty image-level label list
    (the classifier's negatives; see ``WSSSDataset.empty_label_ids``)."""
    return len(getattr(loader.dataset, 'empty_label_ids', ()))


STEP_RUNNERS: Dict[str, Callable[[Stage, Config, Mapping[str, Any]], int]] = {
    'train': _train, 'test': _test, 'affinity_labels': _affinity_labels}
"""Each step: ``(stage, resolved config, template fields) -> images without labels``;
the pipeline frees the step's runner (``gc.collect``) before the next one."""
STEPS = tuple(STEP_RUNNERS)
"""The steps a stage may run, see the module docstring."""


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
    cfg.merge_from_dict(pipeline_options)  # may change stages: stages.rw.workers=4
    stages = stages_until(parse_stages(cfg), cfg.get('until'), path)
    init_distributed(launcher)
    for stage in stages:  # a total batch that a process count cannot split: refused now
        if 'train' in stage.steps:
            check_batch_split(stage.config, dict(stage.cfg_options, **stage_options[stage.name]),
                              get_world_size())
    work_dir = osp.abspath(work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(path))[0]))
    fields = pipeline_fields(cfg, work_dir, stages)
    dataset = read_pipeline_dataset(path, cfg, stages, stage_options, work_dir)
    _log(f'== dataset {dataset.name}: {len(dataset.classes) - 1} foreground classes '
         f'({", ".join(dataset.classes[1:])}) from {dataset.classes_from}')
    planned = pipeline_fields(cfg, work_dir, stages, PlannedStageOutputs)
    stage_dirs = {stage.name: osp.join(work_dir, stage.name) for stage in stages}
    known: Dict[str, str] = {}
    summary: Dict[str, Any] = dict(
        pipeline=osp.abspath(path), work_dir=work_dir,
        git_commit=git_commit(osp.dirname(osp.abspath(path))), mmwsss_version=__version__,
        launcher=launcher, started=time.strftime('%Y-%m-%d %H:%M:%S'),
        dataset=dataset.record(), stages=[])
    start = time.time()
    previous_run: Optional[str] = None  # run_id of the last finished step
    for index, stage in enumerate(stages):
        stage_dir = osp.join(work_dir, stage.name)
        record: Dict[str, Any] = dict(name=stage.name, config=stage.config,
                                      steps=list(stage.steps), seconds={}, skipped=[],
                                      resolved_config={}, images_without_labels={})
        options = fill_templates(stage.cfg_options, fields)
        options.update(stage_options[stage.name])
        options = dataset.stage_options(stage.name, options)
        step_cfgs = {step: _step_config(stage, options, stage_dir, launcher,
                                        train=step == 'train')
                     for step in stage.steps}
        record['initialisation'] = _initialisation(stage, step_cfgs, planned, stage_dirs,
                                                   known)
        if record['initialisation'] is not None:
            known[stage.name] = record['initialisation']
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
            for path in remove_stale_temporaries(stage_dir, recursive=True):
                _log(f'== {stage.name}: removed {path}, left by an interrupted run')
        barrier()
        for step in stage.steps:
            marker = marker_path(stage_dir, step)
            if osp.isfile(marker):
                done = read_json_object(marker, 'done marker')
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
            record['images_without_labels'][step] = STEP_RUNNERS[step](
                stage, cfg_step, fields)
            gc.collect()  # the runner's cycles (hooks, message hub) hold models
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
            previous_run = read_json_object(marker, 'done marker')['run_id']
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
        if cfg.get('report', True):
            index = write_report(work_dir, workers=min(8, os.cpu_count() or 1))
            print(f'\nreport (open in a browser): {index}')
    return summary


def read_pipeline_dataset(path: str, cfg: Config, stages: Sequence[Stage],
                          stage_options: Mapping[str, Mapping[str, Any]],
                          work_dir: str) -> PipelineDataset:
    """The dataset of a pipeline's stages, checked before the first one runs.

    Every stage config is loaded with its options (outputs of earlier stages
    stand for their future paths, :class:`PlannedStageOutputs`) and given to
    :func:`~mmwsss.apis.pipeline_datasets.pipeline_dataset`.

    Args:
        path: Pipeline config file.
        cfg: Pipeline config, the command line's pipeline options merged.
        stages: The stages to run.
        stage_options: Per stage, its ``--cfg-options``.
        work_dir: The pipeline's work dir.

    Returns:
        The dataset and the options that set every stage to it.

    Raises:
        PipelineDatasetError: the dataset, its classes and the stages do not
            fit (one message listing every problem).
    """
    planned = pipeline_fields(cfg, work_dir, stages, PlannedStageOutputs)
    by_name = {stage.name: stage for stage in stages}
    own = {stage.name: dict(fill_templates(stage.cfg_options, planned),
                            **stage_options[stage.name]) for stage in stages}
    sources = {stage.name: dict(
        {key: f'stages.{stage.name}.cfg_options of {path}' for key in stage.cfg_options},
        **{key: f'--cfg-options {stage.name}.{key}' for key in stage_options[stage.name]})
        for stage in stages}

    def load(name: str, first: Mapping[str, Any]) -> Config:
        stage_cfg = Config.fromfile(by_name[name].config)
        stage_cfg.merge_from_dict(dict(first))
        stage_cfg.merge_from_dict(own[name])
        return stage_cfg

    return pipeline_dataset(path, cfg, {stage.name: stage.steps for stage in stages}, load,
                            sources)


def _initialisation(stage: Stage, step_cfgs: Mapping[str, Config],
                    planned: Mapping[str, Any], stage_dirs: Mapping[str, str],
                    known: Mapping[str, str]) -> Optional[str]:
    """What a stage's network starts from (a tested one: that of the stage that
    trained it); None for a stage without a network (``affinity_labels``)."""
    if 'train' in step_cfgs:
        return initialisation(step_cfgs['train'], stage_dirs, known)
    if 'test' in step_cfgs:
        checkpoint = (fill_templates(stage.checkpoint, planned) if stage.checkpoint
                      else osp.join(stage_dirs[stage.name], 'last_checkpoint'))
        return tested_initialisation(checkpoint, stage_dirs, known)
    return None


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
        for folder, target in set_aside(folders).items():
            _log(f'== redo: moved {folder} to {target}')
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
