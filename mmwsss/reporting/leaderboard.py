"""Markdown tables of a work dir's stage results: beside the published ones, per class."""
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import List, Mapping, Optional, Sequence, Tuple, Union

from mmwsss.utils import atomic_path, read_json_object
from .per_class_table import BEST_PREFIX, per_class_scores, per_class_survival
from .published_results import PUBLISHED_RESULTS, STAGES, Result

MISSING = 'missing'
"""mIoU cell of an expected result file that is not in the work dir."""

NO_GROUND_TRUTH = 'no ground truth'
"""mIoU cell of a result whose stage wrote label survival but no metrics."""

COLUMNS = ('stage', 'result', 'mIoU', 'split', 'settings', 'CRF', 'pretraining',
           'source')

SURVIVAL_COLUMNS = ('min kept (%)', 'collapsed')
"""Columns after ``mIoU`` when a result of the work dir has label survival: the
smallest per-class kept share (and its class), the collapsed classes."""

NOT_APPLICABLE = '-'
"""Cell of a value a result does not have."""

NOT_STATED = 'not stated'
"""Dataset or pretraining cell that neither the run record nor the caller states."""

RUN_RECORD_FILE = 'pipeline_summary.json'
"""The run record a pipeline writes in its work dir (``mmwsss.apis.pipeline``):
its ``dataset`` (``name``, ``splits``: split name -> images) and per stage
(``stages``, each with ``name``) its ``initialisation``."""

Row = Tuple[str, ...]
Pretraining = Union[str, Mapping[str, str]]
"""Initialisation of our networks: one text for every stage, or per stage key
of :data:`STAGES` with the key ``'default'`` for the others."""

Networks = Optional[Mapping[str, str]]
"""Our network per stage key of :data:`STAGES` (e.g. ``{'seg': 'DeepLab-v2
ResNet-101'}``), named in the result column of that stage's rows, as the
published rows name theirs; stages without one keep the bare name."""


@dataclass(frozen=True)
class RunRecord:
    """What a pipeline recorded of its run, for the leaderboard.

    Attributes:
        dataset: Dataset name (None: not recorded).
        splits: Split name (``train``, ``val``) -> number of images.
        initialisation: Stage folder -> what its network started from
            (``from scratch``, ``ImageNet``, ``cam stage (from scratch)``).
    """

    dataset: Optional[str] = None
    splits: Mapping[str, int] = field(default_factory=dict)
    initialisation: Mapping[str, str] = field(default_factory=dict)


def read_run_record(work_dir: str) -> RunRecord:
    """The run record of a work dir (empty when it has none, or an older one).

    Args:
        work_dir: A pipeline's work dir.

    Returns:
        The dataset name, split sizes and stage initialisations recorded.

    Raises:
        ValueError: the record is not a JSON object, or a recorded value has
            the wrong type (the message names the file and the key).
    """
    path = osp.join(work_dir, RUN_RECORD_FILE)
    if not osp.isfile(path):
        return RunRecord()
    data = read_json_object(path, 'run record')
    dataset = data.get('dataset') or {}
    stages = data.get('stages') or []
    if not isinstance(dataset, dict) or not isinstance(stages, list):
        raise ValueError(f'{path}: "dataset" must be an object and "stages" a list')
    name, splits = dataset.get('name'), dataset.get('splits') or {}
    if name is not None and not isinstance(name, str):
        raise ValueError(f'{path}: dataset/name must be a string, got {name!r}')
    if not isinstance(splits, dict) or not all(
            isinstance(count, int) and not isinstance(count, bool)
            for count in splits.values()):
        raise ValueError(f'{path}: dataset/splits must map split names to image counts, '
                         f'got {splits!r}')
    initialisation = {}
    for stage in stages:
        value = stage.get('initialisation') if isinstance(stage, dict) else None
        if value is not None and not isinstance(value, str):
            raise ValueError(f'{path}: initialisation of stage {stage.get("name")!r} must '
                             f'be a string, got {value!r}')
        if value is not None:
            initialisation[stage.get('name')] = value
    return RunRecord(name, splits, initialisation)


def published_dataset(result: Result) -> str:
    """The dataset of a published result: the first word of its split
    (``'VOC12 val (1,449)'`` -> ``'VOC12'``)."""
    return result.split.split(' ', 1)[0]


def comparable_results(published: Sequence[Result], dataset: str) -> List[Result]:
    """The published results measured on ``dataset`` (see :func:`published_dataset`)."""
    return [result for result in published if published_dataset(result) == dataset]


@dataclass(frozen=True)
class StageResultFile:
    """Where a stage of an mmwsss work dir writes one number, and its conventions.

    Attributes:
        stage: Key of :data:`STAGES`.
        path: JSON file relative to the work dir.
        key: Keys leading to the mIoU (percent) in the JSON, outermost first
            (every stage writes flat metrics: one key).
        method: Name of the result in the table.
        settings: Conventions; ``str.format`` fields are filled from the JSON
            (e.g. ``{best_bg_threshold:.2f}``).
        crf: Dense-CRF post-processing.
        split: ``'train'`` (pseudo labels) or ``'val'`` (segmentation).
        required: List the row with :data:`MISSING` when the file is absent
            from a stage folder the work dir has (optional variants are left
            out instead).
        prefix: Key prefix of the per-class values of this result in the
            JSON (``{prefix}IoU.{class}``; ``'best/'``: the CAM scores at the
            best background threshold).
        survival: Label-survival JSON of the result's pseudo labels relative
            to the work dir (``ScorePseudoLabelsHook``'s ``survival_files``;
            ``''``: none, as for labels that are not written).
    """

    stage: str
    path: str
    key: Tuple[str, ...]
    method: str
    settings: str
    crf: str
    split: str
    required: bool = False
    prefix: str = ''
    survival: str = ''


STAGE_RESULT_FILES: Tuple[StageResultFile, ...] = (
    StageResultFile('cam', 'cam/cam_metrics.json', ('mIoU', ), 'ours: CAM',
                    "bg score of the config's test_cfg", 'no', 'train', True,
                    survival='cam/cam_survival.json'),
    StageResultFile('cam', 'cam/cam_metrics.json', ('best_mIoU', ), 'ours: CAM',
                    'bg score {best_bg_threshold:.2f} (tuned on the ground truth)', 'no',
                    'train', True, prefix=BEST_PREFIX),
    StageResultFile('pseudo', 'rw/rw_metrics.json', ('mIoU', ), 'ours: random walk',
                    'random walk of the affinity config', 'no', 'train', True,
                    survival='rw/rw_survival.json'),
    StageResultFile('pseudo', 'rw/rw_crf_metrics.json', ('mIoU', ),
                    'ours: random walk + dCRF', 'random walk of the affinity config',
                    'yes', 'train', survival='rw/rw_crf_survival.json'),
    StageResultFile('pseudo', 'eps/cam_metrics.json', ('mIoU', ), 'ours: EPS',
                    "saliency, bg score of the config's test_cfg", 'no', 'train',
                    survival='eps/cam_survival.json'),
    StageResultFile('seg', 'seg/seg_metrics.json', ('mIoU', ), 'ours: segmentation',
                    'trained on the pseudo labels, single scale', 'no', 'val', True),
    StageResultFile('seg', 'seg/seg_metrics_tta.json', ('mIoU', ), 'ours: segmentation',
                    'trained on the pseudo labels, multi-scale + flip', 'no', 'val'),
    StageResultFile('seg', 'seg/seg_metrics_crf.json', ('mIoU', ), 'ours: segmentation',
                    'trained on the pseudo labels, single scale', 'yes', 'val'),
    StageResultFile('seg', 'seg/seg_metrics_tta_crf.json', ('mIoU', ), 'ours: segmentation',
                    'trained on the pseudo labels, multi-scale + flip', 'yes', 'val'),
    # the VOC pipelines' evaluation stages of the seg checkpoint
    StageResultFile('seg', 'seg_tta/seg_metrics_tta.json', ('mIoU', ), 'ours: segmentation',
                    'trained on the pseudo labels, multi-scale + flip', 'no', 'val'),
    StageResultFile('seg', 'seg_tta_crf/seg_metrics_tta_crf.json', ('mIoU', ),
                    'ours: segmentation', 'trained on the pseudo labels, multi-scale + flip',
                    'yes', 'val'),
)
"""The result files of an mmwsss work dir, in table order within each stage."""


def _lookup(data: dict, keys: Sequence[str]) -> Optional[object]:
    """``data[keys[0]][keys[1]]...``, or None where a key is absent."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _number(value: object, path: str, keys: Sequence[str]) -> float:
    """A metric value as a float, or an error naming the file and the key."""
    try:
        if isinstance(value, bool):
            raise TypeError
        return float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f'{path}: {"/".join(keys)!r} must be a number, got '
                         f'{value!r}') from error


def _pretraining_of(pretraining: Optional[Pretraining], spec: StageResultFile,
                    record: RunRecord) -> str:
    """The pretraining text of one result: the caller's (for its stage, else
    its ``default``), else the run record's initialisation of its folder."""
    if isinstance(pretraining, str):
        return pretraining
    given = pretraining or {}
    if spec.stage in given or 'default' in given:
        return given.get(spec.stage, given.get('default'))
    return record.initialisation.get(_stage_folder(spec.path), NOT_STATED)


def _split_cell(dataset: str, split: str, record: RunRecord) -> str:
    """Our split column: dataset, split and, as recorded, its image count."""
    count = record.splits.get(split) if dataset == record.dataset else None
    return f'{dataset} {split}' + (f' ({count:,})' if count is not None else '')


def _stage_folder(path: str) -> str:
    """First component of a result file's path: the folder of its stage."""
    return path.split('/', 1)[0]


def _stage_files(work_dir: str, files: Sequence[StageResultFile],
                 folders: Optional[Sequence[str]]) -> List[StageResultFile]:
    """The expected result files of the stage folders (default: those present)."""
    if folders is None:
        folders = [_stage_folder(spec.path) for spec in files
                   if osp.isdir(osp.join(work_dir, _stage_folder(spec.path)))]
    return [spec for spec in files if _stage_folder(spec.path) in folders]


def _settings(spec: StageResultFile, metrics: dict, path: str) -> str:
    """The settings text of a result, its fields filled from the metrics."""
    try:
        return spec.settings.format(**metrics)
    except KeyError as error:
        raise KeyError(f'{path} has no {error} for the settings column') from error
    except (TypeError, ValueError) as error:
        raise ValueError(f'{path}: a value of the settings column {spec.settings!r} '
                         f'has the wrong type ({error})') from error


def _unknown_settings(spec: StageResultFile) -> str:
    """The settings text of a result without its metrics (``?`` for each field)."""
    return re.sub(r'\{[^}]*\}', '?', spec.settings)


def _survival(work_dir: str, spec: StageResultFile) -> Optional[dict]:
    """The label survival of a result (None: it has no survival file)."""
    path = osp.join(work_dir, spec.survival)
    if not spec.survival or not osp.isfile(path):
        return None
    return read_json_object(path, 'label-survival file')


def _wrote_survival(work_dir: str, spec: StageResultFile,
                    files: Sequence[StageResultFile]) -> bool:
    """Whether the stage folder of a result holds a label-survival file: the
    stage ran (its hook writes survival before it scores against any ground
    truth)."""
    folder = _stage_folder(spec.path)
    return any(other.survival and _stage_folder(other.path) == folder
               and osp.isfile(osp.join(work_dir, other.survival)) for other in files)


def survival_cells(survival: Optional[Mapping[str, object]]) -> Tuple[str, str]:
    """The :data:`SURVIVAL_COLUMNS` cells of a result.

    Args:
        survival: Its label-survival metrics, or None.

    Returns:
        ``min kept (%)``: the smallest kept share in percent and its class
        (first in class order on a tie), e.g. ``'38.5 (checker)'``;
        ``collapsed``: the collapsed classes, comma-separated, or ``'none'``;
        :data:`NOT_APPLICABLE` for both without survival.
    """
    if survival is None:
        return NOT_APPLICABLE, NOT_APPLICABLE
    kept = {name: value for name, (value, _) in per_class_survival(survival).items()
            if value is not None}
    lowest = min(kept, key=kept.get) if kept else None
    min_kept = (f'{100 * kept[lowest]:.1f} ({lowest})' if lowest is not None
                else NOT_APPLICABLE)
    return min_kept, ', '.join(survival.get('collapsed') or []) or 'none'


def _method(spec: StageResultFile, networks: Networks) -> str:
    """The result column of one of our rows: its name, with its stage's network."""
    network = (networks or {}).get(spec.stage)
    return f'{spec.method} ({network})' if network else spec.method


def _our_results(work_dir: str, dataset: Optional[str], pretraining: Optional[Pretraining],
                 files: Sequence[StageResultFile],
                 folders: Optional[Sequence[str]],
                 networks: Networks = None) -> List[Tuple[Row, Optional[dict]]]:
    """The rows of :func:`our_rows`, each with its label survival (or None)."""
    record = read_run_record(work_dir)
    dataset = dataset or record.dataset or NOT_STATED
    results = []
    for spec in _stage_files(work_dir, files, folders):
        path = osp.join(work_dir, spec.path)
        survival = _survival(work_dir, spec)
        method = _method(spec, networks)
        if not osp.isfile(path):
            if spec.required or survival is not None:
                unscored = (NO_GROUND_TRUTH if _wrote_survival(work_dir, spec, files)
                            else MISSING)
                results.append(((STAGES[spec.stage], method, unscored,
                                 _split_cell(dataset, spec.split, record),
                                 _unknown_settings(spec), spec.crf,
                                 _pretraining_of(pretraining, spec, record), spec.path),
                                survival))
            continue
        metrics = read_json_object(path, 'metrics file')
        value = _lookup(metrics, spec.key)
        if value is None:
            if not spec.required:
                continue
            raise KeyError(f'{path} has no {"/".join(spec.key)!r} '
                           f'(keys: {sorted(metrics)})')
        results.append(((STAGES[spec.stage], method,
                         f'{_number(value, path, spec.key):.2f}',
                         _split_cell(dataset, spec.split, record),
                         _settings(spec, metrics, path), spec.crf,
                         _pretraining_of(pretraining, spec, record), spec.path), survival))
    return results


def our_rows(work_dir: str, dataset: Optional[str] = None,
             pretraining: Optional[Pretraining] = None,
             files: Sequence[StageResultFile] = STAGE_RESULT_FILES,
             folders: Optional[Sequence[str]] = None,
             networks: Networks = None) -> List[Row]:
    """Table rows of the result files found in a work dir.

    Args:
        work_dir: Work dir holding ``cam/``, ``rw/``, ``seg/`` ...
        dataset: Dataset name for the split column (``'VOC12'``, ``'demo'``);
            None: the run record's (:func:`read_run_record`), else
            :data:`NOT_STATED`. The split column adds the split's image count
            when the record has it for that dataset.
        pretraining: Initialisation of our networks (``'ImageNet'``, ``'none'``,
            or per stage, see :data:`Pretraining`); None: each stage's as the
            run recorded it, else :data:`NOT_STATED`.
        files: Expected result files.
        folders: Stage folders the work dir is meant to have (a pipeline's
            stage names); files of other folders are left out. Default: the
            folders present, so an EPS work dir (``eps/``, ``seg/``) lists no
            CAM or random-walk row.
        networks: Our network per stage (see :data:`Networks`).

    Returns:
        One row per number found, and per required file missing from one of
        ``folders`` or file missing beside its label-survival file (with
        :data:`MISSING` as mIoU, or :data:`NO_GROUND_TRUTH` when the stage
        folder holds a label-survival file, and ``?`` for the settings read
        from the file), in ``files`` order; optional numbers not found are
        left out.

    Raises:
        ValueError: a file exists but is not a JSON object.
        KeyError: a JSON file lacks a required number or a key of its settings.
    """
    return [row for row, _ in _our_results(work_dir, dataset, pretraining, files, folders,
                                           networks)]


def published_row(result: Result) -> Row:
    """Table row of a published number."""
    return (STAGES[result.stage], result.method, f'{result.miou:.{result.decimals}f}',
            result.split, result.settings, result.crf, result.pretraining, result.source)


def leaderboard_table(work_dir: str,
                      dataset: Optional[str] = None,
                      pretraining: Optional[Pretraining] = None,
                      published: Sequence[Result] = PUBLISHED_RESULTS,
                      files: Sequence[StageResultFile] = STAGE_RESULT_FILES,
                      folders: Optional[Sequence[str]] = None,
                      networks: Networks = None) -> str:
    """Markdown table: per stage, our numbers first, then the published ones
    measured on the same dataset (:func:`comparable_results`).

    When one of our results has label survival (``survival`` of its
    :class:`StageResultFile`), the :data:`SURVIVAL_COLUMNS` follow ``mIoU``
    (see :func:`survival_cells`; :data:`NOT_APPLICABLE` for the others).

    Args:
        work_dir: Work dir with the stage results.
        dataset: Dataset name for our split column (None: the run record's,
            see :func:`our_rows`).
        pretraining: Initialisation of our networks (see :data:`Pretraining`;
            None: the run record's).
        published: Published results; those of ``dataset`` are placed beside ours.
        files: Expected result files of the work dir.
        folders: Stage folders the work dir is meant to have (see
            :func:`our_rows`; default: those present).
        networks: Our network per stage (see :data:`Networks`).

    Returns:
        The table, one line per row, ending with a newline.
    """
    ours = _our_results(work_dir, dataset, pretraining, files, folders, networks)
    published = comparable_results(
        published, dataset or read_run_record(work_dir).dataset or NOT_STATED)
    with_survival = any(survival is not None for _, survival in ours)

    def cells(row: Row, survival: Optional[dict]) -> Row:
        return row[:3] + survival_cells(survival) + row[3:] if with_survival else row

    rows = []
    for title in STAGES.values():
        rows += [cells(row, survival) for row, survival in ours if row[0] == title]
        rows += [cells(published_row(r), None) for r in published
                 if STAGES[r.stage] == title]
    columns = COLUMNS[:3] + SURVIVAL_COLUMNS + COLUMNS[3:] if with_survival else COLUMNS
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + ' --- |' * len(columns)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines) + '\n'


def per_class_iou_table(work_dir: str,
                        files: Sequence[StageResultFile] = STAGE_RESULT_FILES,
                        folders: Optional[Sequence[str]] = None) -> str:
    """Markdown table of the per-class IoU of our results found in a work dir.

    One column per result file of ``files`` present (in ``files`` order) whose
    JSON holds its mIoU and per-class keys (``{prefix}IoU.{class}``); files
    without them (written before the metrics were flat) are left out. The
    header of a column names the result, its settings, its CRF and its file.

    Args:
        work_dir: Work dir with the stage results.
        files: Expected result files of the work dir.
        folders: Stage folders the work dir is meant to have (see
            :func:`our_rows`; default: those present).

    Returns:
        Rows ``| {class} | {IoU} | ... |`` in the order the classes first
        appear (``-`` where a result lacks the class), then ``| mean | {mIoU}
        | ... |``; ``''`` when no result has per-class values.

    Raises:
        ValueError: a file exists but is not a JSON object.
        KeyError: a file lacks a key of its settings, or has a class's IoU
            but not its precision or recall.
    """
    headers, columns, means = [], [], []
    for spec in _stage_files(work_dir, files, folders):
        path = osp.join(work_dir, spec.path)
        if not osp.isfile(path):
            continue
        metrics = read_json_object(path, 'metrics file')
        value = _lookup(metrics, spec.key)
        try:
            scores = per_class_scores(metrics, spec.prefix)
        except (KeyError, ValueError) as error:
            raise type(error)(f'{path}: {error.args[0]}') from error
        if value is None or not scores:
            continue
        headers.append(f'{spec.method}; {_settings(spec, metrics, path)}; '
                       f'CRF {spec.crf}; {spec.path}')
        columns.append({name: values['IoU'] for name, values in scores.items()})
        means.append(_number(value, path, spec.key))
    if not columns:
        return ''
    classes = list(dict.fromkeys(name for column in columns for name in column))
    lines = ['| class | ' + ' | '.join(headers) + ' |', '|' + ' --- |' * (len(columns) + 1)]
    lines += [f'| {name} | ' + ' | '.join(
        f'{column[name]:.2f}' if name in column else '-' for column in columns) + ' |'
              for name in classes]
    lines.append('| mean | ' + ' | '.join(f'{mean:.2f}' for mean in means) + ' |')
    return '\n'.join(lines) + '\n'


def per_class_survival_table(work_dir: str,
                             files: Sequence[StageResultFile] = STAGE_RESULT_FILES,
                             folders: Optional[Sequence[str]] = None) -> str:
    """Markdown table of the per-class label survival of our pseudo labels.

    One column per result of ``files`` whose label-survival file is in the
    work dir (in ``files`` order), headed by the result, its settings, its
    CRF and the survival file.

    Args:
        work_dir: Work dir with the stage results.
        files: Expected result files of the work dir.
        folders: Stage folders the work dir is meant to have (see
            :func:`our_rows`; default: those present).

    Returns:
        Rows ``| {class} | {kept %} / {area ratio} | ... |`` (kept with one
        decimal, the ratio with two, ``-`` for an unknown value or a class a
        result lacks) in the order the classes first appear, then
        ``| unlabelled pixels (%) | ... |`` and ``| collapsed | ... |``;
        ``''`` when no result has label survival.

    Raises:
        ValueError: a file exists but is not a JSON object.
        KeyError: a survival file has a class's kept share but not its area
            ratio, or a metrics file lacks a key of its settings.
    """
    headers, columns, unlabelled, collapsed = [], [], [], []
    for spec in _stage_files(work_dir, files, folders):
        survival = _survival(work_dir, spec)
        if survival is None:
            continue
        try:
            columns.append(per_class_survival(survival))
        except KeyError as error:
            raise KeyError(f'{osp.join(work_dir, spec.survival)}: {error.args[0]}') from error
        path = osp.join(work_dir, spec.path)
        settings = (_settings(spec, read_json_object(path, 'metrics file'), path)
                    if osp.isfile(path) else _unknown_settings(spec))
        headers.append(f'{spec.method}; {settings}; CRF {spec.crf}; {spec.survival}')
        fraction = survival.get('unlabelled_fraction')
        unlabelled.append(NOT_APPLICABLE if fraction is None else f'{100 * fraction:.2f}')
        collapsed.append(', '.join(survival.get('collapsed') or []) or 'none')
    if not columns:
        return ''

    def cell(values: Optional[Tuple[Optional[float], Optional[float]]]) -> str:
        if values is None:
            return NOT_APPLICABLE
        kept, ratio = values
        return (f'{NOT_APPLICABLE if kept is None else f"{100 * kept:.1f}"} / '
                f'{NOT_APPLICABLE if ratio is None else f"{ratio:.2f}"}')

    classes = list(dict.fromkeys(name for column in columns for name in column))
    lines = ['| class | ' + ' | '.join(headers) + ' |', '|' + ' --- |' * (len(columns) + 1)]
    lines += [f'| {name} | ' + ' | '.join(cell(column.get(name)) for column in columns) + ' |'
              for name in classes]
    lines.append('| unlabelled pixels (%) | ' + ' | '.join(unlabelled) + ' |')
    lines.append('| collapsed | ' + ' | '.join(collapsed) + ' |')
    return '\n'.join(lines) + '\n'


def comparison_note(dataset: str, published: Sequence[Result] = PUBLISHED_RESULTS) -> str:
    """What the table says of the published results of other datasets.

    Args:
        dataset: Our dataset's name.
        published: Every published result.

    Returns:
        ``''`` when some are on ``dataset``, else a sentence naming the
        datasets of the published results as not comparable.
    """
    if comparable_results(published, dataset):
        return ''
    others = sorted({published_dataset(result) for result in published})
    return (f'No published results on {dataset}: the published {", ".join(others)} '
            'results are not comparable (another dataset) and are not listed.\n')


def write_leaderboard(work_dir: str,
                      dataset: Optional[str] = None,
                      pretraining: Optional[Pretraining] = None,
                      out: Optional[str] = None,
                      folders: Optional[Sequence[str]] = None,
                      networks: Networks = None) -> Tuple[str, str]:
    """Write the titled tables of a work dir as Markdown (atomically).

    The table of :func:`leaderboard_table`, then (when a result has
    per-class values) the one of :func:`per_class_iou_table` and (when a
    result has label survival) the one of :func:`per_class_survival_table`.

    Args:
        work_dir: Work dir with the stage results.
        dataset: Dataset name for our split column (None: the run record's,
            see :func:`our_rows`).
        pretraining: Initialisation of our networks (see :data:`Pretraining`;
            None: the run record's).
        out: Markdown file (default ``{work_dir}/leaderboard.md``).
        folders: Stage folders the work dir is meant to have (see
            :func:`our_rows`; default: those present).
        networks: Our network per stage (see :data:`Networks`).

    Returns:
        The Markdown text and the file written.

    Raises:
        FileNotFoundError: the work dir does not exist.
    """
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work dir not found: {work_dir}')
    name = dataset or read_run_record(work_dir).dataset or NOT_STATED
    text = (f'# Results of {work_dir} beside the published ones\n\n'
            f'Dataset: {name}. Pseudo labels are scored on the train split, segmentation '
            'on val (mIoU in %, 255 ignored).\n\n'
            + leaderboard_table(work_dir, dataset, pretraining, folders=folders,
                                networks=networks))
    note = comparison_note(name)
    if note:
        text += '\n' + note
    per_class = per_class_iou_table(work_dir, folders=folders)
    if per_class:
        text += '\n## Per-class IoU of our results (%)\n\n' + per_class
    survival = per_class_survival_table(work_dir, folders=folders)
    if survival:
        text += ('\n## Label survival of our pseudo labels (from the image-level labels)\n\n'
                 'Per class: kept, the % of the images labelled with the class whose pseudo '
                 'label keeps it, / area ratio, the mean of its pseudo-label area over its '
                 'CAM-label area (- without CAM labels to compare with). A class collapses '
                 'when kept is under min_kept or the area ratio under min_area_ratio of the '
                 'survival file (defaults 50 %, 0.25).\n\n' + survival)
    out = out or osp.join(work_dir, 'leaderboard.md')
    with atomic_path(out) as tmp:
        tmp.write_text(text)
    return text, out
