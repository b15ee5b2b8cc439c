import numpy as np
import pytest
import torch

from mmwsss.ops.cam import (background_map, cam_from_features, cam_pseudo_label,
                            merge_multiscale_cams, multiscale_flip_inputs,
                            normalize_cams, rescale_image, scaled_size)


def test_cam_from_features_is_relu_of_linear_map():
    features = torch.tensor([[[[1.0, -2.0]], [[3.0, 0.5]]]])  # (1, 2, 1, 2)
    weight = torch.tensor([[1.0, 1.0], [2.0, -1.0]]).view(2, 2, 1, 1)
    cams = cam_from_features(features, weight)
    # class 0: 1 + 3 = 4, -2 + 0.5 = -1.5 -> 0; class 1: 2 - 3 = -1 -> 0, -4 - 0.5 -> 0
    assert cams.shape == (1, 2, 1, 2)
    assert torch.equal(cams, torch.tensor([[[[4.0, 0.0]], [[0.0, 0.0]]]]))


def test_scaled_size_uses_round_half_to_even():
    assert scaled_size((375, 500), 0.5) == (188, 250)  # 187.5 -> 188
    assert scaled_size((281, 333), 1.5) == (422, 500)  # 421.5 -> 422, 499.5 -> 500
    assert scaled_size((5, 7), 0.5) == (2, 4)  # 2.5 -> 2, 3.5 -> 4
    assert scaled_size((375, 500), 2.0) == (750, 1000)


def test_rescale_image_shapes_and_identity():
    img = torch.rand(2, 3, 11, 15)
    assert rescale_image(img, 1.0) is img
    assert rescale_image(img, 0.5).shape == (2, 3, 6, 8)  # 5.5 -> 6, 7.5 -> 8
    assert rescale_image(img[0], 2.0).shape == (3, 22, 30)
    constant = torch.full((1, 3, 9, 13), 0.7)
    assert torch.allclose(rescale_image(constant, 1.5), torch.tensor(0.7), atol=1e-6)


def test_rescale_image_matches_pil_bicubic_on_smooth_image():
    image_module = pytest.importorskip('PIL.Image')
    yy, xx = np.mgrid[0:40, 0:56].astype(np.float32)
    smooth = np.stack([
        127 + 100 * np.sin(xx / 7.0), 127 + 100 * np.cos(yy / 5.0),
        127 + 60 * np.sin((xx + yy) / 9.0)
    ], axis=-1).round().astype(np.uint8)
    tensor = torch.from_numpy(smooth).permute(2, 0, 1).float()
    for scale in (0.5, 1.5, 2.0):
        height, width = scaled_size(smooth.shape[:2], scale)
        reference = np.asarray(
            image_module.fromarray(smooth).resize((width, height), image_module.BICUBIC),
            dtype=np.float32)
        ours = rescale_image(tensor, scale).permute(1, 2, 0).numpy()
        # PIL rounds to uint8 after each pass: at most about one grey level apart.
        assert np.abs(ours - reference).max() <= 1.5
        assert np.abs(ours - reference).mean() <= 0.35


def test_multiscale_flip_inputs_order():
    img = torch.arange(2 * 3 * 4 * 6, dtype=torch.float32).view(2, 3, 4, 6)
    inputs = multiscale_flip_inputs(img, scales=(1.0, 0.5))
    assert [flipped for _, flipped in inputs] == [False, True, False, True]
    assert [tuple(x.shape) for x, _ in inputs] == [(2, 3, 4, 6)] * 2 + [(2, 3, 2, 3)] * 2
    assert torch.equal(inputs[1][0], img.flip(-1))
    assert len(multiscale_flip_inputs(img, scales=(1.0, 0.5), flip=False)) == 2


def test_merge_multiscale_cams_flip_mask_and_constant_upsampling():
    torch.manual_seed(0)
    cam = torch.rand(3, 4, 5)
    labels = torch.tensor([1.0, 0.0, 1.0])
    out_size = (8, 10)
    single = merge_multiscale_cams([cam], [False], out_size, labels)
    # The flipped input's CAM is the flip of the CAM: un-flipping restores it.
    flipped = merge_multiscale_cams([cam.flip(-1)], [True], out_size, labels)
    assert torch.allclose(single, flipped, atol=1e-6)
    merged = merge_multiscale_cams([cam, cam.flip(-1)], [False, True], out_size, labels)
    assert torch.allclose(merged, 2 * single, atol=1e-6)
    assert merged.shape == (3, 8, 10)
    # The absent class is zeroed even though its CAM was not.
    assert torch.count_nonzero(merged[1]) == 0
    assert torch.count_nonzero(merged[0]) > 0
    # Bilinear upsampling of constant maps stays constant; scales add up.
    constant = [torch.full((3, 2, 3), 0.5), torch.full((3, 5, 7), 0.25)]
    summed = merge_multiscale_cams(constant, [False, True], (9, 11), torch.ones(3))
    assert torch.allclose(summed, torch.full((3, 9, 11), 0.75), atol=1e-6)


def test_merge_multiscale_cams_bilinear_half_pixel_centres():
    cam = torch.tensor([[[0.0, 1.0]]])  # (1, 1, 2)
    merged = merge_multiscale_cams([cam], [False], (1, 4), torch.ones(1))
    # align_corners=False: output x = 0..3 samples input x = -0.25, 0.25, 0.75, 1.25.
    assert torch.allclose(merged, torch.tensor([[[0.0, 0.25, 0.75, 1.0]]]))


def test_merge_multiscale_cams_rejects_mismatched_flags():
    with pytest.raises(ValueError):
        merge_multiscale_cams([torch.zeros(1, 2, 2)], [], (2, 2), torch.ones(1))


def test_normalize_cams_by_spatial_max():
    cams = torch.tensor([[[2.0, 1.0], [0.5, 0.0]], [[0.0, 0.0], [0.0, 0.0]]])
    norm = normalize_cams(cams)
    expected = torch.tensor([[[2.0 / 2.00001, 1.0 / 2.00001], [0.5 / 2.00001, 0.0]],
                             [[0.0, 0.0], [0.0, 0.0]]])
    assert torch.allclose(norm, expected, rtol=1e-6, atol=0)
    assert norm[0, 0, 0] < 1.0
    # each map by its own maximum, in a batch too
    batch = torch.stack([cams, torch.stack([cams[0] * 4, cams[0]])])
    torch.testing.assert_close(normalize_cams(batch)[1, 1], expected[0], rtol=1e-6, atol=0)
    torch.testing.assert_close(normalize_cams(batch)[1, 0], 8.0 / 8.00001 * cams[0] / 2.0,
                               rtol=1e-6, atol=0)


def test_background_map_with_alpha_two():
    norm_cams = torch.tensor([[[0.5, 0.0], [0.9, 0.2]], [[0.1, 0.3], [0.4, 1.0]]])
    # max over classes: [[0.5, 0.3], [0.9, 1.0]]; (1 - max)^2:
    expected = torch.tensor([[0.25, 0.49], [0.01, 0.0]])
    assert torch.allclose(background_map(norm_cams, 2), expected, atol=1e-6)
    assert torch.allclose(background_map(norm_cams, 1), 1 - torch.tensor(
        [[0.5, 0.3], [0.9, 1.0]]), atol=1e-6)
    assert torch.equal(background_map(torch.zeros(0, 2, 3), 4), torch.ones(2, 3))


def test_cam_pseudo_label_argmax_and_ties():
    norm_cams = torch.tensor([
        [[0.9, 0.1, 0.2, 0.5]],  # class 1
        [[0.3, 0.15, 0.0, 0.5]],  # class 2
        [[0.0, 0.0, 0.0, 0.0]],  # class 3 (absent)
    ])
    label = cam_pseudo_label(norm_cams, bg_score=0.2)
    # pixel 0: class 1; pixel 1: all below 0.2 -> background; pixel 2: tie with
    # the background score -> background (first maximum); pixel 3: tie between
    # classes 1 and 2 -> class 1.
    assert label.dtype == torch.int64
    assert label.tolist() == [[1, 0, 0, 1]]
    assert cam_pseudo_label(norm_cams, bg_score=0.12).tolist() == [[1, 2, 1, 1]]
