"""Tests of CAMClassifier: training losses and multi-scale CAM inference."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmwsss.ops.cam import rescale_image

PREPROCESSOR = dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True, size_divisor=8,
                    test_cfg=dict(size_divisor=8))  # predict must crop the padding


def _model(backbone: dict, in_channels: int, scales=(1.0, 0.5, 1.5)) -> torch.nn.Module:
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='CAMClassifier', data_preprocessor=PREPROCESSOR, backbone=backbone,
        decode_head=dict(type='CAMHead', in_channels=in_channels, num_classes=4),
        test_cfg=dict(scales=scales, flip=True, bg_score=0.3)))
    model.init_weights()
    return model.eval()


def _batch(height: int, width: int, labels) -> dict:
    sample = SegDataSample(metainfo=dict(img_shape=(height, width), ori_shape=(height, width)))
    sample.gt_img_labels = torch.tensor(labels, dtype=torch.float32)
    image = torch.randint(0, 256, (3, height, width), dtype=torch.uint8)
    return dict(inputs=[image], data_samples=[sample])


def _reference_cams(model, img: torch.Tensor, labels: torch.Tensor, scales) -> torch.Tensor:
    """Straightforward re-statement of the CAM inference recipe, one pass at a time."""
    height, width = img.shape[-2:]
    total = torch.zeros(len(labels), height, width)
    for scale in scales:
        scaled = rescale_image(img[None], scale)
        for flip in (False, True):
            x = scaled.flip(-1) if flip else scaled
            feats = model.backbone(x)[-1]
            cam = F.relu(F.conv2d(feats, model.decode_head.conv_cam.weight))
            cam = F.interpolate(cam, (height, width), mode='bilinear', align_corners=False)[0]
            cam = cam * labels[:, None, None]
            total += cam.flip(-1) if flip else cam
    return total / (total.amax(dim=(1, 2), keepdim=True) + 1e-5)


def test_predict_equals_reference_multiscale_cams() -> None:
    model = _model(dict(type='WideResNet38', widen_factor=0.0625, out_indices=(2, )), 256)
    data = model.data_preprocessor(_batch(21, 30, [1, 0, 1, 0]), False)
    assert data['inputs'].shape[-2:] == (24, 32)
    with torch.no_grad():
        sample = model.predict(data['inputs'], data['data_samples'])[0]
        expected = _reference_cams(model, data['inputs'][0, :, :21, :30],
                                   torch.tensor([1.0, 0, 1, 0]), (1.0, 0.5, 1.5))
    cams = sample.pred_cams.data
    assert cams.shape == (4, 21, 30)
    torch.testing.assert_close(cams, expected, rtol=1e-5, atol=1e-6)
    assert torch.equal(cams[1], torch.zeros(21, 30)) and torch.equal(cams[3], torch.zeros(21, 30))
    assert cams[0].max().item() > 0.999
    label = sample.pred_sem_seg.data[0]
    reference = torch.cat([torch.full((1, 21, 30), 0.3), cams]).argmax(0)
    assert torch.equal(label, reference)
    assert set(label.unique().tolist()) <= {0, 1, 3}


def test_loss_and_tensor_modes_with_mmseg_resnet() -> None:
    backbone = dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
                    num_stages=4, out_indices=(3, ), dilations=(1, 1, 2, 4),
                    strides=(1, 2, 1, 1), norm_cfg=dict(type='BN', requires_grad=True),
                    contract_dilation=True)
    model = _model(backbone, 64, scales=(1.0, ))
    model.train()
    data = model.data_preprocessor(_batch(32, 40, [0, 1, 1, 0]), True)
    model.decode_head.dropout.eval()  # the same logits in both modes
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert set(losses) == {'loss_cls', 'acc_cls'} and losses['loss_cls'].requires_grad
    logits = model(data['inputs'], mode='tensor')
    assert logits.shape == (1, 4)
    labels = torch.tensor([[0.0, 1, 1, 0]])
    torch.testing.assert_close(losses['loss_cls'],
                               F.multilabel_soft_margin_loss(logits, labels))
    assert losses['acc_cls'].item() == ((logits > 0).float() == labels).float().mean().item()
    model.eval()
    with torch.no_grad():
        raw = model.encode_decode(data['inputs'], [])
    assert raw.shape == (1, 4, 4, 5)  # output stride 8


def test_test_cfg_out_of_range_is_refused() -> None:
    backbone = dict(type='WideResNet38', widen_factor=0.0625, out_indices=(2, ), init_cfg=None)
    for test_cfg, message in ((dict(bg_score=1.5), r'bg_score must be a number in \(0, 1\)'),
                              (dict(bg_score=0), r'bg_score must be a number in \(0, 1\)'),
                              (dict(scales=[1.0, 0]), 'scales must be a non-empty list'),
                              (dict(scales=[]), 'scales must be a non-empty list'),
                              (dict(flip=None), 'flip must be True or False'),
                              (dict(bg_scor=0.2), r"unknown keys \['bg_scor'\]")):
        with pytest.raises((ValueError, KeyError), match=f'CAMClassifier test_cfg: {message}'):
            MODELS.build(dict(type='CAMClassifier', backbone=backbone,
                              decode_head=dict(type='CAMHead', in_channels=256,
                                               num_classes=4), test_cfg=test_cfg))
