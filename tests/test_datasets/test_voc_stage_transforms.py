"""The VOC stages' training transforms follow the official ones (PSA, EPS).

Official recipes:

- CAM (PSA) and EPS: resize the long side to a random length in [256, 512]
  (PIL's bicubic, the image and EPS's saliency map), horizontal flip, ColorJitter(0.3, 0.3, 0.3, 0.1), normalise, then
  a random 448 crop padded with 0, i.e. after normalisation (EPS: the saliency
  map follows the geometry and is padded with 0);
- AffinityNet (PSA): no resize, ColorJitter(0.3, 0.3, 0.3, 0.1), a random 448
  crop of the image and the affinity scores padded with 0 *before*
  normalisation (black pixels, normalised to -mean / std), horizontal flip,
  scores pooled to 56 x 56.
"""
from typing import Dict, List

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image
from mmseg.registry import MODELS, TRANSFORMS

from tests.conftest import REPO_ROOT

CONFIGS = {
    'cam': 'configs/cam/cam_wideresnet38_4xb4-15e_voc12aug-448x448.py',
    'eps': 'configs/eps/eps_wideresnet38_1xb8-20k_voc12aug-448x448.py',
    'affinity': 'configs/psa/affinitynet_wideresnet38_1xb8-8e_voc12aug-448x448.py',
}
ORDER = {
    'cam': ['LoadWSSSImage', 'RandomResize', 'RandomFlip', 'RandomColorJitter',
            'RandomCropPad', 'PackWSSSInputs'],
    'eps': ['LoadWSSSImage', 'LoadSaliencyMap', 'RandomResize', 'SegFieldsRandomFlip',
            'RandomColorJitter', 'RandomCropPad', 'PackWSSSInputs'],
    'affinity': ['LoadWSSSImage', 'LoadAffinityScores', 'RandomColorJitter',
                 'RandomCropPad', 'SegFieldsRandomFlip', 'AffinityLabelFromScores',
                 'PackWSSSInputs'],
}
MEAN_RGB = np.array([123.675, 116.28, 103.53])
STD_RGB = np.array([58.395, 57.12, 57.375])
# value of a padded pixel after normalisation, per stage
NORMALISED_PAD = {'cam': np.zeros(3), 'eps': np.zeros(3), 'affinity': -MEAN_RGB / STD_RGB}


def _pipeline(stage: str) -> Dict[str, dict]:
    cfg = Config.fromfile(str(REPO_ROOT / CONFIGS[stage]))
    pipeline: List[dict] = cfg.train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline] == ORDER[stage]
    return {t['type']: dict(t) for t in pipeline}


@pytest.mark.parametrize('stage', sorted(CONFIGS))
def test_flip_jitter_and_crop_parameters(stage: str) -> None:
    transforms = _pipeline(stage)
    flip = transforms.get('RandomFlip') or transforms['SegFieldsRandomFlip']
    assert flip['prob'] == 0.5 and flip.get('direction', 'horizontal') == 'horizontal'
    jitter = transforms['RandomColorJitter']
    assert [jitter[k] for k in ('brightness', 'contrast', 'saturation', 'hue')] == \
        [0.3, 0.3, 0.3, 0.1]
    assert tuple(transforms['RandomCropPad']['crop_size']) == (448, 448)
    if stage == 'affinity':
        assert 'RandomResize' not in transforms
        assert transforms['AffinityLabelFromScores']['stride'] == 8  # 448 / 8 = 56


@pytest.mark.parametrize('stage', ['cam', 'eps'])
def test_long_side_is_resized_bicubic_within_256_512(stage: str) -> None:
    spec = _pipeline(stage)['RandomResize']
    assert spec['interpolation'] == 'bicubic' and spec['keep_ratio']
    resize = TRANSFORMS.build(spec)
    np.random.seed(0)
    sides = []
    for _ in range(300):
        out = resize(dict(img=np.zeros((375, 500, 3), np.uint8), img_shape=(375, 500),
                          seg_fields=[]))
        height, width = out['img'].shape[:2]
        assert abs(height - 375 * width / 500) <= 1  # aspect ratio kept
        sides.append(width)
    assert 256 <= min(sides) < 262 and 506 < max(sides) <= 512
    # uniform: about half of the draws fall in each half of the range
    assert 0.4 < np.mean(np.array(sides) < 384) < 0.6


@pytest.mark.parametrize('stage', sorted(CONFIGS))
def test_pad_value_after_normalisation(stage: str) -> None:
    cfg = Config.fromfile(str(REPO_ROOT / CONFIGS[stage]))
    crop = TRANSFORMS.build(dict(_pipeline(stage)['RandomCropPad'], seed=0))
    image = np.random.default_rng(0).integers(0, 256, (300, 200, 3), dtype=np.uint8)
    results = dict(img=image, img_shape=(300, 200), seg_fields=[])
    if stage == 'eps':
        results['gt_saliency'] = np.full((300, 200), 255, np.uint8)
        results['seg_fields'] = ['gt_saliency']
    if stage == 'affinity':
        for key in ('affinity_scores_low', 'affinity_scores_high'):
            results[key] = np.ones((300, 200, 3), np.float32)
        results['seg_fields'] = ['affinity_scores_low', 'affinity_scores_high']
    out = crop(results)
    dst_y, dst_x, _, _ = out['crop_bbox']
    inside = np.zeros((448, 448), bool)
    inside[dst_y:dst_y + 300, dst_x:dst_x + 200] = True
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    tensor = torch.from_numpy(np.ascontiguousarray(out['img'].transpose(2, 0, 1)))
    normalised = preprocessor(dict(inputs=[tensor]), training=False)['inputs'][0]
    normalised = normalised.permute(1, 2, 0).numpy()  # RGB
    np.testing.assert_allclose(normalised[~inside], np.broadcast_to(
        NORMALISED_PAD[stage], normalised[~inside].shape), atol=1e-6)
    expected = (image[..., ::-1] - MEAN_RGB) / STD_RGB
    np.testing.assert_allclose(normalised[inside], expected.reshape(-1, 3), atol=1e-5)
    for key in out['seg_fields']:  # saliency and scores: 0 outside the image
        assert (out[key][~inside] == 0).all() and (out[key][inside] > 0).all(), key


@pytest.mark.parametrize('stage', ['cam', 'eps'])
def test_resize_equals_pil_bicubic(stage: str) -> None:
    """The image (and EPS's saliency map) come out as PIL's bicubic resize gives them,
    byte for byte, shrunk (antialiased) or enlarged."""
    spec = _pipeline(stage)['RandomResize']
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (37, 50, 3), dtype=np.uint8)
    saliency = rng.integers(0, 256, (37, 50), dtype=np.uint8)
    for scale, ratio in (((20, 20), (1.0, 1.0)), ((90, 90), (1.0, 1.0))):
        resize = TRANSFORMS.build(dict(spec, scale=scale, ratio_range=ratio))
        fields = dict(gt_saliency=saliency) if stage == 'eps' else {}
        out = resize(dict(img=image, img_shape=image.shape[:2],
                          seg_fields=list(fields), **fields))
        height, width = out['img'].shape[:2]
        assert width == scale[0]
        expected = np.asarray(Image.fromarray(image).resize((width, height), Image.BICUBIC))
        assert np.array_equal(out['img'], expected)
        if stage == 'eps':
            expected = np.asarray(Image.fromarray(saliency, mode='L').resize(
                (width, height), Image.BICUBIC))
            assert out['gt_saliency'].dtype == np.uint8
            assert np.array_equal(out['gt_saliency'], expected)
