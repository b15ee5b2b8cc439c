"""Segmentation-stage data: pseudo labels as masks, true image-level labels kept."""
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS
from PIL import Image

from mmwsss.utils import save_label_png
from tests.conftest import REPO_ROOT

DEMO_CONFIG = (REPO_ROOT / 'configs/seg'
               / 'deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py')
VOC_CONFIG = REPO_ROOT / 'configs/seg/deeplabv3plus_r50-d8_4xb4-20k_voc12aug-pseudo-512x512.py'


@pytest.fixture
def pseudo_dir(demo_root: Path, tmp_path: Path) -> Path:
    """Pseudo labels that miss every object: class 0 everywhere."""
    folder = tmp_path / 'pseudo'
    for image_id in (demo_root / 'ImageSets/Segmentation/train.txt').read_text().split():
        with Image.open(demo_root / 'JPEGImages' / f'{image_id}.jpg') as image:
            save_label_png(np.zeros(image.size[::-1], np.uint8), folder / f'{image_id}.png')
    return folder


def _train_dataset(config: Path, demo_root: Path, pseudo_dir: Path, **overrides):
    cfg = Config.fromfile(str(config)).train_dataloader.dataset
    cfg.update(data_root=str(demo_root), ann_file='ImageSets/Segmentation/train.txt',
               **overrides)
    cfg.data_prefix.seg_map_path = str(pseudo_dir)
    cfg.pipeline = [p for p in cfg.pipeline if p.type in
                    ('LoadWSSSImage', 'LoadWSSSAnnotations', 'PackWSSSInputs')]
    return DATASETS.build(cfg)


@pytest.mark.parametrize('config, overrides', [
    (DEMO_CONFIG, {}),  # labels from image_labels.json
    # VOC recipe: labels derived from the ground-truth masks (img_label_path)
    (VOC_CONFIG, dict(data_prefix=dict(img_path='JPEGImages',
                                       img_label_path='SegmentationClass'))),
])
def test_masks_are_pseudo_labels_and_image_labels_are_true(
        config: Path, overrides: dict, demo_root: Path, pseudo_dir: Path) -> None:
    dataset = _train_dataset(config, demo_root, pseudo_dir, **overrides)
    labels = json.loads((demo_root / 'image_labels.json').read_text())
    assert len(dataset) == 24
    for index in range(3):
        sample = dataset[index]['data_samples']
        assert sample.seg_map_path == str(pseudo_dir / f'{sample.img_id}.png')
        assert int(sample.gt_sem_seg.data.max()) == 0
        expected = np.zeros(6, np.float32)
        expected[np.array(labels[sample.img_id]) - 1] = 1
        assert np.array_equal(sample.gt_img_labels.numpy(), expected)
        assert expected.sum() > 0


def test_val_split_is_scored_on_ground_truth() -> None:
    for config in (DEMO_CONFIG, VOC_CONFIG):
        cfg = Config.fromfile(str(config))
        for loader in (cfg.val_dataloader, cfg.test_dataloader):
            assert loader.dataset.ann_file == 'ImageSets/Segmentation/val.txt'
            assert loader.dataset.data_prefix.seg_map_path == 'SegmentationClass'
        assert cfg.val_evaluator.type == 'IoUMetric'
