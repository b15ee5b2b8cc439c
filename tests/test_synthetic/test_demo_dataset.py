"""Tests of the synthetic demo dataset generator."""
import hashlib
import json
import runpy
import sys
from pathlib import Path
from typing import List, Tuple

import numpy as np
import pytest
from mmseg.registry import DATASETS
from PIL import Image
from scipy import ndimage

from mmwsss.synthetic import (CO_OCCURRING_CLASS, DEMO_CLASSES, FAMILIES, DemoDatasetConfig,
                              family_config, generate_demo_dataset, with_classes)
from mmwsss.synthetic.demo_dataset import _PART_COLOURS
from tests.conftest import REPO_ROOT


def _digest(root: Path) -> dict:
    """Map every file below ``root`` to the SHA-256 of its bytes."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob('*')) if path.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    config = DemoDatasetConfig(num_train=6, num_val=2)
    generate_demo_dataset(str(tmp_path / 'a'), seed=3, config=config)
    generate_demo_dataset(str(tmp_path / 'b'), seed=3, config=config)
    generate_demo_dataset(str(tmp_path / 'c'), seed=4, config=config)
    first, second = _digest(tmp_path / 'a'), _digest(tmp_path / 'b')
    assert len(first) == 6 * 3 + 2 * 3 + 2 + 2  # jpg/png/saliency, splits, 2 json
    assert first == second
    assert first != _digest(tmp_path / 'c')


def test_layout_and_splits(demo_root: Path) -> None:
    train = (demo_root / 'ImageSets/Segmentation/train.txt').read_text().split()
    val = (demo_root / 'ImageSets/Segmentation/val.txt').read_text().split()
    assert len(train) == 24 and len(val) == 8
    assert not set(train) & set(val)
    for img_id in train + val:
        image = Image.open(demo_root / 'JPEGImages' / f'{img_id}.jpg')
        mask = Image.open(demo_root / 'SegmentationClass' / f'{img_id}.png')
        saliency = Image.open(demo_root / 'SaliencyMaps' / f'{img_id}.png')
        assert image.mode == 'RGB' and mask.mode == 'P' and saliency.mode == 'L'
        assert image.size == mask.size == saliency.size
        assert 96 <= min(image.size) and max(image.size) <= 160


def test_labels_agree_with_masks(demo_root: Path) -> None:
    labels = json.loads((demo_root / 'image_labels.json').read_text())
    assert len(labels) == 32
    for img_id, values in labels.items():
        mask = np.array(Image.open(demo_root / 'SegmentationClass' / f'{img_id}.png'))
        present = sorted(set(np.unique(mask).tolist()) - {0})
        assert values == present
        assert 1 <= len(values) <= 3
        assert set(np.unique(mask).tolist()) <= set(range(len(DEMO_CLASSES)))


def test_meta_statistics(demo_root: Path) -> None:
    meta = json.loads((demo_root / 'meta.json').read_text())
    assert meta['classes'] == list(DEMO_CLASSES)
    assert meta['family'] == 'demo'
    assert meta['contexts'] == {CO_OCCURRING_CLASS: 'rails'}
    stats = meta['statistics']['train']
    assert stats['images'] == 24
    assert sum(stats['images_per_class'].values()) >= 24
    assert 0.0 < stats['part_to_object_area'] < 0.35
    assert (stats['context_given_class'][CO_OCCURRING_CLASS] >
            stats['context_given_no_class'][CO_OCCURRING_CLASS])


def test_default_statistics_exercise_the_method(tmp_path: Path) -> None:
    """The default dataset has the properties the demo relies on."""
    meta = generate_demo_dataset(
        str(tmp_path), seed=0, config=DemoDatasetConfig(num_train=120, num_val=0))
    stats = meta['statistics']['train']
    assert 5 <= len(DEMO_CLASSES) - 1 <= 8
    assert 1.5 <= stats['objects_per_image'] <= 2.5
    assert stats['context_given_class'][CO_OCCURRING_CLASS] >= 0.7
    assert stats['context_given_no_class'][CO_OCCURRING_CLASS] <= 0.15
    assert 0.05 <= stats['saliency_missed_objects'] <= 0.2
    assert 0.6 <= stats['saliency_iou_at_half'] < 0.95


def test_rejects_bad_config(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match='num_train'):
        generate_demo_dataset(str(tmp_path), config=DemoDatasetConfig(num_train=0))


DEMO_SEED0_MD5 = '640b02eada7ca82723854a2a34570e1a'
"""MD5 of every file but meta.json of the seed-0 24 + 8 demo dataset, recorded from the
generator before dataset families existed (Pillow 13.0 / NumPy 2.4 of the venv)."""


def _md5_without_meta(root: Path) -> str:
    """MD5 of the relative paths and bytes of every file below ``root`` but meta.json."""
    digest = hashlib.md5()
    for path in sorted(root.rglob('*')):
        if path.is_file() and path.name != 'meta.json':
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _train_samples(root: Path) -> List[Tuple[np.ndarray, np.ndarray]]:
    """(image float (H, W, 3), mask uint8 (H, W)) of every training image."""
    ids = (root / 'ImageSets/Segmentation/train.txt').read_text().split()
    return [(np.asarray(Image.open(root / 'JPEGImages' / f'{i}.jpg'), dtype=np.float64),
             np.asarray(Image.open(root / 'SegmentationClass' / f'{i}.png')))
            for i in ids]


def _family(tmp_path: Path, name: str, num_train: int) -> Tuple[Path, dict]:
    """Generate ``num_train`` training images of a family (seed 0); its root and meta."""
    meta = generate_demo_dataset(str(tmp_path / name), seed=0,
                                 config=family_config(name, num_train=num_train, num_val=0))
    return tmp_path / name, meta


def _saturation(pixels: np.ndarray) -> np.ndarray:
    """Max minus min over the RGB channels of (..., 3) pixels."""
    return pixels.max(-1) - pixels.min(-1)


def _object_aspects(samples: List[Tuple[np.ndarray, np.ndarray]]) -> List[float]:
    """Short / long axis of every object (a connected region of one class, >= 30 px),
    from the eigenvalues of its pixel coordinates' covariance (exact for an ellipse)."""
    aspects = []
    for _, mask in samples:
        for value in np.unique(mask)[1:]:
            regions, count = ndimage.label(mask == value)
            for index in range(1, count + 1):
                ys, xs = np.nonzero(regions == index)
                if ys.size >= 30:
                    low, high = np.linalg.eigvalsh(np.cov(np.stack([ys, xs])))
                    aspects.append(float(np.sqrt(low / high)))
    return aspects


def test_default_family_writes_the_bytes_of_before(demo_root: Path) -> None:
    assert FAMILIES['demo'] == DemoDatasetConfig()
    assert _md5_without_meta(demo_root) == DEMO_SEED0_MD5


def test_thin_objects_are_elongated_and_several(tmp_path: Path, demo_root: Path) -> None:
    root, meta = _family(tmp_path, 'thin', 24)
    assert np.median(_object_aspects(_train_samples(root))) < 0.3  # drawn in 0.12..0.3
    assert np.median(_object_aspects(_train_samples(demo_root))) > 0.7  # drawn in 0.6..1
    assert meta['statistics']['train']['objects_per_image'] >= 2.4


def test_large_objects_fill_most_of_the_image(tmp_path: Path, demo_root: Path) -> None:
    root, _ = _family(tmp_path, 'large', 24)
    fractions = [(mask > 0).mean() for _, mask in _train_samples(root)]
    assert 0.4 <= np.mean(fractions) <= 0.8
    assert np.mean([(mask > 0).mean() for _, mask in _train_samples(demo_root)]) < 0.3


def _pixel_statistics(samples: List[Tuple[np.ndarray, np.ndarray]],
                      value: int) -> Tuple[float, float]:
    """Median saturation and median high-frequency amplitude (grey minus its 3x3 mean,
    inside the region eroded by 3 pixels) of the pixels of label ``value``."""
    saturation, texture = [], []
    for image, mask in samples:
        grey = image.mean(-1)
        high = np.abs(grey - ndimage.uniform_filter(grey, 3))
        saturation.append(_saturation(image[mask == value]))
        texture.append(high[ndimage.binary_erosion(mask == value, iterations=3)])
    return float(np.median(np.concatenate(saturation))), float(
        np.median(np.concatenate(texture)))


@pytest.mark.parametrize('family,plain', [('plain_body', ('dots', 'zigzag')),
                                          ('mixed', ('cow',))])
def test_plain_bodies_have_the_background_statistics(tmp_path: Path, family: str,
                                                     plain: Tuple[str, ...]) -> None:
    root, meta = _family(tmp_path, family, 40)
    assert meta['config']['plain_body_classes'] == list(plain)
    samples = _train_samples(root)
    bg_saturation, bg_texture = _pixel_statistics(samples, 0)
    for value, name in enumerate(meta['classes'][1:], 1):
        saturation, texture = _pixel_statistics(samples, value)
        if name in plain:  # the part (a sixth of the object) adds some texture
            assert abs(saturation - bg_saturation) < 10
            assert 0.7 * bg_texture < texture < 1.6 * bg_texture
        else:  # smooth saturated bodies
            assert saturation > 80
            assert texture < 0.5 * bg_texture


def test_context_regions_co_occur_with_their_classes(tmp_path: Path) -> None:
    _, meta = _family(tmp_path, 'context', 40)
    assert meta['contexts'] == dict(train='rails', boat='waves', cow='grass')
    stats = meta['statistics']['train']
    for name in ('train', 'boat', 'cow'):
        assert stats['context_given_class'][name] >= 0.7
        assert stats['context_given_no_class'][name] <= 0.15


def test_unbalanced_class_counts(tmp_path: Path) -> None:
    root, meta = _family(tmp_path, 'unbalanced', 60)
    labels = json.loads((root / 'image_labels.json').read_text())
    counts = np.bincount([v for values in labels.values() for v in values], minlength=7)[1:]
    assert counts.tolist() == list(meta['statistics']['train']['images_per_class'].values())
    assert counts.argmax() == 0 and counts.max() >= 5 * counts.min() > 0


def test_many_classes_load_as_twelve(tmp_path: Path) -> None:
    root, meta = _family(tmp_path, 'many_classes', 40)
    assert len(meta['classes']) == 13 and len(meta['palette']) == 13
    labels = json.loads((root / 'image_labels.json').read_text())
    assert {v for values in labels.values() for v in values} == set(range(1, 13))
    looks = {(look % 6, _PART_COLOURS[look]) for look in range(12)}
    assert len(looks) == 12 and len({colours for _, colours in looks}) == 12
    # classes 7..12 wear the colours of their own looks, not those of the demo's look
    # with the same pattern: share of a class's pixels within 40 of one of the colours
    samples = _train_samples(root)
    shares = np.zeros((6, 2))
    for row, value in enumerate(range(7, 13)):
        pixels = np.concatenate([image[mask == value] for image, mask in samples])
        for column, look in enumerate((value - 1, value - 7)):
            distance = np.min([np.linalg.norm(pixels - np.array(colour), axis=1)
                               for colour in _PART_COLOURS[look]], axis=0)
            shares[row, column] = (distance < 40).mean()
    assert shares[:, 0].sum() > 5 * shares[:, 1].sum()
    dataset = DATASETS.build(dict(
        type='WSSSDataset', data_root=str(root), ann_file='ImageSets/Segmentation/train.txt',
        img_label_file='image_labels.json',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
        pipeline=[]))
    assert dataset.num_foreground_classes == 12
    assert dataset.get_data_info(0)['img_labels'].shape == (12, )


def _contrast(samples: List[Tuple[np.ndarray, np.ndarray]]) -> Tuple[float, float]:
    """Mean over images of the distance between the mean foreground and background
    colours, and mean saturation of the foreground."""
    distance = [np.linalg.norm(image[mask > 0].mean(0) - image[mask == 0].mean(0))
                for image, mask in samples]
    saturation = [_saturation(image[mask > 0]).mean() for image, mask in samples]
    return float(np.mean(distance)), float(np.mean(saturation))


def test_low_contrast_is_lower_than_demo(tmp_path: Path, demo_root: Path) -> None:
    root, meta = _family(tmp_path, 'low_contrast', 24)
    distance, saturation = _contrast(_train_samples(root))
    demo_distance, demo_saturation = _contrast(_train_samples(demo_root))
    assert distance < 0.8 * demo_distance
    assert saturation < 0.4 * demo_saturation
    assert meta['statistics']['train']['body_background_contrast'] < 0.7 * json.loads(
        (demo_root / 'meta.json').read_text())['statistics']['train']['body_background_contrast']


def test_mixed_family_design(tmp_path: Path) -> None:
    root, meta = _family(tmp_path, 'mixed', 40)
    assert meta['family'] == 'mixed' and meta['contexts'] == dict(boat='waves')
    stats = meta['statistics']['train']
    assert stats['context_given_class']['boat'] > 0.7
    assert stats['largest_to_smallest_class'] >= 1.5
    # body hues shared by groups: median hue (0..1) of each class's pixels, parts
    # included, lies in its group's range (reds 0.95..1.08, greens 0.3..0.45)
    ids = (root / 'ImageSets/Segmentation/train.txt').read_text().split()
    hues = {name: [] for name in meta['classes'][1:]}
    for img_id in ids:
        hue = np.asarray(Image.open(root / 'JPEGImages' / f'{img_id}.jpg').convert('HSV'))
        mask = np.asarray(Image.open(root / 'SegmentationClass' / f'{img_id}.png'))
        for value, name in enumerate(meta['classes'][1:], 1):
            hues[name].append(hue[..., 0][mask == value] / 255.0)
    for name in ('checker', 'stripes', 'zigzag'):  # reds, around 0 = 1
        assert abs(np.median((np.concatenate(hues[name]) + 0.5) % 1.0) - 0.5) < 0.1
    for name in ('boat', 'train'):
        assert 0.28 < np.median(np.concatenate(hues[name])) < 0.47


@pytest.mark.parametrize('field,value,message', [
    ('class_weights', (1.0, 2.0), 'class_weights must be 6 positive'),
    ('contexts', (('cat', 'rails'), ), "contexts: \\('cat', 'rails'\\)"),
    ('contexts', (('train', 'snow'), ), "contexts: \\('train', 'snow'\\)"),
    ('plain_body_classes', ('dog', ), "plain_body_classes: \\['dog'\\]"),
    ('part_looks', 13, 'part_looks must be in 1..12'),
    ('body_hue_ranges', ((0.0, 1.0), ), 'body_hue_ranges must have 6'),
    ('overlap_test', 'boxes', 'overlap_test must be one of'),
    ('aspect_range', (0.5, 0.2), 'aspect_range must be'),
    ('min_objects', 4, 'min_objects <= max_objects'),
    ('min_objects', -1, '0 <= min_objects'),
    ('max_objects', 0, 'max_objects >= 1'),
])
def test_rejects_bad_family_fields(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DemoDatasetConfig(**{field: value})


def test_family_config() -> None:
    config = family_config('thin', num_train=5)
    assert config.family == 'thin' and config.num_train == 5
    assert config.aspect_range == FAMILIES['thin'].aspect_range
    with pytest.raises(KeyError, match="unknown dataset family 'nope'"):
        family_config('nope')
    with pytest.raises(KeyError, match='num_images'):
        family_config('thin', num_images=5)


def test_cli_lists_and_writes_a_family(tmp_path: Path, capsys: pytest.CaptureFixture,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    tool = str(REPO_ROOT / 'tools' / 'generate_demo_data.py')
    monkeypatch.setattr(sys, 'argv', [tool, '--list-families'])
    runpy.run_path(tool, run_name='__main__')
    listing = capsys.readouterr().out.splitlines()
    assert [line.split(':')[0] for line in listing] == list(FAMILIES)
    assert listing[0].endswith('the default design')
    assert listing[6].startswith('many_classes: 12 classes')
    monkeypatch.setattr(sys, 'argv', [tool, str(tmp_path), '--family', 'many_classes',
                                      '--num-train', '2', '--num-val', '1'])
    runpy.run_path(tool, run_name='__main__')
    meta = json.loads((tmp_path / 'meta.json').read_text())
    assert meta['family'] == 'many_classes' and meta['config']['num_train'] == 2
    assert len((tmp_path / 'ImageSets/Segmentation/val.txt').read_text().split()) == 1


def test_other_classes_and_images_without_objects(tmp_path: Path) -> None:
    mixed = with_classes(FAMILIES['mixed'], ('boat', 'lesion'))
    assert mixed.classes == ('background', 'boat', 'lesion')
    assert mixed.contexts == (('boat', 'waves'), )  # kept: boat is still a class
    assert mixed.plain_body_classes == () and mixed.class_weights == ()
    assert mixed.body_hue_ranges == ()
    config = with_classes(DemoDatasetConfig(num_train=12, num_val=0, min_objects=0,
                                            max_objects=1, min_size=48, max_size=64),
                          ('defect', ))
    meta = generate_demo_dataset(str(tmp_path), seed=0, config=config)
    labels = json.loads((tmp_path / 'image_labels.json').read_text())
    assert set(map(tuple, labels.values())) == {(), (1, )}
    for img_id, values in labels.items():  # an image without a label has no object
        mask = np.array(Image.open(tmp_path / f'SegmentationClass/{img_id}.png'))
        assert (mask.max() > 0) == bool(values)
    assert meta['statistics']['train']['images_per_class'] == {
        'defect': sum(map(bool, labels.values()))}
