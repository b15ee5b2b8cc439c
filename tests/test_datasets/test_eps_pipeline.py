"""The EPS training pipeline moves the saliency map with the image."""
import copy
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mmwsss.datasets import WSSSDataset
from mmwsss.utils import read_label_png
from tests.conftest import REPO_ROOT

CONFIG = REPO_ROOT / 'configs/eps/eps_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'
CAM_CONFIG = REPO_ROOT / 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'
PAD_BGR = np.float32([103.53, 116.28, 123.675])  # ImageNet mean (BGR), exact in float32


def _pipeline_with_mask() -> list:
    """The demo EPS training pipeline, also loading the mask after the saliency."""
    pipeline = copy.deepcopy(Config.fromfile(str(CONFIG)).train_pipeline)
    types = [step['type'] for step in pipeline]
    assert 'LoadSaliencyMap' in types and 'RandomCropPad' in types
    pipeline.insert(types.index('LoadSaliencyMap') + 1, dict(type='LoadAnnotations'))
    return pipeline


def test_demo_pipeline_is_the_cam_pipeline_plus_saliency() -> None:
    """The demo comparison CAM vs EPS is fair only with the same augmentation."""
    eps = copy.deepcopy(Config.fromfile(str(CONFIG)).train_dataloader.dataset.pipeline)
    cam = Config.fromfile(str(CAM_CONFIG)).train_dataloader.dataset.pipeline
    eps = [step for step in eps if step['type'] != 'LoadSaliencyMap']
    for step in eps:
        if step.pop('resize_type', None) is not None:
            assert step['type'] == 'RandomResize'
        if step['type'] == 'SegFieldsRandomFlip':
            step['type'] = 'RandomFlip'
    assert eps == cam


def _dataset(root: Path, saliency_dir: Path, **kwargs) -> WSSSDataset:
    return WSSSDataset(
        data_root=str(root),
        ann_file='ImageSets/Segmentation/train.txt',
        img_label_file='image_labels.json',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass',
                         saliency_path=str(saliency_dir)),
        pipeline=_pipeline_with_mask(),
        **kwargs)


@pytest.fixture(scope='module')
def mask_saliency(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Saliency maps equal to the ground-truth foreground (255) of each image."""
    folder = tmp_path_factory.mktemp('mask_saliency')
    for path in sorted((demo_root / 'SegmentationClass').iterdir()):
        mask = read_label_png(str(path))
        Image.fromarray(((mask > 0) & (mask < 255)).astype(np.uint8) * 255).save(
            folder / path.name)
    return folder


def test_saliency_stays_aligned_with_image_and_mask(demo_root: Path,
                                                     mask_saliency: Path) -> None:
    dataset = _dataset(demo_root, mask_saliency)
    np.random.seed(0)
    flipped = padded = 0
    for index in range(len(dataset)):
        packed = dataset[index]
        sample = packed['data_samples']
        image = packed['inputs'].numpy().transpose(1, 2, 0)
        mask = sample.gt_sem_seg.data[0].numpy()
        saliency = sample.gt_saliency.data[0].numpy()
        assert image.shape[:2] == mask.shape == saliency.shape == (112, 112)
        flipped += bool(sample.metainfo['flip'])
        outside = mask == 255
        padded += bool(outside.any())
        # padding: no saliency, and the image holds the padding value
        assert (saliency[outside] == 0).all()
        assert (image[outside] == PAD_BGR).all()
        # inside: the saliency (resized bilinear) agrees with the mask (nearest)
        inside = ~outside
        agreement = ((saliency[inside] >= 0.5) == (mask[inside] > 0)).mean()
        assert agreement > 0.97, (index, agreement)
        # a saliency map left unflipped would not agree
        if (mask[inside] > 0).any():
            mirrored = (saliency[:, ::-1] >= 0.5)[inside] == (mask[inside] > 0)
            assert mirrored.mean() < agreement or np.array_equal(saliency, saliency[:, ::-1])
    assert 0 < flipped < len(dataset) and padded > 0


def test_real_saliency_goes_through_the_pipeline(demo_root: Path) -> None:
    dataset = _dataset(demo_root, demo_root / 'SaliencyMaps')
    np.random.seed(1)
    sample = dataset[0]['data_samples']
    saliency = sample.gt_saliency.data
    assert saliency.shape == (1, 112, 112) and saliency.dtype.is_floating_point
    assert 0.0 <= saliency.min() and saliency.max() <= 1.0 and saliency.max() > 0.5


def test_missing_saliency_file_is_named(demo_root: Path, mask_saliency: Path,
                                        tmp_path: Path) -> None:
    folder = tmp_path / 'saliency'
    folder.mkdir()
    for path in mask_saliency.iterdir():
        if path.name != 'train_00003.png':
            (folder / path.name).write_bytes(path.read_bytes())
    with pytest.raises(FileNotFoundError, match=str(folder / 'train_00003.png')):
        _dataset(demo_root, folder)
    dataset = _dataset(demo_root, folder, check_files=False)
    dataset[0]
    with pytest.raises(FileNotFoundError, match='train_00003.png'):
        dataset[3]


def test_coco_metainfo_builds_a_dataset(demo_root: Path) -> None:
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/_base_/datasets/coco14_eps.py'))
    dataset = WSSSDataset(
        data_root=str(demo_root), ann_file='ImageSets/Segmentation/train.txt',
        metainfo=cfg.metainfo,
        data_prefix=dict(img_path='JPEGImages', img_label_path='SegmentationClass'))
    assert dataset.num_foreground_classes == 80
    assert dataset.metainfo['classes'][:2] == ('background', 'person')
    assert len(dataset.metainfo['palette']) == 81
    assert dataset[0]['img_labels'].shape == (80, )
