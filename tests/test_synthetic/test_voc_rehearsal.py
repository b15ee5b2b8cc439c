"""Tests of the VOC rehearsal dataset: the exact VOC 2012 + SBD layout."""
import json
from pathlib import Path

import numpy as np
from mmseg.registry import DATASETS
from PIL import Image

from mmwsss.synthetic import VOCRehearsalConfig, generate_voc_rehearsal
from mmwsss.synthetic.voc_rehearsal import void_boundaries
from mmwsss.datasets.wsss_dataset import VOC_METAINFO
from mmwsss.utils import voc_palette

CONFIG = VOCRehearsalConfig(num_train=3, num_sbd=2, num_val=2)


def test_layout_splits_and_files(tmp_path: Path) -> None:
    lists = generate_voc_rehearsal(str(tmp_path), seed=1, config=CONFIG)
    split_dir = tmp_path / 'ImageSets' / 'Segmentation'
    read = {name: (split_dir / f'{name}.txt').read_text().split() for name in lists}
    assert read == lists
    assert read['train'] == ['2007_000000', '2007_000001', '2007_000002']
    assert read['train_aug'] == read['train'] + ['2008_000000', '2008_000001']
    assert read['val'] == ['2009_000000', '2009_000001']
    everything = read['train_aug'] + read['val']
    assert sorted(p.stem for p in (tmp_path / 'JPEGImages').glob('*.jpg')) == everything
    assert sorted(p.stem for p in (tmp_path / 'SegmentationClassAug').iterdir()) == everything
    assert sorted(p.stem for p in (tmp_path / 'SaliencyMaps').iterdir()) == everything
    assert sorted(p.stem for p in (tmp_path / 'Annotations').iterdir()) == everything
    assert sorted(p.stem for p in (tmp_path / 'SegmentationClass').iterdir()) == sorted(
        read['train'] + read['val'])
    assert not (tmp_path / 'meta.json').exists()  # VOC's classes are the default
    for img_id in everything:
        with Image.open(tmp_path / 'JPEGImages' / f'{img_id}.jpg') as image:
            assert image.mode == 'RGB' and 375 <= min(image.size) <= max(image.size) <= 500
            size = image.size
        with Image.open(tmp_path / 'SegmentationClassAug' / f'{img_id}.png') as label:
            assert label.mode == 'P' and label.size == size
            assert np.array_equal(np.array(label.getpalette()[:63]).reshape(21, 3),
                                  voc_palette(21))
            values = set(np.unique(np.array(label)).tolist())
        assert values <= set(range(21)) | {255} and 255 in values and 0 in values
    with Image.open(tmp_path / 'SaliencyMaps' / f'{everything[0]}.png') as saliency:
        assert saliency.mode == 'L'


def test_test_split_images_only(tmp_path: Path) -> None:
    config = VOCRehearsalConfig(num_train=3, num_sbd=2, num_val=2, num_test=2)
    lists = generate_voc_rehearsal(str(tmp_path), seed=1, config=config)
    assert lists['test'] == ['2010_000000', '2010_000001']
    split = tmp_path / 'ImageSets' / 'Segmentation' / 'test.txt'
    assert split.read_text() == '2010_000000\n2010_000001\n'
    for img_id in lists['test']:
        assert (tmp_path / 'JPEGImages' / f'{img_id}.jpg').is_file()
        assert not list(tmp_path.glob(f'*/{img_id}.png'))
        assert not (tmp_path / 'Annotations' / f'{img_id}.xml').exists()
    assert '2010_000000' not in json.loads((tmp_path / 'image_labels.json').read_text())
    # the other splits are those of the same seed without a test split
    without = generate_voc_rehearsal(str(tmp_path / 'without'), seed=1, config=CONFIG)
    assert {name: ids for name, ids in lists.items() if name != 'test'} == without
    for img_id in lists['train_aug'] + lists['val']:
        assert ((tmp_path / 'JPEGImages' / f'{img_id}.jpg').read_bytes()
                == (tmp_path / 'without' / 'JPEGImages' / f'{img_id}.jpg').read_bytes())


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    generate_voc_rehearsal(str(tmp_path / 'a'), seed=3, config=CONFIG)
    generate_voc_rehearsal(str(tmp_path / 'b'), seed=3, config=CONFIG)
    files = sorted(p.relative_to(tmp_path / 'a') for p in (tmp_path / 'a').rglob('*.*'))
    # per image 4 files, SegmentationClass, splits, image_labels.json
    assert len(files) == 7 * 4 + 5 + 3 + 1
    for path in files:
        assert (tmp_path / 'a' / path).read_bytes() == (tmp_path / 'b' / path).read_bytes()


def test_voc_dataset_reads_it_with_voc_classes(tmp_path: Path) -> None:
    generate_voc_rehearsal(str(tmp_path), seed=0, config=CONFIG)
    dataset = DATASETS.build(dict(
        type='WSSSDataset', data_root=str(tmp_path),
        ann_file='ImageSets/Segmentation/train_aug.txt',
        data_prefix=dict(img_path='JPEGImages', img_label_path='SegmentationClassAug',
                         saliency_path='SaliencyMaps'), pipeline=[]))
    assert dataset.metainfo['classes'] == VOC_METAINFO['classes']
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        label = np.array(Image.open(info['saliency_path'].replace(
            'SaliencyMaps', 'SegmentationClassAug')))
        present = sorted(set(np.unique(label).tolist()) - {0, 255})
        assert (np.flatnonzero(info['img_labels']) + 1).tolist() == present
    # the XML labels of image_labels.json name the same classes as the masks here
    labels = json.loads((tmp_path / 'image_labels.json').read_text())
    assert sorted(labels) == sorted(dataset.get_data_info(i)['img_id']
                                    for i in range(len(dataset))) + ['2009_000000',
                                                                      '2009_000001']
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        assert labels[info['img_id']] == (np.flatnonzero(info['img_labels']) + 1).tolist()


def test_void_boundaries_band() -> None:
    mask = np.zeros((5, 6), np.uint8)
    mask[:, 3:] = 7
    assert void_boundaries(mask, width=1).tolist() == [[0, 0, 255, 255, 7, 7]] * 5
    assert void_boundaries(mask, width=2).tolist() == [[0, 255, 255, 255, 255, 7]] * 5
