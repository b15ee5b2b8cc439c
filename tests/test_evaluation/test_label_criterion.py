"""Ground-truth-free choice: CRF agreement and the collapse rule."""
import numpy as np
import pytest
import torch

from mmwsss.evaluation.label_criterion import (choose_class_bg_scores, choose_setting,
                                               class_crf_agreement, crf_agreement,
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


def test_class_crf_agreement_hand_computed() -> None:
    confusion = np.array([[6, 1, 0], [2, 3, 0], [0, 0, 0]])
    ious = class_crf_agreement(confusion)
    assert ious[:2].tolist() == pytest.approx([100 * 6 / 9, 100 * 3 / 6])
    assert np.isnan(ious[2])


def test_choose_class_bg_scores_each_class_its_best_kept_score() -> None:
    classes = ['background', 'a', 'b', 'c']

    def counts(iou_a: float, iou_b: float) -> np.ndarray:
        # agreement counts whose class IoUs are iou_a and iou_b (of 100 pixels), c absent
        confusion = np.zeros((4, 4))
        for label, iou in ((1, iou_a), (2, iou_b)):
            confusion[label, label] = iou
            confusion[0, label] = 100 - iou
        return confusion

    agreement = {0.3: counts(80, 90), 0.5: counts(70, 95), 0.7: counts(60, 50)}
    keep = {'collapsed': [], 'area_ratio.a': 0.9, 'area_ratio.b': 0.8}
    survival = {0.3: dict(keep, **{'area_ratio.b': 1.3}), 0.5: keep, 0.7: keep}
    # a: best agreement at 0.3; b: 0.3 floods (area ratio 1.3), 0.5 is its best;
    # c: in no criterion image, the fallback
    assert choose_class_bg_scores(agreement, survival, classes, 0.6) == (0.3, 0.5, 0.6)
    # a collapses at 0.3 (its next best is 0.5); b no longer floods there but agrees
    # better at 0.5
    survival[0.3] = dict(keep, collapsed=['a'])
    assert choose_class_bg_scores(agreement, survival, classes, 0.6) == (0.5, 0.5, 0.6)
    rejected_everywhere = {score: dict(keep, collapsed=['a', 'b']) for score in agreement}
    assert choose_class_bg_scores(agreement, rejected_everywhere, classes, 0.6) == (0.6,) * 3
    with pytest.raises(ValueError, match='no background score'):
        choose_class_bg_scores({}, {}, classes, 0.6)


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
