import numpy as np
import pytest
import torch

from mmwsss.ops.affinity_labels import (affinity_crf_scores,
                                        affinity_label_from_scores,
                                        crf_background_scores, pool_scores)


def _image_and_cams():
    """A 16x16 image: class 2 (of 3) is confident in the centre square, weak at the
    bottom-left corner."""
    image = np.full((16, 16, 3), (30, 120, 40), dtype=np.uint8)
    image[4:12, 4:12] = (220, 200, 60)
    image[12:, :4] = (50, 50, 200)
    cams = np.zeros((3, 16, 16), dtype=np.float32)
    cams[1, 4:12, 4:12] = 0.9
    cams[1, 6:10, 6:10] = 1.0
    # (1 - 0.2)^4 = 0.41 > 0.2 but (1 - 0.2)^32 = 0.0008 < 0.2: neutral.
    cams[1, 12:, :4] = 0.2
    cams[0, 0:3, 0:3] = 0.5  # class 1 is absent: its CAM must be ignored
    return image, cams, np.array([0.0, 1.0, 0.0])


def test_crf_background_scores_label_the_regions_by_alpha():
    """Channel 0 is the background (1 - max CAM) ** alpha, then the present classes.

    The centre square (CAM 0.9 / 1.0) is class 1 of the stack at both alphas; the
    weak corner (CAM 0.2) is background at alpha 4 ((0.8 ** 4 = 0.41 > 0.2) and
    class 1 at alpha 32 (0.8 ** 32 = 0.0008); the rest is background."""
    image, cams, _ = _image_and_cams()
    expected = np.zeros((16, 16), dtype=np.int64)
    expected[4:12, 4:12] = 1
    for alpha in (4, 32):
        if alpha == 32:
            expected[12:, :4] = 1
        scores = crf_background_scores(image, cams[1:2], alpha=alpha)
        assert scores.shape == (2, 16, 16) and scores.dtype == np.float32
        np.testing.assert_allclose(scores.sum(axis=0), 1, atol=1e-5)
        np.testing.assert_array_equal(scores.argmax(axis=0), expected)
    # two present classes: the background is 1 - the larger CAM, (1 - 0.3) ** 4 = 0.24
    # below a CAM of 0.3 (with the mean of the two CAMs it would be 0.52)
    image[:4, 10:] = (200, 60, 200)
    second = np.zeros((1, 16, 16), np.float32)
    second[0, :4, 10:] = 0.3
    scores = crf_background_scores(image, np.concatenate([second, cams[1:2]]), alpha=4)
    expected[:4, 10:] = 1
    expected[12:, :4] = 0
    expected[4:12, 4:12] = 2
    np.testing.assert_array_equal(scores.argmax(axis=0), expected)


def test_crf_background_scores_without_present_class():
    image, _, _ = _image_and_cams()
    scores = crf_background_scores(image, np.zeros((0, 16, 16), np.float32), 4)
    np.testing.assert_array_equal(scores, np.ones((1, 16, 16), np.float32))


def test_affinity_crf_scores_expand_to_all_classes():
    image, cams, labels = _image_and_cams()
    low, high = affinity_crf_scores(image, cams, labels, low_alpha=4, high_alpha=32)
    assert low.shape == high.shape == (4, 16, 16)
    assert low.dtype == high.dtype == np.float32
    # Absent classes (1 and 3) are all zero, even where class 1 had a CAM.
    assert np.count_nonzero(low[[1, 3]]) == 0
    assert np.count_nonzero(high[[1, 3]]) == 0
    np.testing.assert_allclose(low[[0, 2]], crf_background_scores(image, cams[1:2], 4),
                               atol=1e-6)
    np.testing.assert_allclose(high[[0, 2]], crf_background_scores(image, cams[1:2], 32),
                               atol=1e-6)
    # A high alpha shrinks the background: never more background than low alpha.
    assert np.all(high[0] <= low[0] + 1e-6)
    half_low, half_high = affinity_crf_scores(
        image, cams, labels, dtype=np.float16)
    assert half_low.dtype == half_high.dtype == np.float16
    np.testing.assert_allclose(half_low, low, atol=1e-3)


def test_pool_scores_block_means_numpy_and_torch():
    scores = np.arange(16 * 8, dtype=np.float32).reshape(1, 16, 8)
    pooled = pool_scores(scores, factor=4)
    # Block (i, j) covers rows 4i..4i+3 and columns 4j..4j+3 of value 8 * row + col:
    # its mean is 8 * (4i + 1.5) + (4j + 1.5).
    expected = np.array([[[8 * (4 * i + 1.5) + 4 * j + 1.5 for j in range(2)]
                          for i in range(4)]], dtype=np.float32)
    assert pooled.shape == (1, 4, 2)
    np.testing.assert_allclose(pooled, expected)
    assert pooled[0, 0, 0] == 13.5
    np.testing.assert_allclose(pool_scores(scores)[0], [[31.5], [95.5]])
    assert torch.allclose(pool_scores(torch.from_numpy(scores), 4),
                          torch.from_numpy(expected))
    with pytest.raises(ValueError):
        pool_scores(np.zeros((2, 12, 16)), factor=8)


def test_pool_scores_equal_block_means_in_the_input_dtype():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float16):
        scores = rng.random((3, 24, 16)).astype(dtype)
        reference = scores.reshape(3, 3, 8, 2, 8).mean((2, 4))
        pooled = pool_scores(scores)
        assert pooled.dtype == dtype
        np.testing.assert_allclose(pooled, reference, rtol=1e-6 if dtype == np.float32 else 1e-3)
    flipped = scores[:, :, ::-1]  # a view with a negative stride
    np.testing.assert_allclose(pool_scores(flipped), flipped.reshape(3, 3, 8, 2, 8).mean((2, 4)),
                               rtol=1e-3)


def test_affinity_label_rule_on_hand_made_scores():
    # Channels: background, class 1, class 2. One row of six pixels.
    low = np.array([
        [[0.1, 0.6, 0.7, 0.0, 0.2, 4e-6]],  # background
        [[0.8, 0.1, 0.2, 0.0, 0.1, 1e-6]],  # class 1
        [[0.1, 0.3, 0.1, 0.0, 0.7, 2e-6]],  # class 2
    ])
    high = np.array([
        [[0.0, 0.1, 0.5, 0.0, 0.6, 5e-6]],
        [[0.9, 0.2, 0.3, 0.0, 0.1, 3e-6]],
        [[0.1, 0.7, 0.2, 0.0, 0.3, 1e-6]],
    ])
    label = affinity_label_from_scores(low, high)
    # 0: confident class 1 (both argmax 1)                   -> 1
    # 1: low-alpha background, high-alpha class 2: neutral   -> 255
    # 2: background under both alphas                        -> 0
    # 3: padding (all scores 0)                              -> 255
    # 4: low-alpha class 2 but high-alpha background wins    -> 0
    # 5: scores below 1e-5 (no score region)                 -> 255
    assert label.dtype == np.uint8
    assert label.tolist() == [[1, 255, 0, 255, 0, 255]]


def test_a_score_in_either_map_is_enough():
    """Low-alpha scores all below 1e-5 but high-alpha scores present: not padding."""
    low = np.array([[[2e-6]], [[1e-6]], [[3e-6]]])
    high = np.array([[[0.1]], [[0.8]], [[0.1]]])
    assert affinity_label_from_scores(low, high).tolist() == [[2]]
    assert affinity_label_from_scores(high, low).tolist() == [[1]]


def test_affinity_labels_from_crf_scores_after_crop_and_pool():
    image, cams, labels = _image_and_cams()
    low, high = affinity_crf_scores(image, cams, labels)
    # Zero-padded 24x24 crop (image at the top-left), then 4x4 pooling -> 6x6.
    padded_low = np.zeros((4, 24, 24), np.float32)
    padded_high = np.zeros((4, 24, 24), np.float32)
    padded_low[:, :16, :16] = low
    padded_high[:, :16, :16] = high
    label = affinity_label_from_scores(
        pool_scores(padded_low, 4), pool_scores(padded_high, 4))
    expected = np.full((6, 6), 255, dtype=np.uint8)
    expected[:4, :4] = 0
    expected[1:3, 1:3] = 2
    expected[3, 0] = 255
    np.testing.assert_array_equal(label, expected)
