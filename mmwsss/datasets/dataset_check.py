"""Check the data a config reads before a long run: files, sizes, values, labels.

:func:`dataset_jobs` turns a built (lazily initialised) dataset into one job per
image; :func:`check_image` checks one job (in a worker process);
:func:`check_jobs` runs them in parallel and collects a :class:`CheckReport`.
"""
import os.path as osp
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import Pool
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmseg.datasets import BaseSegDataset
from PIL import Image
from tqdm import tqdm

from .wsss_dataset import STAGE_OUTPUT_KEYS, WSSSDataset

IGNORE_INDEX = 255
PROBLEM_KINDS = ('missing file', 'unreadable file', 'mask value outside classes',
                 'size mismatch', 'no image-level label', 'label outside classes')
"""What :func:`check_image` reports, in table order."""

Problem = Tuple[str, str, str]
"""(kind, file, detail)."""


@dataclass
class CheckReport:
    """What the checks of one dataset found.

    Attributes:
        num_images: Images checked.
        files: Files checked per kind (``images``, ``masks``, ...).
        problems: (kind, file, detail) triples, in image order.
        class_images: Per class value 1..C, images whose labels hold it.
        seconds: Wall-clock time of the checks.
    """

    num_images: int = 0
    files: Counter = field(default_factory=Counter)
    problems: List[Problem] = field(default_factory=list)
    class_images: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def _read(path: str, kind: str, problems: List[Problem],
          as_array: bool) -> Optional[object]:
    """Decode an image file; record a missing or unreadable file.

    For the size alone, JPEG files are decoded at 1/8 scale (PIL's draft
    mode), which still reads every coded block, so truncated or corrupt files
    are found.

    Returns:
        The (W, H) size (``as_array`` False) or the array, None on failure.
    """
    if not osp.isfile(path):
        problems.append(('missing file', path, f'{kind} not found'))
        return None
    try:
        with Image.open(path) as image:
            if as_array:
                return np.array(image)
            size = image.size
            image.draft(image.mode, (1, 1))
            image.load()
            return size
    except (OSError, ValueError, SyntaxError) as error:
        problems.append(('unreadable file', path, f'{kind}: {error}'))
        return None


def check_image(job: dict) -> Tuple[List[Problem], Optional[List[int]], Dict[str, int]]:
    """Check the files and labels of one image.

    Args:
        job: From :func:`dataset_jobs`: ``img_id``, ``img_path``, optionally
            ``seg_map_path`` and ``img_label_mask`` (class masks),
            ``saliency_path``; ``labels`` (class values, or None to derive them
            from ``img_label_mask``), ``label_source``, ``num_classes`` (C + 1).

    Returns:
        The problems, the image-level labels (None if unknown) and the number
        of files checked per kind.
    """
    problems: List[Problem] = []
    checked: Dict[str, int] = Counter(images=1)
    size = _read(job['img_path'], 'image', problems, as_array=False)
    num_classes = job['num_classes']
    label_values = None
    for key, kind in (('seg_map_path', 'mask'), ('img_label_mask', 'label mask'),
                      ('saliency_path', 'saliency map')):
        path = job.get(key)
        if not path or (key == 'img_label_mask' and path == job.get('seg_map_path')):
            continue
        checked[kind + 's'] += 1
        array = _read(path, kind, problems, as_array=True)
        if array is None:
            continue
        if size is not None and (array.shape[1], array.shape[0]) != size:
            problems.append(('size mismatch', path, f'{kind} {array.shape[1]}x'
                             f'{array.shape[0]}, image {size[0]}x{size[1]} '
                             f'({job["img_path"]})'))
        if kind == 'saliency map':
            continue
        if array.ndim != 2:
            problems.append(('unreadable file', path, f'{kind} has shape {array.shape}, '
                             'expected a single-channel (palette or grey) PNG'))
            continue
        values = (np.flatnonzero(np.bincount(array.reshape(-1), minlength=256))
                  if array.dtype == np.uint8 else np.unique(array))
        bad = [int(v) for v in values if v >= num_classes and v != IGNORE_INDEX]
        if bad:
            problems.append(('mask value outside classes', path,
                             f'values {bad} (classes 0..{num_classes - 1}, '
                             f'ignore {IGNORE_INDEX})'))
        if key == 'img_label_mask' or (key == 'seg_map_path'
                                       and job.get('img_label_mask') == path):
            label_values = values
    labels = job.get('labels')
    source = job.get('label_source') or job.get('img_label_mask') or ''
    if labels is None and job.get('img_label_mask'):
        # the classes present, as labels_from_mask derives them
        labels = ([int(v) for v in label_values if 1 <= v < num_classes]
                  if label_values is not None else None)
    if labels is not None:
        bad = [v for v in labels if not isinstance(v, int) or not 1 <= v < num_classes]
        if bad:
            problems.append(('label outside classes', source,
                             f'image {job["img_id"]}: values {bad} not in '
                             f'1..{num_classes - 1}'))
            labels = [v for v in labels if v not in bad]
        if not labels:
            problems.append(('no image-level label', source or job['img_path'],
                             f'image {job["img_id"]} has no foreground class'))
    elif job.get('label_missing'):
        problems.append(('no image-level label', source,
                         f'image {job["img_id"]} is not in the label file'))
    return problems, labels, dict(checked)


def dataset_jobs(dataset: BaseSegDataset,
                 skip_dirs: Sequence[str] = ()) -> Tuple[List[dict], List[str]]:
    """One :func:`check_image` job per image of a lazily initialised dataset.

    Per-image files of earlier stages (CAMs, affinity scores) and folders
    under ``skip_dirs`` (outputs of a pipeline's stages) are not checked.

    Args:
        dataset: Built with ``lazy_init=True`` (the split is read here, so a
            missing file is reported per image rather than raised).
        skip_dirs: Absolute folders whose files are not checked.

    Returns:
        The jobs and notes on what is not checked.

    Raises:
        FileNotFoundError: the split file or the label file is missing.
        ValueError: the label file cannot be parsed.
    """
    if not dataset.ann_file or not osp.isfile(dataset.ann_file):
        raise FileNotFoundError(f'split file not found: {dataset.ann_file!r}')
    data_list = BaseSegDataset.load_data_list(dataset)
    prefix = dataset.data_prefix
    notes = [f'{key} ({prefix[key]}): output of an earlier stage, not checked'
             for key in STAGE_OUTPUT_KEYS if prefix.get(key)]

    def produced(folder: Optional[str]) -> bool:
        return bool(folder) and any(
            osp.abspath(folder) == osp.abspath(d)
            or osp.abspath(folder).startswith(osp.abspath(d) + osp.sep) for d in skip_dirs)

    label_table, label_dir, source = None, None, ''
    if isinstance(dataset, WSSSDataset):
        if dataset.img_label_file:
            label_table = dataset._read_label_file()
            source = dataset.img_label_file
        else:
            label_dir = prefix.get('img_label_path') or prefix.get('seg_map_path')
    seg_dir = prefix.get('seg_map_path')
    for key, folder in (('seg_map_path', seg_dir), ('img_label_path', label_dir),
                        ('saliency_path', prefix.get('saliency_path'))):
        if produced(folder):
            notes.append(f'{key} ({folder}): output of an earlier stage, not checked')
    num_classes = len(dataset.metainfo['classes'])
    suffix = getattr(dataset, 'file_suffixes', {}).get('saliency_path', '.png')
    jobs = []
    for info in data_list:
        img_id = osp.splitext(osp.basename(info['img_path']))[0]
        job = dict(img_id=img_id, img_path=info['img_path'], num_classes=num_classes,
                   label_source=source)
        if seg_dir and not produced(seg_dir):
            job['seg_map_path'] = info['seg_map_path']
        if label_dir and not produced(label_dir):
            job['img_label_mask'] = osp.join(label_dir, img_id + dataset.seg_map_suffix)
            job['label_source'] = job['img_label_mask']
        if prefix.get('saliency_path') and not produced(prefix['saliency_path']):
            job['saliency_path'] = osp.join(prefix['saliency_path'], img_id + suffix)
        if label_table is not None:
            job['labels'] = label_table.get(img_id)
            job['label_missing'] = img_id not in label_table
        jobs.append(job)
    return jobs, notes


def check_jobs(jobs: Sequence[dict], workers: int = 1, progress: bool = True,
               desc: str = 'checking') -> CheckReport:
    """Run :func:`check_image` on every job (in ``workers`` processes).

    Args:
        jobs: From :func:`dataset_jobs`.
        workers: Processes (1: in this process).
        progress: Show a progress bar.
        desc: Progress bar label.

    Returns:
        The collected report (problems in job order).
    """
    start = time.time()
    report = CheckReport(num_images=len(jobs))
    if workers > 1 and len(jobs) > 1:
        with Pool(workers) as pool:
            results = list(tqdm(pool.imap(check_image, jobs, chunksize=32), total=len(jobs),
                                desc=desc, disable=not progress))
    else:
        results = [check_image(job) for job in tqdm(jobs, desc=desc, disable=not progress)]
    for problems, labels, checked in results:
        report.problems.extend(problems)
        report.files.update(checked)
        report.class_images.update(labels or [])
    report.seconds = time.time() - start
    return report
