"""Tests of the affinity-label and CAM transforms and of packing their fields."""
from pathlib import Path

import numpy as np
import pytest
import torch

from mmwsss.datasets import (AffinityLabelFromScores, LoadAffinityScores, LoadCAMs,
                             PackWSSSInputs, RandomCropPad, SegFieldsRandomFlip)
from mmwsss.ops.affinity_labels import affinity_label_from_scores, pool_scores
from mmwsss.utils import (load_affinity_scores, load_cams, save_affinity_scores,
                          save_cams)

NUM_CLASSES = 4


def _scores(height: int, width: int) -> tuple:
    """Low/high scores (C + 1, H, W) for classes 2 and 4 with a known layout.

    Columns 0-7: class 2 confident (low and high); 8-15: class 4 in low, background
    in high (-> background); 16-23: background in low, class 4 in high (-> neutral).
    """
    low = np.zeros((NUM_CLASSES + 1, height, width), np.float32)
    high = np.zeros_like(low)
    low[2, :, :8] = high[2, :, :8] = 0.9
    low[4, :, 8:16], high[0, :, 8:16] = 0.8, 0.7
    low[0, :, 16:], high[4, :, 16:] = 0.6, 0.9
    low[0, :, :8] = high[0, :, :8] = 0.1
    return low, high


def _results(tmp_path: Path, height: int = 16, width: int = 24) -> dict:
    low, high = _scores(height, width)
    labels = np.zeros(NUM_CLASSES, np.float32)
    labels[[1, 3]] = 1
    save_affinity_scores(tmp_path / 'img.npz', low, high, labels)
    img = np.zeros((height, width, 3), np.uint8)
    img[:, :, 0] = np.arange(width, dtype=np.uint8)[None]
    return dict(img=img, img_shape=(height, width), img_labels=labels,
                affinity_path=str(tmp_path / 'img.npz'), img_path='img.jpg')


def test_affinity_file_keeps_present_classes_only(tmp_path: Path) -> None:
    results = _results(tmp_path)
    low, high, classes = load_affinity_scores(results['affinity_path'])
    assert classes.tolist() == [0, 2, 4] and low.shape == high.shape == (3, 16, 24)
    full_low, _ = _scores(16, 24)
    np.testing.assert_allclose(low, full_low[[0, 2, 4]], atol=1e-3)
    with np.load(results['affinity_path'], allow_pickle=False) as data:
        assert data['low'].dtype == np.float16 and data['labels'].dtype == np.int16


def test_label_rule_at_feature_resolution(tmp_path: Path) -> None:
    results = LoadAffinityScores()(_results(tmp_path))
    assert results['affinity_scores_low'].shape == (16, 24, 3)
    assert results['seg_fields'] == ['affinity_scores_low', 'affinity_scores_high']
    out = AffinityLabelFromScores(stride=8)(results)
    assert out['gt_affinity_label'].dtype == np.uint8
    assert out['gt_affinity_label'].tolist() == [[2, 0, 255], [2, 0, 255]]
    assert 'affinity_scores_low' not in out and out['seg_fields'] == []


def test_crop_pad_flip_keep_scores_aligned_with_image(tmp_path: Path) -> None:
    results = LoadAffinityScores()(_results(tmp_path))
    results = RandomCropPad(crop_size=(24, 32), seg_pad_val=dict(
        affinity_scores_low=0, affinity_scores_high=0), seed=0)(results)
    dst_y, dst_x, _, _ = results['crop_bbox']
    results = SegFieldsRandomFlip(prob=1.0)(results)
    out = AffinityLabelFromScores(stride=8)(results)
    # reference: place the full-resolution maps like the image, flip, pool, label
    low, high = _scores(16, 24)
    canvas = np.zeros((2, NUM_CLASSES + 1, 24, 32), np.float32)
    canvas[:, :, dst_y:dst_y + 16, dst_x:dst_x + 24] = (low, high)
    canvas = canvas[..., ::-1]
    expected = affinity_label_from_scores(pool_scores(canvas[0]), pool_scores(canvas[1]))
    np.testing.assert_array_equal(out['gt_affinity_label'], expected)
    # the image moved the same way: its red channel encodes the source column
    image = results['img'][dst_y:dst_y + 16, ::-1][:, dst_x:dst_x + 24, 0]
    assert (image == np.arange(24)[None]).all()
    # padding (no score) is neutral
    assert (out['gt_affinity_label'] == 255).sum() > 0


def test_label_from_scores_rejects_wrong_padding_and_stride(tmp_path: Path) -> None:
    results = LoadAffinityScores()(_results(tmp_path))
    padded = RandomCropPad(crop_size=32, seed=0)(dict(results))
    with pytest.raises(ValueError, match='pad them with 0'):
        AffinityLabelFromScores(stride=8)(padded)
    with pytest.raises(ValueError, match='multiple of stride 5'):
        AffinityLabelFromScores(stride=5)(LoadAffinityScores()(_results(tmp_path)))
    with pytest.raises(KeyError, match='LoadAffinityScores'):
        AffinityLabelFromScores()(dict(img=results['img']))


def test_load_affinity_scores_errors_name_the_file(tmp_path: Path) -> None:
    results = _results(tmp_path)
    results['img_labels'] = np.array([1, 0, 0, 0], np.float32)
    with pytest.raises(ValueError, match='img.npz'):
        LoadAffinityScores()(results)
    with pytest.raises(FileNotFoundError, match='make_affinity_labels'):
        LoadAffinityScores()(dict(results, affinity_path=str(tmp_path / 'none.npz')))


def test_load_cams_and_pack(tmp_path: Path) -> None:
    cams = torch.zeros(NUM_CLASSES, 5, 7)
    cams[1] = torch.linspace(0, 1, 35).view(5, 7)
    labels = torch.tensor([0.0, 1.0, 0.0, 0.0])
    save_cams(tmp_path / 'a.npz', cams, labels)
    results = dict(img=np.zeros((5, 7, 3), np.uint8), img_shape=(5, 7),
                   img_labels=labels.numpy(), cam_path=str(tmp_path / 'a.npz'),
                   gt_affinity_label=np.array([[0, 255], [2, 1]], np.uint8), img_id='a')
    results = LoadCAMs()(results)
    assert results['gt_cams'].shape == (5, 7, NUM_CLASSES) and 'gt_cams' in results['seg_fields']
    sample = PackWSSSInputs()(results)['data_samples']
    expected, _ = load_cams(tmp_path / 'a.npz', NUM_CLASSES)
    assert sample.gt_cams.data.dtype == torch.float32
    np.testing.assert_array_equal(sample.gt_cams.data.numpy(), expected)
    assert sample.gt_affinity_label.data.dtype == torch.int64
    assert sample.gt_affinity_label.data.tolist() == [[[0, 255], [2, 1]]]
    with pytest.raises(ValueError, match='a.npz'):
        LoadCAMs()(dict(results, img_labels=np.array([1, 1, 0, 0], np.float32)))


def test_label_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match=r'AffinityLabelFromScores: stride must be an '
                       r'integer in \[1, inf\), got 0'):
        AffinityLabelFromScores(stride=0)
    with pytest.raises(ValueError, match=r'min_score must be a number in \(0, 1\), got 0'):
        AffinityLabelFromScores(min_score=0)
