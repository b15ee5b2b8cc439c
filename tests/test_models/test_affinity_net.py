"""Tests of AffinityNet: training loss and random-walk prediction against a reference."""
from concurrent.futures import Future
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmwsss.models import AffinityNet
from mmwsss.models.segmentors.affinity_net import crf_label_of_image
from mmwsss.ops.affinity import pairwise_affinity
from mmwsss.ops.crf import crf_refine_label
from mmwsss.ops.pair_indices import extract_pair_labels
from mmwsss.ops.pair_loss import pair_affinity_loss
from mmwsss.ops.random_walk import random_walk_dense
from mmwsss.utils import NonFiniteError

NUM_CLASSES = 3


@pytest.fixture(autouse=True, scope='module')
def single_thread():
    """Run these tiny convolutions on one thread (OpenMP contention on shared CPUs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _model(**test_cfg) -> AffinityNet:
    torch.manual_seed(0)
    model = AffinityNet(
        backbone=dict(type='WideResNet38', widen_factor=0.0625, init_cfg=None),
        decode_head=dict(type='AffinityHead', in_channels=(32, 64, 256),
                         channels=(8, 16, 32)),
        test_cfg=test_cfg)
    model.init_weights()
    # PSA's initialisation gives affinities near 1e-3 here, which ** beta turns into 0:
    # the walk would leave the scores as they are. Smaller f9 weights give affinities
    # near 0.85, which the walk, its beta and its input padding change.
    with torch.no_grad():
        model.decode_head.conv_f9.weight.mul_(0.01)
    return model


def test_loss_equals_the_ops_and_trains_unfrozen_layers() -> None:
    model = _model()
    model.train()
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(2, 3, 80, 88, generator=generator)
    choices = torch.tensor([0, 1, 2, 255])
    samples = []
    for _ in range(2):
        sample = SegDataSample()
        label = choices[torch.randint(0, 4, (1, 10, 11), generator=generator)]
        sample.gt_affinity_label = PixelData(data=label)
        samples.append(sample)
    losses = model.loss(inputs, samples)
    assert set(losses) == {'loss_aff', 'aff_bg', 'aff_fg', 'aff_neg'}
    with torch.no_grad():
        model.eval()
        features = model.decode_head(model.extract_feat(inputs))
        labels = torch.stack([s.gt_affinity_label.data[0] for s in samples])
        expected = pair_affinity_loss(pairwise_affinity(features),
                                      *extract_pair_labels(labels))
    # dropout is the only difference between the two passes: compare without it
    model.train()
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout2d):
            module.eval()
    losses = model.loss(inputs, samples)
    torch.testing.assert_close(losses['loss_aff'], expected['total'])
    for key in ('bg', 'fg', 'neg'):
        torch.testing.assert_close(losses[f'aff_{key}'], expected[key])
    losses['loss_aff'].backward()
    assert model.decode_head.conv_f9.weight.grad is not None
    assert model.backbone.b3.conv_branch2a.weight.grad is not None
    assert model.backbone.conv1a.weight.grad is None  # frozen_stages=1
    bad = SegDataSample()
    bad.gt_affinity_label = PixelData(data=torch.zeros(1, 5, 5, dtype=torch.long))
    with pytest.raises(ValueError, match='do not match the features'):
        model.loss(inputs[:1], [bad])


def _reference_label(model: AffinityNet, img: torch.Tensor, cams: torch.Tensor) -> tuple:
    """Straightforward random walk: pad, features, dense walk, upsample, argmax."""
    height, width = img.shape[-2:]
    padded = F.pad(img, (0, -width % 8, 0, -height % 8))
    features = model.decode_head(model.extract_feat(padded[None]))
    affinity = pairwise_affinity(features)[0]
    background = (1 - cams.max(dim=0, keepdim=True).values) ** 16
    scores = torch.cat([background, cams])
    scores = F.avg_pool2d(F.pad(scores, (0, -width % 8, 0, -height % 8))[None], 8)[0]
    walked = random_walk_dense(scores, affinity, beta=8, num_iters=256)
    upsampled = F.interpolate(walked[None], size=padded.shape[-2:], mode='bilinear',
                              align_corners=False)[0, :, :height, :width]
    return upsampled, walked


def _sample(img_path: str, height: int, width: int, cams: torch.Tensor) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_shape=(height, width), img_path=img_path,
                                         img_id='x'))
    sample.gt_cams = PixelData(data=cams)
    return sample


def test_predict_equals_dense_reference(tmp_path: Path) -> None:
    model = _model(crf=True, crf_workers=0)
    model.eval()
    height, width = 45, 75
    generator = torch.Generator().manual_seed(2)
    image = (torch.rand(height, width, 3, generator=generator) * 255).to(torch.uint8)
    mmcv.imwrite(image.numpy()[..., ::-1], str(tmp_path / 'x.png'))
    img = torch.randn(3, height, width, generator=generator)
    cams = torch.zeros(NUM_CLASSES, height, width)
    cams[0, 5:30, 10:40] = torch.rand(25, 30, generator=generator)
    cams[2, 20:, 50:] = torch.rand(25, 25, generator=generator)
    # the preprocessor may have padded the batch: predict must crop to img_shape
    batch = torch.randn(1, 3, 56, 80, generator=generator)
    batch[0, :, :height, :width] = img
    with torch.no_grad():
        sample = model.predict(batch, [_sample(str(tmp_path / 'x.png'), height, width,
                                               cams)])[0]
        expected, walked = _reference_label(model, img, cams)
    torch.testing.assert_close(sample.pred_rw_scores.data, walked, rtol=0, atol=1e-4)
    label = sample.pred_sem_seg.data[0]
    assert label.shape == (height, width) and label.dtype == torch.int64
    top2 = expected.topk(2, dim=0).values
    clear = (top2[0] - top2[1]) > 1e-3
    assert clear.float().mean() > 0.9
    assert torch.equal(label[clear], expected.argmax(0)[clear])
    assert set(label.unique().tolist()) <= {0, 1, 3}
    assert sample.pred_affinity.data.shape == (1, 6, 10)
    crf = crf_refine_label(image.numpy(), expected.numpy())
    agree = (sample.pred_crf_sem_seg.data[0].numpy() == crf).mean()
    assert agree > 0.99
    # a CRF process pool gives a future of the same labels
    pooled_model = _model(crf=True, crf_workers=1)
    pooled_model.eval()
    with torch.no_grad():
        pooled = pooled_model.predict(batch, [_sample(str(tmp_path / 'x.png'), height, width,
                                                      cams)])[0]
    assert isinstance(pooled.pred_crf_sem_seg, Future)
    np.testing.assert_array_equal(pooled.pred_crf_sem_seg.result(timeout=300),
                                  sample.pred_crf_sem_seg.data[0].numpy())
    assert torch.equal(pooled.pred_sem_seg.data, sample.pred_sem_seg.data)


def test_predict_with_constant_background_equals_reference() -> None:
    model = _model(bg_score=0.55, beta=16, num_iters=16)
    model.eval()
    height, width = 45, 75
    generator = torch.Generator().manual_seed(3)
    img = torch.randn(3, height, width, generator=generator)
    cams = torch.zeros(NUM_CLASSES, height, width)
    cams[0, 5:30, 10:40] = torch.rand(25, 30, generator=generator)
    cams[2, 20:, 50:] = torch.rand(25, 25, generator=generator) * 0.3
    with torch.no_grad():
        sample = model.predict(img[None], [_sample('x.png', height, width, cams)])[0]
        padded = F.pad(img, (0, -width % 8, 0, -height % 8))
        affinity = pairwise_affinity(model.decode_head(model.extract_feat(padded[None])))[0]
    # reference: walk the classes only (dense), upsample, divide each class by its
    # maximum, constant background 0.55, argmax
    scores = F.avg_pool2d(F.pad(cams, (0, -width % 8, 0, -height % 8))[None], 8)[0]
    walked = random_walk_dense(scores, affinity, beta=16, num_iters=16)
    upsampled = F.interpolate(walked[None], size=padded.shape[-2:], mode='bilinear',
                              align_corners=False)[0, :, :height, :width]
    upsampled = upsampled / upsampled.amax(dim=(1, 2), keepdim=True).clamp_min(1e-12)
    upsampled[1] = 0  # absent class
    expected = torch.cat([torch.full((1, height, width), 0.55), upsampled])
    torch.testing.assert_close(sample.pred_rw_scores.data[1:], walked, rtol=0, atol=1e-4)
    assert torch.equal(sample.pred_rw_scores.data[0], torch.zeros(6, 10))
    top2 = expected.topk(2, dim=0).values
    clear = (top2[0] - top2[1]) > 1e-3
    assert clear.float().mean() > 0.9
    label = sample.pred_sem_seg.data[0]
    assert torch.equal(label[clear], expected.argmax(0)[clear])
    # the weak class 3 (CAM at most 0.3) keeps pixels once re-normalised
    assert (label == 3).sum() > 0 and set(label.unique().tolist()) == {0, 1, 3}


def test_predict_errors() -> None:
    model = _model()
    model.eval()
    sample = SegDataSample(metainfo=dict(img_shape=(40, 72), img_path='x'))
    with pytest.raises(KeyError, match='LoadCAMs'):
        model.predict(torch.zeros(1, 3, 40, 72), [sample])
    sample.gt_cams = PixelData(data=torch.zeros(NUM_CLASSES, 40, 70))
    with pytest.raises(ValueError, match='CAMs of size'):
        model.predict(torch.zeros(1, 3, 40, 72), [sample])
    with pytest.raises(KeyError, match=r"AffinityNet test_cfg: unknown keys \['alpha'\]"):
        _model(alpha=3)
    with torch.no_grad(), pytest.raises(ValueError, match='stride 4 is not the backbone'):
        _model(stride=4).eval().image_affinity(torch.zeros(3, 40, 72))


def test_crf_label_of_image_needs_scores_at_the_image_size(tmp_path: Path) -> None:
    image = np.zeros((10, 12, 3), np.uint8)
    image[:, 6:] = (0, 0, 255)  # red (BGR) right half
    mmcv.imwrite(image, str(tmp_path / 'x.png'))
    scores = np.zeros((2, 10, 12), np.float32)
    scores[0, :, :6] = scores[1, :, 6:] = 1.0
    label = crf_label_of_image(str(tmp_path / 'x.png'), scores)
    assert label.tolist() == [[0] * 6 + [1] * 6] * 10
    with pytest.raises(ValueError, match=r'x.png is \(10, 12\), the random-walk scores'):
        crf_label_of_image(str(tmp_path / 'x.png'), scores[:, :, :11])


def test_predict_refuses_non_finite_random_walk_inputs() -> None:
    model = _model()
    model.eval()
    cams = torch.zeros(NUM_CLASSES, 40, 72)
    cams[0, :20, :20] = float('nan')
    sample = SegDataSample(metainfo=dict(img_shape=(40, 72), img_path='x', img_id='img_5'))
    sample.gt_cams = PixelData(data=cams)
    with torch.no_grad(), pytest.raises(
            NonFiniteError, match=r"CAMs of image 'img_5' \(random-walk input\): 400 NaN"):
        model.predict(torch.zeros(1, 3, 40, 72), [sample])
    sample.gt_cams = PixelData(data=torch.zeros(NUM_CLASSES, 40, 72))
    with torch.no_grad(), pytest.raises(
            NonFiniteError, match=r"affinities predicted for image 'img_5'"):
        model.predict(torch.full((1, 3, 40, 72), float('inf')), [sample])


def test_tensor_mode_returns_features() -> None:
    model = _model()
    model.eval()
    with torch.no_grad():
        features = model(torch.zeros(1, 3, 32, 40), mode='tensor')
    assert features.shape == (1, 56, 4, 5)


@pytest.mark.parametrize('key, value, accepted', [
    ('beta', 0, r'a number in \(0, inf\)'), ('beta', -1, r'a number in \(0, inf\)'),
    ('bg_score', 1.5, r'a number in \(0, 1\) or None'),
    ('bg_score', -0.2, r'a number in \(0, 1\) or None'),
    ('bg_alpha', 0, r'a number in \(0, inf\)'), ('bg_alpha', -1, r'a number in \(0, inf\)'),
    ('stride', 0, r'an integer in \[1, inf\)'), ('num_iters', -1, r'an integer in \[0, inf\)'),
    ('num_iters', 2.5, r'an integer in \[0, inf\)'),
    ('num_iters', 16.0, r'an integer in \[0, inf\), got 16\.0'),
    ('beta', float('nan'), r'a number in \(0, inf\), got nan'),
    ('crf', 'yes', 'True or False'), ('crf_workers', -2, r'an integer in \[0, inf\)'),
    ('core_score', 0, r'a number in \(0, 1\] or None'),
    ('core_score', 1.5, r'a number in \(0, 1\] or None'),
])
def test_test_cfg_out_of_range_is_refused(key: str, value, accepted: str) -> None:
    with pytest.raises(ValueError, match=f'AffinityNet test_cfg: {key} must be {accepted}'):
        _model(**{key: value})


def test_test_cfg_in_range_is_kept() -> None:
    cfg = _model(bg_score=0.6, beta=16, num_iters=0, crf_workers=None, core_score=1).test_cfg
    assert (cfg['bg_score'], cfg['beta'], cfg['num_iters'], cfg['stride'],
            cfg['core_score']) == (0.6, 16, 0, 8, 1)
