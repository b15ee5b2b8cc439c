"""Evaluate folders of pseudo-label PNGs or CAM files against ground-truth masks."""
import glob
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from tqdm import tqdm

from mmwsss.ops.cam import cam_pseudo_label
from mmwsss.reporting.per_class_table import BEST_PREFIX
from mmwsss.utils import load_cams, read_label_png
from .segmentation_scores import confusion_matrix, flat_scores, segmentation_scores


def label_folder_confusion(pred_dir: str, gt_dir: str, img_ids: Sequence[str],
                           num_classes: int, ignore_index: int = 255) -> np.ndarray:
    """Confusion matrix of ``{pred_dir}/{id}.png`` against ``{gt_dir}/{id}.png``.

    Args:
        pred_dir: Folder of predicted label PNGs (values 0..C).
        gt_dir: Folder of ground-truth label PNGs.
        img_ids: Image ids to evaluate.
        num_classes: C + 1.
        ignore_index: Ground-truth value to ignore.

    Returns:
        (C + 1, C + 1) int64 counts, rows ground truth, columns prediction.
    """
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    for img_id in tqdm(img_ids, desc='evaluating labels'):
        path = osp.join(pred_dir, f'{img_id}.png')
        gt_path = osp.join(gt_dir, f'{img_id}.png')
        confusion += confusion_matrix(read_label_png(path, img_id),
                                      read_label_png(gt_path, img_id), num_classes,
                                      ignore_index, path, f'ground truth {gt_path}')
    return confusion


def cam_sweep_confusions(cam_dir: str, gt_dir: str, img_ids: Sequence[str],
                         num_classes: int, thresholds: Sequence[float],
                         ignore_index: int = 255) -> np.ndarray:
    """Confusion matrices of the CAM-only pseudo labels at each background score.

    Args:
        cam_dir: Folder of ``{id}.npz`` CAM files.
        gt_dir: Folder of ground-truth label PNGs.
        img_ids: Image ids to evaluate.
        num_classes: C + 1.
        thresholds: Background scores (T of them).
        ignore_index: Ground-truth value to ignore.

    Returns:
        (T, C + 1, C + 1) int64 counts.
    """
    confusions = np.zeros((len(thresholds), num_classes, num_classes), dtype=np.int64)
    for img_id in tqdm(img_ids, desc='evaluating CAMs'):
        path = osp.join(cam_dir, f'{img_id}.npz')
        cams, _ = load_cams(path, num_classes - 1)
        gt_path = osp.join(gt_dir, f'{img_id}.png')
        gt = read_label_png(gt_path, img_id)
        cams_t = torch.from_numpy(cams)
        for index, threshold in enumerate(thresholds):
            confusions[index] += confusion_matrix(
                cam_pseudo_label(cams_t, threshold), gt, num_classes, ignore_index,
                f'CAM file {path}', f'ground truth {gt_path}')
    return confusions


def evaluate_label_folder(pred_dir: str, gt_dir: str, img_ids: Sequence[str],
                          class_names: Sequence[str],
                          ignore_index: int = 255) -> Dict[str, float]:
    """Score ``{pred_dir}/{id}.png`` against ``{gt_dir}/{id}.png``.

    Args:
        pred_dir: Folder of predicted label PNGs (values 0..C).
        gt_dir: Folder of ground-truth label PNGs.
        img_ids: Image ids to evaluate.
        class_names: C + 1 class names, background first.
        ignore_index: Ground-truth value to ignore.

    Returns:
        The flat metrics of :func:`flat_scores` (``mIoU``, ``mPrecision``,
        ``mRecall``, ``aAcc``, ``{IoU,Precision,Recall}.{class}``) plus
        ``num_images``.
    """
    confusion = label_folder_confusion(pred_dir, gt_dir, img_ids, len(class_names),
                                       ignore_index)
    return dict(flat_scores(confusion, class_names), num_images=len(img_ids))


def evaluate_cam_folder(cam_dir: str, gt_dir: str, img_ids: Sequence[str],
                        class_names: Sequence[str], thresholds: Sequence[float],
                        ignore_index: int = 255) -> Dict[str, object]:
    """Sweep the background score of CAM-only pseudo labels from CAM files.

    Args:
        cam_dir: Folder of ``{id}.npz`` CAM files.
        gt_dir: Folder of ground-truth label PNGs.
        img_ids: Image ids to evaluate.
        class_names: C + 1 class names, background first.
        thresholds: Background scores to try.
        ignore_index: Ground-truth value to ignore.

    Returns:
        ``thresholds``, ``mIoU`` (one per threshold), ``best_bg_threshold``,
        ``best_mIoU``, ``num_images`` and the flat scores at the best
        threshold under the prefix ``best/`` (``best/mIoU``,
        ``best/IoU.{class}`` ..., see :func:`flat_scores`).
    """
    confusions = cam_sweep_confusions(cam_dir, gt_dir, img_ids, len(class_names),
                                      thresholds, ignore_index)
    curve = [segmentation_scores(matrix, class_names)['mIoU'] for matrix in confusions]
    best = int(np.argmax(curve))
    return dict(thresholds=[float(t) for t in thresholds], mIoU=curve,
                best_bg_threshold=float(thresholds[best]), best_mIoU=curve[best],
                num_images=len(img_ids),
                **flat_scores(confusions[best], class_names, BEST_PREFIX))


def read_split(path: Optional[str], folder: str, suffix: str) -> List[str]:
    """Image ids from a split file, or every ``*{suffix}`` file in ``folder``."""
    if path:
        if not osp.isfile(path):
            raise FileNotFoundError(f'split file not found: {path}')
        with open(path) as file:
            return [line.strip() for line in file if line.strip()]
    return sorted(osp.basename(p)[:-len(suffix)]
                  for p in glob.glob(osp.join(folder, f'*{suffix}')))
