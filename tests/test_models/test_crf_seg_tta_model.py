"""CRFSegTTAModel: averaged views refined by a dense CRF, plain or augmented batches."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from PIL import Image

from mmwsss.models.segmentors import CRFSegTTAModel
from mmwsss.ops.crf import dense_crf
from mmwsss.utils.readers import read_image
from tests.conftest import REPO_ROOT

DEMO_CONFIG = (REPO_ROOT / 'configs/seg'
               / 'deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py')
HEIGHT, WIDTH = 24, 32


@pytest.fixture(scope='module')
def tta_model() -> CRFSegTTAModel:
    torch.manual_seed(0)
    model = MODELS.build(dict(type='CRFSegTTAModel', module=Config.fromfile(DEMO_CONFIG).model,
                              crf_cfg=dict(num_iters=5)))
    return model.eval()


@pytest.fixture
def image_path(tmp_path: Path) -> str:
    """A 24 x 32 image: red left half, blue right half."""
    image = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    image[:, :WIDTH // 2] = (200, 30, 30)
    image[:, WIDTH // 2:] = (30, 30, 200)
    path = tmp_path / 'img.jpg'
    Image.fromarray(image).save(path, quality=100)
    return str(path)


def _view(logits: torch.Tensor, image_path: str) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_path=image_path, ori_shape=(HEIGHT, WIDTH)))
    sample.seg_logits = PixelData(data=logits)
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, HEIGHT, WIDTH, dtype=torch.long))
    return sample


def _log_probs(left, right) -> torch.Tensor:
    """Logits (7, H, W) whose softmax is ``left`` (3 values: classes 1, 2, 3) on the
    left half and ``right`` on the right half (about 1e-6 for a 0 and elsewhere), and
    a noisy pixel at (5, 3) that weakly prefers class 3."""
    probs = torch.full((7, HEIGHT, WIDTH), 1e-6)
    probs[1:4, :, :WIDTH // 2] = torch.tensor(left).view(3, 1, 1)
    probs[1:4, :, WIDTH // 2:] = torch.tensor(right).view(3, 1, 1)
    logits = probs.clamp_min(1e-6).log()
    logits[:, 5, 3] = torch.tensor([0, 0, 0, 1.0, 0, 0, 0])
    return logits


def test_merge_averages_views_then_refines(tta_model: CRFSegTTAModel, image_path: str) -> None:
    """The probabilities (not the logits) of the views are averaged.

    Left half: views (0.55, 0.45, 0) and (0, 0.45, 0.55) average to class 2,
    neither view alone. Right half: (0.7, 0.3, 0) and (0.1, 0.3, 0.6) average to
    class 1 (0.4), their mean logits to class 2. The CRF smooths the noisy pixel
    away."""
    first = _log_probs((0.55, 0.45, 0.0), (0.7, 0.3, 0.0))
    second = _log_probs((0.0, 0.45, 0.55), (0.1, 0.3, 0.6))
    (result, ) = tta_model.merge_preds([[_view(first, image_path),
                                         _view(second, image_path)]])
    expected = torch.full((1, HEIGHT, WIDTH), 1, dtype=torch.long)
    expected[..., :WIDTH // 2] = 2
    assert torch.equal(result.pred_sem_seg.data, expected)
    assert result.img_path == image_path
    assert torch.equal(result.gt_sem_seg.data, torch.zeros(1, HEIGHT, WIDTH, dtype=torch.long))


def test_crf_cfg_takes_effect(image_path: str) -> None:
    """No pairwise terms (both compat 0): the CRF leaves the averaged probabilities'
    argmax (the noisy pixel)."""
    model = MODELS.build(dict(type='CRFSegTTAModel', module=Config.fromfile(DEMO_CONFIG).model,
                              crf_cfg=dict(gauss_compat=0, bilateral_compat=0)))
    logits = _log_probs((0.1, 0.8, 0.1), (0.8, 0.1, 0.1))
    (result, ) = model.merge_preds([[_view(logits, image_path)]])
    assert result.pred_sem_seg.data[0, 5, 3] == 3
    assert torch.equal(result.pred_sem_seg.data, logits.argmax(0)[None])


def test_one_channel_head_gives_background_and_foreground(image_path: str) -> None:
    module = Config.fromfile(DEMO_CONFIG).model
    module.decode_head.update(num_classes=2, out_channels=1)
    module.auxiliary_head.update(num_classes=2, out_channels=1)
    model = MODELS.build(dict(type='CRFSegTTAModel', module=module,
                              crf_cfg=dict(gauss_compat=0, bilateral_compat=0)))
    logits = torch.full((1, HEIGHT, WIDTH), -2.0)
    logits[:, :, WIDTH // 2:] = 2.0
    logits[:, 5, 3] = 0.5  # sigmoid 0.62: foreground
    (result, ) = model.merge_preds([[_view(logits, image_path)]])
    expected = torch.zeros(1, HEIGHT, WIDTH, dtype=torch.long)
    expected[..., WIDTH // 2:] = 1
    expected[0, 5, 3] = 1
    assert torch.equal(result.pred_sem_seg.data, expected)


def test_missing_img_path_is_reported(tta_model: CRFSegTTAModel) -> None:
    sample = SegDataSample(metainfo=dict(ori_shape=(HEIGHT, WIDTH)))
    sample.seg_logits = PixelData(data=torch.zeros(7, HEIGHT, WIDTH))
    with pytest.raises(KeyError, match='keep img_path in the pack meta_keys'):
        tta_model.merge_preds([[sample]])


def test_predictions_must_be_at_image_size(tta_model: CRFSegTTAModel,
                                           image_path: str) -> None:
    with pytest.raises(ValueError, match='original size'):
        tta_model.merge_preds([[_view(torch.zeros(7, HEIGHT, WIDTH + 1), image_path)]])


def _batch(image_path: str, flip: bool) -> tuple:
    image = torch.from_numpy(np.array(Image.open(image_path))[..., ::-1].copy()).permute(2, 0, 1)
    meta = dict(img_path=image_path, ori_shape=(HEIGHT, WIDTH), img_shape=(HEIGHT, WIDTH),
                flip=flip, flip_direction='horizontal' if flip else None)
    return (image.flip(-1) if flip else image), SegDataSample(metainfo=meta)


def test_plain_and_augmented_batches(tta_model: CRFSegTTAModel, image_path: str) -> None:
    """A plain batch is one view; a flipped view is flipped back before the average.

    Reference: the module's logits on the image and on its flip (flipped back),
    softmax, mean, dense CRF (num_iters 5) on the RGB image, argmax. (The untrained
    classifier, without its bias and with 10,000 times its weights, gives confident
    labels that vary over the image.)"""
    inputs, sample = _batch(image_path, flip=False)
    flipped_inputs, flipped_sample = _batch(image_path, flip=True)
    module = tta_model.module
    classifier = module.decode_head.conv_seg
    saved = copy.deepcopy(classifier.state_dict())
    try:
        with torch.no_grad():
            classifier.bias.zero_()
            classifier.weight.mul_(10000)
            (plain, ) = tta_model.test_step(dict(inputs=[inputs], data_samples=[sample]))
            (augmented, ) = tta_model.test_step(
                dict(inputs=[[inputs], [flipped_inputs]],
                     data_samples=[[sample], [flipped_sample]]))
            probs = []
            for image in (inputs, flipped_inputs):
                batch = module.data_preprocessor(dict(inputs=[image]), False)['inputs']
                meta = dict(img_shape=(HEIGHT, WIDTH), pad_shape=(HEIGHT, WIDTH))
                probs.append(module.encode_decode(batch, [meta])[0].softmax(dim=0))
    finally:
        classifier.load_state_dict(saved)
    views = torch.stack([probs[0], probs[1].flip(-1)])
    image = read_image(image_path, channel_order='rgb')
    expected = [dense_crf(image, merged.numpy(), num_iters=5).argmax(axis=0)
                for merged in (views[0], views.mean(0))]
    assert (expected[0] != expected[1]).any()  # the flipped view changes the labels
    np.testing.assert_array_equal(plain.pred_sem_seg.data[0].numpy(), expected[0])
    np.testing.assert_array_equal(augmented.pred_sem_seg.data[0].numpy(), expected[1])


@pytest.mark.parametrize('crf_cfg, error, message', [
    (dict(num_iter=5), KeyError, r"CRFSegTTAModel crf_cfg: unknown keys \['num_iter'\]"),
    (dict(num_iters=0), ValueError, r'num_iters must be an integer in \[1, inf\), got 0'),
    (dict(gauss_sxy=-3), ValueError, r'gauss_sxy must be a number in \(0, inf\), got -3'),
    (dict(bilateral_compat=float('nan')), ValueError, r'bilateral_compat must be a number'),
])
def test_crf_cfg_out_of_range_is_refused(crf_cfg: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        CRFSegTTAModel(module=Config.fromfile(DEMO_CONFIG).model, crf_cfg=crf_cfg)
