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
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmseg.datasets import BaseSegDataset
from tqdm import tqdm

from mmwsss.utils.image_ids import BAD_ID, DUPLICATE_ID, name_problem, scan_id_list
from mmwsss.utils.readers import (ImageTooLargeError, UnreadableFileError, read_image,
                                  read_json_object, read_label_png, read_saliency_map)
from .wsss_dataset import STAGE_OUTPUT_KEYS, WSSSDataset, image_label_problem, split_infos

IGNORE_INDEX = 255
PROBLEM_KINDS = (BAD_ID, DUPLICATE_ID, 'missing file', 'unreadable file', 'image too large',
                 'mask value outside classes', 'size mismatch', 'no image-level label',
                 'label outside classes', 'check failed')
"""What :func:`dataset_jobs` and :func:`check_image` report, in table order."""

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
        negatives: Images whose labels hold no foreground class (the
            classifier's negatives; not a problem).
        seconds: Wall-clock time of the checks.
    """

    num_images: int = 0
    files: Counter = field(default_factory=Counter)
    problems: List[Problem] = field(default_factory=list)
    class_images: Counter = field(default_factory=Counter)
    negatives: int = 0
    seconds: float = 0.0


def _read(reader: Callable, path: str, kind: str, img_id: str,
          problems: List[Problem]) -> Optional[np.ndarray]:
    """Read a file with the reader the data pipeline uses; record why it failed.

    Returns:
        The array, None on failure.
    """
    try:
        return reader(path, img_id)
    except FileNotFoundError:
        problems.append(('missing file', path, f'{kind} not found'))
    except ImageTooLargeError as error:
        problems.append(('image too large', path, str(error)))
    except UnreadableFileError as error:
        problems.append(('unreadable file', path, str(error)))
    return None


def check_image(job: dict) -> Tuple[List[Problem], Optional[List[int]], Dict[str, int]]:
    """Check the files and labels of one image.

    Files are read with the readers of the data pipeline (``LoadWSSSImage``,
    ``LoadWSSSAnnotations``, ``LoadSaliencyMap``), so what they refuse (a
    corrupt or truncated file, an image over the pixel limit, a 16-bit label
    map) is reported here; labels are checked with the dataset's
    :func:`~mmwsss.datasets.wsss_dataset.image_label_problem`.

    Args:
        job: From :func:`dataset_jobs`: ``img_id``, ``img_path``, optionally
            ``seg_map_path`` and ``img_label_mask`` (class masks),
            ``saliency_path``; ``labels`` (class values, or None to derive them
            from ``img_label_mask``), ``label_source``, ``num_classes`` (C + 1).

    Returns:
        The problems, the valid image-level labels (None if unknown) and the
        number of files checked per kind.
    """
    problems: List[Problem] = []
    checked: Dict[str, int] = Counter(images=1)
    img_id = job['img_id']
    image = _read(read_image, job['img_path'], 'image', img_id, problems)
    num_classes = job['num_classes']
    label_values = None
    for key, kind, reader in (('seg_map_path', 'mask', read_label_png),
                              ('img_label_mask', 'label mask', read_label_png),
                              ('saliency_path', 'saliency map', read_saliency_map)):
        path = job.get(key)
        if not path or (key == 'img_label_mask' and path == job.get('seg_map_path')):
            continue
        checked[kind + 's'] += 1
        array = _read(reader, path, kind, img_id, problems)
        if array is None:
            continue
        if image is not None and array.shape[:2] != image.shape[:2]:
            problems.append(('size mismatch', path, f'{kind} {array.shape[1]}x'
                             f'{array.shape[0]}, image {image.shape[1]}x{image.shape[0]} '
                             f'({job["img_path"]})'))
        if kind == 'saliency map':
            continue
        values = np.flatnonzero(np.bincount(array.reshape(-1), minlength=256))
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
        problem = image_label_problem(labels, num_classes - 1)
        if problem:
            problems.append(('label outside classes', source, f'image {img_id}: {problem}'))
            labels = [value for value in labels if image_label_problem(
                [value], num_classes - 1) is None] if isinstance(labels, list) else []
    elif job.get('label_missing'):
        problems.append(('no image-level label', source,
                         f'image {img_id} is not in the label file'))
    return problems, labels, dict(checked)


def check_image_safely(job: dict) -> Tuple[List[Problem], Optional[List[int]], Dict[str, int]]:
    """:func:`check_image`, reporting any other failure as a problem of the image.

    A damaged file must not stop the check of a dataset: whatever
    :func:`check_image` raises becomes a ``check failed`` problem naming the
    image file.
    """
    try:
        return check_image(job)
    except Exception as error:  # noqa: B902  (reported, never raised)
        return ([('check failed', job['img_path'], f'{type(error).__name__}: {error}')],
                None, dict(images=1))


def dataset_jobs(dataset: BaseSegDataset, skip_dirs: Sequence[str] = ()
                 ) -> Tuple[List[dict], List[str], List[Problem]]:
    """One :func:`check_image` job per image of a lazily initialised dataset.

    Per-image files of earlier stages (CAMs, affinity scores) and folders
    under ``skip_dirs`` (outputs of a pipeline's stages) are not checked.

    Args:
        dataset: Built with ``lazy_init=True`` (the split is read here, so a
            missing file is reported per image rather than raised).
        skip_dirs: Absolute folders whose files are not checked.

    Returns:
        The jobs (one per valid id of the split), notes on what is not
        checked, and the problems of the split and label files: ids that are
        not plain file names (split lines, label file keys) and repeated ids,
        each as the dataset refuses them.

    Raises:
        FileNotFoundError: the split file or the label file is missing.
        ValueError: the split or label file cannot be read or parsed.
    """
    if not dataset.ann_file or not osp.isfile(dataset.ann_file):
        raise FileNotFoundError(f'split file not found: {dataset.ann_file!r}')
    ids, id_problems = scan_id_list(dataset.ann_file)
    problems = [(kind, dataset.ann_file, detail) for kind, detail in id_problems]
    data_list = split_infos(dataset, ids)
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
            source = dataset.img_label_file
            label_table = read_json_object(source, 'image-level label file')
            problems += [(BAD_ID, source, f'key {key!r} is not a plain file name '
                          f'({name_problem(key)})') for key in label_table if name_problem(key)]
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
        img_id = info['img_id']
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
    return jobs, notes, problems


def check_jobs(jobs: Sequence[dict], workers: int = 1, progress: bool = True,
               desc: str = 'checking', problems: Sequence[Problem] = ()) -> CheckReport:
    """Run :func:`check_image_safely` on every job (in ``workers`` processes).

    Args:
        jobs: From :func:`dataset_jobs`.
        workers: Processes (1: in this process).
        progress: Show a progress bar.
        desc: Progress bar label.
        problems: Problems found before (the split's, from :func:`dataset_jobs`),
            listed first.

    Returns:
        The collected report (problems in job order).
    """
    start = time.time()
    report = CheckReport(num_images=len(jobs), problems=list(problems))
    if workers > 1 and len(jobs) > 1:
        with Pool(workers) as pool:
            results = list(tqdm(pool.imap(check_image_safely, jobs, chunksize=32), total=len(jobs),
                                desc=desc, disable=not progress))
    else:
        results = [check_image_safely(job) for job in tqdm(jobs, desc=desc, disable=not progress)]
    for problems, labels, checked in results:
        report.problems.extend(problems)
        report.files.update(checked)
        report.class_images.update(labels or [])
        report.negatives += labels is not None and not labels
    report.seconds = time.time() - start
    return report
