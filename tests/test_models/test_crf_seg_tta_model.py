"""CRFSegTTAModel: averaged views refined by a dense CRF, plain or augmented batches."""
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


def test_merge_averages_views_then_refines(tta_model: CRFSegTTAModel, image_path: str) -> None:
    confident = torch.zeros(7, HEIGHT, WIDTH)
    confident[3, :, :WIDTH // 2] = 6.0
    confident[1, :, WIDTH // 2:] = 6.0
    # a second view weakly prefers the opposite classes; the average keeps the first
    weak = torch.zeros(7, HEIGHT, WIDTH)
    weak[1, :, :WIDTH // 2] = 0.5
    weak[3, :, WIDTH // 2:] = 0.5
    # a few noisy pixels the CRF should smooth away
    confident[:, 5, 3] = 0.0
    confident[1, 5, 3] = 1.0
    (result, ) = tta_model.merge_preds([[_view(confident, image_path),
                                         _view(weak, image_path)]])
    expected = torch.full((1, HEIGHT, WIDTH), 1, dtype=torch.long)
    expected[..., :WIDTH // 2] = 3
    assert torch.equal(result.pred_sem_seg.data, expected)
    assert result.img_path == image_path
    assert result.gt_sem_seg.data.shape == (1, HEIGHT, WIDTH)


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
    inputs, sample = _batch(image_path, flip=False)
    with torch.no_grad():
        (plain, ) = tta_model.test_step(dict(inputs=[inputs], data_samples=[sample]))
    flipped_inputs, flipped_sample = _batch(image_path, flip=True)
    with torch.no_grad():
        (augmented, ) = tta_model.test_step(
            dict(inputs=[[inputs], [flipped_inputs]],
                 data_samples=[[sample], [flipped_sample]]))
    for result in (plain, augmented):
        label = result.pred_sem_seg.data
        assert label.shape == (1, HEIGHT, WIDTH)
        assert 0 <= int(label.min()) and int(label.max()) < 7


@pytest.mark.parametrize('crf_cfg, error, message', [
    (dict(num_iter=5), KeyError, r"CRFSegTTAModel crf_cfg: unknown keys \['num_iter'\]"),
    (dict(num_iters=0), ValueError, r'num_iters must be an integer in \[1, inf\), got 0'),
    (dict(gauss_sxy=-3), ValueError, r'gauss_sxy must be a number in \(0, inf\), got -3'),
    (dict(bilateral_compat=float('nan')), ValueError, r'bilateral_compat must be a number'),
])
def test_crf_cfg_out_of_range_is_refused(crf_cfg: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        CRFSegTTAModel(module=Config.fromfile(DEMO_CONFIG).model, crf_cfg=crf_cfg)
