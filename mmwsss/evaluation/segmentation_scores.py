"""Confusion matrices and the scores reported for pseudo labels and segmentation."""
from typing import Dict, Sequence, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]


def confusion_matrix(pred: ArrayLike, gt: ArrayLike, num_classes: int,
                     ignore_index: int = 255) -> np.ndarray:
    """Count (ground truth, prediction) pairs over the pixels that are not ignored.

    Args:
        pred: Predicted labels (H, W), values 0..num_classes-1.
        gt: Ground-truth labels (H, W); ``ignore_index`` pixels are skipped.
        num_classes: Number of classes K (background included).
        ignore_index: Label value to ignore.

    Returns:
        int64 matrix (K, K), rows = ground truth, columns = prediction.
    """
    pred = torch.as_tensor(pred).reshape(-1).long()
    gt = torch.as_tensor(gt).reshape(-1).long()
    if pred.shape != gt.shape:
        raise ValueError(f'prediction has {pred.numel()} pixels, ground truth {gt.numel()}')
    keep = gt != ignore_index
    pred, gt = pred[keep], gt[keep]
    if pred.numel() and (int(pred.max()) >= num_classes or int(gt.max()) >= num_classes):
        raise ValueError(f'label values must be below {num_classes} '
                         f'(or {ignore_index} in the ground truth)')
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
    true_pos = np.diag(confusion)
    gt_total = confusion.sum(axis=1)
    pred_total = confusion.sum(axis=0)
    with np.errstate(divide='ignore', invalid='ignore'):
        iou = true_pos / (gt_total + pred_total - true_pos)
        precision = true_pos / pred_total
        recall = true_pos / gt_total
    total = confusion.sum()

    def percent(value: float) -> float:
        return round(float(value) * 100, 2)

    return dict(
        mIoU=percent(np.nanmean(iou)),
        mPrecision=percent(np.nanmean(precision)),
        mRecall=percent(np.nanmean(recall)),
        aAcc=percent(true_pos.sum() / total if total else np.nan),
        per_class={
            name: dict(IoU=percent(i), Precision=percent(p), Recall=percent(r))
            for name, i, p, r in zip(class_names, iou, precision, recall)
        })
