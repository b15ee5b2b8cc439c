"""The dataset of a pipeline, read once before its first stage.

A pipeline's stages read one dataset. Its classes are declared once: by the
dataset (``{data_root}/meta.json``, or the ``metainfo`` of the stage configs'
datasets, else the 21 VOC classes) or by the pipeline option ``classes``
(names, background first). Before the first stage the pipeline

- points every dataset of every stage at the pipeline option ``data_root``
  when it is given (``--cfg-options data_root=data/my_dataset``), and gives
  every dataset the ``classes`` when they are given;
- sets every head's ``num_classes`` from the classes (CAM and EPS heads count
  the C foreground classes, MMSeg's decode and auxiliary heads and EncNet's
  SE head C + 1; see
  :func:`~mmwsss.engine.hooks.num_classes_check_hook.expected_num_classes`);
- with the pipeline option ``ground_truth=False`` (a dataset without pixel
  ground truth), removes the ground-truth masks (``data_prefix.seg_map_path``
  under the data root) from every dataset: the pseudo labels are then
  judged by their label survival only;
- checks everything at once and raises one :class:`PipelineDatasetError`
  listing every problem (datasets of the stages with other classes, an
  image-level label outside the classes, a ``num_classes`` option that
  contradicts them, a stage that needs ground truth without it), each naming
  its key and file, before any training.

What it found goes to the run record (``pipeline_summary.json``, key
``dataset``): the dataset's name (pipeline option ``dataset_name``, else the
``name`` of ``meta.json``, else ``VOC12`` for the VOC classes without
``meta.json``, else the data root's folder name), its classes and where they
come from, and the number of images of each split file; and per stage its
initialisation (:func:`initialisation`). ``tools/leaderboard.py`` reads them.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from mmengine.config import Config
from mmseg.registry import DATASETS, MODELS

from mmwsss.datasets.wsss_dataset import VOC_METAINFO, image_label_problem, metainfo_from_root
from mmwsss.engine.hooks.num_classes_check_hook import expected_num_classes
from mmwsss.utils import read_json_object
from mmwsss.utils.image_ids import read_id_list
from mmwsss.utils.io import voc_palette

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
"""The dataloaders of a stage config whose datasets the pipeline sets."""

EVALUATORS = dict(val_dataloader='val_evaluator', test_dataloader='test_evaluator')
"""The evaluator that scores each loader's predictions."""

STEP_LOADERS = dict(train=('train_dataloader', 'val_dataloader'), test=('test_dataloader', ),
                    affinity_labels=('train_dataloader', ))
"""The dataloaders each step of a stage reads (a training step also reads the
test loader when its config tests after training, ``RunTestAfterTrainHook``)."""

HEADS = ('decode_head', 'auxiliary_head')
"""The heads of a segmentor whose ``num_classes`` the pipeline sets."""

GROUND_TRUTH_FREE_EVALUATORS = ('PseudoLabelMetric', )
"""Evaluators that score nothing (and write nothing) without ground truth."""

IMAGENET_MARKS = ('open-mmlab://', 'torchvision://', 'mmcls://', 'timm://', 'ilsvrc',
                  'imagenet')
"""Parts of a checkpoint name (lower case) that mark ImageNet weights."""

FROM_SCRATCH = 'from scratch'
"""Initialisation of a network that loads no weights."""

IMAGENET = 'ImageNet'
"""Initialisation of a network that loads ImageNet weights (:data:`IMAGENET_MARKS`)."""

MAX_LISTED = 3
"""Bad images listed per label file."""


class PipelineDatasetError(ValueError):
    """The dataset, the classes and the heads of a pipeline do not fit; the
    message lists every problem found."""


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


class PlannedStageOutputs(StageOutputs):
    """What ``{NAME}`` and ``{NAME.checkpoint}`` stand for before a stage ran:
    the checkpoint is the path of its future ``last_checkpoint`` record."""

    @property
    def checkpoint(self) -> str:
        """The stage's ``last_checkpoint`` record (not read: the stage has not run)."""
        return osp.join(self.work_dir, 'last_checkpoint')


@dataclass
class PipelineDataset:
    """The dataset of a pipeline and the options that set its stages to it.

    Attributes:
        name: Dataset name (see the module docstring).
        classes: Class names, background first.
        classes_from: Where the classes come from (a ``meta.json`` path, the
            pipeline option, a config's ``metainfo`` or the VOC default).
        data_root: Data root of the stages' datasets (the first one's).
        splits: Split file (its name without suffix) -> number of images.
        first_options: Per stage, options applied before the stage's own
            (data root, classes, heads).
        last_options: Per stage, options applied after them (ground truth
            removed).
    """

    name: str
    classes: Tuple[str, ...]
    classes_from: str
    data_root: Optional[str]
    splits: Dict[str, int] = field(default_factory=dict)
    first_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    last_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def stage_options(self, stage: str, options: Mapping[str, Any]) -> Dict[str, Any]:
        """A stage's options with the pipeline's around them.

        Args:
            stage: Stage name.
            options: The stage's own options (pipeline config, command line).

        Returns:
            ``first_options``, then ``options``, then ``last_options``.
        """
        merged = dict(self.first_options.get(stage, {}))
        merged.update(options)
        merged.update(self.last_options.get(stage, {}))
        return merged

    def record(self) -> Dict[str, Any]:
        """What the run record keeps of the dataset (JSON)."""
        return dict(name=self.name, classes=list(self.classes),
                    foreground_classes=len(self.classes) - 1,
                    classes_from=self.classes_from, data_root=self.data_root,
                    splits=dict(self.splits))


def dataset_classes(dataset: Mapping[str, Any]) -> Tuple[Tuple[str, ...], str]:
    """The classes a dataset config gives its dataset, as the dataset reads them.

    Args:
        dataset: A dataset config (``type``, ``data_root``, ``metainfo``).

    Returns:
        The classes (background first) and where they come from.

    Raises:
        ValueError: a ``meta.json`` that cannot be read (see
            :func:`~mmwsss.datasets.wsss_dataset.metainfo_from_root`).
    """
    metainfo = dataset.get('metainfo')
    if metainfo and metainfo.get('classes'):
        return tuple(metainfo['classes']), 'the metainfo of the dataset config'
    root = dataset.get('data_root')
    dataset_type = DATASETS.get(dataset.get('type')) if dataset.get('type') else None
    if dataset_type is not None and dataset_type.__name__ != 'WSSSDataset':
        return tuple(dataset_type.METAINFO['classes']), f'{dataset_type.__name__}.METAINFO'
    meta = metainfo_from_root(root) if root else None
    if meta is not None:
        return tuple(meta['classes']), osp.join(root, 'meta.json')
    return tuple(VOC_METAINFO['classes']), f'the VOC classes (no meta.json in {root})'


def head_sizes(model: Optional[Mapping[str, Any]],
               classes: Sequence[str]) -> Dict[str, int]:
    """The ``num_classes`` every head of a segmentor config must have.

    Args:
        model: A model config (its ``decode_head`` and ``auxiliary_head``, each
            a head or a list of heads), or None.
        classes: The dataset's classes, background first.

    Returns:
        Config key (``model.decode_head.num_classes``,
        ``model.auxiliary_head.0.num_classes``) -> value, for the heads whose
        config has ``num_classes``.
    """
    sizes: Dict[str, int] = {}
    for name in HEADS:
        heads = (model or {}).get(name)
        entries = (list(enumerate(heads)) if isinstance(heads, (list, tuple))
                   else [(None, heads)] if heads else [])
        for index, head in entries:
            if not isinstance(head, Mapping) or 'num_classes' not in head:
                continue
            key = f'model.{name}.num_classes' if index is None else (
                f'model.{name}.{index}.num_classes')
            sizes[key] = expected_num_classes(MODELS.get(head['type']), classes)
    return sizes


def _lookup(cfg: Mapping[str, Any], key: str) -> Any:
    """The value of a dotted key of a config (list indices allowed), or None."""
    value: Any = cfg
    for part in key.split('.'):
        if isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, (Mapping, Config)) and part in value:
            value = value[part]
        else:
            return None
    return value


def _datasets(cfg: Mapping[str, Any], steps: Sequence[str] = ('train', )
              ) -> List[Tuple[str, Mapping[str, Any]]]:
    """``(loader, dataset config)`` of the loaders a stage config has that its
    steps read (:data:`STEP_LOADERS`; a step not named there reads every loader)."""
    used = {loader for step in steps for loader in STEP_LOADERS.get(step, LOADERS)}
    if 'train' in steps and any(isinstance(hook, Mapping)
                                and hook.get('type') == 'RunTestAfterTrainHook'
                                for hook in cfg.get('custom_hooks') or []):
        used.add('test_dataloader')
    return [(loader, cfg[loader]['dataset']) for loader in LOADERS
            if loader in used and isinstance(cfg.get(loader), Mapping)
            and cfg[loader].get('dataset')]


def _joined(root: Optional[str], path: str) -> str:
    """A dataset path as the dataset joins it with its root."""
    return path if osp.isabs(path) or not root else osp.join(root, path)


def _check_options(cfg: Config, where: str) -> Tuple[Optional[str], Optional[Tuple[str, ...]],
                                                      Optional[str], bool]:
    """The pipeline's dataset options, checked."""
    data_root, classes = cfg.get('data_root'), cfg.get('classes')
    name, ground_truth = cfg.get('dataset_name'), cfg.get('ground_truth', True)
    if data_root is not None and (not isinstance(data_root, str) or not data_root):
        raise PipelineDatasetError(f'{where}: data_root must be a folder, got {data_root!r}')
    if classes is not None and (
            not isinstance(classes, (list, tuple)) or len(classes) < 2
            or not all(isinstance(c, str) and c for c in classes)
            or len(set(classes)) != len(classes)):
        raise PipelineDatasetError(
            f'{where}: classes must be a list of at least two distinct names, background '
            f'first (e.g. classes="[background,defect]"), got {classes!r}')
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise PipelineDatasetError(f'{where}: dataset_name must be a name, got {name!r}')
    if not isinstance(ground_truth, bool):
        raise PipelineDatasetError(f'{where}: ground_truth must be True or False, got '
                                   f'{ground_truth!r}')
    return data_root, tuple(classes) if classes else None, name, ground_truth


def _label_problems(path: str, classes: Sequence[str], source: str) -> List[str]:
    """The images of an image-level label file whose classes are not 1..C."""
    if not osp.isfile(path):
        return []  # the stage's dataset names the missing file
    bad = []
    for img_id, values in read_json_object(path, 'image-level label file').items():
        problem = image_label_problem(values, len(classes) - 1)
        if problem:
            bad.append(f'image {img_id!r}: {problem}')
    if not bad:
        return []
    more = f' (and {len(bad) - MAX_LISTED} more images)' if len(bad) > MAX_LISTED else ''
    return [f'{path}: {"; ".join(bad[:MAX_LISTED])}{more}; the pipeline\'s classes, '
            f'{len(classes) - 1} foreground ({", ".join(classes[1:])}), come from {source}']


def _split_size(path: str) -> Optional[int]:
    """The number of ids of a split file (None if it cannot be read)."""
    try:
        return len(read_id_list(path))
    except (OSError, ValueError):
        return None


def _dataset_name(option: Optional[str], classes: Sequence[str], source: str,
                  data_root: Optional[str]) -> str:
    """The dataset's name (see the module docstring)."""
    if option:
        return option
    if source.endswith('meta.json'):
        name = read_json_object(source, 'dataset meta file').get('name')
        if isinstance(name, str) and name.strip():
            return name
    if tuple(classes) == tuple(VOC_METAINFO['classes']) and not source.endswith('meta.json'):
        return 'VOC12'
    return osp.basename(osp.normpath(data_root)) if data_root else 'not stated'


def dataset_options(stage_cfg: Mapping[str, Any], data_root: Optional[str],
                     declared: Optional[Tuple[str, ...]]) -> Dict[str, Any]:
    """The options that point a stage's datasets at a data root and classes.

    Args:
        stage_cfg: The stage's config.
        data_root: The pipeline option ``data_root`` (None: keep the configs').
        declared: The pipeline option ``classes`` (None: the datasets' own).

    Returns:
        Dotted key -> value, for every loader of the stage.
    """
    options: Dict[str, Any] = {}
    for loader, _ in _datasets(stage_cfg, tuple(STEP_LOADERS) + ('other', )):
        if data_root is not None:
            options[f'{loader}.dataset.data_root'] = data_root
        if declared is not None:
            options[f'{loader}.dataset.metainfo'] = dict(
                classes=list(declared), palette=voc_palette(len(declared)).tolist())
    return options


def pipeline_dataset(path: str, cfg: Config, stages: Mapping[str, Sequence[str]],
                     load: Callable[[str, Mapping[str, Any]], Config],
                     option_sources: Mapping[str, Mapping[str, str]]) -> PipelineDataset:
    """Read a pipeline's dataset once, set its stages to it and check them.

    Args:
        path: Pipeline config file (for the messages).
        cfg: Pipeline config with the command line's pipeline options merged
            (``data_root``, ``classes``, ``dataset_name``, ``ground_truth``).
        stages: Name -> steps of the stages to run, in order.
        load: ``(stage, first options) -> `` the stage's config with the
            first options merged, then the stage's own options (its
            ``cfg_options`` in the pipeline config, the command line's).
        option_sources: Per stage name, own option key -> where it was set
            (for the messages about ``num_classes``).

    Returns:
        The dataset, with the options that set each stage to it.

    Raises:
        PipelineDatasetError: one message listing every problem.
    """
    data_root, declared, name_option, ground_truth = _check_options(cfg, path)
    first = {stage: dataset_options(load(stage, {}), data_root, declared)
             for stage in stages}
    merged = {stage: load(stage, first[stage]) for stage in stages}
    problems: List[str] = []
    found = [(f'{stage}.{loader}', dataset) for stage, steps in stages.items()
             for loader, dataset in _datasets(merged[stage], steps)]
    if not found:
        raise PipelineDatasetError(f'{path}: no stage reads a dataset')
    if declared is not None:
        classes, source = declared, f'the pipeline option classes ({path})'
    else:
        classes, source = dataset_classes(found[0][1])
    meta_files = {}
    for where, dataset in found:
        other, other_source = dataset_classes(dataset)
        if other != classes:
            problems.append(f'{where} reads the classes {list(other)} ({other_source}), '
                            f'{found[0][0]} {list(classes)} ({source})')
        root = dataset.get('data_root')
        meta = metainfo_from_root(root) if root and declared is not None else None
        if meta is not None and tuple(meta['classes']) != declared:
            meta_files[osp.join(root, 'meta.json')] = list(meta['classes'])
    problems += [f'classes={list(declared)} (pipeline option) but {meta_file} declares '
                 f'{meta_classes}: keep one of them' for meta_file, meta_classes in
                 meta_files.items()]
    splits: Dict[str, int] = {}
    label_files: Dict[str, None] = {}
    last: Dict[str, Dict[str, Any]] = {}
    for stage in stages:
        stage_cfg = merged[stage]
        sizes = head_sizes(stage_cfg.get('model'), classes)
        first[stage].update(sizes)
        for key, value in sizes.items():
            given = option_sources.get(stage, {}).get(key)
            if given is not None and _lookup(stage_cfg, key) != value:
                problems.append(
                    f'{stage}.{key}={_lookup(stage_cfg, key)} ({given}), but the dataset '
                    f'has {len(classes) - 1} foreground classes ({source}): the pipeline '
                    f'sets it to {value}; remove that option')
        last[stage] = {}
        for loader, dataset in _datasets(stage_cfg, stages[stage]):
            root = dataset.get('data_root')
            if dataset.get('ann_file'):
                ann_file = _joined(root, dataset['ann_file'])
                size = _split_size(ann_file)
                if size is not None:
                    splits.setdefault(osp.splitext(osp.basename(ann_file))[0], size)
            if dataset.get('img_label_file'):
                label_files[_joined(root, dataset['img_label_file'])] = None
            gt_dir = (dataset.get('data_prefix') or {}).get('seg_map_path')
            if ground_truth or not gt_dir or osp.isabs(gt_dir):
                continue
            last[stage][f'{loader}.dataset.data_prefix.seg_map_path'] = None
            if loader == 'train_dataloader':
                problems.append(
                    f'ground_truth=False, but stage {stage!r} trains on the masks '
                    f'{_joined(root, gt_dir)} ({loader}.dataset.data_prefix.seg_map_path)')
                continue
            evaluator = _lookup(stage_cfg, f'{EVALUATORS[loader]}.type')
            if evaluator not in GROUND_TRUTH_FREE_EVALUATORS:
                problems.append(
                    f'ground_truth=False, but stage {stage!r} scores its {loader} with '
                    f'{evaluator} against the masks {_joined(root, gt_dir)}: run the '
                    f'stages before it only (until=STAGE)')
    for label_file in label_files:
        problems += _label_problems(label_file, classes, source)
    if problems:
        raise PipelineDatasetError(
            f'{path}: the dataset does not fit the pipeline (nothing was run):\n- '
            + '\n- '.join(problems))
    root = data_root if data_root is not None else found[0][1].get('data_root')
    return PipelineDataset(
        name=_dataset_name(name_option, classes, source, root), classes=tuple(classes),
        classes_from=source, data_root=root, splits=splits, first_options=first,
        last_options=last)


def checkpoint_origin(checkpoint: Optional[str], stage_dirs: Mapping[str, str],
                      known: Mapping[str, str]) -> str:
    """What a network starts from, in words.

    Args:
        checkpoint: The checkpoint it loads (None: nothing).
        stage_dirs: Work dir of each stage of the pipeline.
        known: The initialisation of the stages that ran before.

    Returns:
        :data:`FROM_SCRATCH`; ``'{stage} stage ({its initialisation})'`` for a
        checkpoint of an earlier stage; :data:`IMAGENET` for ImageNet weights
        (:data:`IMAGENET_MARKS`); else ``'checkpoint {path}'``.
    """
    if not checkpoint:
        return FROM_SCRATCH
    for name, stage_dir in stage_dirs.items():
        if osp.abspath(checkpoint).startswith(osp.abspath(stage_dir) + osp.sep):
            return f'{name} stage ({known.get(name, "not stated")})'
    if any(mark in checkpoint.lower() for mark in IMAGENET_MARKS):
        return IMAGENET
    return f'checkpoint {checkpoint}'


def tested_initialisation(checkpoint: Optional[str], stage_dirs: Mapping[str, str],
                          known: Mapping[str, str]) -> str:
    """What the network of a test-only stage started from: that of the stage
    whose checkpoint it tests (see :func:`checkpoint_origin` for others).

    Args:
        checkpoint: The checkpoint the stage tests.
        stage_dirs: Work dir of each stage of the pipeline.
        known: The initialisation of the stages that ran before.
    """
    for name, stage_dir in stage_dirs.items():
        if checkpoint and osp.abspath(checkpoint).startswith(
                osp.abspath(stage_dir) + osp.sep):
            return known.get(name, 'not stated')
    return checkpoint_origin(checkpoint, stage_dirs, known)


def initialisation(cfg: Mapping[str, Any], stage_dirs: Mapping[str, str],
                   known: Mapping[str, str]) -> str:
    """What a training config's network starts from (see :func:`checkpoint_origin`).

    The weights come from ``load_from``, else ``model.backbone.init_cfg``
    (``type='Pretrained'``), else ``model.init_cfg``, else ``model.pretrained``.

    Args:
        cfg: The resolved training config.
        stage_dirs: Work dir of each stage of the pipeline.
        known: The initialisation of the stages that ran before.

    Returns:
        The initialisation in words.
    """
    checkpoint = cfg.get('load_from')
    for key in ('model.backbone.init_cfg', 'model.init_cfg'):
        init_cfg = _lookup(cfg, key)
        if not checkpoint and isinstance(init_cfg, Mapping) and (
                init_cfg.get('type') == 'Pretrained'):
            checkpoint = init_cfg.get('checkpoint')
    return checkpoint_origin(checkpoint or _lookup(cfg, 'model.pretrained'), stage_dirs,
                             known)
