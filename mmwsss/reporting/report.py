"""Collect what a run left in its work dir into one browsable, self-contained folder.

:func:`write_report` makes ``{work_dir}/report/``: ``index.html`` (the page of
:mod:`~mmwsss.reporting.report_page`), ``data.json`` (every number and file
reference of the page, strict JSON), ``data.js`` (the same text as a
JavaScript string, because browsers refuse to read a file next to a page opened
from the file system), plots (PNG, matplotlib) and thumbnails. Every file the
page shows lies inside that folder, so it works offline, from a copy, without a
server.

A work dir is either a pipeline's (``pipeline_summary.json``, one folder per
stage) or a single stage's. What is read, when present:

- the run summary (commit, step times, resolved configs) or, for a single
  stage, its done markers and the config dump mmengine writes;
- ``leaderboard.md`` (every table in it);
- every ``*metrics*.json`` of a stage (per-class IoU / precision / recall;
  ``best/`` keys: the CAM scores at the best background score) and every
  ``*_survival.json`` (label survival, collapsed classes);
- ``*sweep*.png`` of a stage (the CAM threshold curve, the random-walk sweep);
- per image, the folders of :data:`GALLERY_FOLDERS` and, from the stage's
  test dataset (its config dump), the image and its ground truth.

The gallery has one row per image of the stages' test datasets (the
segmentation stage's: val, its predictions in ``seg_predictions/``); each
label column is scored against the ground truth image by image
(:func:`image_scores`). Thumbnails are made once (a rerun only makes those
whose source is newer), in a process pool with a progress bar.
"""
import glob
import json
import os
import os.path as osp
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure
from PIL import Image
from tqdm import tqdm

from mmwsss.evaluation.segmentation_scores import confusion_matrix, segmentation_scores
from mmwsss.utils import atomic_path, read_image, read_json_object, read_label_png
from mmwsss.utils.io import strict_json_value
from .leaderboard import STAGE_RESULT_FILES
from .per_class_table import BEST_PREFIX, SCORES, per_class_scores, per_class_survival

REPORT_DIR = 'report'
"""Folder of the report inside the work dir."""
DATA_FILE = 'data.json'
DATA_SCRIPT = 'data.js'
DATA_VARIABLE = 'MMWSSS_REPORT_JSON'
"""Global of ``data.js``: the text of ``data.json`` as a JavaScript string."""
SUMMARY_FILE = 'pipeline_summary.json'
LEADERBOARD_FILE = 'leaderboard.md'
THUMB_SIZE = 160
"""Longest side of a thumbnail (pixels)."""
IGNORE_INDEX = 255


@dataclass(frozen=True)
class GalleryFolder:
    """A per-image folder a stage writes, shown as a gallery column.

    Attributes:
        folder: Folder name inside the stage's work dir.
        title: Column title (the stage name is added).
        kind: ``'label'`` (``{id}.png`` label maps, scored against the ground
            truth), ``'cams'`` (``{id}_{class}.jpg``, one per labelled class)
            or ``'picture'`` (``{id}.jpg``).
    """

    folder: str
    title: str
    kind: str


GALLERY_FOLDERS: Tuple[GalleryFolder, ...] = (
    GalleryFolder('cam_overlays', 'CAM', 'cams'),
    GalleryFolder('cam_pseudo_labels', 'CAM labels', 'label'),
    GalleryFolder('affinity_pictures', 'affinity', 'picture'),
    GalleryFolder('rw_pseudo_labels', 'walk', 'label'),
    GalleryFolder('rw_crf_pseudo_labels', 'walk + dCRF', 'label'),
    GalleryFolder('seg_predictions', 'segmentation', 'label'),
)
"""The per-image folders of the stages (``SaveCAMHook``, ``SavePseudoLabelHook``;
``seg_predictions``: the segmentation stage's test predictions), in column
order within a stage."""


@dataclass
class StageDir:
    """One stage folder of a work dir.

    Attributes:
        name: Stage name (the folder's name).
        path: The folder.
        record: Its entry of the pipeline summary (empty for a single stage).
    """

    name: str
    path: str
    record: Dict[str, Any] = field(default_factory=dict)


@dataclass
class ImageJob:
    """The files of one gallery row and where its thumbnails go.

    Attributes:
        img_id: Image id.
        image: The image file.
        gt: Its ground-truth label map (None: none).
        labels: Column key -> label map (``{id}.png``).
        pictures: Column key -> picture (``.jpg``).
        cams: Column key -> [(class index, CAM picture)].
    """

    img_id: str
    image: str
    gt: Optional[str]
    labels: Dict[str, str] = field(default_factory=dict)
    pictures: Dict[str, str] = field(default_factory=dict)
    cams: Dict[str, List[Tuple[int, str]]] = field(default_factory=dict)


def stage_dirs(work_dir: str) -> Tuple[List[StageDir], Dict[str, Any]]:
    """The stage folders of a work dir and its pipeline summary.

    Args:
        work_dir: A pipeline's work dir (with ``pipeline_summary.json``) or a
            single stage's.

    Returns:
        The stages in running order (a single stage: the work dir itself) and
        the summary (empty for a single stage).

    Raises:
        FileNotFoundError: the work dir does not exist.
    """
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work dir not found: {work_dir}')
    summary_path = osp.join(work_dir, SUMMARY_FILE)
    if not osp.isfile(summary_path):
        return [StageDir(osp.basename(osp.abspath(work_dir)), work_dir)], {}
    summary = read_json_object(summary_path, 'pipeline summary')
    stages = summary.get('stages')
    if not isinstance(stages, list) or not all(
            isinstance(record, dict) and isinstance(record.get('name'), str)
            for record in stages):
        raise ValueError(f'{summary_path}: "stages" must be a list of objects with a '
                         f'"name", got {stages!r:.200}')
    return [StageDir(record['name'], osp.join(work_dir, record['name']), record)
            for record in stages if osp.isdir(osp.join(work_dir, record['name']))], summary


def stage_config_text(stage: StageDir) -> Dict[str, str]:
    """The resolved config of each step of a stage (step -> Python text).

    From the pipeline summary, else from the stage's done markers, else the
    newest config dump mmengine wrote into the stage folder (step ``run``).
    """
    configs = {step: text for step, text in (stage.record.get('resolved_config') or {}).items()
               if isinstance(text, str)}
    if configs:
        return configs
    for marker in sorted(glob.glob(osp.join(stage.path, 'done_*.json'))):
        done = read_json_object(marker, 'done marker')
        if isinstance(done.get('resolved_config'), str):
            configs[str(done.get('step'))] = done['resolved_config']
    dump = config_dump(stage.path)
    if not configs and dump:
        with open(dump) as file:
            configs['run'] = file.read()
    return configs


def config_dump(stage_path: str) -> Optional[str]:
    """The newest ``*.py`` mmengine dumped at the top of a stage folder (None: none)."""
    dumps = glob.glob(osp.join(stage_path, '*.py'))
    return max(dumps, key=osp.getmtime) if dumps else None


def test_dataset(stage_path: str):
    """The test dataset of a stage, from its config dump (None: no dump).

    Built without its pipeline and without checking files: only the image,
    ground-truth and label lists are read.

    Raises:
        FileNotFoundError: the dataset's files are not where the dump says
            (the message names the dump).
    """
    dump = config_dump(stage_path)
    if dump is None:
        return None
    from mmengine.config import Config
    from mmseg.registry import DATASETS

    import mmwsss  # noqa: F401  (registers the datasets)
    cfg = Config.fromfile(dump)
    loader = cfg.get('test_dataloader')
    if not loader or not loader.get('dataset'):
        return None
    spec = dict(loader['dataset'], pipeline=[])
    if spec.get('type') == 'WSSSDataset':
        spec['check_files'] = False
    try:
        return DATASETS.build(spec)
    except (FileNotFoundError, OSError) as error:
        raise FileNotFoundError(f'{dump}: cannot read the test dataset of the stage '
                                f'({error})') from error


def image_scores(pred: np.ndarray, gt: np.ndarray, class_names: Sequence[str],
                 pred_name: str, gt_name: str) -> Tuple[Optional[float], List[int]]:
    """Per-image mIoU of a label map, and the classes it holds.

    The mIoU of the stage metrics (:func:`segmentation_scores`) on one image:
    the mean IoU over the classes present in the ground truth or the label
    map.

    Args:
        pred: Label map (H, W), values 0..C.
        gt: Ground truth (H, W), values 0..C or ``255`` (ignored).
        class_names: C + 1 names, background first.
        pred_name: The label map's file, for messages.
        gt_name: The ground truth's file, for messages.

    Returns:
        The mIoU (percent, 2 decimals; None when every ground-truth pixel is
        ignored) and the sorted class indices of the label map.

    Raises:
        ValueError: the sizes differ or a value is out of range (the message
            names the file).
    """
    confusion = confusion_matrix(pred, gt, len(class_names), IGNORE_INDEX, pred_name, gt_name)
    miou = segmentation_scores(confusion, class_names)['mIoU'] if confusion.any() else None
    return miou, [int(value) for value in np.unique(pred)]


def thumbnail_path(key: str, name: str, ext: str) -> str:
    """Path of a thumbnail relative to the report folder."""
    return f'thumbs/{key}/{name}.{ext}'


def _fresh(target: str, source: str) -> bool:
    """Whether a thumbnail exists and is not older than its source."""
    return osp.isfile(target) and osp.getmtime(target) >= osp.getmtime(source)


def write_picture_thumbnail(source: str, target: str, size: int, img_id: str) -> None:
    """Atomically write a JPEG of a picture, its longest side at most ``size``."""
    picture = Image.fromarray(read_image(source, img_id, channel_order='rgb'))
    picture.thumbnail((size, size), Image.BILINEAR)
    os.makedirs(osp.dirname(target), exist_ok=True)
    with atomic_path(target) as tmp:
        picture.save(tmp, format='JPEG', quality=85)


def write_label_thumbnail(label: np.ndarray, target: str, size: int,
                          palette: np.ndarray) -> None:
    """Atomically write a palette PNG of a label map, longest side at most ``size``
    (nearest neighbour; ``255`` white)."""
    thumb = Image.fromarray(label, mode='P')
    thumb.putpalette(palette.reshape(-1).tolist())
    thumb.thumbnail((size, size), Image.NEAREST)
    os.makedirs(osp.dirname(target), exist_ok=True)
    with atomic_path(target) as tmp:
        thumb.save(tmp, format='PNG', optimize=True)


def render_row(job: ImageJob, report_dir: str, class_names: Sequence[str],
               palette: np.ndarray, size: int = THUMB_SIZE) -> Dict[str, Any]:
    """Thumbnails and scores of one gallery row.

    Args:
        job: The row's files.
        report_dir: The report folder (thumbnails go under ``thumbs/``).
        class_names: C + 1 names, background first.
        palette: (256, 3) uint8 colours of the label values.
        size: Longest side of a thumbnail.

    Returns:
        ``cells`` (column key -> thumbnail path relative to the report
        folder, or for CAMs a list of ``[class index, path]``), ``miou``
        (label column -> per-image mIoU, see :func:`image_scores`; columns
        without ground truth are left out) and ``present`` (label column ->
        class indices of its map).
    """
    cells: Dict[str, Any] = {}
    miou: Dict[str, Optional[float]] = {}
    present: Dict[str, List[int]] = {}

    def picture(key: str, name: str, source: str) -> str:
        path = thumbnail_path(key, name, 'jpg')
        if not _fresh(osp.join(report_dir, path), source):
            write_picture_thumbnail(source, osp.join(report_dir, path), size, job.img_id)
        return path

    def label_map(key: str, source: str) -> np.ndarray:
        label = read_label_png(source, job.img_id)
        path = thumbnail_path(key, job.img_id, 'png')
        if not _fresh(osp.join(report_dir, path), source):
            write_label_thumbnail(label, osp.join(report_dir, path), size, palette)
        cells[key] = path
        return label

    cells['image'] = picture('image', job.img_id, job.image)
    gt = label_map('gt', job.gt) if job.gt else None
    for key, source in job.pictures.items():
        cells[key] = picture(key, job.img_id, source)
    for key, cams in job.cams.items():
        cells[key] = [[index, picture(key, f'{job.img_id}_{class_names[index]}', source)]
                      for index, source in cams]
    for key, source in job.labels.items():
        label = label_map(key, source)
        if gt is None:
            present[key] = [int(value) for value in np.unique(label)]
            continue
        miou[key], present[key] = image_scores(label, gt, class_names, source,
                                               f'ground truth {job.gt}')
    return dict(cells=cells, miou=miou, present=present)


@dataclass(frozen=True)
class GalleryColumn:
    """A column of the gallery: one folder of one stage.

    Attributes:
        key: Identifier (``{stage}-{folder}``; also the thumbnail folder).
        title: The folder's title (see :class:`GalleryFolder`); the page's
            is ``{title} ({stage}, {split of the stage's test dataset})``.
        kind: See :class:`GalleryFolder`.
        folder: The stage's folder of per-image files.
        stage: The stage's name.
    """

    key: str
    title: str
    kind: str
    folder: str
    stage: str


def gallery_columns(stages: Sequence[StageDir]) -> List[Tuple[StageDir, GalleryColumn]]:
    """The gallery columns of the stages' folders present, in stage then folder order."""
    columns = []
    for stage in stages:
        for spec in GALLERY_FOLDERS:
            folder = osp.join(stage.path, spec.folder)
            if osp.isdir(folder):
                columns.append((stage, GalleryColumn(f'{stage.name}-{spec.folder}',
                                                     spec.title, spec.kind, folder,
                                                     stage.name)))
    return columns


def gallery_jobs(stages: Sequence[StageDir]) -> Tuple[List[ImageJob], Dict[str, Any]]:
    """The rows of the gallery: one per image of the stages' test datasets.

    An image belongs to the stages whose test dataset lists it; its cells are
    the files those stages wrote for it (a stage that has not written an
    image leaves its cell empty).

    Returns:
        The jobs (in order of first appearance) and the gallery's metadata:
        ``classes``, ``palette``, ``columns`` (key, title ``{folder title}
        ({stage}, {split})``, kind) and, per
        image id, ``split`` (the name of the first split listing it) and
        ``labels`` (its image-level class indices).

    Raises:
        ValueError: two stages' datasets disagree on the classes.
    """
    jobs: Dict[str, ImageJob] = {}
    info: Dict[str, Dict[str, Any]] = {}
    classes: Optional[List[str]] = None
    palette: List[List[int]] = []
    columns = gallery_columns(stages)
    used: List[Tuple[GalleryColumn, str]] = []
    for stage in stages:
        stage_columns = [column for owner, column in columns if owner is stage]
        if not stage_columns:
            continue
        dataset = test_dataset(stage.path)
        if dataset is None:
            continue
        names = list(dataset.metainfo['classes'])
        if classes is None:
            classes = names
            palette = [[int(value) for value in colour]
                       for colour in dataset.metainfo.get('palette') or []][:len(names)]
        elif names != classes:
            raise ValueError(f'{stage.path}: the test dataset has classes {names}, an '
                             f'earlier stage {classes}')
        split = osp.splitext(osp.basename(str(dataset.ann_file)))[0]
        used += [(column, split) for column in stage_columns]
        for index in range(len(dataset)):
            data = dataset.get_data_info(index)
            img_id = data['img_id']
            if img_id not in jobs:
                gt = data.get('seg_map_path')
                jobs[img_id] = ImageJob(img_id, data['img_path'],
                                        gt if gt and osp.isfile(gt) else None)
                labels = np.asarray(data.get('img_labels', []))
                info[img_id] = dict(split=split,
                                    labels=[int(i) + 1 for i in np.flatnonzero(labels)])
            _add_files(jobs[img_id], stage_columns, names, info[img_id]['labels'])
    meta = dict(classes=classes or [], palette=palette,
                columns=[dict(key=c.key, title=f'{c.title} ({c.stage}, {split})', kind=c.kind)
                         for c, split in used],
                images=info)
    return list(jobs.values()), meta


def _add_files(job: ImageJob, columns: Sequence[GalleryColumn], classes: Sequence[str],
               labels: Sequence[int]) -> None:
    """Add the files of an image that exist in the columns' folders to its job."""
    for column in columns:
        if column.kind == 'cams':
            cams = [(index, osp.join(column.folder, f'{job.img_id}_{classes[index]}.jpg'))
                    for index in labels]
            cams = [(index, path) for index, path in cams if osp.isfile(path)]
            if cams:
                job.cams[column.key] = cams
            continue
        ext = 'png' if column.kind == 'label' else 'jpg'
        path = osp.join(column.folder, f'{job.img_id}.{ext}')
        if osp.isfile(path):
            (job.labels if column.kind == 'label' else job.pictures)[column.key] = path


def render_gallery(jobs: Sequence[ImageJob], report_dir: str, class_names: Sequence[str],
                   palette: np.ndarray, size: int = THUMB_SIZE,
                   workers: int = 1) -> List[Dict[str, Any]]:
    """:func:`render_row` of every job, in a process pool with a progress bar.

    Args:
        jobs: The rows.
        report_dir: The report folder.
        class_names: C + 1 names.
        palette: (256, 3) label colours.
        size: Longest side of a thumbnail.
        workers: Processes (1: this one).

    Returns:
        The rows' results, in job order.
    """
    render = partial(render_row, report_dir=report_dir, class_names=list(class_names),
                     palette=palette, size=size)
    progress = partial(tqdm, total=len(jobs), desc='report gallery', disable=None)
    if workers <= 1 or len(jobs) < 2:
        return list(progress(map(render, jobs)))
    # spawned, not forked: a fork of a process whose intra-op threads (torch,
    # OpenCV) hold locks can leave the workers waiting on them for ever (seen at
    # the end of a demo pipeline run with 2 threads)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context('spawn')) as pool:
        return list(progress(pool.map(render, jobs, chunksize=max(1, min(
            64, len(jobs) // (4 * workers))))))


def in_table_order(stage: StageDir, paths: Sequence[str]) -> List[str]:
    """Files of a stage folder in the order of the leaderboard's result files
    (:data:`~mmwsss.reporting.leaderboard.STAGE_RESULT_FILES`), then by name."""
    known = [path for spec in STAGE_RESULT_FILES for path in (spec.path, spec.survival)]

    def rank(path: str) -> Tuple[int, str]:
        relative = f'{stage.name}/{osp.basename(path)}'
        return (known.index(relative) if relative in known else len(known), path)

    return sorted(paths, key=rank)


def metrics_files(stage: StageDir) -> List[str]:
    """The metrics JSON files at the top of a stage folder (not the sweeps)."""
    return in_table_order(stage, [path for path in glob.glob(osp.join(stage.path,
                                                                      '*metrics*.json'))
                                  if 'sweep' not in osp.basename(path)])


def per_class_results(stages: Sequence[StageDir]) -> List[Dict[str, Any]]:
    """The per-class scores of every metrics file of the stages.

    Returns:
        One entry per metrics file with per-class keys, in stage order (and
        one more for a CAM sweep's scores at its best background score):
        ``name`` (``{stage}/{file}``, ``... at the best bg score {t}``) and
        ``scores`` ({class: {IoU, Precision, Recall}}, percent, None where
        undefined).
    """
    results = []
    for stage in stages:
        for path in metrics_files(stage):
            metrics = read_json_object(path, 'metrics file')
            name = f'{stage.name}/{osp.basename(path)}'
            for prefix, label in (('', name), (BEST_PREFIX, f'{name} at the best bg score '
                                                            f'{metrics.get("best_bg_threshold")}')):
                try:
                    scores = per_class_scores(metrics, prefix)
                except (KeyError, ValueError) as error:
                    raise type(error)(f'{path}: {error.args[0]}') from error
                if scores:
                    results.append(dict(name=label, scores=scores))
    return results


def survival_results(stages: Sequence[StageDir]) -> List[Dict[str, Any]]:
    """The label survival of every ``*_survival.json`` of the stages.

    Returns:
        ``name`` (``{stage}/{file}``), ``kept`` and ``area_ratio`` ({class:
        value or None}, kept in 0..1), ``collapsed`` (class names) and the
        thresholds ``min_kept``, ``min_area_ratio``.
    """
    results = []
    for stage in stages:
        for path in in_table_order(stage, glob.glob(osp.join(stage.path, '*_survival.json'))):
            survival = read_json_object(path, 'label-survival file')
            try:
                values = per_class_survival(survival)
            except KeyError as error:
                raise KeyError(f'{path}: {error.args[0]}') from error
            results.append(dict(
                name=f'{stage.name}/{osp.basename(path)}',
                kept={name: kept for name, (kept, _) in values.items()},
                area_ratio={name: ratio for name, (_, ratio) in values.items()},
                collapsed=list(survival.get('collapsed') or []),
                min_kept=survival.get('min_kept'), min_area_ratio=survival.get('min_area_ratio')))
    return results


def plot_grouped_bars(values: Sequence[Mapping[str, Optional[float]]],
                      names: Sequence[str], ylabel: str, path: str) -> None:
    """Atomically write a PNG of grouped bars: one group per class, one bar per result.

    Args:
        values: Per result, class -> value (None: undefined, no bar).
        names: The results' legend entries.
        ylabel: Axis label.
        path: Destination ``.png``.
    """
    classes = list(dict.fromkeys(name for result in values for name in result))
    width = 0.8 / max(1, len(values))
    figure = Figure(figsize=(max(5.0, 0.4 * len(classes) * max(1, len(values)) ** 0.5 + 1),
                             3.2))
    axes = figure.subplots()
    positions = np.arange(len(classes))
    for index, (result, name) in enumerate(zip(values, names)):
        heights = [np.nan if result.get(c) is None else float(result[c]) for c in classes]
        axes.bar(positions + (index - (len(values) - 1) / 2) * width, heights, width,
                 label=name)
    axes.set_xticks(positions, classes, rotation=45, ha='right')
    axes.set_ylabel(ylabel)
    axes.grid(True, axis='y', alpha=0.3)
    axes.legend(fontsize=7, loc='upper center', bbox_to_anchor=(0.5, -0.3), ncol=2)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=90, format='png', bbox_inches='tight')


def write_plots(report_dir: str, per_class: Sequence[Mapping[str, Any]],
                survival: Sequence[Mapping[str, Any]],
                stages: Sequence[StageDir]) -> List[Dict[str, str]]:
    """Plots of the per-class scores and the label survival, and copies of the
    stages' sweep pictures, in ``{report_dir}/plots/``.

    Returns:
        ``title`` and ``src`` (relative to the report folder) of each plot.
    """
    plots = []
    folder = osp.join(report_dir, 'plots')
    os.makedirs(folder, exist_ok=True)
    names = [result['name'] for result in per_class]
    for score in SCORES if per_class else ():
        src = f'plots/per_class_{score.lower()}.png'
        plot_grouped_bars([{name: values[score] for name, values in result['scores'].items()}
                           for result in per_class], names, f'{score} (%)',
                          osp.join(report_dir, src))
        plots.append(dict(title=f'{score} per class', src=src))
    for key, ylabel in (('kept', 'kept (share of labelled images)'),
                        ('area_ratio', 'area ratio (pseudo label / CAM label)')):
        values = [result[key] for result in survival]
        if not any(value is not None for result in values for value in result.values()):
            continue
        src = f'plots/survival_{key}.png'
        plot_grouped_bars(values, [result['name'] for result in survival], ylabel,
                          osp.join(report_dir, src))
        plots.append(dict(title=f'label survival: {key.replace("_", " ")}', src=src))
    for stage in stages:
        for path in sorted(glob.glob(osp.join(stage.path, '*sweep*.png'))):
            src = f'plots/{stage.name}_{osp.basename(path)}'
            with atomic_path(osp.join(report_dir, src)) as tmp:
                shutil.copyfile(path, tmp)
            stem = osp.splitext(osp.basename(path))[0]
            plots.append(dict(title=f'{stage.name}: {stem.replace("_", " ")}', src=src))
    return plots


def markdown_blocks(text: str) -> List[Dict[str, Any]]:
    """The headings, paragraphs and tables of a Markdown document such as
    ``leaderboard.md``.

    Returns:
        In order: ``{'kind': 'heading', 'text', 'level'}``, ``{'kind':
        'text', 'text'}`` (one per paragraph) and ``{'kind': 'table',
        'header': [...], 'rows': [[...], ...]}`` (the separator line dropped).
    """
    blocks: List[Dict[str, Any]] = []
    paragraph: List[str] = []

    def cells(line: str) -> List[str]:
        return [cell.strip() for cell in line.strip().strip('|').split('|')]

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(dict(kind='text', text=' '.join(paragraph)))
            paragraph.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith('|'):
            end_paragraph()
            if blocks and blocks[-1]['kind'] == 'table':
                if not set(stripped) <= set('|-: '):
                    blocks[-1]['rows'].append(cells(stripped))
            else:
                blocks.append(dict(kind='table', header=cells(stripped), rows=[]))
        elif stripped.startswith('#'):
            end_paragraph()
            level = len(stripped) - len(stripped.lstrip('#'))
            blocks.append(dict(kind='heading', level=level, text=stripped[level:].strip()))
        elif stripped:
            paragraph.append(stripped)
        else:
            end_paragraph()
    end_paragraph()
    return blocks


def run_summary(work_dir: str, stages: Sequence[StageDir],
                summary: Mapping[str, Any]) -> Dict[str, Any]:
    """The run's commit, times and configs, and the stages' collapse warnings."""
    run = {key: summary.get(key) for key in (
        'pipeline', 'git_commit', 'mmwsss_version', 'launcher', 'world_size', 'started',
        'finished', 'seconds') if key in summary}
    records = []
    for stage in stages:
        seconds = dict(stage.record.get('seconds') or {})
        if not stage.record:
            for marker in sorted(glob.glob(osp.join(stage.path, 'done_*.json'))):
                done = read_json_object(marker, 'done marker')
                seconds[str(done.get('step'))] = done.get('seconds')
        records.append(dict(
            name=stage.name, steps=list(stage.record.get('steps') or seconds),
            seconds=seconds, skipped=list(stage.record.get('skipped') or []),
            config=stage.record.get('config') or config_dump(stage.path),
            images_without_labels=dict(stage.record.get('images_without_labels') or {}),
            resolved_config=stage_config_text(stage)))
    return dict(run=run, stages=records)


def collapse_warnings(survival: Sequence[Mapping[str, Any]]) -> List[str]:
    """One warning per label-survival result with collapsed classes."""
    return [f'{result["name"]}: collapsed classes {", ".join(result["collapsed"])} '
            f'(kept under {result["min_kept"]} of the labelled images or area ratio under '
            f'{result["min_area_ratio"]})' for result in survival if result['collapsed']]


def write_json_text(data: Mapping[str, Any], report_dir: str) -> None:
    """Write ``data.json`` (compact strict JSON) and ``data.js`` (its text as the
    JavaScript string :data:`DATA_VARIABLE`), atomically."""
    text = json.dumps(strict_json_value(data), allow_nan=False, separators=(',', ':'))
    with atomic_path(osp.join(report_dir, DATA_FILE)) as tmp:
        tmp.write_text(text + '\n')
    with atomic_path(osp.join(report_dir, DATA_SCRIPT)) as tmp:
        tmp.write_text(f'window.{DATA_VARIABLE} = {json.dumps(text)};\n')


def write_report(work_dir: str, size: int = THUMB_SIZE, workers: int = 1,
                 title: Optional[str] = None) -> str:
    """Write the report of a work dir (see the module docstring).

    Args:
        work_dir: A pipeline's or a single stage's work dir.
        size: Longest side of a gallery thumbnail (pixels).
        workers: Processes that make the thumbnails (1: this one).
        title: Title of the page (default: the work dir).

    Returns:
        The path of ``index.html``.

    Raises:
        FileNotFoundError: the work dir does not exist, or an image file a
            folder of the run names.
        ValueError: a file of the run is malformed (the message names it).
    """
    from .report_page import write_page

    work_dir = osp.abspath(work_dir)
    stages, summary = stage_dirs(work_dir)
    report_dir = osp.join(work_dir, REPORT_DIR)
    os.makedirs(report_dir, exist_ok=True)
    per_class = per_class_results(stages)
    survival = survival_results(stages)
    jobs, gallery = gallery_jobs(stages)
    rows = render_gallery(jobs, report_dir, gallery['classes'],
                          _palette_array(gallery['palette']), size, workers)
    images = gallery.pop('images')
    gallery['rows'] = [dict(id=job.img_id, **images[job.img_id], **row)
                       for job, row in zip(jobs, rows)]
    gallery['thumb_size'] = size
    leaderboard_path = osp.join(work_dir, LEADERBOARD_FILE)
    leaderboard = []
    if osp.isfile(leaderboard_path):
        with open(leaderboard_path) as file:
            leaderboard = markdown_blocks(file.read())
    data = dict(
        format_version=1, title=title or work_dir, work_dir=work_dir,
        generated=time.strftime('%Y-%m-%d %H:%M:%S'),
        **run_summary(work_dir, stages, summary),
        warnings=collapse_warnings(survival), leaderboard=leaderboard,
        per_class=per_class, survival=survival,
        plots=write_plots(report_dir, per_class, survival, stages), gallery=gallery)
    write_json_text(data, report_dir)
    return write_page(report_dir)


def _palette_array(colours: Sequence[Sequence[int]]) -> np.ndarray:
    """(256, 3) uint8 label colours: the dataset's, then white (``255`` too)."""
    palette = np.full((256, 3), 255, np.uint8)
    if colours:
        palette[:len(colours)] = np.asarray(colours, np.uint8)
    return palette
