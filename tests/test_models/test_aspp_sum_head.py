"""DeepLab-v2's ASPP-sum head against a reference written with F.conv2d."""
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

import mmwsss  # noqa: F401  (registers the head)


def test_output_equals_reference_aspp_sum() -> None:
    torch.manual_seed(0)
    head = MODELS.build(dict(type='ASPPSumHead', in_channels=6, num_classes=3,
                             dilations=(1, 2, 3, 4)))
    head.init_weights()
    assert [(c.dilation, c.padding, c.kernel_size) for c in head.aspp] == [
        ((r, r), (r, r), (3, 3)) for r in (1, 2, 3, 4)]
    for conv in head.aspp:  # DeepLab-v2's initialisation: N(0, 0.01), zero biases
        assert conv.bias.abs().max() == 0 and 0.005 < conv.weight.std() < 0.015
        torch.nn.init.normal_(conv.bias)  # non-zero biases for the comparison
    assert not hasattr(head, 'conv_seg') and head.dropout is None
    features = torch.randn(2, 6, 9, 11)
    expected = sum(F.conv2d(features, conv.weight, conv.bias, padding=rate, dilation=rate)
                   for conv, rate in zip(head.aspp, (1, 2, 3, 4)))
    out = head([torch.zeros(1), features])  # the last feature level
    assert out.shape == (2, 3, 9, 11)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)
    # one output position by hand: the sum over branches of taps at the rate
    y, x = 4, 5
    by_hand = sum(
        conv.bias + sum(conv.weight[:, :, i, j] @ features[0, :, y + (i - 1) * r, x + (j - 1) * r]
                        for i in range(3) for j in range(3))
        for conv, r in zip(head.aspp, (1, 2, 3, 4)))
    torch.testing.assert_close(out[0, :, y, x], by_hand, rtol=0, atol=1e-5)
    assert MODELS.build(dict(type='ASPPSumHead', in_channels=6, num_classes=21)).aspp[3] \
        .dilation == (24, 24)
