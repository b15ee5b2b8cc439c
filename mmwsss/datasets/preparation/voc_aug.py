"""PASCAL VOC 2012 + SBD: ``SegmentationClassAug``, ``train_aug.txt``, ``image_labels.json``.

The WSSS literature trains on ``train_aug``: the images of the SBD train and
val splits and of the VOC 2012 segmentation train split, minus the VOC 2012
segmentation val split (10,582 images on the official releases). Their masks
are VOC's own (``SegmentationClass``, with 255 on object boundaries) where VOC
has one, else SBD's class masks (``cls/{id}.mat``, field
``GTcls.Segmentation``, values 0..20, no boundary label). Their image-level
labels are those of the XML annotations (:mod:`.voc_xml_labels`), as in the
official code. The test split (no annotations) comes from VOC 2012's separate
test archive.
"""
import os
import os.path as osp
import shutil
from typing import Dict, List, Sequence

import numpy as np
import scipy.io
from tqdm import tqdm

from mmwsss.utils import atomic_path, read_id_list, read_label_png, save_json, save_label_png
from .voc_xml_labels import labels_differing_from_masks, voc_xml_image_labels


TRAIN_AUG_SIZE = 10582
"""Number of ``train_aug`` ids on the official VOC 2012 and SBD releases."""
OFFICIAL_SPLIT_SIZES = dict(sbd_train=8498, sbd_val=2857, voc_train=1464, voc_val=1449)
TEST_SIZE = 1456
"""Number of VOC 2012 segmentation test ids (``ImageSets/Segmentation/test.txt``)."""
NUM_VOC_CLASSES = 21


def read_sbd_mask(path: str) -> np.ndarray:
    """Read the class mask of an SBD ``cls/{id}.mat`` file.

    Args:
        path: ``.mat`` file holding a struct ``GTcls`` with a field
            ``Segmentation`` (H, W), values 0..20.

    Returns:
        uint8 array (H, W).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not an SBD class annotation.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'SBD annotation not found: {path}')
    try:
        data = scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False)
    except (OSError, ValueError) as error:
        raise ValueError(f'cannot read SBD annotation {path}: {error}') from error
    if 'GTcls' not in data or not hasattr(data['GTcls'], 'Segmentation'):
        raise ValueError(f'{path} has no GTcls.Segmentation (not an SBD cls/*.mat file)')
    mask = np.asarray(data['GTcls'].Segmentation)
    if mask.ndim != 2:
        raise ValueError(f'{path}: GTcls.Segmentation has shape {mask.shape}, expected (H, W)')
    if mask.size and (mask.min() < 0 or mask.max() >= NUM_VOC_CLASSES):
        raise ValueError(f'{path}: GTcls.Segmentation has values outside 0..20 '
                         f'({int(mask.min())}..{int(mask.max())})')
    return mask.astype(np.uint8)


def train_aug_ids(sbd_train: Sequence[str], sbd_val: Sequence[str],
                  voc_train: Sequence[str], voc_val: Sequence[str]) -> List[str]:
    """SBD train + SBD val + VOC train, minus VOC val, sorted, without duplicates."""
    excluded = set(voc_val)
    return sorted(set(sbd_train).union(sbd_val, voc_train) - excluded)


def prepare_voc_aug(voc_root: str, sbd_root: str, progress: bool = True) -> Dict[str, int]:
    """Write ``SegmentationClassAug``, ``train_aug.txt`` and ``image_labels.json``.

    Masks of the ``train_aug`` and VOC val images are written as VOC-palette
    PNGs to ``{voc_root}/SegmentationClassAug``, each to a temporary file then
    renamed; masks already there are kept, so an interrupted run resumes.
    ``{voc_root}/image_labels.json`` holds the image-level labels of the same
    images (train_aug, so train, and val) read from ``Annotations/{id}.xml``
    by the official rule (:func:`.voc_xml_labels.read_xml_labels`); the
    number of images whose labels differ from their mask's is returned.

    Args:
        voc_root: ``VOCdevkit/VOC2012`` (``JPEGImages``, ``Annotations``,
            ``SegmentationClass``, ``ImageSets/Segmentation/{train,val}.txt``).
        sbd_root: SBD's ``benchmark_RELEASE/dataset`` (``cls/*.mat``,
            ``train.txt``, ``val.txt``).
        progress: Show a progress bar.

    Returns:
        Counts: ``train_aug``, ``written``, ``kept`` (already present),
        ``from_voc``, ``from_sbd``, ``image_labels`` (images in
        ``image_labels.json``), ``labels_differ`` (of those, images whose XML
        labels differ from their mask's) and the four input split sizes.

    Raises:
        FileNotFoundError: an input folder, split, image or annotation (mask or
            XML) is missing.
        ValueError: a split lists an id that is not a plain file name (with a
            path separator, ``..``, ...) or lists an id twice; nothing is
            written then.
        RuntimeError: the final count check fails.
    """
    for folder in (voc_root, sbd_root):
        if not osp.isdir(folder):
            raise FileNotFoundError(f'folder not found: {folder}')
    splits = dict(
        sbd_train=read_id_list(osp.join(sbd_root, 'train.txt')),
        sbd_val=read_id_list(osp.join(sbd_root, 'val.txt')),
        voc_train=read_id_list(osp.join(voc_root, 'ImageSets/Segmentation/train.txt')),
        voc_val=read_id_list(osp.join(voc_root, 'ImageSets/Segmentation/val.txt')))
    ids = train_aug_ids(**splits)
    to_write = sorted(set(ids).union(splits['voc_val']))
    missing_images = [i for i in to_write
                      if not osp.isfile(osp.join(voc_root, 'JPEGImages', i + '.jpg'))]
    if missing_images:
        raise FileNotFoundError(
            f'{len(missing_images)} images missing from {voc_root}/JPEGImages, '
            f'e.g. {missing_images[0]}.jpg')
    xml_labels = voc_xml_image_labels(voc_root, to_write)
    out_dir = osp.join(voc_root, 'SegmentationClassAug')
    os.makedirs(out_dir, exist_ok=True)
    counts = dict(written=0, kept=0, from_voc=0, from_sbd=0)
    for img_id in tqdm(to_write, desc='SegmentationClassAug', disable=not progress):
        voc_mask = osp.join(voc_root, 'SegmentationClass', img_id + '.png')
        counts['from_voc' if osp.isfile(voc_mask) else 'from_sbd'] += 1
        out = osp.join(out_dir, img_id + '.png')
        if osp.isfile(out):
            counts['kept'] += 1
            continue
        if osp.isfile(voc_mask):
            mask = read_label_png(voc_mask)
        else:
            mask = read_sbd_mask(osp.join(sbd_root, 'cls', img_id + '.mat'))
        save_label_png(mask, out)
        counts['written'] += 1
    split_file = osp.join(voc_root, 'ImageSets/Segmentation/train_aug.txt')
    save_lines(ids, split_file)
    present = {osp.splitext(name)[0] for name in os.listdir(out_dir)
               if name.endswith('.png') and not name.startswith('.')}
    absent = [i for i in to_write if i not in present]
    if absent:
        raise RuntimeError(f'{len(absent)} masks missing from {out_dir} after writing, '
                           f'e.g. {absent[0]}.png')
    save_json(xml_labels, osp.join(voc_root, 'image_labels.json'))
    differ = labels_differing_from_masks(xml_labels, out_dir)
    counts.update(image_labels=len(xml_labels), labels_differ=len(differ))
    sizes = {name: len(values) for name, values in splits.items()}
    if sizes == OFFICIAL_SPLIT_SIZES and len(ids) != TRAIN_AUG_SIZE:
        raise RuntimeError(f'official splits give {len(ids)} train_aug ids, '
                           f'expected {TRAIN_AUG_SIZE}')
    return dict(train_aug=len(ids), **counts, **sizes)


def save_lines(lines: Sequence[str], path: str) -> None:
    """Atomically write one string per line."""
    with atomic_path(path) as tmp:
        with open(tmp, 'w') as file:
            file.writelines(line + '\n' for line in lines)


def prepare_voc_test(voc_root: str, test_root: str) -> Dict[str, int]:
    """Add the VOC 2012 test images and ``test.txt`` to ``voc_root``.

    The test images come in a separate archive (``VOC2012test.tar``) whose
    ``VOCdevkit/VOC2012`` holds ``JPEGImages`` and
    ``ImageSets/Segmentation/test.txt``; extracted elsewhere, its listed images
    are copied into ``{voc_root}/JPEGImages`` (each to a temporary file then
    renamed; images already there are kept) and the list is written to
    ``{voc_root}/ImageSets/Segmentation/test.txt``. ``test_root`` may be
    ``voc_root`` itself (the archive extracted over the trainval folder).

    Args:
        voc_root: ``VOCdevkit/VOC2012`` of the trainval data.
        test_root: ``VOCdevkit/VOC2012`` of the extracted test archive.

    Returns:
        Counts: ``test`` (ids), ``copied``, ``kept``.

    Raises:
        FileNotFoundError: a folder, the test list or a listed image is missing.
        ValueError: the list has an id that is not a plain file name or
            repeats one; nothing is copied then.
    """
    for folder in (voc_root, test_root):
        if not osp.isdir(folder):
            raise FileNotFoundError(f'folder not found: {folder}')
    ids = read_id_list(osp.join(test_root, 'ImageSets/Segmentation/test.txt'))
    missing = [i for i in ids if not osp.isfile(osp.join(test_root, 'JPEGImages', i + '.jpg'))]
    if missing:
        raise FileNotFoundError(f'{len(missing)} test images missing from '
                                f'{test_root}/JPEGImages, e.g. {missing[0]}.jpg')
    counts = dict(test=len(ids), copied=0, kept=0)
    os.makedirs(osp.join(voc_root, 'JPEGImages'), exist_ok=True)
    for img_id in ids:
        source = osp.join(test_root, 'JPEGImages', img_id + '.jpg')
        target = osp.join(voc_root, 'JPEGImages', img_id + '.jpg')
        if osp.isfile(target):
            counts['kept'] += 1
            continue
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        counts['copied'] += 1
    save_lines(ids, osp.join(voc_root, 'ImageSets/Segmentation/test.txt'))
    return counts
