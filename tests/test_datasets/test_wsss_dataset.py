"""Tests of WSSSDataset and the WSSS transforms."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmwsss.datasets import WSSSDataset
from mmwsss.datasets.wsss_dataset import VOC_METAINFO
from mmwsss.synthetic import DEMO_CLASSES

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadSaliencyMap'),
    dict(type='PackWSSSInputs'),
]


def _dataset(root: Path, **kwargs) -> WSSSDataset:
    options = dict(
        data_root=str(root),
        ann_file='ImageSets/Segmentation/train.txt',
        img_label_file='image_labels.json',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass',
                         saliency_path='SaliencyMaps'),
        pipeline=PIPELINE)
    options.update(kwargs)
    return WSSSDataset(**options)


def test_fields_and_shapes(demo_root: Path) -> None:
    dataset = _dataset(demo_root)
    assert len(dataset) == 24
    assert dataset.metainfo['classes'] == DEMO_CLASSES
    labels = json.loads((demo_root / 'image_labels.json').read_text())
    item = dataset[0]
    sample = item['data_samples']
    image = item['inputs']
    assert image.dtype == torch.uint8 and image.shape[0] == 3
    height, width = image.shape[1:]
    assert sample.gt_sem_seg.data.shape == (1, height, width)
    assert isinstance(sample.gt_saliency, PixelData)
    assert sample.gt_saliency.data.shape == (1, height, width)
    assert sample.gt_saliency.data.dtype == torch.float32
    assert 0.0 <= float(sample.gt_saliency.data.min())
    assert float(sample.gt_saliency.data.max()) <= 1.0
    img_id = sample.metainfo['img_id']
    expected = torch.zeros(len(DEMO_CLASSES) - 1)
    expected[[value - 1 for value in labels[img_id]]] = 1.0
    assert torch.equal(sample.gt_img_labels, expected)
    present = set(sample.gt_sem_seg.data.unique().tolist()) - {0, 255}
    assert present == set(labels[img_id])


def test_labels_derived_from_masks_equal_label_file(demo_root: Path) -> None:
    from_file = _dataset(demo_root, pipeline=[])
    from_masks = _dataset(demo_root, pipeline=[], img_label_file='')
    assert len(from_file) == len(from_masks) == 24
    for index in range(len(from_file)):
        a, b = from_file.get_data_info(index), from_masks.get_data_info(index)
        assert a['img_id'] == b['img_id']
        np.testing.assert_array_equal(a['img_labels'], b['img_labels'])


def test_voc_classes_without_meta(demo_root: Path, tmp_path: Path) -> None:
    root = tmp_path / 'voc_like'
    shutil.copytree(demo_root, root)
    (root / 'meta.json').unlink()
    dataset = _dataset(root, pipeline=[], data_prefix=dict(img_path='JPEGImages'))
    assert dataset.metainfo['classes'] == VOC_METAINFO['classes']
    assert dataset.get_data_info(0)['img_labels'].shape == (20,)


def test_missing_image_is_named(demo_root: Path, tmp_path: Path) -> None:
    root = tmp_path / 'broken'
    shutil.copytree(demo_root, root)
    (root / 'JPEGImages' / 'train_00003.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='train_00003.jpg'):
        _dataset(root)


def test_missing_label_entry_is_named(demo_root: Path, tmp_path: Path) -> None:
    root = tmp_path / 'nolabel'
    shutil.copytree(demo_root, root)
    labels = json.loads((root / 'image_labels.json').read_text())
    del labels['train_00005']
    (root / 'image_labels.json').write_text(json.dumps(labels))
    with pytest.raises(KeyError, match='train_00005'):
        _dataset(root)


def test_bad_class_value_and_missing_split(demo_root: Path, tmp_path: Path) -> None:
    root = tmp_path / 'badvalue'
    shutil.copytree(demo_root, root)
    labels = json.loads((root / 'image_labels.json').read_text())
    labels['train_00001'] = [9]
    (root / 'image_labels.json').write_text(json.dumps(labels))
    with pytest.raises(ValueError, match='train_00001'):
        _dataset(root)
    with pytest.raises(FileNotFoundError, match='nosuch.txt'):
        _dataset(demo_root, ann_file='nosuch.txt')


@pytest.mark.parametrize('entry, message', [
    (3, r"image_labels.json: image 'train_00002': the labels must be a list"),
    ([True], r"image_labels.json: image 'train_00002': class values \[True\] not in 1\.\.6"),
    (['2'], r"train_00002.*'2'.*not in 1\.\.6"),
    ([2.0], r"train_00002.*2\.0.*not in 1\.\.6"),
])
def test_malformed_label_entries_are_named(demo_root: Path, tmp_path: Path, entry,
                                           message: str) -> None:
    root = tmp_path / 'malformed'
    shutil.copytree(demo_root, root)
    labels = json.loads((root / 'image_labels.json').read_text())
    img_id = (root / 'ImageSets/Segmentation/train.txt').read_text().split()[2]
    labels[img_id] = entry
    (root / 'image_labels.json').write_text(json.dumps(labels))
    with pytest.raises(ValueError, match=message.replace('train_00002', img_id)):
        _dataset(root)


def test_empty_label_list_is_allowed_and_counted(demo_root: Path, tmp_path: Path) -> None:
    root = tmp_path / 'empty'
    shutil.copytree(demo_root, root)
    labels = json.loads((root / 'image_labels.json').read_text())
    ids = (root / 'ImageSets/Segmentation/train.txt').read_text().split()
    for img_id in (ids[3], ids[7]):
        labels[img_id] = []
    (root / 'image_labels.json').write_text(json.dumps(labels))
    dataset = _dataset(root)
    assert dataset.empty_label_ids == [ids[3], ids[7]]
    index = [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))].index(ids[3])
    assert not dataset.get_data_info(index)['img_labels'].any()
    assert _dataset(demo_root).empty_label_ids == []


def test_missing_saliency_map_is_named(demo_root: Path, tmp_path: Path) -> None:
    root = tmp_path / 'nosal'
    shutil.copytree(demo_root, root)
    (root / 'SaliencyMaps' / 'train_00000.png').unlink()
    dataset = _dataset(root, check_files=False)
    with pytest.raises(FileNotFoundError, match='train_00000.png'):
        dataset[0]


def test_stage_outputs_are_not_joined_with_data_root(demo_root, tmp_path) -> None:
    dataset = WSSSDataset(
        data_root=str(demo_root), ann_file='ImageSets/Segmentation/train.txt',
        img_label_file='image_labels.json', check_files=False,
        data_prefix=dict(img_path='JPEGImages', cam_path='work_dirs/x/cams',
                         affinity_path=str(tmp_path)), pipeline=[])
    info = dataset.get_data_info(0)
    assert info['cam_path'] == f'work_dirs/x/cams/{info["img_id"]}.npz'
    assert info['affinity_path'] == str(tmp_path / f'{info["img_id"]}.npz')
    assert info['img_path'].startswith(str(demo_root))


def _split(tmp_path: Path, lines) -> Path:
    path = tmp_path / 'split.txt'
    path.write_text(''.join(line + '\n' for line in lines))
    return path


@pytest.mark.parametrize('line, message', [
    ('../JPEGImages/{0}', r"line 4: '\.\./JPEGImages/{0}' is not a plain file name "
                          r'\(contains a path separator\)'),
    ('{root}/JPEGImages/{0}', r"line 4: '{root}/JPEGImages/{0}' is not a plain file name "
                              r'\(absolute path\)'),
    ('', r"line 4: '' is not a plain file name \(empty\)"),
    ('{1}', r"line 4: id '{1}' repeats line 2"),
])
def test_split_ids_are_distinct_plain_names(demo_root: Path, tmp_path: Path, line: str,
                                            message: str) -> None:
    """Each of these lines names an existing image: only the id itself is refused."""
    ids = (demo_root / 'ImageSets/Segmentation/train.txt').read_text().split()
    line = line.format(*ids, root=demo_root)
    split = _split(tmp_path, ids[:3] + [line, ids[3]])
    with pytest.raises(ValueError, match=f'^{split}, ' + message.format(*ids, root=demo_root)):
        _dataset(demo_root, ann_file=str(split))
    assert len(_dataset(demo_root, ann_file=str(_split(tmp_path, ids[:4])))) == 4


@pytest.mark.parametrize('text, message', [
    ('{{"../x": [1], {entries}}}', r"image_labels.json: key: '\.\./x' is not a plain file name"),
    ('{{"{0}": [2], {entries}}}', r"image_labels.json: key '{0}' appears twice in one object"),
])
def test_label_file_keys_are_distinct_plain_names(demo_root: Path, tmp_path: Path, text: str,
                                                  message: str) -> None:
    labels = json.loads((demo_root / 'image_labels.json').read_text())
    first = next(iter(labels))
    entries = json.dumps(labels)[1:-1]
    label_file = tmp_path / 'image_labels.json'
    label_file.write_text(text.format(first, entries=entries))
    with pytest.raises(ValueError, match=message.format(first)):
        _dataset(demo_root, img_label_file=str(label_file))


def test_meta_json_declares_the_classes(demo_root: Path, tmp_path: Path) -> None:
    """A hand-written meta.json needs only the classes (palette: VOC's colours)."""
    root = tmp_path / 'two'
    shutil.copytree(demo_root, root)
    (root / 'meta.json').write_text('{"classes": ["background", "checker", "stripes", '
                                    '"dots", "rings", "zigzag", "train"]}')
    dataset = _dataset(root)
    assert dataset.metainfo['classes'] == DEMO_CLASSES
    assert dataset.metainfo['palette'][:3] == [[0, 0, 0], [128, 0, 0], [0, 128, 0]]
    for meta, message in (
            ('{"classes": ["background"]}', 'at least two distinct names'),
            ('{"classes": ["background", "a", "a"]}', 'at least two distinct names'),
            ('{"classes": ["background", "a"], "palette": [[0, 0, 0]]}',
             r'one \[R, G, B\] colour per class \(2\)')):
        (root / 'meta.json').write_text(meta)
        with pytest.raises(ValueError, match=f'{root}/meta.json: .*{message}'):
            _dataset(root)


def test_no_ground_truth(demo_root: Path) -> None:
    """``seg_map_path=None`` (a dataset without masks): no ground truth is loaded."""
    dataset = _dataset(demo_root, data_prefix=dict(img_path='JPEGImages', seg_map_path=None),
                       pipeline=[dict(type='LoadWSSSImage'), dict(type='LoadWSSSAnnotations'),
                                 dict(type='PackWSSSInputs')])
    assert 'seg_map_path' not in dataset.get_data_info(0)
    sample = dataset[0]['data_samples']
    assert 'gt_sem_seg' not in sample and 'seg_map_path' not in sample.metainfo
    assert sample.gt_img_labels.shape == (6, )
