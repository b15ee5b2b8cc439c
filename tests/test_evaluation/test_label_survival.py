"""Label survival from the image-level labels: hand-counted tiny label maps."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mmwsss.evaluation.label_survival import (SurvivalCounts, check_survival_settings,
                                              collapse_messages, image_survival_counts,
                                              label_folder_survival, survival_metrics)
from mmwsss.utils import save_label_png

CLASSES = ('background', 'a', 'b', 'c')

# image 1, labelled a and b: a 5 pixels, b 1, c 2 (not labelled), one 255
LABEL_1 = np.array([[1, 1, 1, 0, 0],
                    [1, 1, 0, 0, 0],
                    [0, 0, 0, 2, 0],
                    [0, 0, 3, 3, 255]], np.uint8)
# its CAM labels: a 8 pixels, b 5, c none
REF_1 = np.array([[1, 1, 1, 1, 0],
                  [1, 1, 1, 1, 0],
                  [0, 0, 2, 2, 2],
                  [0, 0, 2, 2, 0]], np.uint8)
# image 2, labelled a and c: a erased, c 4 pixels, b 3 (not labelled)
LABEL_2 = np.array([[0, 0, 0, 0, 0],
                    [0, 3, 3, 0, 0],
                    [0, 3, 3, 0, 2],
                    [0, 0, 0, 2, 2]], np.uint8)
# its CAM labels: a 2 pixels, c none (its area ratio cannot be measured here)
REF_2 = np.array([[1, 1, 0, 0, 0],
                  [0, 0, 0, 0, 0],
                  [0, 0, 0, 0, 0],
                  [0, 0, 0, 0, 0]], np.uint8)
# image 3, without labels: a 2 pixels (not labelled)
LABEL_3 = np.zeros((4, 5), np.uint8)
LABEL_3[0, :2] = 1
REF_3 = np.zeros((4, 5), np.uint8)

IMAGES = dict(i1=(LABEL_1, REF_1, [1, 1, 0]), i2=(LABEL_2, REF_2, [1, 0, 1]),
              i3=(LABEL_3, REF_3, [0, 0, 0]))


def _counts(reference: bool = True, **settings) -> SurvivalCounts:
    counts = SurvivalCounts.zeros(3)
    for label, ref, img_labels in IMAGES.values():
        counts += image_survival_counts(label, np.array(img_labels, np.float32),
                                        ref if reference else None, **settings)
    return counts


def test_image_counts() -> None:
    one = image_survival_counts(LABEL_1, np.array([1, 1, 0], np.float32), REF_1)
    # a: 5 of its 8 CAM pixels (>= 0.25) kept; b: 1 of 5 (< 1.25) lost
    assert one.labelled.tolist() == [1, 1, 0]
    assert one.kept.tolist() == [1, 0, 0]
    assert one.ratio_sum.tolist() == [5 / 8, 1 / 5, 0]
    assert one.ratio_images.tolist() == [1, 1, 0]
    assert one.unlabelled.tolist() == [0, 0, 2]
    assert (one.num_pixels, one.num_images) == (20, 1)
    # tensors give the same counts as arrays
    same = image_survival_counts(torch.from_numpy(LABEL_1).long(), torch.tensor([1., 1, 0]),
                                 torch.from_numpy(REF_1))
    assert same.kept.tolist() == one.kept.tolist()
    assert same.ratio_sum.tolist() == one.ratio_sum.tolist()


def test_metrics_with_the_cam_labels() -> None:
    metrics = survival_metrics(_counts(), CLASSES)
    assert metrics == {
        'num_images': 3,
        # a: kept in image 1, lost in 2; b: lost in 1; c: kept in 2 (4 pixels >= 0.02)
        'kept.a': 0.5, 'kept.b': 0.0, 'kept.c': 1.0,
        # a: (5/8 + 0/2) / 2; b: 1/5; c: its only image has no CAM pixel of it
        'area_ratio.a': 0.3125, 'area_ratio.b': 0.2, 'area_ratio.c': None,
        'labelled_images.a': 2, 'labelled_images.b': 1, 'labelled_images.c': 1,
        # a in image 3, b in image 2, c in image 1, of 60 pixels (the 255 counts)
        'unlabelled_pixels': 7, 'unlabelled_fraction': 7 / 60,
        'unlabelled_pixels.a': 2, 'unlabelled_pixels.b': 3, 'unlabelled_pixels.c': 2,
        # a: kept in half its images (not under 0.5), ratio 0.3125 (not under 0.25)
        'collapsed': ['b'],
        'min_kept': 0.5, 'min_area_ratio': 0.25}
    assert survival_metrics(_counts(), CLASSES, min_area_ratio=0.35)['collapsed'] == ['a', 'b']
    assert survival_metrics(_counts(), CLASSES, min_kept=0.6)['collapsed'] == ['a', 'b']
    json.dumps(metrics, allow_nan=False)


def test_image_fraction_rule() -> None:
    # no reference: any class with 1 pixel (>= 0.001 of 20) is kept
    metrics = survival_metrics(_counts(reference=False), CLASSES)
    assert [metrics[f'kept.{c}'] for c in 'abc'] == [0.5, 1.0, 1.0]
    assert [metrics[f'area_ratio.{c}'] for c in 'abc'] == [None, None, None]
    assert metrics['collapsed'] == [] and metrics['unlabelled_pixels'] == 7
    # at least 5 pixels: a (5) stays, b (1) and c (4) go
    metrics = survival_metrics(_counts(reference=False, min_image_fraction=0.25), CLASSES)
    assert [metrics[f'kept.{c}'] for c in 'abc'] == [0.5, 0.0, 0.0]
    # the floor holds beside the reference rule: 6 pixels, image 1 loses a
    metrics = survival_metrics(_counts(min_image_fraction=0.3), CLASSES)
    assert [metrics[f'kept.{c}'] for c in 'abc'] == [0.0, 0.0, 0.0]
    # keep_ratio 0.2: b keeps 1 of its 5 CAM pixels
    metrics = survival_metrics(_counts(keep_ratio=0.2), CLASSES)
    assert [metrics[f'kept.{c}'] for c in 'abc'] == [0.5, 1.0, 1.0]
    # with both rules off a class still needs one pixel (a is erased in image 2)
    metrics = survival_metrics(_counts(keep_ratio=0, min_image_fraction=0), CLASSES)
    assert [metrics[f'kept.{c}'] for c in 'abc'] == [0.5, 1.0, 1.0]


def test_classes_without_images_and_ignored_maps() -> None:
    # an all-255 map labelled a keeps nothing; b and c have no labelled image
    counts = image_survival_counts(np.full((2, 3), 255, np.uint8), np.array([1, 0, 0]),
                                   np.full((2, 3), 255, np.uint8))
    metrics = survival_metrics(counts, CLASSES)
    assert (metrics['kept.a'], metrics['kept.b'], metrics['area_ratio.a']) == (0.0, None, None)
    assert metrics['collapsed'] == ['a'] and metrics['unlabelled_fraction'] == 0.0
    empty = survival_metrics(SurvivalCounts.zeros(3), CLASSES)
    assert empty['num_images'] == 0 and empty['unlabelled_fraction'] == 0.0
    assert empty['collapsed'] == []


def test_bad_inputs_are_named() -> None:
    labels = np.array([1, 0, 0])
    bad = LABEL_1.copy()
    bad[0, 0] = 4
    with pytest.raises(ValueError, match="pseudo label of image 'x' has the value 4; "
                       r'labels are 0..3 \(3 classes\) or 255'):
        image_survival_counts(bad, labels, img_id='x')
    with pytest.raises(ValueError, match=r"reference label of image 'x' has shape \(4, 4\)"):
        image_survival_counts(LABEL_1, labels, REF_1[:, :4], img_id='x')
    with pytest.raises(ValueError, match=r'must be a \(C,\) multi-hot vector'):
        image_survival_counts(LABEL_1, labels[None])
    with pytest.raises(ValueError, match=r'must be a \(H, W\) label map'):
        image_survival_counts(LABEL_1[None], labels)
    counts = SurvivalCounts.zeros(2)
    with pytest.raises(ValueError, match='counts of 3 classes to counts of 2'):
        counts += image_survival_counts(LABEL_1, labels)
    with pytest.raises(ValueError, match='4 class names'):
        survival_metrics(counts, CLASSES)


def test_settings_are_checked() -> None:
    assert check_survival_settings(dict(min_kept=0.4)) == dict(
        keep_ratio=0.25, min_image_fraction=0.001, min_kept=0.4, min_area_ratio=0.25)
    with pytest.raises(KeyError, match=r"hook: unknown settings \['keep'\]"):
        check_survival_settings(dict(keep=0.3), 'hook')
    for key, value in (('min_kept', 1.5), ('keep_ratio', -1), ('min_area_ratio', float('nan')),
                       ('min_image_fraction', '0.1')):
        with pytest.raises(ValueError, match=f'{key} must be a number'):
            check_survival_settings({key: value})


def test_collapse_messages() -> None:
    metrics = survival_metrics(_counts(), CLASSES, min_area_ratio=0.35)
    assert collapse_messages(metrics, 'rw/rw_pseudo_labels', 'CAM labels') == [
        "rw/rw_pseudo_labels: class 'a' collapses: kept in 50% of its 2 images, "
        'area 0.31 of its CAM labels',
        "rw/rw_pseudo_labels: class 'b' collapses: kept in 0% of its 1 images, "
        'area 0.20 of its CAM labels']
    # without a reference, no area part
    metrics = survival_metrics(_counts(reference=False, min_image_fraction=0.25), CLASSES)
    assert collapse_messages(metrics, 'cam') == [
        "cam: class 'b' collapses: kept in 0% of its 1 images",
        "cam: class 'c' collapses: kept in 0% of its 1 images"]


def test_label_folder(tmp_path: Path) -> None:
    for img_id, (label, ref, _) in IMAGES.items():
        save_label_png(label, tmp_path / 'rw' / f'{img_id}.png')
        save_label_png(ref, tmp_path / 'cam' / f'{img_id}.png')
    img_labels = {img_id: np.array(labels, np.float32)
                  for img_id, (_, _, labels) in IMAGES.items()}
    survival = label_folder_survival(str(tmp_path / 'rw'), list(IMAGES), img_labels, CLASSES,
                                     str(tmp_path / 'cam'))
    assert survival == dict(survival_metrics(_counts(), CLASSES), keep_ratio=0.25,
                            min_image_fraction=0.001, reference_dir=str(tmp_path / 'cam'))
    no_reference = label_folder_survival(str(tmp_path / 'rw'), list(IMAGES), img_labels,
                                         CLASSES, min_kept=0.6)
    assert no_reference == dict(survival_metrics(_counts(reference=False), CLASSES, 0.6),
                                keep_ratio=0.25, min_image_fraction=0.001, reference_dir=None)
    with pytest.raises(KeyError, match="image 'i4' has no image-level labels"):
        label_folder_survival(str(tmp_path / 'rw'), ['i4'], img_labels, CLASSES)
    with pytest.raises(ValueError, match="image 'i1' has 3 image-level label entries for 2"):
        label_folder_survival(str(tmp_path / 'rw'), ['i1'], img_labels, CLASSES[:3])
    with pytest.raises(FileNotFoundError, match='i1'):
        label_folder_survival(str(tmp_path / 'none'), ['i1'], img_labels, CLASSES)
