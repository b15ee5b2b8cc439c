"""Ground-truth-free choice: CRF agreement and the collapse rule."""
import numpy as np
import pytest
import torch

from mmwsss.evaluation.label_criterion import (choose_setting, crf_agreement,
                                               rejected_classes, stacked_confusions)


def test_crf_agreement_hand_computed() -> None:
    # rows CRF, columns labels: background IoU 6 / (6 + 1 + 2) , class 1 IoU 3 / (3 + 2 + 1),
    # class 2 never used
    confusion = np.array([[6, 1, 0], [2, 3, 0], [0, 0, 0]])
    assert crf_agreement(confusion) == pytest.approx(100 * (6 / 9 + 3 / 6) / 2)
    assert crf_agreement(np.eye(3, dtype=int) * 5) == 100.0
    assert crf_agreement(np.zeros((2, 2))) == 100.0
    with pytest.raises(ValueError, match='square'):
        crf_agreement(np.zeros((2, 3)))


def test_choose_prefers_fewest_collapses_then_agreement() -> None:
    agreement = {'a': 90.0, 'b': 80.0, 'c': 85.0, 'd': 70.0}
    assert choose_setting(agreement, {'a': 1, 'b': 0, 'c': 0, 'd': 0}) == 'c'
    assert choose_setting(agreement, {'a': 0, 'b': 0, 'c': 0, 'd': 0}) == 'a'
    assert choose_setting(agreement, {'a': 2, 'b': 1, 'c': 2, 'd': 1}) == 'b'
    assert choose_setting({'x': 1.0, 'y': 1.0}, {'x': 0, 'y': 0}) == 'x'
    with pytest.raises(KeyError, match='d'):
        choose_setting(agreement, {'a': 0, 'b': 0, 'c': 0})
    with pytest.raises(ValueError):
        choose_setting({}, {})


def test_cam_thresholds_labels_agreement_and_survival() -> None:
    import torch
    from mmwsss.evaluation.label_criterion import score_cam_thresholds
    from mmwsss.ops.cam import cam_pseudo_label
    from mmwsss.ops.crf import crf_refine_label

    # one class (of two) whose CAM ramps from 0 to 1 across a red / grey edge
    cams = torch.zeros(2, 6, 8)
    cams[0] = torch.linspace(0, 1, 8)
    image = np.full((6, 8, 3), 128, np.uint8)
    image[:, 5:] = (250, 20, 20)
    gt = np.zeros((6, 8), np.int64)
    gt[:, 5:] = 1
    results = score_cam_thresholds(cams, [0.3, 0.95], image, gt)
    for threshold, result in results.items():
        label = cam_pseudo_label(cams, threshold).numpy()
        crf = crf_refine_label(image, torch.cat([torch.full_like(cams[:1], threshold),
                                                 cams]).numpy())
        expected = np.zeros((3, 3), np.int64)
        np.add.at(expected, (crf.ravel(), label.ravel()), 1)
        assert (result.agreement == expected).all()
        expected_gt = np.zeros((3, 3), np.int64)
        np.add.at(expected_gt, (gt.ravel(), label.ravel()), 1)
        assert (result.confusion == expected_gt).all()
        assert result.survival.labelled.tolist() == [1, 0]
    # at 0.3 class 1 covers columns 3..7 (CAM 3/7 >= 0.3), at 0.95 only column 7
    assert results[0.3].confusion[:, 1].sum() == 6 * 5
    assert results[0.95].confusion[:, 1].sum() == 6
    assert results[0.3].survival.kept.tolist() == [1, 0]


def test_rejected_classes_are_the_collapsed_then_the_flooded() -> None:
    survival = {'collapsed': ['b'], 'area_ratio.a': 1.2, 'area_ratio.b': 0.1,
                'area_ratio.c': 1.0, 'area_ratio.d': None, 'kept.a': 1.0}
    assert rejected_classes(survival) == ['b', 'a']
    assert rejected_classes(survival, max_area_ratio=1.5) == ['b']
    assert rejected_classes({'collapsed': []}) == []


def test_stacked_confusions_name_bad_ground_truth() -> None:
    labels = torch.tensor([[[0, 1]], [[1, 1]]])
    np.testing.assert_array_equal(stacked_confusions(labels, np.array([[1, 255]]), 2),
                                  [[[0, 0], [1, 0]], [[0, 0], [0, 1]]])
    with pytest.raises(ValueError, match=r'gt/a\.png has label value 7; values must be in '
                       r'0\.\.1 or 255'):
        stacked_confusions(labels, np.array([[7, 0]]), 2, 'gt/a.png')
