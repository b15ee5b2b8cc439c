"""Tests of the affinity picture."""
import numpy as np
import pytest

from mmwsss.visualization import affinity_picture


def test_image_next_to_upsampled_map() -> None:
    image = np.full((20, 27, 3), 7, np.uint8)
    affinity = np.ones((3, 4), np.float32)
    affinity[:, 2:] = 0.0  # a boundary in the right half of the feature map
    picture = affinity_picture(image, affinity)
    assert picture.shape == (20, 54, 3) and picture.dtype == np.uint8
    assert (picture[:, :27] == 7).all()
    heat = picture[:, 27:].astype(int)
    assert (heat[:, 0] != heat[:, -1]).any()  # bright (1) on the left, dark (0) right
    assert heat[:, 0].sum() > heat[:, -1].sum()
    with pytest.raises(ValueError, match='does not match'):
        affinity_picture(image, np.ones((3, 9), np.float32))


def test_small_image_whose_height_fits_two_strides() -> None:
    """49 x 52 px at stride 8 gives a 7 x 7 map; 49 rows alone also fit stride 7
    (which would make 8 columns): the stride must fit both sides."""
    image = np.zeros((49, 52, 3), np.uint8)
    affinity = np.zeros((7, 7), np.float32)
    affinity[:, 6] = 1.0  # the last feature column: image columns 48..51 at stride 8
    heat = affinity_picture(image, affinity)[:, 52:].astype(int)
    assert heat.shape == (49, 52, 3)
    bright = heat.sum(axis=(0, 2))
    assert bright[51] > bright[0] and bright[51] == bright.max()
