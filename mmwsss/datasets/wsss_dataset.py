"""Dataset for weakly supervised semantic segmentation in PASCAL VOC layout."""
import json
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset, PascalVOCDataset
from mmseg.registry import DATASETS

from mmwsss.utils.image_ids import check_plain_name, read_id_list
from mmwsss.utils.io import voc_palette
from mmwsss.utils.readers import read_json_object, read_label_png

VOC_METAINFO = dict(
    classes=tuple(PascalVOCDataset.METAINFO['classes']),
    palette=[list(colour) for colour in PascalVOCDataset.METAINFO['palette']])
"""The 21 PASCAL VOC classes (background first) and their colours, MMSeg's."""


PER_IMAGE_FILES = dict(saliency_path='.png', cam_path='.npz', affinity_path='.npz')
"""Optional per-image files: ``data_prefix`` key -> default file suffix."""

STAGE_OUTPUT_KEYS = ('cam_path', 'affinity_path', 'cam_label_path')
"""``data_prefix`` keys of folders written by earlier stages (under work dirs):
relative to the current directory, like ``work_dir``, never to ``data_root``."""


def labels_from_mask(mask: np.ndarray, num_classes: int) -> List[int]:
    """Image-level labels as the WSSS literature derives them from a mask.

    Args:
        mask: int array (H, W), 0 = background, 255 = ignore.
        num_classes: Number of foreground classes C.

    Returns:
        Sorted class values present, each in 1..C.
    """
    values = np.unique(mask)
    return [int(v) for v in values if 1 <= v <= num_classes]


def image_label_problem(values: object, num_classes: int) -> Optional[str]:
    """What is wrong with one image's entry of an image-level label file, or None.

    An entry is a list of class values, each an integer (not a boolean) in 1..C;
    an empty list (all background) is allowed.

    Args:
        values: The entry as read from JSON.
        num_classes: Number of foreground classes C.

    Returns:
        The problem (``'class values [9] not in 1..6'``, ...) or None.
    """
    if not isinstance(values, list):
        return f'the labels must be a list of class values, got {values!r}'
    bad = [value for value in values
           if isinstance(value, bool) or not isinstance(value, (int, np.integer))
           or not 1 <= value <= num_classes]
    if bad:
        return f'class values {bad!r} not in 1..{num_classes}'
    return None


def metainfo_from_root(data_root: str) -> Optional[dict]:
    """The classes (and palette) a data root declares in its ``meta.json``.

    Args:
        data_root: Dataset folder.

    Returns:
        ``dict(classes=(...), palette=[...])`` with the classes background
        first, the palette from the file or :func:`~mmwsss.utils.voc_palette`
        when it has none; None when the folder has no ``meta.json``.

    Raises:
        ValueError: the file is not a JSON object with ``classes``, a list of
            at least two distinct names (background first), or its palette
            does not have one colour per class.
    """
    path = osp.join(data_root, 'meta.json')
    if not osp.isfile(path):
        return None
    meta = read_json_object(path, 'dataset meta file')
    classes = meta.get('classes')
    if (not isinstance(classes, list) or len(classes) < 2
            or not all(isinstance(name, str) and name for name in classes)
            or len(set(classes)) != len(classes)):
        raise ValueError(f'{path}: "classes" must be a list of at least two distinct '
                         f'names, background first, got {classes!r}')
    palette = meta.get('palette', voc_palette(len(classes)).tolist())
    if not isinstance(palette, list) or len(palette) != len(classes):
        raise ValueError(f'{path}: "palette" must hold one [R, G, B] colour per class '
                         f'({len(classes)}), got {palette!r}')
    return dict(classes=tuple(classes), palette=palette)


def split_infos(dataset: BaseSegDataset, ids: Sequence[str]) -> List[dict]:
    """The data infos of a split's ids, as MMSeg builds them from a split file.

    Args:
        dataset: The dataset (its joined ``data_prefix`` and suffixes are used).
        ids: Image ids (plain file names, see
            :func:`mmwsss.utils.image_ids.read_id_list`).

    Returns:
        One dict per id: ``img_id``, ``img_path``, ``seg_map_path`` (when
        ``data_prefix['seg_map_path']`` is set) and MMSeg's label fields.
    """
    img_dir = dataset.data_prefix.get('img_path', '')
    seg_dir = dataset.data_prefix.get('seg_map_path')
    infos = []
    for img_id in ids:
        info = dict(img_id=img_id, img_path=osp.join(img_dir, img_id + dataset.img_suffix))
        if seg_dir is not None:
            info['seg_map_path'] = osp.join(seg_dir, img_id + dataset.seg_map_suffix)
        info.update(label_map=dataset.label_map, reduce_zero_label=dataset.reduce_zero_label,
                    seg_fields=[])
        infos.append(info)
    return infos


@DATASETS.register_module()
class WSSSDataset(BaseSegDataset):
    """Images with image-level labels, and optionally masks and saliency maps.

    The same class reads PASCAL VOC 2012 (``JPEGImages``, ``SegmentationClass``
    or ``SegmentationClassAug``, ``ImageSets/Segmentation/*.txt``) and the
    embedded demo dataset; only ``data_root``, the split file and, for datasets
    other than VOC, the classes change. Classes come from ``metainfo`` if given,
    else from ``{data_root}/meta.json`` (written by the demo generator) if it
    exists, else the 21 VOC classes.

    Each data info holds ``img_id``, ``img_path``, ``seg_map_path`` (when
    ``data_prefix['seg_map_path']`` is set; ground truth for evaluation, or
    pseudo labels for the segmentation stage), ``img_labels``, a float32
    multi-hot vector of shape (C,) for the C foreground classes, and the
    per-image files of earlier stages whose folders ``data_prefix`` names:
    ``saliency_path`` (``{id}.png``), ``cam_path`` (``{id}.npz``, CAM files)
    and ``affinity_path`` (``{id}.npz``, affinity-label scores).

    Args:
        ann_file: Split file with one image id per line, relative to ``data_root``.
        img_label_file: JSON file ``{image_id: [class values]}`` with the
            image-level labels, relative to ``data_root``. If empty, the labels
            are derived from the masks in ``data_prefix['img_label_path']`` or,
            without it, ``data_prefix['seg_map_path']``.
        data_prefix: Folders of images (``img_path``), masks (``seg_map_path``),
            the masks labels are derived from (``img_label_path``) and the
            per-image files (``saliency_path``, ``cam_path``, ``affinity_path``),
            and the CAM-only pseudo labels ``ScorePseudoLabelsHook`` measures
            label survival against (``cam_label_path``, read by the hook
            only). Relative folders are under ``data_root``, except the
            outputs of earlier stages (``cam_path``, ``affinity_path``,
            ``cam_label_path``, see ``STAGE_OUTPUT_KEYS``), which are
            relative to the current directory as work dirs are.
        file_suffixes: Suffixes of the per-image files, overriding
            ``PER_IMAGE_FILES``.
        check_files: Check at construction that every referenced file exists.
        **kwargs: Other arguments of :class:`mmseg.datasets.BaseSegDataset`.

    Attributes:
        empty_label_ids: Ids of the images whose image-level label list is
            empty (no foreground class): the classifier's negatives (a
            one-class dataset's images without its class), counted in an info
            line when the data list is loaded.
    """

    METAINFO = VOC_METAINFO

    def __init__(self,
                 ann_file: str,
                 img_label_file: str = '',
                 data_prefix: Optional[Dict[str, str]] = None,
                 file_suffixes: Optional[Dict[str, str]] = None,
                 check_files: bool = True,
                 metainfo: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 **kwargs) -> None:
        self.img_label_file = img_label_file
        self.file_suffixes = dict(PER_IMAGE_FILES, **(file_suffixes or {}))
        self.check_files = check_files
        self.empty_label_ids: List[str] = []
        if metainfo is None and data_root is not None:
            metainfo = self._metainfo_from_root(data_root)
        super().__init__(
            ann_file=ann_file,
            data_prefix=data_prefix or dict(img_path='JPEGImages'),
            metainfo=metainfo,
            data_root=data_root,
            **kwargs)

    @staticmethod
    def _metainfo_from_root(data_root: str) -> Optional[dict]:
        """Read classes and palette from ``{data_root}/meta.json`` if present."""
        return metainfo_from_root(data_root)

    @classmethod
    def get_label_map(cls, new_classes: Optional[Sequence] = None) -> None:
        """Never remap label values: the classes describe the files as written.

        MMSeg's ``label_map`` treats other classes as a subset of ``METAINFO`` to
        remap; a WSSS dataset's classes (VOC's, the demo's, COCO's) are the label
        values of its masks and image-level label files.
        """
        return None

    def _join_prefix(self) -> None:
        """Also join ``img_label_file`` with ``data_root``; keep stage outputs as
        given; a folder set to None is not set (``seg_map_path=None``: no ground
        truth)."""
        self.data_prefix = {key: folder for key, folder in self.data_prefix.items()
                            if folder is not None}
        stage_dirs = {key: self.data_prefix.pop(key) for key in STAGE_OUTPUT_KEYS
                      if key in self.data_prefix}
        super()._join_prefix()
        self.data_prefix.update(stage_dirs)
        if self.img_label_file and not osp.isabs(self.img_label_file):
            self.img_label_file = osp.join(self.data_root, self.img_label_file)

    @property
    def num_foreground_classes(self) -> int:
        """Number of foreground classes C (classes minus background)."""
        return len(self.metainfo['classes']) - 1

    def load_data_list(self) -> List[dict]:
        """Load the split, check files and attach image-level labels.

        Returns:
            One dict per image (see the class docstring).
        """
        if not self.ann_file or not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'split file not found: {self.ann_file!r}')
        data_list = split_infos(self, read_id_list(self.ann_file))
        extra_dirs = {key: self.data_prefix[key] for key in self.file_suffixes
                      if self.data_prefix.get(key)}
        label_dir = (self.data_prefix.get('img_label_path')
                     or self.data_prefix.get('seg_map_path'))
        label_table = self._read_label_file() if self.img_label_file else None
        if label_table is None and not label_dir:
            raise ValueError(
                'WSSSDataset needs image-level labels: set img_label_file or '
                "data_prefix['img_label_path'] / ['seg_map_path']")
        for info in data_list:
            img_id = info['img_id']
            for key, folder in extra_dirs.items():
                info[key] = osp.join(folder, img_id + self.file_suffixes[key])
            if self.check_files:
                self._check_exists(info, ('img_path', 'seg_map_path') + tuple(extra_dirs))
            if label_table is not None:
                if img_id not in label_table:
                    raise KeyError(
                        f'image {img_id!r} of {self.ann_file} has no labels in '
                        f'{self.img_label_file}')
                values = label_table[img_id]
                problem = image_label_problem(values, self.num_foreground_classes)
                if problem:
                    raise ValueError(f'{self.img_label_file}: image {img_id!r}: {problem}')
            else:
                values = labels_from_mask(
                    read_label_png(osp.join(label_dir, img_id + self.seg_map_suffix)),
                    self.num_foreground_classes)
            info['img_labels'] = self._multi_hot(values)
        self.empty_label_ids = [info['img_id'] for info in data_list
                                if not info['img_labels'].any()]
        if self.empty_label_ids:
            print_log(
                f'{len(self.empty_label_ids)} of {len(data_list)} images of '
                f'{self.ann_file} have no foreground class (the classifier\'s negatives), '
                f'e.g. {self.empty_label_ids[:5]} (labels from '
                f'{self.img_label_file or "masks"})', logger='current',
                level=logging.INFO)
        return data_list

    def _read_label_file(self) -> Dict[str, object]:
        """Read the JSON label file, refusing keys that are not plain image ids."""
        table = read_json_object(self.img_label_file, 'image-level label file')
        for img_id in table:
            check_plain_name(img_id, f'{self.img_label_file}: key')
        return table

    def _multi_hot(self, values: Sequence[int]) -> np.ndarray:
        """Encode valid class values 1..C as a float32 multi-hot vector of shape (C,)."""
        vector = np.zeros(self.num_foreground_classes, dtype=np.float32)
        vector[[int(value) - 1 for value in values]] = 1.0
        return vector

    @staticmethod
    def _check_exists(info: dict, keys: Sequence[str]) -> None:
        """Raise ``FileNotFoundError`` naming the first missing file."""
        for key in keys:
            path = info.get(key)
            if path is not None and not osp.isfile(path):
                raise FileNotFoundError(f'{key} of image {info["img_id"]!r} not found: {path}')
