"""Tests of EPSHead."""
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.structures import PixelData
from mmseg.registry import DATASETS, MODELS
from mmseg.structures import SegDataSample

from mmwsss.models import EPSHead
from mmwsss.models.heads.eps_head import stack_saliency
from mmwsss.ops.saliency_loss import eps_saliency_loss
from tests.conftest import REPO_ROOT


def _samples(labels, saliency=None, batch_input_shape=None) -> list:
    samples = []
    for i, row in enumerate(labels):
        sample = SegDataSample()
        if batch_input_shape is not None:
            sample.set_metainfo(dict(batch_input_shape=batch_input_shape))
        sample.gt_img_labels = torch.tensor(row, dtype=torch.float32)
        if saliency is not None:
            sample.gt_saliency = PixelData(data=saliency[i])
        samples.append(sample)
    return samples


def _head(num_classes: int = 3, in_channels: int = 8, **kwargs) -> EPSHead:
    torch.manual_seed(0)
    head = EPSHead(in_channels=in_channels, num_classes=num_classes, **kwargs)
    head.init_weights()
    return head


def test_shapes_and_background_channel() -> None:
    head = _head()
    assert head.conv_cam.weight.shape == (4, 8, 1, 1) and head.conv_cam.bias is None
    assert head.num_classes == 3
    features = torch.randn(2, 8, 5, 6)
    logits = head([features])
    assert logits.shape == (2, 3)
    # the first C channels of the pooled CAM logits (no dropout by default)
    full = F.conv2d(features, head.conv_cam.weight).mean(dim=(2, 3))
    assert torch.allclose(logits, full[:, :3], atol=1e-6)
    assert head.cam_logits([features]).shape == (2, 4, 5, 6)


def test_cams_are_softmax_foreground_channels() -> None:
    head = _head().eval()
    features = torch.randn(2, 8, 5, 6)
    cams = head.cams([features])
    logits = F.conv2d(features, head.conv_cam.weight)
    assert cams.shape == (2, 3, 5, 6)
    assert torch.allclose(cams, logits.softmax(dim=1)[:, :3], atol=1e-7)
    # background = 1 - sum of the foreground probabilities, never negative CAMs
    assert (cams >= 0).all() and (cams.sum(dim=1) < 1).all()


def test_loss_keys_and_equality_with_the_ops() -> None:
    head = _head(tau=0.3, lam=0.7)
    features = torch.randn(2, 8, 4, 4, requires_grad=True)
    saliency = torch.rand(2, 1, 32, 32)
    labels = [[1, 0, 1], [0, 1, 0]]
    losses = head.loss([features], _samples(labels, saliency))
    assert set(losses) == {'loss_cls', 'loss_sal', 'acc_cls'}
    logits_cam = F.conv2d(features, head.conv_cam.weight)
    label_tensor = torch.tensor(labels, dtype=torch.float32)
    expected_sal = eps_saliency_loss(logits_cam, saliency, label_tensor, tau=0.3, lam=0.7)
    expected_cls = F.multilabel_soft_margin_loss(
        logits_cam.mean(dim=(2, 3))[:, :3], label_tensor)
    assert losses['loss_sal'].item() == pytest.approx(expected_sal.item(), rel=1e-6)
    assert losses['loss_cls'].item() == pytest.approx(expected_cls.item(), rel=1e-6)
    assert not losses['acc_cls'].requires_grad
    (losses['loss_cls'] + losses['loss_sal']).backward()
    assert head.conv_cam.weight.grad is not None and features.grad is not None


def test_dropout_applies_to_the_saliency_loss_in_training() -> None:
    head = _head(dropout_ratio=0.5).train()
    features = torch.rand(1, 8, 4, 4) + 0.5
    saliency = torch.rand(1, 1, 16, 16)
    losses = head.loss([features], _samples([[1, 0, 1]], saliency))
    without = eps_saliency_loss(F.conv2d(features, head.conv_cam.weight), saliency,
                                torch.tensor([[1.0, 0.0, 1.0]]))
    assert abs(losses['loss_sal'].item() - without.item()) > 1e-6


def test_saliency_is_padded_like_the_batch() -> None:
    head = _head()
    features = torch.randn(1, 8, 3, 3)
    saliency = torch.ones(1, 1, 20, 24)
    losses = head.loss([features], _samples([[1, 0, 0]], saliency, batch_input_shape=(24, 24)))
    padded = F.pad(saliency, (0, 0, 0, 4))
    expected = eps_saliency_loss(F.conv2d(features, head.conv_cam.weight), padded,
                                 torch.tensor([[1.0, 0.0, 0.0]]))
    assert losses['loss_sal'].item() == pytest.approx(expected.item(), rel=1e-6)


def test_missing_saliency_is_reported() -> None:
    head = _head()
    with pytest.raises(KeyError, match='add LoadSaliencyMap to the pipeline'):
        head.loss([torch.rand(1, 8, 2, 2)], _samples([[1, 0, 0]]))


def _saliency_sample(height: int, width: int, **metainfo) -> SegDataSample:
    sample = SegDataSample(metainfo=metainfo)
    sample.gt_saliency = PixelData(data=torch.rand(1, height, width))
    return sample


def test_stack_saliency_pads_to_the_batch_or_names_the_mismatch() -> None:
    samples = [_saliency_sample(4, 6, batch_input_shape=(8, 7)),
               _saliency_sample(8, 7, batch_input_shape=(8, 7))]
    stacked = stack_saliency(samples)
    assert stacked.shape == (2, 1, 8, 7)
    assert torch.equal(stacked[0, :, :4, :6], samples[0].gt_saliency.data)
    assert stacked[0, :, 4:].abs().sum() == 0 and stacked[0, :, :, 6:].abs().sum() == 0
    assert torch.equal(stacked[1], samples[1].gt_saliency.data)
    with pytest.raises(ValueError, match='larger than the batch input'):
        stack_saliency([_saliency_sample(9, 7, batch_input_shape=(8, 7))])
    with pytest.raises(ValueError, match='differ in size'):
        stack_saliency([_saliency_sample(4, 6), _saliency_sample(8, 7)])


def test_classifier_predicts_normalised_cams() -> None:
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='CAMClassifier',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], size_divisor=8),
        backbone=dict(type='WideResNet38', widen_factor=0.0625, out_indices=(2, )),
        decode_head=dict(type='EPSHead', in_channels=256, num_classes=3),
        test_cfg=dict(scales=(1.0, 0.5), flip=True, bg_score=0.2)))
    model.init_weights()
    model.eval()
    sample = SegDataSample(metainfo=dict(img_shape=(20, 28), ori_shape=(20, 28)))
    sample.gt_img_labels = torch.tensor([1.0, 0.0, 1.0])
    batch = dict(inputs=[torch.randint(0, 256, (3, 20, 28), dtype=torch.uint8)],
                 data_samples=[sample])
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():
        out = model.predict(data['inputs'], data['data_samples'])[0]
    cams = out.pred_cams.data
    assert cams.shape == (3, 20, 28)
    assert torch.equal(cams[1], torch.zeros(20, 28))
    assert cams[[0, 2]].amax(dim=(1, 2)).tolist() == pytest.approx([1.0, 1.0], abs=1e-4)
    assert set(out.pred_sem_seg.data.unique().tolist()) <= {0, 1, 3}


def test_demo_config_trains_on_its_pipeline(demo_root: Path) -> None:
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs/eps/eps_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'))
    cfg.train_dataloader.dataset.data_root = str(demo_root)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    batch = model.data_preprocessor(pseudo_collate([dataset[i] for i in range(2)]), True)
    losses = model(**batch, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_sal', 'acc_cls'}
    assert batch['data_samples'][0].gt_saliency.data.shape == (1, 112, 112)
    assert all(torch.isfinite(value) for value in losses.values())


def test_tau_and_lam_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match=r'EPSHead: tau must be a number in \(0, 1\), got 1.5'):
        _head(tau=1.5)
    with pytest.raises(ValueError, match=r'EPSHead: lam must be a number in \[0, 1\], got -0.1'):
        _head(lam=-0.1)
