"""DeepLab-v2's multi-scale inputs: fused logits by hand, labels resized as PIL does."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from mmwsss.ops.multi_scale_inputs import (multi_scale_input_logits, multi_scale_input_losses,
                                           resize_labels)


def first_two_channels(images: torch.Tensor) -> torch.Tensor:
    """A 'network' whose logits are the first two input channels (same size)."""
    return images[:, :2]


def test_fused_logits_by_hand() -> None:
    blocks = torch.tensor([[1., 1., 3., 3.], [1., 1., 3., 3.],
                           [5., 5., 7., 7.], [5., 5., 7., 7.]])
    images = torch.stack([blocks, 8 - blocks, torch.zeros(4, 4)])[None]
    full, half, fused = multi_scale_input_logits(first_two_channels, images, scales=[0.5])
    torch.testing.assert_close(full, images[:, :2])
    # bilinear at 0.5 averages each 2x2 block
    torch.testing.assert_close(half[0, 0], torch.tensor([[1., 3.], [5., 7.]]))
    # upsampled back (bilinear, align_corners=False): row 0 is 1, 1.5, 2.5, 3;
    # the max with the full-scale 1, 1, 3, 3
    assert fused[0, 0, 0].tolist() == [1.0, 1.5, 3.0, 3.0]
    # channel 1 is 8 - channel 0: the upsampled row 7, 6.5, 5.5, 5 against 7, 7, 5, 5
    assert fused[0, 1, 0].tolist() == [7.0, 7.0, 5.5, 5.0]
    assert fused[0, 0, 1].tolist() == [2.0, 2.5, 3.5, 4.0]  # 1/4 of the way to row 5, 7


def test_every_scale_and_sizes() -> None:
    images = torch.randn(2, 3, 21, 17)
    outputs = multi_scale_input_logits(lambda x: F.avg_pool2d(x, 2, ceil_mode=True), images,
                                       scales=(0.5, 0.75))
    assert [tuple(o.shape) for o in outputs] == [(2, 3, 11, 9), (2, 3, 5, 4), (2, 3, 8, 6),
                                                 (2, 3, 11, 9)]
    upsampled = [F.interpolate(o, size=(11, 9), mode='bilinear', align_corners=False)
                 for o in outputs[1:3]]
    assert torch.equal(outputs[3], torch.maximum(outputs[0], torch.maximum(*upsampled)))


@pytest.mark.parametrize('size,out', [((321, 321), (41, 41)), ((240, 240), (31, 31)),
                                      ((321, 321), (21, 21)), ((64, 64), (6, 6)),
                                      ((64, 64), (8, 8)), ((13, 7), (5, 3))])
def test_labels_resized_as_pil_nearest(size, out) -> None:
    rng = np.random.default_rng(0)
    labels = rng.choice([0, 3, 20, 255], size=(2, ) + size).astype(np.int64)
    expected = np.stack([np.asarray(Image.fromarray(label.astype(np.float32)).resize(
        out[::-1], resample=Image.NEAREST)) for label in labels]).astype(np.int64)
    resized = resize_labels(torch.from_numpy(labels), out)
    assert resized.dtype == torch.int64
    assert np.array_equal(resized.numpy(), expected)


def test_losses_each_against_labels_at_its_size() -> None:
    torch.manual_seed(0)
    outputs = [torch.randn(2, 4, 6, 6), torch.randn(2, 4, 3, 3), torch.randn(2, 4, 6, 6)]
    labels = torch.randint(0, 4, (2, 12, 12))
    labels[0, :4] = 255
    losses = multi_scale_input_losses(
        outputs, labels, lambda logits, target: F.cross_entropy(logits, target, ignore_index=255))
    expected = [F.cross_entropy(outputs[0], labels[:, 1::2, 1::2], ignore_index=255),
                F.cross_entropy(outputs[1], labels[:, 2::4, 2::4], ignore_index=255),
                F.cross_entropy(outputs[2], labels[:, 1::2, 1::2], ignore_index=255)]
    torch.testing.assert_close(torch.stack(losses), torch.stack(expected))


@pytest.mark.parametrize('scales', [[], [0.0], [1.5], [True]])
def test_bad_scales_refused(scales) -> None:
    with pytest.raises(ValueError, match='multi-scale input scales must be a non-empty list'):
        multi_scale_input_logits(first_two_channels, torch.zeros(1, 3, 4, 4), scales)


def test_scale_leaving_no_pixel_refused() -> None:
    with pytest.raises(ValueError, match='input scale 0.1 of a 4x4 batch leaves no pixel'):
        multi_scale_input_logits(first_two_channels, torch.zeros(1, 3, 4, 4), [0.1])
