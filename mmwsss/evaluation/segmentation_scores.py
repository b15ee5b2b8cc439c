"""Confusion matrices and the scores reported for pseudo labels and segmentation.

The scores are MMSeg's (``IoUMetric.total_area_to_metrics``) on the per-class
areas a confusion matrix holds: its diagonal is ``IoUMetric.intersect_and_union``'s
intersection, its row and column sums the ground-truth and predicted areas.
The matrix itself is one ``bincount`` per image, cheaper than the three
histograms of ``intersect_and_union``, and it keeps which classes are confused.
"""
from collections import OrderedDict
from typing import Dict, Sequence, Union

import numpy as np
import torch
from mmseg.evaluation import IoUMetric

ArrayLike = Union[np.ndarray, torch.Tensor]


def confusion_matrix(pred: ArrayLike, gt: ArrayLike, num_classes: int,
                     ignore_index: int = 255, pred_name: str = 'prediction',
                     gt_name: str = 'ground truth') -> np.ndarray:
    """Count (ground truth, prediction) pairs over the pixels that are not ignored.

    Args:
        pred: Predicted labels (H, W), values 0..num_classes-1.
        gt: Ground-truth labels (H, W); ``ignore_index`` pixels are skipped.
        num_classes: Number of classes K (background included).
        ignore_index: Label value to ignore.
        pred_name: What ``pred`` is (its file), for messages.
        gt_name: What ``gt`` is (its file), for messages.

    Returns:
        int64 matrix (K, K), rows = ground truth, columns = prediction.

    Raises:
        ValueError: the sizes differ, or a label value is out of range; the
            message names ``pred_name`` and/or ``gt_name``, the sizes or the
            bad value.
    """
    pred_size, gt_size = tuple(np.shape(pred)), tuple(np.shape(gt))
    pred = torch.as_tensor(pred).reshape(-1).long()
    gt = torch.as_tensor(gt).reshape(-1).long()
    if pred.shape != gt.shape:
        raise ValueError(f'{pred_name} has size {pred_size} ({pred.numel()} pixels), '
                         f'{gt_name} {gt_size} ({gt.numel()} pixels)')
    keep = gt != ignore_index
    pred, gt = pred[keep], gt[keep]
    for name, values, allowed in ((gt_name, gt, f'or {ignore_index}'), (pred_name, pred, '')):
        if values.numel() and not 0 <= int(values.min()) <= int(values.max()) < num_classes:
            bad = int(values[(values < 0) | (values >= num_classes)][0])
            raise ValueError(f'{name} has label value {bad}; values must be in '
                             f'0..{num_classes - 1} {allowed}'.rstrip())
    counts = torch.bincount(gt * num_classes + pred, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes).cpu().numpy().astype(np.int64)


def segmentation_scores(confusion: np.ndarray,
                        class_names: Sequence[str]) -> Dict[str, object]:
    """mIoU, per-class IoU, precision and recall (in percent) from a confusion matrix.

    Classes absent from both the ground truth and the predictions get NaN and are
    left out of the means, as in MMSeg's IoUMetric.

    Args:
        confusion: (K, K) matrix from :func:`confusion_matrix` (summed).
        class_names: K class names.

    Returns:
        dict with ``mIoU``, ``mPrecision``, ``mRecall``, ``aAcc`` (floats) and
        ``per_class``: {name: {IoU, Precision, Recall}}.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    if confusion.shape != (len(class_names), ) * 2:
        raise ValueError(f'confusion matrix {confusion.shape} does not match '
                         f'{len(class_names)} classes')
    intersect = torch.from_numpy(np.diag(confusion).copy())
    label_area = torch.from_numpy(confusion.sum(axis=1))
    pred_area = torch.from_numpy(confusion.sum(axis=0))
    scores = IoUMetric.total_area_to_metrics(
        intersect, pred_area + label_area - intersect, pred_area, label_area,
        metrics=['mIoU', 'mFscore'])
    iou, precision, recall = scores['IoU'], scores['Precision'], scores['Recall']

    def percent(value: float) -> float:
        return round(float(value) * 100, 2)

    return dict(
        mIoU=percent(np.nanmean(iou)),
        mPrecision=percent(np.nanmean(precision)),
        mRecall=percent(np.nanmean(recall)),
        aAcc=percent(scores['aAcc']),
        per_class={
            name: dict(IoU=percent(i), Precision=percent(p), Recall=percent(r))
            for name, i, p, r in zip(class_names, iou, precision, recall)
        })


def flat_scores(confusion: np.ndarray, class_names: Sequence[str],
                prefix: str = '') -> Dict[str, float]:
    """The scores of a confusion matrix as flat keys.

    Args:
        confusion: (C + 1, C + 1) counts, rows ground truth.
        class_names: C + 1 class names, background first.
        prefix: Prefix of every key.

    Returns:
        ``{prefix}mIoU``, ``{prefix}mPrecision``, ``{prefix}mRecall``,
        ``{prefix}aAcc``, then ``{prefix}{IoU,Precision,Recall}.{class}``
        (percent, class by class).
    """
    scores = segmentation_scores(confusion, class_names)
    metrics: Dict[str, float] = OrderedDict(
        (f'{prefix}{key}', scores[key]) for key in ('mIoU', 'mPrecision', 'mRecall', 'aAcc'))
    for name, values in scores['per_class'].items():
        for key, value in values.items():
            metrics[f'{prefix}{key}.{name}'] = value
    return metrics
