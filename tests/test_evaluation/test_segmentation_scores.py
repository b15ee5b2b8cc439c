"""Tests of confusion matrices and scores."""
import math

import numpy as np
import pytest
import torch
from mmseg.evaluation import IoUMetric

from mmwsss.evaluation import confusion_matrix, segmentation_scores


def test_confusion_matrix_hand_computed() -> None:
    gt = np.array([[0, 0, 1], [1, 2, 255]])
    pred = np.array([[0, 1, 1], [1, 0, 2]])
    matrix = confusion_matrix(pred, gt, num_classes=3)
    # rows gt, columns prediction; the ignored pixel is dropped
    assert matrix.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    with pytest.raises(ValueError, match=r'prediction has label value 3; values must be '
                       r'in 0\.\.2$'):
        confusion_matrix(np.array([3]), np.array([0]), 3)
    with pytest.raises(ValueError, match='pixels'):
        confusion_matrix(np.zeros(2), np.zeros(3), 3)


def test_confusion_matrix_errors_name_the_files() -> None:
    with pytest.raises(ValueError, match=r'ground truth gt/a\.png has label value 50; values '
                       r'must be in 0\.\.6 or 255'):
        confusion_matrix(np.zeros((2, 2)), np.array([[0, 50], [255, 1]]), 7,
                         pred_name='labels/a.png', gt_name='ground truth gt/a.png')
    with pytest.raises(ValueError, match=r'labels/a\.png has size \(2, 4\) \(8 pixels\), '
                       r'ground truth gt/a\.png \(1, 4\) \(4 pixels\)'):
        confusion_matrix(np.zeros((2, 4)), np.zeros((1, 4)), 7, pred_name='labels/a.png',
                         gt_name='ground truth gt/a.png')


def test_scores_hand_computed() -> None:
    matrix = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    scores = segmentation_scores(matrix, ['bg', 'a', 'b'])
    # IoU: bg 1/(2+2-1) = 1/3, a 2/(2+3-2) = 2/3, b 0/(1+0-0) = 0
    assert scores['per_class']['bg']['IoU'] == 33.33
    assert scores['per_class']['a']['IoU'] == 66.67
    assert scores['per_class']['b']['IoU'] == 0.0
    assert scores['mIoU'] == 33.33
    assert scores['per_class']['a']['Precision'] == 66.67  # 2 / 3 predicted a
    assert scores['per_class']['a']['Recall'] == 100.0
    assert math.isnan(scores['per_class']['b']['Precision'])  # never predicted
    assert scores['mPrecision'] == 58.33  # mean of 50, 66.67 (b is NaN)
    assert scores['aAcc'] == 60.0


def test_absent_class_is_left_out_of_the_mean() -> None:
    matrix = np.array([[3, 0, 0], [0, 1, 0], [0, 0, 0]])
    scores = segmentation_scores(matrix, ['bg', 'a', 'b'])
    assert math.isnan(scores['per_class']['b']['IoU'])
    assert scores['mIoU'] == 100.0


def numpy_reference_scores(confusion: np.ndarray) -> dict:
    """IoU, precision, recall and aAcc written out with numpy (the previous code)."""
    confusion = confusion.astype(np.float64)
    true_pos = np.diag(confusion)
    gt_total, pred_total = confusion.sum(axis=1), confusion.sum(axis=0)
    with np.errstate(divide='ignore', invalid='ignore'):
        return dict(IoU=true_pos / (gt_total + pred_total - true_pos),
                    Precision=true_pos / pred_total, Recall=true_pos / gt_total,
                    aAcc=true_pos.sum() / confusion.sum())


def test_scores_equal_numpy_reference_and_mmseg_areas() -> None:
    rng = np.random.default_rng(0)
    names = [f'c{i}' for i in range(6)]
    for trial in range(20):
        gt = torch.from_numpy(rng.integers(0, 6, (31, 17)))
        pred = torch.from_numpy(rng.integers(0, 5 if trial % 2 else 6, (31, 17)))
        gt[rng.random((31, 17)) < 0.1] = 255
        gt[gt == 4] = 5  # class 4 absent from the ground truth
        matrix = confusion_matrix(pred, gt, 6)
        # the matrix holds MMSeg's per-class areas
        intersect, union, pred_area, label_area = IoUMetric.intersect_and_union(
            pred, gt, 6, 255)
        np.testing.assert_array_equal(np.diag(matrix), intersect.numpy())
        np.testing.assert_array_equal(matrix.sum(0), pred_area.numpy())
        np.testing.assert_array_equal(matrix.sum(1), label_area.numpy())
        np.testing.assert_array_equal(matrix.sum(0) + matrix.sum(1) - np.diag(matrix),
                                      union.numpy())
        scores = segmentation_scores(matrix, names)
        reference = numpy_reference_scores(matrix)
        for key in ('IoU', 'Precision', 'Recall'):
            expected = [round(float(v) * 100, 2) for v in reference[key]]
            got = [scores['per_class'][name][key] for name in names]
            np.testing.assert_array_equal(got, expected)
            assert scores[f'm{key}'] == round(float(np.nanmean(reference[key])) * 100, 2)
        assert scores['aAcc'] == round(float(reference['aAcc']) * 100, 2)
