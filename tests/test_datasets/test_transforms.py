"""Tests of RandomCropPad and RandomColorJitter."""
import numpy as np
import pytest

from mmwsss.datasets import RandomColorJitter, RandomCropPad
from mmwsss.datasets.transforms.random_crop_pad import crop_pad_window


def _results(height: int, width: int) -> dict:
    img = np.arange(height * width * 3, dtype=np.uint8).reshape(height, width, 3)
    seg = np.ones((height, width), dtype=np.uint8)
    sal = np.full((height, width), 200, dtype=np.uint8)
    return dict(img=img, gt_seg_map=seg, gt_saliency=sal,
                seg_fields=['gt_seg_map', 'gt_saliency'])


def test_window_along_one_axis() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        src, dst, length = crop_pad_window(10, 4, rng)
        assert dst == 0 and length == 4 and 0 <= src <= 6
        src, dst, length = crop_pad_window(3, 5, rng)
        assert src == 0 and length == 3 and 0 <= dst <= 2


def test_pad_smaller_image_at_random_offset() -> None:
    out = RandomCropPad(crop_size=6, seed=1)(_results(4, 3))
    assert out['img'].shape == (6, 6, 3) and out['img_shape'] == (6, 6)
    dst_y, dst_x, src_y, src_x = out['crop_bbox']
    assert (src_y, src_x) == (0, 0)
    inside = (slice(dst_y, dst_y + 4), slice(dst_x, dst_x + 3))
    np.testing.assert_array_equal(out['img'][inside], _results(4, 3)['img'])
    assert (out['gt_seg_map'] == 1).sum() == 12 and (out['gt_seg_map'] == 255).sum() == 24
    assert (out['gt_saliency'] == 200).sum() == 12 and (out['gt_saliency'] == 0).sum() == 24
    padded = np.ones((6, 6), dtype=bool)
    padded[inside] = False
    # the ImageNet mean (BGR), exact: the uint8 image became float32
    assert out['img'].dtype == np.float32
    assert (out['img'][padded] == np.float32([103.53, 116.28, 123.675])).all()


def test_integer_pad_keeps_dtype() -> None:
    out = RandomCropPad(crop_size=6, img_pad_val=0, seed=1)(_results(4, 3))
    dst_y, dst_x, _, _ = out['crop_bbox']
    assert out['img'].dtype == np.uint8
    assert out['img'].sum() == _results(4, 3)['img'].astype(int).sum()
    assert (out['img'][dst_y:dst_y + 4, dst_x:dst_x + 3] == _results(4, 3)['img']).all()
    with pytest.raises(ValueError, match='img_pad_val must be one value or three'):
        RandomCropPad(crop_size=6, img_pad_val=(1, 2))


def test_crop_larger_image_keeps_alignment() -> None:
    results = _results(9, 12)
    original = results['img'].copy()
    out = RandomCropPad(crop_size=(5, 7), seed=2)(results)
    _, _, src_y, src_x = out['crop_bbox']
    np.testing.assert_array_equal(out['img'], original[src_y:src_y + 5, src_x:src_x + 7])
    assert (out['gt_seg_map'] == 1).all()


def test_color_jitter_identity_and_range() -> None:
    image = np.random.default_rng(0).integers(0, 256, (8, 9, 3), dtype=np.uint8)
    same = RandomColorJitter(0, 0, 0, 0, seed=0)(dict(img=image.copy()))['img']
    np.testing.assert_array_equal(same, image)
    jitter = RandomColorJitter(0.3, 0.3, 0.3, 0.1, seed=0)
    out = jitter(dict(img=image.copy()))['img']
    assert out.dtype == np.uint8 and out.shape == image.shape and not np.array_equal(out, image)
    grey = np.full((4, 4, 3), 100, dtype=np.uint8)
    brighter = RandomColorJitter(0.3, 0, 0, 0, seed=3)(dict(img=grey.copy()))['img']
    factor = brighter[0, 0, 0] / 100
    assert 0.7 <= factor <= 1.3 and (brighter == brighter[0, 0, 0]).all()
    with pytest.raises(ValueError, match='hue'):
        RandomColorJitter(hue=0.7)


def test_seg_fields_follow_resize_and_flip() -> None:
    from mmwsss.datasets import SegFieldsRandomFlip, SegFieldsResize
    img = np.zeros((4, 6, 3), dtype=np.uint8)
    img[:, :3] = 255
    saliency = np.zeros((4, 6), dtype=np.uint8)
    saliency[:, :3] = 200
    scores = np.zeros((4, 6, 2), dtype=np.float32)
    scores[:, :3, 1] = 1.0
    results = dict(img=img, img_shape=(4, 6), gt_saliency=saliency, gt_scores=scores,
                   gt_seg_map=(saliency > 0).astype(np.uint8),
                   seg_fields=['gt_seg_map', 'gt_saliency', 'gt_scores'])
    out = SegFieldsResize(scale=(12, 8), keep_ratio=False)(results)
    assert out['img'].shape == (8, 12, 3)
    assert out['gt_saliency'].shape == (8, 12) and out['gt_scores'].shape == (8, 12, 2)
    assert (out['gt_saliency'][:, :5] == 200).all() and (out['gt_saliency'][:, 7:] == 0).all()
    assert (out['gt_scores'][:, :6, 1] == 1).all() and (out['gt_scores'][:, 6:, 1] == 0).all()
    out = SegFieldsRandomFlip(prob=1.0)(out)
    for key in ('gt_seg_map', 'gt_saliency'):
        assert (out[key][:, -5:] > 0).all() and (out[key][:, :5] == 0).all()
    assert (out['gt_scores'][:, 6:, 1] == 1).all() and (out['img'][:, -1] == 255).all()
