"""Image-level labels of PASCAL VOC 2012 from the XML annotations (the official rule).

PSA, IRNet, SEAM and EPS train on ``cls_labels.npy``, which their
``voc12/make_cls_labels.py`` makes from ``Annotations/{id}.xml``: an image has
class c when any element ``<name>`` of its XML file, at any depth, holds
exactly the class's name. Every object counts, ``difficult`` and
``truncated`` ones included; the names of object parts (``head``, ``hand``,
``foot`` of a person) are not class names and are skipped; the text is
compared as written (no stripping). Labels derived from the segmentation masks
differ where a class is annotated in the XML but absent from the mask, or only
void (255) there.
"""
import os.path as osp
import xml.etree.ElementTree as ElementTree
from typing import Dict, List, Sequence

import numpy as np

from mmwsss.utils import read_label_png
from ..wsss_dataset import labels_from_mask

VOC_XML_NAMES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat',
                 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person',
                 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
"""The 20 class names of the VOC XML files; class value i + 1 for entry i."""


def read_xml_labels(path: str) -> List[int]:
    """Class values of one VOC annotation file, by the official rule (module doc).

    Args:
        path: ``Annotations/{id}.xml``.

    Returns:
        Sorted class values, each in 1..20.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not well-formed XML.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'VOC annotation not found: {path}')
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise ValueError(f'cannot parse VOC annotation {path}: {error}') from error
    names = {element.text for element in root.iter('name')}
    return [index + 1 for index, name in enumerate(VOC_XML_NAMES) if name in names]


def voc_xml_image_labels(voc_root: str, ids: Sequence[str]) -> Dict[str, List[int]]:
    """Labels of ``ids`` from ``{voc_root}/Annotations/{id}.xml``, sorted by id."""
    return {img_id: read_xml_labels(osp.join(voc_root, 'Annotations', img_id + '.xml'))
            for img_id in sorted(ids)}


def labels_differing_from_masks(labels: Dict[str, List[int]], mask_dir: str,
                                num_classes: int = len(VOC_XML_NAMES)) -> List[str]:
    """Ids whose labels differ from those derived from their masks.

    Args:
        labels: Image id -> class values (e.g. from :func:`voc_xml_image_labels`).
        mask_dir: Folder of ``{id}.png`` label masks (``SegmentationClassAug``).
        num_classes: Foreground classes C.

    Returns:
        Sorted ids whose class set differs from the mask's (values 1..C present).
    """
    return [img_id for img_id, values in sorted(labels.items())
            if sorted(values) != labels_from_mask(
                np.asarray(read_label_png(osp.join(mask_dir, img_id + '.png'))), num_classes)]
