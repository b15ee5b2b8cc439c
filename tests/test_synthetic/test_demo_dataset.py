"""Tests of the synthetic demo dataset generator."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmwsss.synthetic import (CO_OCCURRING_CLASS, DEMO_CLASSES, DemoDatasetConfig,
                              generate_demo_dataset)


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
    assert meta['co_occurring_class'] == CO_OCCURRING_CLASS
    stats = meta['statistics']['train']
    assert stats['images'] == 24
    assert sum(stats['images_per_class'].values()) >= 24
    assert 0.0 < stats['part_to_object_area'] < 0.35
    assert stats['rails_given_co_class'] > stats['rails_given_no_co_class']


def test_default_statistics_exercise_the_method(tmp_path: Path) -> None:
    """The default dataset has the properties the demo relies on."""
    meta = generate_demo_dataset(
        str(tmp_path), seed=0, config=DemoDatasetConfig(num_train=120, num_val=0))
    stats = meta['statistics']['train']
    assert 5 <= len(DEMO_CLASSES) - 1 <= 8
    assert 1.5 <= stats['objects_per_image'] <= 2.5
    assert stats['rails_given_co_class'] >= 0.7
    assert stats['rails_given_no_co_class'] <= 0.15
    assert 0.05 <= stats['saliency_missed_objects'] <= 0.2
    assert 0.6 <= stats['saliency_iou_at_half'] < 0.95


def test_rejects_bad_config(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match='num_train'):
        generate_demo_dataset(str(tmp_path), config=DemoDatasetConfig(num_train=0))
