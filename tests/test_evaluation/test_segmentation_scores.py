"""Tests of confusion matrices and scores."""
import math

import numpy as np
import pytest

from mmwsss.evaluation import confusion_matrix, segmentation_scores


def test_confusion_matrix_hand_computed() -> None:
    gt = np.array([[0, 0, 1], [1, 2, 255]])
    pred = np.array([[0, 1, 1], [1, 0, 2]])
    matrix = confusion_matrix(pred, gt, num_classes=3)
    # rows gt, columns prediction; the ignored pixel is dropped
    assert matrix.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    with pytest.raises(ValueError, match='below 3'):
        confusion_matrix(np.array([3]), np.array([0]), 3)
    with pytest.raises(ValueError, match='pixels'):
        confusion_matrix(np.zeros(2), np.zeros(3), 3)


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
