import numpy as np
import pytest

from mmwsss.ops.crf import crf_refine_label, dense_crf


def _two_region_image(height: int = 20, width: int = 24) -> np.ndarray:
    """Left half dark red, right half light blue."""
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:, :width // 2] = (200, 30, 30)
    image[:, width // 2:] = (40, 80, 220)
    return image


def test_dense_crf_shape_dtype_and_normalised_marginals():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (9, 13, 3), dtype=np.uint8)
    scores = rng.random((4, 9, 13)).astype(np.float32)  # unnormalised, as PSA passes
    marginals = dense_crf(image, scores)
    assert marginals.shape == (4, 9, 13)
    assert marginals.dtype == np.float32
    assert np.all(marginals >= 0)
    np.testing.assert_allclose(marginals.sum(axis=0), 1.0, atol=1e-5)


def test_dense_crf_keeps_a_confident_unary():
    image = _two_region_image()
    probs = np.full((2, 20, 24), 1e-5, dtype=np.float32)
    probs[0, :, :12] = 1.0
    probs[1, :, 12:] = 1.0
    marginals = dense_crf(image, probs)
    assert np.all(marginals[0, :, :12] > 0.99)
    assert np.all(marginals[1, :, 12:] > 0.99)


def test_dense_crf_smooths_noise_inside_a_uniform_colour_region():
    image = _two_region_image()
    probs = np.zeros((2, 20, 24), dtype=np.float32)
    probs[0, :, :12] = 0.7
    probs[1, :, :12] = 0.3
    probs[0, :, 12:] = 0.3
    probs[1, :, 12:] = 0.7
    # A few pixels of the left (label 0) region wrongly favour label 1.
    noisy = [(3, 4), (10, 2), (15, 8), (7, 9)]
    for row, col in noisy:
        probs[:, row, col] = (0.4, 0.6)
    assert all(probs[:, row, col].argmax() == 1 for row, col in noisy)
    label = dense_crf(image, probs).argmax(axis=0)
    expected = np.zeros((20, 24), dtype=np.int64)
    expected[:, 12:] = 1
    np.testing.assert_array_equal(label, expected)


def test_dense_crf_rejects_bad_inputs():
    with pytest.raises(ValueError):
        dense_crf(np.zeros((4, 4, 3), dtype=np.float32), np.ones((2, 4, 4)))
    with pytest.raises(ValueError):
        dense_crf(np.zeros((4, 4, 3), dtype=np.uint8), np.ones((2, 4, 5)))


def _noisy_probs(labels: int = 2, height: int = 20, width: int = 24) -> np.ndarray:
    """Unnormalised random scores in (0, 1), seeded."""
    return np.random.default_rng(0).random((labels, height, width)).astype(np.float32)


def test_dense_crf_accepts_non_contiguous_inputs():
    image = _two_region_image()
    image[3:8, 2:9] = (10, 220, 10)  # not symmetric under the flip
    probs = _noisy_probs()
    flipped_image, flipped_probs = image[:, ::-1], probs[:, :, ::-1]  # negative strides
    expected = dense_crf(np.ascontiguousarray(flipped_image),
                         np.ascontiguousarray(flipped_probs))
    np.testing.assert_array_equal(dense_crf(flipped_image, flipped_probs), expected)
    transposed = np.ascontiguousarray(image.transpose(1, 0, 2)).transpose(1, 0, 2)
    np.testing.assert_array_equal(dense_crf(transposed, probs), dense_crf(image, probs))


def test_bilateral_colour_and_spatial_widths_have_their_roles():
    """On an image of one colour, the bilateral colour width changes nothing and the
    spatial width does."""
    image = np.full((20, 24, 3), (90, 120, 60), dtype=np.uint8)
    probs = _noisy_probs()
    default = dense_crf(image, probs)
    # (the permutohedral lattice approximates the filter to about 1e-5)
    np.testing.assert_allclose(dense_crf(image, probs, bilateral_srgb=3), default, atol=1e-4)
    assert np.abs(dense_crf(image, probs, bilateral_sxy=3) - default).max() > 0.05


def test_dense_crf_without_pairwise_terms_is_the_normalised_unary():
    """No iteration, or zero compatibilities: the marginals are the clipped
    scores divided by their sum (softmax of -unary)."""
    image = _two_region_image()
    probs = _noisy_probs(3)
    probs[1, 0, 0] = 0.0  # clipped to 1e-5
    clipped = np.clip(probs, 1e-5, 1)
    expected = clipped / clipped.sum(axis=0)
    np.testing.assert_allclose(dense_crf(image, probs, num_iters=0), expected, atol=1e-5)
    np.testing.assert_allclose(
        dense_crf(image, probs, num_iters=3, gauss_compat=0, bilateral_compat=0), expected,
        atol=1e-5)
    assert np.abs(dense_crf(image, probs, num_iters=3) - expected).max() > 0.1


@pytest.mark.parametrize('name,value', [('num_iters', 1), ('gauss_sxy', 1), ('gauss_compat', 0),
                                        ('bilateral_sxy', 5), ('bilateral_srgb', 100),
                                        ('bilateral_compat', 0)])
def test_dense_crf_keyword_arguments_take_effect(name, value):
    image = _two_region_image()
    image[3:8, 2:9] = (120, 60, 90)
    probs = _noisy_probs()
    default = dense_crf(image, probs)
    assert np.abs(dense_crf(image, probs, **{name: value}) - default).max() > 1e-3


def test_crf_refine_label_normalises_scores_and_smooths():
    image = _two_region_image()
    # Random-walk-like scores: small, not summing to one; one noisy pixel.
    scores = np.zeros((3, 20, 24), dtype=np.float32)
    scores[0, :, :12] = 0.07
    scores[2, :, :12] = 0.03
    scores[2, :, 12:] = 0.08
    scores[0, :, 12:] = 0.02
    scores[:, 5, 5] = (0.04, 0.0, 0.06)
    scores[:, 0, 0] = 0.0  # no score at all: uniform
    label = crf_refine_label(image, scores)
    expected = np.zeros((20, 24), dtype=np.int64)
    expected[:, 12:] = 2
    assert label.dtype == np.int64
    np.testing.assert_array_equal(label, expected)
    # no CRF iteration: the argmax of the normalised scores, noisy pixel included
    expected[5, 5] = 2
    np.testing.assert_array_equal(crf_refine_label(image, scores, num_iters=0), expected)
    # scores below the CRF's clipping floor (1e-5) keep their argmax once normalised
    np.testing.assert_array_equal(crf_refine_label(image, scores * 1e-4, num_iters=0),
                                  expected)
