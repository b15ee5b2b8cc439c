"""Tests of CAMHead."""
import math

import pytest
import torch
from mmseg.structures import SegDataSample

from mmwsss.models import CAMHead


def _samples(labels) -> list:
    samples = []
    for row in labels:
        sample = SegDataSample()
        sample.gt_img_labels = torch.tensor(row, dtype=torch.float32)
        samples.append(sample)
    return samples


def test_logits_cams_and_hand_computed_loss() -> None:
    head = CAMHead(in_channels=2, num_classes=2, dropout_ratio=0.0)
    head.conv_cam.weight.data = torch.tensor([[1.0, 0.0], [0.5, -1.0]]).view(2, 2, 1, 1)
    # channel 0 has mean 2, channel 1 has mean 1 -> logits (2, 0)
    features = torch.stack([torch.full((3, 4), 2.0), torch.full((3, 4), 1.0)])[None]
    logits = head([features])
    assert torch.allclose(logits, torch.tensor([[2.0, 0.0]]))
    cams = head.cams([features])
    assert cams.shape == (1, 2, 3, 4)
    assert torch.allclose(cams[0, 0], torch.full((3, 4), 2.0))
    assert torch.equal(cams[0, 1], torch.zeros(3, 4))  # relu(1 - 1) = 0

    losses = head.loss([features], _samples([[1, 0]]))
    # mean over classes of softplus(-x) for positives and softplus(x) for negatives
    expected = (math.log(1 + math.exp(-2.0)) + math.log(1 + math.exp(0.0))) / 2
    assert losses['loss_cls'].item() == pytest.approx(expected, rel=1e-6)
    assert losses['acc_cls'].item() == pytest.approx(1.0)  # 2 > 0 (label 1), 0 is not > 0 (label 0)
    assert head.loss([features], _samples([[0, 1]]))['acc_cls'].item() == 0.0


def test_dropout_only_in_training() -> None:
    """Dropout2d(0.5) drops whole channels before the pooling, in training only."""
    head = CAMHead(in_channels=8, num_classes=8)
    head.conv_cam.weight.data = torch.eye(8).view(8, 8, 1, 1)  # logits = pooled channels
    features = torch.rand(2, 8, 5, 5, generator=torch.Generator().manual_seed(0)) + 0.5
    means = features.mean(dim=(2, 3))
    head.eval()
    torch.testing.assert_close(head([features]), means)
    head.train()
    torch.manual_seed(0)
    first, second = head([features]), head([features])
    assert not torch.equal(first, second)
    for logits in (first, second):  # each channel dropped, or kept and scaled by 2
        kept = logits != 0
        assert kept.any() and not kept.all()
        torch.testing.assert_close(logits[kept], 2 * means[kept])


def test_in_index_and_loss_weight() -> None:
    head = CAMHead(in_channels=2, num_classes=2, in_index=1, dropout_ratio=0.0, loss_weight=3.0)
    features = [torch.rand(1, 2, 3, 4), torch.rand(1, 2, 3, 4)]
    torch.testing.assert_close(head.cams(features),
                               torch.relu(torch.nn.functional.conv2d(features[1],
                                                                     head.conv_cam.weight)))
    logits = head(features)
    torch.testing.assert_close(logits, features[1].mean(dim=(2, 3)) @ head.conv_cam.weight[
        :, :, 0, 0].t())
    loss = head.loss(features, _samples([[1, 0]]))['loss_cls']
    expected = torch.nn.functional.multilabel_soft_margin_loss(logits, torch.tensor([[1.0, 0]]))
    torch.testing.assert_close(loss, 3 * expected)


def test_missing_labels_are_reported() -> None:
    head = CAMHead(in_channels=4, num_classes=2)
    with pytest.raises(KeyError, match='gt_img_labels'):
        head.loss([torch.rand(1, 4, 2, 2)], [SegDataSample()])
