"""Markdown tables of a work dir's stage results: beside the published ones, per class."""
import os.path as osp
import re
from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence, Tuple, Union

from mmwsss.utils import atomic_path, read_json_object
from .per_class_table import BEST_PREFIX, per_class_scores
from .published_results import PUBLISHED_RESULTS, STAGES, Result

MISSING = 'missing'
"""mIoU cell of an expected result file that is not in the work dir."""

COLUMNS = ('stage', 'result', 'mIoU', 'split', 'settings', 'CRF', 'pretraining',
           'source')

Row = Tuple[str, ...]
Pretraining = Union[str, Mapping[str, str]]
"""Initialisation of our networks: one text for every stage, or per stage key
of :data:`STAGES` with the key ``'default'`` for the others."""


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


STAGE_RESULT_FILES: Tuple[StageResultFile, ...] = (
    StageResultFile('cam', 'cam/cam_metrics.json', ('mIoU', ), 'ours: CAM',
                    "bg score of the config's test_cfg", 'no', 'train', True),
    StageResultFile('cam', 'cam/cam_metrics.json', ('best_mIoU', ), 'ours: CAM',
                    'bg score {best_bg_threshold:.2f} (tuned on the ground truth)', 'no',
                    'train', True, prefix=BEST_PREFIX),
    StageResultFile('pseudo', 'rw/rw_metrics.json', ('mIoU', ), 'ours: random walk',
                    'random walk of the affinity config', 'no', 'train', True),
    StageResultFile('pseudo', 'rw/rw_crf_metrics.json', ('mIoU', ),
                    'ours: random walk + dCRF', 'random walk of the affinity config',
                    'yes', 'train'),
    StageResultFile('pseudo', 'eps/cam_metrics.json', ('mIoU', ), 'ours: EPS',
                    "saliency, bg score of the config's test_cfg", 'no', 'train'),
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


def _pretraining_of(pretraining: Pretraining, stage: str) -> str:
    """The pretraining text of one stage."""
    if isinstance(pretraining, str):
        return pretraining
    return pretraining.get(stage, pretraining.get('default', 'not stated'))


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


def our_rows(work_dir: str, dataset: str, pretraining: Pretraining,
             files: Sequence[StageResultFile] = STAGE_RESULT_FILES,
             folders: Optional[Sequence[str]] = None) -> List[Row]:
    """Table rows of the result files found in a work dir.

    Args:
        work_dir: Work dir holding ``cam/``, ``rw/``, ``seg/`` ...
        dataset: Dataset name for the split column (``'VOC12'``, ``'demo'``).
        pretraining: Initialisation of our networks (``'ImageNet'``, ``'none'``,
            or per stage, see :data:`Pretraining`).
        files: Expected result files.
        folders: Stage folders the work dir is meant to have (a pipeline's
            stage names); files of other folders are left out. Default: the
            folders present, so an EPS work dir (``eps/``, ``seg/``) lists no
            CAM or random-walk row.

    Returns:
        One row per number found, and per required file missing from one of
        ``folders`` (with :data:`MISSING` as mIoU and ``?`` for the settings
        read from the file), in ``files`` order; optional numbers not found
        are left out.

    Raises:
        ValueError: a file exists but is not a JSON object.
        KeyError: a JSON file lacks a required number or a key of its settings.
    """
    rows = []
    for spec in _stage_files(work_dir, files, folders):
        path = osp.join(work_dir, spec.path)
        if not osp.isfile(path):
            if spec.required:
                settings = re.sub(r'\{[^}]*\}', '?', spec.settings)
                rows.append((STAGES[spec.stage], spec.method, MISSING,
                             f'{dataset} {spec.split}', settings, spec.crf,
                             _pretraining_of(pretraining, spec.stage), spec.path))
            continue
        metrics = read_json_object(path, 'metrics file')
        value = _lookup(metrics, spec.key)
        if value is None:
            if not spec.required:
                continue
            raise KeyError(f'{path} has no {"/".join(spec.key)!r} '
                           f'(keys: {sorted(metrics)})')
        rows.append((STAGES[spec.stage], spec.method, f'{float(value):.2f}',
                     f'{dataset} {spec.split}', _settings(spec, metrics, path), spec.crf,
                     _pretraining_of(pretraining, spec.stage), spec.path))
    return rows


def published_row(result: Result) -> Row:
    """Table row of a published number."""
    return (STAGES[result.stage], result.method, f'{result.miou:.{result.decimals}f}',
            result.split, result.settings, result.crf, result.pretraining, result.source)


def leaderboard_table(work_dir: str,
                      dataset: str = 'VOC12',
                      pretraining: Pretraining = 'ImageNet',
                      published: Sequence[Result] = PUBLISHED_RESULTS,
                      files: Sequence[StageResultFile] = STAGE_RESULT_FILES,
                      folders: Optional[Sequence[str]] = None) -> str:
    """Markdown table: per stage, our numbers first, then the published ones.

    Args:
        work_dir: Work dir with the stage results.
        dataset: Dataset name for our split column.
        pretraining: Initialisation of our networks (see :data:`Pretraining`).
        published: Published results to place beside ours.
        files: Expected result files of the work dir.
        folders: Stage folders the work dir is meant to have (see
            :func:`our_rows`; default: those present).

    Returns:
        The table, one line per row, ending with a newline.
    """
    ours = our_rows(work_dir, dataset, pretraining, files, folders)
    rows = []
    for title in STAGES.values():
        rows += [row for row in ours if row[0] == title]
        rows += [published_row(r) for r in published if STAGES[r.stage] == title]
    lines = ['| ' + ' | '.join(COLUMNS) + ' |', '|' + ' --- |' * len(COLUMNS)]
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
        except KeyError as error:
            raise KeyError(f'{path}: {error.args[0]}') from error
        if value is None or not scores:
            continue
        headers.append(f'{spec.method}; {_settings(spec, metrics, path)}; '
                       f'CRF {spec.crf}; {spec.path}')
        columns.append({name: values['IoU'] for name, values in scores.items()})
        means.append(float(value))
    if not columns:
        return ''
    classes = list(dict.fromkeys(name for column in columns for name in column))
    lines = ['| class | ' + ' | '.join(headers) + ' |', '|' + ' --- |' * (len(columns) + 1)]
    lines += [f'| {name} | ' + ' | '.join(
        f'{column[name]:.2f}' if name in column else '-' for column in columns) + ' |'
              for name in classes]
    lines.append('| mean | ' + ' | '.join(f'{mean:.2f}' for mean in means) + ' |')
    return '\n'.join(lines) + '\n'


def write_leaderboard(work_dir: str,
                      dataset: str = 'VOC12',
                      pretraining: Pretraining = 'ImageNet',
                      out: Optional[str] = None,
                      folders: Optional[Sequence[str]] = None) -> Tuple[str, str]:
    """Write the titled tables of a work dir as Markdown (atomically).

    The table of :func:`leaderboard_table`, then (when a result has
    per-class values) the one of :func:`per_class_iou_table`.

    Args:
        work_dir: Work dir with the stage results.
        dataset: Dataset name for our split column.
        pretraining: Initialisation of our networks (see :data:`Pretraining`).
        out: Markdown file (default ``{work_dir}/leaderboard.md``).
        folders: Stage folders the work dir is meant to have (see
            :func:`our_rows`; default: those present).

    Returns:
        The Markdown text and the file written.

    Raises:
        FileNotFoundError: the work dir does not exist.
    """
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work dir not found: {work_dir}')
    text = (f'# Results of {work_dir} beside the published ones\n\n'
            'Pseudo labels are scored on the train split, segmentation on val '
            '(mIoU in %, 255 ignored).\n\n'
            + leaderboard_table(work_dir, dataset, pretraining, folders=folders))
    per_class = per_class_iou_table(work_dir, folders=folders)
    if per_class:
        text += '\n## Per-class IoU of our results (%)\n\n' + per_class
    out = out or osp.join(work_dir, 'leaderboard.md')
    with atomic_path(out) as tmp:
        tmp.write_text(text)
    return text, out
