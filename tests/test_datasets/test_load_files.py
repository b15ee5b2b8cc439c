"""The loading transforms decode as MMCV / MMSeg do, and name file and image id on failure."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmseg.registry import TRANSFORMS
from PIL import Image

from mmwsss.utils import UnreadableFileError, save_affinity_scores, save_cams
from tests.conftest import REPO_ROOT


def _results(demo_root: Path, img_id: str = 'train_00002') -> dict:
    return dict(img_path=str(demo_root / 'JPEGImages' / f'{img_id}.jpg'),
                seg_map_path=str(demo_root / 'SegmentationClass' / f'{img_id}.png'),
                saliency_path=str(demo_root / 'SaliencyMaps' / f'{img_id}.png'),
                img_id=img_id, reduce_zero_label=False, seg_fields=[])


def test_same_arrays_as_mmcv_and_mmseg_loaders(demo_root: Path) -> None:
    for ours, theirs, key in (('LoadWSSSImage', 'LoadImageFromFile', 'img'),
                              ('LoadWSSSAnnotations', 'LoadAnnotations', 'gt_seg_map')):
        mine = TRANSFORMS.build(dict(type=ours))(_results(demo_root))
        reference = TRANSFORMS.build(dict(type=theirs))(_results(demo_root))
        np.testing.assert_array_equal(mine[key], reference[key])
        assert mine.get('img_shape') == reference.get('img_shape')


@pytest.mark.parametrize('transform, key, kind', [
    ('LoadWSSSImage', 'img_path', "image 'train_00002'"),
    ('LoadWSSSAnnotations', 'seg_map_path', "label map of image 'train_00002'"),
    ('LoadSaliencyMap', 'saliency_path', "saliency map of image 'train_00002'"),
])
def test_broken_files_are_named(demo_root: Path, tmp_path: Path, transform: str, key: str,
                                kind: str) -> None:
    results = _results(demo_root)
    data = Path(results[key]).read_bytes()
    for name, content in (('empty', b''), ('truncated', data[:len(data) // 2])):
        path = tmp_path / f'{name}{Path(results[key]).suffix}'
        path.write_bytes(content)
        broken = dict(results, **{key: str(path)}, img_shape=(1, 1))
        with pytest.raises(UnreadableFileError, match=f'{kind}: {path}'):
            TRANSFORMS.build(dict(type=transform))(broken)


def _tiny_files(folder: Path, image_size=(8, 12), map_size=(4, 6)) -> dict:
    """An image and a label, saliency, CAM and affinity-score file of ``map_size``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = dict(img_path=folder / 'a.jpg', seg_map_path=folder / 'a.png',
                 saliency_path=folder / 'a_sal.png', cam_path=folder / 'a.npz',
                 affinity_path=folder / 'a_aff.npz')
    Image.fromarray(np.full(image_size + (3, ), 128, np.uint8)).save(paths['img_path'])
    Image.fromarray(np.ones(map_size, np.uint8)).save(paths['seg_map_path'])
    Image.fromarray(np.full(map_size, 200, np.uint8)).save(paths['saliency_path'])
    labels = np.array([1., 0.])
    save_cams(paths['cam_path'], torch.rand((2, ) + map_size), torch.from_numpy(labels))
    scores = np.random.rand(3, *map_size).astype(np.float32)
    save_affinity_scores(paths['affinity_path'], scores, scores, labels)
    return dict({key: str(path) for key, path in paths.items()}, img_id='a',
                img_labels=labels, reduce_zero_label=False, seg_fields=[])


@pytest.mark.parametrize('transform, key, what', [
    ('LoadWSSSAnnotations', 'seg_map_path', 'label map'),
    ('LoadSaliencyMap', 'saliency_path', 'saliency map'),
    ('LoadCAMs', 'cam_path', 'CAM file'),
    ('LoadAffinityScores', 'affinity_path', 'affinity-score file'),
])
def test_map_of_another_size_names_both_files(tmp_path: Path, transform: str, key: str,
                                              what: str) -> None:
    results = TRANSFORMS.build(dict(type='LoadWSSSImage'))(_tiny_files(tmp_path))
    with pytest.raises(ValueError, match=rf'{what} {results[key]} has size \(4, 6\), its '
                       rf'image {results["img_path"]} \(8, 12\)'):
        TRANSFORMS.build(dict(type=transform))(results)


def test_labels_loaded_after_resize_are_checked_against_the_original_size(
        tmp_path: Path) -> None:
    """The test pipeline loads labels after Resize: they match the image as read."""
    pipeline = Compose([dict(type='LoadWSSSImage'),
                        dict(type='Resize', scale_factor=2.0, keep_ratio=True),
                        dict(type='LoadWSSSAnnotations')])
    results = pipeline(_tiny_files(tmp_path, map_size=(8, 12)))
    assert results['img_shape'] == (16, 24) and results['gt_seg_map'].shape == (8, 12)
    with pytest.raises(ValueError, match=r'label map .* has size \(4, 6\), its image'):
        pipeline(_tiny_files(tmp_path / 'half'))


def test_training_refuses_a_pseudo_label_of_half_the_image_size(tmp_path: Path) -> None:
    """The segmentation stage's training pipeline (crop and flip) stops at the load."""
    cfg = Config.fromfile(REPO_ROOT / 'configs/seg'
                          / 'deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py')
    pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    packed = pipeline(_tiny_files(tmp_path, map_size=(8, 12)))
    assert tuple(packed['data_samples'].gt_sem_seg.shape) == tuple(packed['inputs'].shape[1:])
    with pytest.raises(ValueError, match=r'label map .*a\.png has size \(4, 6\), its image '
                       r'.*a\.jpg \(8, 12\)'):
        pipeline(_tiny_files(tmp_path / 'half'))
