"""tools/prepare_coco.py on a tiny instances_train2014.json."""
import json
from pathlib import Path
from typing import List

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

from mmwsss.datasets.preparation import (COCO_CATEGORY_IDS, coco_semantic_mask,
                                         decode_coco_rle, fill_polygon, prepare_coco)
from mmwsss.utils import read_label_png
from tests.conftest import REPO_ROOT

LABEL = {cat: index + 1 for index, cat in enumerate(COCO_CATEGORY_IDS)}


def encode_rle_string(runs: List[int]) -> str:
    """COCO's compressed RLE string, written from its format description."""
    text = ''
    for index, value in enumerate(runs):
        if index > 2:
            value -= runs[index - 2]
        more = True
        while more:
            chunk = value & 0x1f
            value >>= 5
            more = value != -1 if chunk & 0x10 else value != 0
            text += chr((chunk | (0x20 if more else 0)) + 48)
    return text


def runs_of(mask: np.ndarray) -> List[int]:
    """Column-major run lengths, starting with a run of zeros."""
    flat = mask.T.reshape(-1)
    runs, current, length = [], 0, 0
    for value in flat:
        if value == current:
            length += 1
        else:
            runs.append(length)
            current, length = value, 1
    return runs + [length]


def test_decode_rle_hand_computed() -> None:
    # runs 1, 2, 3, 1 -> '123O' (the 4th run is stored as 1 - 2 = -1 -> chunk 31)
    assert encode_rle_string([1, 2, 3, 1]) == '123O'
    mask = decode_coco_rle('123O', 7, 1)
    assert mask[:, 0].tolist() == [0, 1, 1, 0, 0, 0, 1]
    # uncompressed: column-major, 2 x 3
    assert decode_coco_rle([1, 2, 3], 2, 3).tolist() == [[0, 1, 0], [1, 0, 0]]
    with pytest.raises(ValueError, match='ann 7: RLE runs cover 5 pixels.*6'):
        decode_coco_rle([1, 4], 2, 3, where='ann 7')


def test_decode_rle_round_trip() -> None:
    rng = np.random.default_rng(0)
    mask = (rng.random((37, 23)) < 0.3).astype(np.uint8)
    mask[:, :5] = 1  # long runs: multi-chunk values
    runs = runs_of(mask)
    assert np.array_equal(decode_coco_rle(encode_rle_string(runs), 37, 23), mask)
    assert np.array_equal(decode_coco_rle(runs, 37, 23), mask)


def test_semantic_mask_polygon_and_overlap() -> None:
    # rectangle from (2, 1) to (6, 4) in COCO's continuous coordinates: pixels x 2..5, y 1..3
    big = dict(id=1, image_id=1, category_id=1, area=16.0,
               segmentation=[[2, 1, 6, 1, 6, 4, 2, 4]])
    small = dict(id=2, image_id=1, category_id=90, area=1.0,
                 segmentation=dict(size=[6, 8], counts=[8 * 6 - 1, 1]))
    mask = coco_semantic_mask(6, 8, [small, big], LABEL)
    expected = np.zeros((6, 8), np.uint8)
    expected[1:4, 2:6] = LABEL[1]
    expected[5, 7] = LABEL[90]  # the last pixel in column-major order
    assert np.array_equal(mask, expected)
    # the smaller instance wins where they overlap
    small['segmentation'] = [[3, 2, 4, 2, 4, 3, 3, 3]]
    mask = coco_semantic_mask(6, 8, [small, big], LABEL)
    assert mask[2, 3] == 80 and (mask == 1).sum() == 11


def brute_force_inside(polygon: List[float], height: int, width: int) -> np.ndarray:
    """Even-odd ray casting from every pixel centre, one pixel at a time."""
    points = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    mask = np.zeros((height, width), np.uint8)
    for row in range(height):
        for col in range(width):
            x, y, inside = col + 0.5, row + 0.5, False
            for (xa, ya), (xb, yb) in zip(points, np.roll(points, -1, axis=0)):
                if (ya <= y) != (yb <= y):
                    cross = xa + (y - ya) * (xb - xa) / (yb - ya)
                    if x >= cross:
                        inside = not inside
            mask[row, col] = inside
    return mask


def test_fill_polygon_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    polygons = [[2, 1, 6, 1, 6, 4, 2, 4], [0.3, 0.2, 11.7, 3.1, 5.2, 9.9],
                [-3, -2, 20, 4, 4, 15]]  # the last one crosses the border
    polygons += [list(rng.uniform(-1, 13, 14)) for _ in range(10)]  # self-intersecting
    for polygon in polygons:
        mask = np.zeros((10, 12), np.uint8)
        fill_polygon(mask, polygon)
        np.testing.assert_array_equal(mask, brute_force_inside(polygon, 10, 12))


def write_annotations(path: Path) -> None:
    """Three images: polygons + crowd RLE, compressed RLE, no annotation."""
    person = np.zeros((5, 4), np.uint8)
    person[1:3, 1:3] = 1
    data = dict(
        images=[dict(id=9, file_name='COCO_train2014_000000000009.jpg', height=6, width=8),
                dict(id=25, file_name='COCO_train2014_000000000025.jpg', height=5, width=4),
                dict(id=30, file_name='COCO_train2014_000000000030.jpg', height=4, width=4)],
        categories=[dict(id=cat, name=f'category {cat}', supercategory='x')
                    for cat in COCO_CATEGORY_IDS],
        annotations=[
            dict(id=1, image_id=9, category_id=18, area=16.0, iscrowd=0,
                 segmentation=[[2, 1, 6, 1, 6, 4, 2, 4]]),
            dict(id=2, image_id=9, category_id=90, area=2.0, iscrowd=1,
                 segmentation=dict(size=[6, 8], counts=[46, 2])),
            dict(id=3, image_id=25, category_id=1, area=4.0, iscrowd=0,
                 segmentation=dict(size=[5, 4], counts=encode_rle_string(runs_of(person))))])
    path.write_text(json.dumps(data))


def test_prepare_coco(tmp_path: Path) -> None:
    write_annotations(tmp_path / 'instances_train2014.json')
    root = tmp_path / 'coco2014'
    counts = prepare_coco(str(tmp_path / 'instances_train2014.json'), str(root),
                          progress=False)
    assert counts == dict(images=3, labelled=2, unlabelled=1, annotations=3)
    assert (root / 'ImageSets/train.txt').read_text().split() == [
        'COCO_train2014_000000000009', 'COCO_train2014_000000000025']
    labels = json.loads((root / 'image_labels.json').read_text())
    assert labels == {'COCO_train2014_000000000009': [17, 80],
                      'COCO_train2014_000000000025': [1]}
    masks = root / 'SegmentationClass/train2014'
    first = read_label_png(str(masks / 'COCO_train2014_000000000009.png'))
    assert np.unique(first).tolist() == [0, 17, 80]
    assert (first == 17).sum() == 12 and first[4, 7] == first[5, 7] == 80
    second = read_label_png(str(masks / 'COCO_train2014_000000000025.png'))
    assert second.shape == (5, 4) and (second == 1).sum() == 4 and second[1:3, 1:3].all()
    assert not (masks / 'COCO_train2014_000000000030.png').exists()
    # the WSSS dataset reads the result as the EPS COCO config does
    meta = Config.fromfile(str(REPO_ROOT / 'configs/_base_/datasets/coco14_eps.py')).metainfo
    dataset = DATASETS.build(dict(
        type='WSSSDataset', data_root=str(root), metainfo=meta, check_files=False,
        ann_file='ImageSets/train.txt', img_label_file='image_labels.json',
        data_prefix=dict(img_path='train2014', seg_map_path='SegmentationClass/train2014'),
        pipeline=[]))
    assert dataset.get_data_info(0)['img_labels'].nonzero()[0].tolist() == [16, 79]
    assert meta.classes[17] == 'dog' and meta.classes[80] == 'toothbrush'


def test_prepare_coco_resumes_in_parallel(tmp_path: Path) -> None:
    write_annotations(tmp_path / 'instances_train2014.json')
    root = tmp_path / 'coco2014'
    prepare_coco(str(tmp_path / 'instances_train2014.json'), str(root), workers=2,
                 progress=False)
    mask = root / 'SegmentationClass/train2014/COCO_train2014_000000000025.png'
    kept = root / 'SegmentationClass/train2014/COCO_train2014_000000000009.png'
    mask.unlink()
    kept.write_bytes(kept.read_bytes())  # an existing mask is not rewritten
    mtime = kept.stat().st_mtime_ns
    counts = prepare_coco(str(tmp_path / 'instances_train2014.json'), str(root), workers=2,
                          progress=False)
    assert counts['labelled'] == 2 and kept.stat().st_mtime_ns == mtime
    assert (read_label_png(str(mask)) == 1).sum() == 4


def test_prepare_coco_rejects_other_categories(tmp_path: Path) -> None:
    path = tmp_path / 'instances.json'
    path.write_text(json.dumps(dict(images=[], annotations=[],
                                    categories=[dict(id=1, name='person')])))
    with pytest.raises(ValueError, match='instances.json: categories .* not the 80'):
        prepare_coco(str(path), str(tmp_path / 'out'), progress=False)


def _edited_annotations(tmp_path: Path, edit) -> Path:
    """The annotations of ``write_annotations`` changed by ``edit(data)``."""
    path = tmp_path / 'instances_train2014.json'
    write_annotations(path)
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize('file_name, reason', [
    ('{outside}/x.jpg', 'absolute path'),
    ('../../x.jpg', 'contains a path separator'),
    ('', 'empty'),
])
def test_prepare_coco_refuses_file_names_outside_the_mask_folder(tmp_path: Path, file_name,
                                                                 reason: str) -> None:
    outside = tmp_path / 'outside'
    outside.mkdir()
    file_name = file_name.format(outside=outside)
    path = _edited_annotations(
        tmp_path, lambda data: data['images'][0].update(file_name=file_name))
    root = tmp_path / 'coco2014'
    with pytest.raises(ValueError, match=rf'instances_train2014.json: images\[0\].file_name: '
                                         rf'.* is not a plain file name \({reason}\)'):
        prepare_coco(str(path), str(root), progress=False)
    # refused before anything is written, inside or outside the root
    assert not root.exists() and list(outside.iterdir()) == []
    assert not (tmp_path / 'x.png').exists()


@pytest.mark.parametrize('key, value, message', [
    ('file_name', 'COCO_train2014_000000000009.jpg',
     r"images\[1\].file_name 'COCO_train2014_000000000009.jpg' gives the mask name "
     r"'COCO_train2014_000000000009' of images\[0\]"),
    ('file_name', 'COCO_train2014_000000000009.png',
     r"images\[1\].file_name 'COCO_train2014_000000000009.png' gives the mask name "),
    ('id', 9, r"images\[1\].id 9 gives the image id 9 of images\[0\]"),
])
def test_prepare_coco_refuses_repeated_images(tmp_path: Path, key: str, value,
                                              message: str) -> None:
    path = _edited_annotations(tmp_path, lambda data: data['images'][1].update({key: value}))
    root = tmp_path / 'coco2014'
    with pytest.raises(ValueError, match='instances_train2014.json: ' + message):
        prepare_coco(str(path), str(root), progress=False)
    assert not root.exists()


@pytest.mark.parametrize('edit, message', [
    (lambda data: data['annotations'][1].update(category_id=999),
     r"annotations\[1\] \(id 2\): category_id 999 is not one of the 80 COCO categories"),
    (lambda data: data['images'][2].update(height=200000, width=200000),
     r'images\[2\] \(COCO_train2014_000000000030.jpg\): 200000x200000 = 40000000000 '
     r'pixels, over the limit of 67108864 pixels'),
    (lambda data: data['images'][0].update(height=0),
     r'images\[0\] \(COCO_train2014_000000000009.jpg\): height and width must be positive '
     'integers'),
    (lambda data: data['annotations'][0].update(segmentation=[[2, 1, 6, 1, 6]]),
     r'annotation 1 of image 9: polygon 0 is not a flat list of x, y numbers'),
    (lambda data: data['annotations'][0].update(segmentation=[[2, 1, 6, 'a', 6, 4]]),
     r'annotation 1 of image 9: polygon 0 is not a flat list of x, y numbers'),
])
def test_prepare_coco_bad_entries_are_named(tmp_path: Path, edit, message: str) -> None:
    path = _edited_annotations(tmp_path, edit)
    with pytest.raises(ValueError, match=f'{path}: {message}'):
        prepare_coco(str(path), str(tmp_path / 'coco2014'), progress=False)
