"""A small synthetic dataset in the exact PASCAL VOC 2012 + SBD layout (a rehearsal).

The VOC configs read a folder that a user assembles from VOC 2012 and SBD; this
generator writes a few images in that very layout, so the VOC configs run
unchanged (only ``data_root`` pointed here) before the real data is at hand::

    JPEGImages/{id}.jpg                     RGB, VOC sizes (sides 375..500)
    Annotations/{id}.xml                    VOC XML annotations: one object per class
                                            of the image
    SegmentationClass/{id}.png              palette PNGs of train and val (VOC 2012),
                                            255 on a band along object boundaries
    SegmentationClassAug/{id}.png           palette PNGs of train_aug and val (SBD
                                            + VOC), the same values
    SaliencyMaps/{id}.png                   grey saliency maps of every image (EPS)
    ImageSets/Segmentation/train_aug.txt    train + the SBD-only images
    ImageSets/Segmentation/train.txt        VOC 2012 train (a subset of train_aug)
    ImageSets/Segmentation/val.txt          VOC 2012 val (disjoint from train_aug)
    ImageSets/Segmentation/test.txt         VOC 2012 test (only with num_test: images
                                            without annotations, for
                                            tools/voc_test_submission.py)
    image_labels.json                       image-level labels of train_aug and val
                                            from the XML files (as tools/prepare_voc.py)

Classes and palette are VOC's 21 (``WSSSDataset``'s default, so no ``meta.json``
is written, as in a real VOC folder); ids look like VOC's (``2007_000005``).
The pictures are the demo dataset's (:mod:`mmwsss.synthetic.demo_dataset`): a
class-specific pattern on a body of a random colour; class ``train`` co-occurs
with rails.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from PIL import Image
from scipy.ndimage import binary_dilation

from mmwsss.datasets.preparation import voc_xml_image_labels
from mmwsss.datasets.wsss_dataset import VOC_METAINFO
from mmwsss.utils import atomic_path, save_json, save_label_png
from .demo_dataset import DemoDatasetConfig, _render

BOUNDARY_WIDTH = 2
"""Half-width in pixels of VOC's 255 ("void") band along object boundaries."""


@dataclass(frozen=True)
class VOCRehearsalConfig:
    """Sizes of the rehearsal dataset.

    Attributes:
        num_train: Images of VOC 2012 train (also in train_aug).
        num_sbd: Images only in train_aug (SBD's extra images).
        num_val: Images of VOC 2012 val.
        num_test: Images of VOC 2012 test (JPEGs only, as the test release);
            0 writes no ``test.txt``.
        min_size: Smallest image side (VOC: mostly 375..500).
        max_size: Largest image side.
        jpeg_quality: JPEG quality of the images.
    """

    num_train: int = 4
    num_sbd: int = 4
    num_val: int = 4
    num_test: int = 0
    min_size: int = 375
    max_size: int = 500
    jpeg_quality: int = 90


def void_boundaries(mask: np.ndarray, width: int = BOUNDARY_WIDTH) -> np.ndarray:
    """Mark VOC's 255 band along the boundaries between labels.

    Args:
        mask: uint8 array (H, W) of values 0..C.
        width: Pixels on each side of a boundary set to 255.

    Returns:
        A copy of ``mask`` with 255 on pixels within ``width`` of another label.
    """
    out = mask.copy()
    edges = np.zeros(mask.shape, dtype=bool)
    edges[:, 1:] |= mask[:, 1:] != mask[:, :-1]
    edges[:, :-1] |= mask[:, 1:] != mask[:, :-1]
    edges[1:, :] |= mask[1:, :] != mask[:-1, :]
    edges[:-1, :] |= mask[1:, :] != mask[:-1, :]
    if width > 1:
        edges = binary_dilation(edges, iterations=width - 1)
    out[edges] = 255
    return out


def _voc_ids(split_index: int, count: int) -> List[str]:
    """VOC-looking image ids (``2007_000000``); one year per split keeps them apart."""
    return [f'{2007 + split_index}_{index:06d}' for index in range(count)]


def generate_voc_rehearsal(out_dir: str, seed: int = 0,
                           config: VOCRehearsalConfig = VOCRehearsalConfig()
                           ) -> Dict[str, List[str]]:
    """Write the rehearsal dataset (see the module docstring).

    Two calls with the same arguments write byte-identical files.

    Args:
        out_dir: Folder to write into, the ``data_root`` of the VOC configs
            (created if missing).
        seed: Seed of the random generator.
        config: Sizes.

    Returns:
        The image ids of each split file (``train_aug``, ``train``, ``val``, and
        ``test`` with ``num_test``).
    """
    if (config.num_train < 1 or config.num_sbd < 0 or config.num_val < 1
            or config.num_test < 0):
        raise ValueError(f'need num_train >= 1, num_sbd >= 0, num_val >= 1 and num_test >= 0, '
                         f'got {config}')
    root = Path(out_dir)
    for sub in ('JPEGImages', 'Annotations', 'SegmentationClass', 'SegmentationClassAug', 'SaliencyMaps',
                'ImageSets/Segmentation'):
        (root / sub).mkdir(parents=True, exist_ok=True)
    classes = VOC_METAINFO['classes']
    render_cfg = DemoDatasetConfig(min_size=config.min_size, max_size=config.max_size,
                                   max_objects=3, classes=tuple(classes))
    rng = np.random.default_rng(seed)
    splits = {'train': _voc_ids(0, config.num_train), 'sbd': _voc_ids(1, config.num_sbd),
              'val': _voc_ids(2, config.num_val)}
    for split, ids in splits.items():
        for img_id in ids:
            sample = _render(rng, render_cfg)
            with atomic_path(root / 'JPEGImages' / f'{img_id}.jpg') as tmp:
                Image.fromarray(sample.image).save(tmp, format='JPEG',
                                                   quality=config.jpeg_quality)
            with atomic_path(root / 'SaliencyMaps' / f'{img_id}.png') as tmp:
                Image.fromarray(sample.saliency, mode='L').save(tmp, format='PNG')
            with atomic_path(root / 'Annotations' / f'{img_id}.xml') as tmp:
                tmp.write_text(_annotation(img_id, sample.mask, classes))
            label = void_boundaries(sample.mask)
            save_label_png(label, root / 'SegmentationClassAug' / f'{img_id}.png')
            if split != 'sbd':
                save_label_png(label, root / 'SegmentationClass' / f'{img_id}.png')
    lists = {'train_aug': splits['train'] + splits['sbd'], 'train': splits['train'],
             'val': splits['val']}
    if config.num_test:
        lists['test'] = _voc_ids(3, config.num_test)
        for img_id in lists['test']:
            with atomic_path(root / 'JPEGImages' / f'{img_id}.jpg') as tmp:
                Image.fromarray(_render(rng, render_cfg).image).save(
                    tmp, format='JPEG', quality=config.jpeg_quality)
    for name, ids in lists.items():
        with atomic_path(root / 'ImageSets' / 'Segmentation' / f'{name}.txt') as tmp:
            tmp.write_text(''.join(f'{img_id}\n' for img_id in ids))
    save_json(voc_xml_image_labels(str(root), lists['train_aug'] + lists['val']),
              root / 'image_labels.json')
    return lists


def _annotation(img_id: str, mask: np.ndarray, classes: Sequence[str]) -> str:
    """A VOC XML annotation naming one object per class value present in ``mask``."""
    objects = ''.join(
        f'  <object>\n    <name>{classes[value]}</name>\n    <difficult>0</difficult>\n'
        '  </object>\n' for value in np.unique(mask).tolist() if 0 < value < len(classes))
    height, width = mask.shape
    return (f'<annotation>\n  <folder>VOC2012</folder>\n  <filename>{img_id}.jpg</filename>\n'
            f'  <size><width>{width}</width><height>{height}</height><depth>3</depth></size>\n'
            f'{objects}</annotation>\n')
