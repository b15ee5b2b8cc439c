"""tools/prepare_voc.py on a tiny VOC 2012 + SBD in the official formats."""
import json
import os
from pathlib import Path
from typing import Sequence
from xml.dom import minidom

import numpy as np
import pytest
import scipy.io
import scipy.sparse
from PIL import Image

from mmwsss.datasets.preparation import (VOC_XML_NAMES, prepare_voc_aug, prepare_voc_test,
                                         read_sbd_mask, read_xml_labels, train_aug_ids)
from mmwsss.utils import read_label_png, save_label_png, voc_palette

SPLITS = dict(sbd_train=['2008_000001', '2008_000002', '2008_000003'],
              sbd_val=['2008_000004', '2008_000005'],
              voc_train=['2008_000003', '2008_000006'],
              voc_val=['2008_000005', '2008_000007'])
VOC_MASKED = ['2008_000003', '2008_000005', '2008_000006', '2008_000007']
SBD_MASKED = ['2008_000001', '2008_000002', '2008_000003', '2008_000004', '2008_000005']
EXTRA_XML_OBJECT = '2008_000002'
"""Its XML also names a difficult person, absent from its mask."""
OFFICIAL_NAMES = ['aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat',
                  'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person',
                  'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor']
"""The class list of PSA's voc12/data.py, in its order (entry i: class value i + 1)."""
ANNOTATION = """<annotation>
  <folder>VOC2012</folder>
  <filename>2008_000099.jpg</filename>
  <size><width>8</width><height>6</height><depth>3</depth></size>
  <object>
    <name>person</name>
    <pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>
    <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>4</xmax><ymax>5</ymax></bndbox>
    <part><name>head</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></part>
    <part><name>hand</name><bndbox><xmin>3</xmin><ymin>3</ymin><xmax>4</xmax><ymax>4</ymax></bndbox></part>
  </object>
  <object>
    <name>chair</name><truncated>1</truncated><difficult>1</difficult>
    <bndbox><xmin>4</xmin><ymin>2</ymin><xmax>7</xmax><ymax>5</ymax></bndbox>
  </object>
  <object>
    <name>person</name><difficult>0</difficult>
  </object>
  <object>
    <name>tvmonitor</name><occluded>1</occluded><difficult>1</difficult>
  </object>
  <object>
    <name> cat </name><difficult>0</difficult>
  </object>
  <object>
    <name>unicorn</name><difficult>0</difficult>
  </object>
</annotation>
"""
"""A hand-written annotation: parts, difficult and truncated objects, a class
named twice, a name with spaces and a name that is no class."""


def official_xml_labels(path: Path) -> list:
    """The official rule, written from its description: every element ``name`` of
    the document whose first child's text is a class name sets that class."""
    names = [element.firstChild.data for element in
             minidom.parse(str(path)).getElementsByTagName('name')]
    return [index + 1 for index, name in enumerate(OFFICIAL_NAMES) if name in names]


def write_annotation(path: Path, names: Sequence[str], difficult: Sequence[str] = ()) -> None:
    """A VOC XML file naming ``names`` (and ``difficult`` as difficult objects)."""
    objects = ''.join(f'<object><name>{name}</name><difficult>0</difficult></object>'
                      for name in names)
    objects += ''.join(f'<object><name>{name}</name><difficult>1</difficult></object>'
                       for name in difficult)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<annotation><filename>{path.stem}.jpg</filename>{objects}</annotation>')


def sbd_mask(index: int) -> np.ndarray:
    """A 6 x 8 class mask with class ``index`` in a block."""
    mask = np.zeros((6, 8), np.uint8)
    mask[1:4, 2:7] = index
    return mask


def write_sbd_mat(path: Path, mask: np.ndarray) -> None:
    """An SBD cls/*.mat file: struct GTcls with Boundaries, Segmentation, CategoriesPresent."""
    classes = [int(v) for v in np.unique(mask) if v]
    boundaries = np.empty((20, 1), dtype=object)
    for index in range(20):
        boundaries[index, 0] = scipy.sparse.csc_matrix(mask.shape, dtype=bool)
    scipy.io.savemat(str(path), dict(GTcls=dict(
        Boundaries=boundaries, Segmentation=mask,
        CategoriesPresent=np.array(classes, np.uint8))))


@pytest.fixture
def voc_sbd(tmp_path: Path):
    """A VOC2012 folder and an SBD dataset folder with the SPLITS above."""
    voc, sbd = tmp_path / 'VOCdevkit/VOC2012', tmp_path / 'benchmark_RELEASE/dataset'
    (voc / 'ImageSets/Segmentation').mkdir(parents=True)
    (voc / 'JPEGImages').mkdir()
    (sbd / 'cls').mkdir(parents=True)
    for name, folder in (('voc_train', voc / 'ImageSets/Segmentation/train.txt'),
                         ('voc_val', voc / 'ImageSets/Segmentation/val.txt'),
                         ('sbd_train', sbd / 'train.txt'), ('sbd_val', sbd / 'val.txt')):
        folder.write_text(''.join(i + '\n' for i in SPLITS[name]))
    all_ids = sorted({i for ids in SPLITS.values() for i in ids})
    for index, img_id in enumerate(all_ids, start=1):
        Image.fromarray(np.full((6, 8, 3), 50, np.uint8)).save(voc / 'JPEGImages' / f'{img_id}.jpg')
        if img_id in SBD_MASKED:
            write_sbd_mat(sbd / 'cls' / f'{img_id}.mat', sbd_mask(index))
        if img_id in VOC_MASKED:
            mask = sbd_mask(index)
            mask[0, :] = 255  # VOC's boundary label
            save_label_png(mask, voc / 'SegmentationClass' / f'{img_id}.png')
        write_annotation(voc / 'Annotations' / f'{img_id}.xml', [VOC_XML_NAMES[index - 1]],
                         ['person'] if img_id == EXTRA_XML_OBJECT else [])
    return voc, sbd


def test_xml_labels_follow_the_official_rule(tmp_path: Path) -> None:
    assert list(VOC_XML_NAMES) == OFFICIAL_NAMES
    path = tmp_path / '2008_000099.xml'
    path.write_text(ANNOTATION)
    # person (parts skipped), the difficult chair and tvmonitor; ' cat ' and
    # 'unicorn' are no class names
    assert read_xml_labels(str(path)) == official_xml_labels(path) == [9, 15, 20]
    write_annotation(path, ['sheep', 'aeroplane'], ['bottle'])
    assert read_xml_labels(str(path)) == official_xml_labels(path) == [1, 5, 17]
    write_annotation(path, [])
    assert read_xml_labels(str(path)) == official_xml_labels(path) == []
    path.write_text('<annotation><object><name>cat</name></object>')
    with pytest.raises(ValueError, match='cannot parse VOC annotation .*2008_000099.xml'):
        read_xml_labels(str(path))
    with pytest.raises(FileNotFoundError, match='VOC annotation not found: .*missing.xml'):
        read_xml_labels(str(tmp_path / 'missing.xml'))


def test_train_aug_ids() -> None:
    assert train_aug_ids(**SPLITS) == ['2008_000001', '2008_000002', '2008_000003',
                                       '2008_000004', '2008_000006']


def test_read_sbd_mask(tmp_path: Path) -> None:
    write_sbd_mat(tmp_path / 'a.mat', sbd_mask(7))
    assert np.array_equal(read_sbd_mask(str(tmp_path / 'a.mat')), sbd_mask(7))
    scipy.io.savemat(str(tmp_path / 'b.mat'), dict(other=np.zeros(3)))
    with pytest.raises(ValueError, match='b.mat has no GTcls.Segmentation'):
        read_sbd_mask(str(tmp_path / 'b.mat'))
    write_sbd_mat(tmp_path / 'c.mat', sbd_mask(21))
    with pytest.raises(ValueError, match='c.mat.*outside 0..20'):
        read_sbd_mask(str(tmp_path / 'c.mat'))


def test_prepare_voc_aug(voc_sbd) -> None:
    voc, sbd = voc_sbd
    counts = prepare_voc_aug(str(voc), str(sbd), progress=False)
    assert counts == dict(train_aug=5, written=7, kept=0, from_voc=4, from_sbd=3,
                          image_labels=7, labels_differ=1,
                          sbd_train=3, sbd_val=2, voc_train=2, voc_val=2)
    # the XML labels of train_aug and val: image i has class i, and
    # EXTRA_XML_OBJECT also its difficult person (15)
    labels = json.loads((voc / 'image_labels.json').read_text())
    assert labels == {f'2008_00000{i}': [2, 15] if i == 2 else [i] for i in range(1, 8)}
    assert (voc / 'ImageSets/Segmentation/train_aug.txt').read_text().split() == \
        train_aug_ids(**SPLITS)
    out = voc / 'SegmentationClassAug'
    assert sorted(os.listdir(out)) == [f'2008_00000{i}.png' for i in range(1, 8)]
    # SBD-only image: SBD's mask; image in both: VOC's mask with its 255 boundary
    assert np.array_equal(read_label_png(str(out / '2008_000001.png')), sbd_mask(1))
    expected = sbd_mask(3)
    expected[0, :] = 255
    assert np.array_equal(read_label_png(str(out / '2008_000003.png')), expected)
    with Image.open(out / '2008_000001.png') as image:
        assert image.mode == 'P'
        assert np.array_equal(np.array(image.getpalette()[:63]).reshape(21, 3),
                              voc_palette(21))
    # an interrupted run (a mask missing, a temporary file left) resumes
    (out / '2008_000002.png').unlink()
    (out / '.2008_000002.abc.tmp.png').write_bytes(b'partial')
    counts = prepare_voc_aug(str(voc), str(sbd), progress=False)
    assert (counts['written'], counts['kept']) == (1, 6)
    assert np.array_equal(read_label_png(str(out / '2008_000002.png')), sbd_mask(2))


def test_prepare_voc_test(voc_sbd, tmp_path: Path) -> None:
    voc, _ = voc_sbd
    test_root = tmp_path / 'VOC2012test/VOCdevkit/VOC2012'
    (test_root / 'ImageSets/Segmentation').mkdir(parents=True)
    (test_root / 'JPEGImages').mkdir()
    ids = ['2008_000010', '2008_000011']
    (test_root / 'ImageSets/Segmentation/test.txt').write_text('2008_000010\n2008_000011\n')
    for value, img_id in enumerate(ids):
        Image.fromarray(np.full((6, 8, 3), value, np.uint8)).save(
            test_root / 'JPEGImages' / f'{img_id}.jpg')
    assert prepare_voc_test(str(voc), str(test_root)) == dict(test=2, copied=2, kept=0)
    assert (voc / 'ImageSets/Segmentation/test.txt').read_text().split() == ids
    for img_id in ids:
        assert (voc / 'JPEGImages' / f'{img_id}.jpg').read_bytes() == \
            (test_root / 'JPEGImages' / f'{img_id}.jpg').read_bytes()
    # extracted over the trainval folder: nothing to copy
    assert prepare_voc_test(str(voc), str(voc)) == dict(test=2, copied=0, kept=2)
    (test_root / 'JPEGImages/2008_000011.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='1 test images missing from .*2008_000011.jpg'):
        prepare_voc_test(str(voc), str(test_root))


def test_prepare_voc_aug_errors(voc_sbd) -> None:
    voc, sbd = voc_sbd
    (voc / 'Annotations/2008_000007.xml').unlink()
    with pytest.raises(FileNotFoundError, match='VOC annotation not found: .*2008_000007.xml'):
        prepare_voc_aug(str(voc), str(sbd), progress=False)
    assert not (voc / 'SegmentationClassAug').exists()
    write_annotation(voc / 'Annotations/2008_000007.xml', ['cow'])
    (sbd / 'cls/2008_000004.mat').unlink()
    with pytest.raises(FileNotFoundError, match='2008_000004.mat'):
        prepare_voc_aug(str(voc), str(sbd), progress=False)
    (voc / 'JPEGImages/2008_000002.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='2008_000002.jpg'):
        prepare_voc_aug(str(voc), str(sbd), progress=False)


@pytest.mark.parametrize('bad_id, reason', [
    ('{outside}/evil', 'absolute path'),
    ('../../../../x', 'contains a path separator'),
])
def test_prepare_voc_aug_refuses_ids_outside_the_folders(voc_sbd, tmp_path: Path, bad_id: str,
                                                         reason: str) -> None:
    voc, sbd = voc_sbd
    outside = tmp_path / 'outside'
    outside.mkdir()
    bad_id = bad_id.format(outside=outside)
    # the image and SBD mask an absolute id names exist: only the id is wrong
    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(outside / 'evil.jpg')
    write_sbd_mat(outside / 'evil.mat', sbd_mask(1))
    with open(sbd / 'train.txt', 'a') as file:
        file.write(bad_id + '\n')
    with pytest.raises(ValueError, match=rf"train.txt, line 4: '{bad_id}' is not a plain "
                                         rf'file name \({reason}\)'):
        prepare_voc_aug(str(voc), str(sbd), progress=False)
    # refused before anything is written
    assert not (voc / 'SegmentationClassAug').exists()
    assert not (voc / 'ImageSets/Segmentation/train_aug.txt').exists()
    assert sorted(p.name for p in outside.iterdir()) == ['evil.jpg', 'evil.mat']


def test_prepare_voc_aug_refuses_repeated_ids(voc_sbd) -> None:
    voc, sbd = voc_sbd
    with open(voc / 'ImageSets/Segmentation/val.txt', 'a') as file:
        file.write('2008_000005\n')
    with pytest.raises(ValueError, match=r"val.txt, line 3: id '2008_000005' repeats line 1"):
        prepare_voc_aug(str(voc), str(sbd), progress=False)
    assert not (voc / 'SegmentationClassAug').exists()
