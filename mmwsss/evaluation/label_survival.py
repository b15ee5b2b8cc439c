"""Label survival: whether pseudo labels keep the classes of the image-level labels.

Measured from the image-level labels alone (no pixel ground truth), so every
pseudo-label stage can report it on any data. For each foreground class c and
each image labelled with c, the pseudo label's area of c (its pixels of value
c) is compared with the image and, when there is one, with a *reference* label
map of the same image, the CAM-only pseudo labels at the CAM config's
background score (``{cam work dir}/cam_pseudo_labels``), which a refinement
(random walk, dense CRF) starts from.

Definitions (all pixels of a map count, 255 included, for the image area):

- **kept**: an image labelled with c keeps it when its pseudo label gives c at
  least one pixel and at least ``min_image_fraction`` of the image and, when
  the reference gives c some pixels, at least ``keep_ratio`` of the
  reference's area of c. The image-fraction rule is a floor that always holds
  (a few stray pixels do not make a class kept, even where the CAM had only a
  few more); the reference rule catches a refinement that erases most of what
  the CAM found. Where the reference lacks c (or there is no reference, as for
  the CAM labels themselves) the image-fraction rule alone decides.
  ``kept.{class}`` is the share (0..1) of the images labelled with the class
  that keep it; null when no image is labelled with it.
- **area ratio**: ``area_ratio.{class}`` is the mean, over the images labelled
  with the class whose reference gives it pixels, of (pseudo-label area of c)
  / (reference area of c); null when there is no such image (or no reference).
- **unlabelled pixels**: the pixels given to a class the image is not labelled
  with (``unlabelled_pixels.{class}`` per class, ``unlabelled_pixels`` in
  all, ``unlabelled_fraction`` of all pixels of the scored maps).
- **collapsed**: the classes kept in under ``min_kept`` of their images, or
  whose area ratio is under ``min_area_ratio`` (a null never collapses).

Use :func:`image_survival_counts` per image and add the results up
(:class:`SurvivalCounts` supports ``+=``) to score labels held in memory (a
sweep), then :func:`survival_metrics`; :func:`label_folder_survival` does all of
it for a folder of label PNGs. :func:`collapse_messages` words the collapses.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch
from tqdm import tqdm

from mmwsss.utils import read_label_png

ArrayLike = Union[np.ndarray, torch.Tensor]

IGNORE_INDEX = 255
"""Label value of pixels without a label (counted in the image area only)."""

KEEP_RATIO = 0.25
"""Default share of the reference area of a class an image must keep."""

MIN_IMAGE_FRACTION = 0.001
"""Default share of the image a class must cover to count as kept."""

MIN_KEPT = 0.5
"""Default: a class kept in fewer of its images collapses."""

MIN_AREA_RATIO = 0.25
"""Default: a class whose mean area ratio to the reference is lower collapses."""

SURVIVAL_SETTINGS = dict(keep_ratio=KEEP_RATIO, min_image_fraction=MIN_IMAGE_FRACTION,
                         min_kept=MIN_KEPT, min_area_ratio=MIN_AREA_RATIO)
"""The settings of :func:`label_folder_survival` and their defaults."""


@dataclass
class SurvivalCounts:
    """Label-survival sums over images, for C foreground classes.

    Attributes:
        labelled: int64 (C,), images labelled with each class.
        kept: int64 (C,), of those, the images whose pseudo label keeps it.
        ratio_sum: float64 (C,), sum of (pseudo-label area) / (reference area)
            over the labelled images whose reference has the class.
        ratio_images: int64 (C,), the number of those images.
        unlabelled: int64 (C,), pixels given to each class in images not
            labelled with it.
        num_pixels: All pixels of the label maps.
        num_images: Label maps added.
    """

    labelled: np.ndarray
    kept: np.ndarray
    ratio_sum: np.ndarray
    ratio_images: np.ndarray
    unlabelled: np.ndarray
    num_pixels: int = 0
    num_images: int = 0

    @classmethod
    def zeros(cls, num_classes: int) -> 'SurvivalCounts':
        """Empty sums for ``num_classes`` foreground classes."""
        return cls(*(np.zeros(num_classes, dtype=dtype)
                     for dtype in (np.int64, np.int64, np.float64, np.int64, np.int64)))

    def __iadd__(self, other: 'SurvivalCounts') -> 'SurvivalCounts':
        if len(other.labelled) != len(self.labelled):
            raise ValueError(f'cannot add survival counts of {len(other.labelled)} '
                             f'classes to counts of {len(self.labelled)}')
        self.labelled += other.labelled
        self.kept += other.kept
        self.ratio_sum += other.ratio_sum
        self.ratio_images += other.ratio_images
        self.unlabelled += other.unlabelled
        self.num_pixels += other.num_pixels
        self.num_images += other.num_images
        return self


def _class_areas(label: ArrayLike, num_classes: int, what: str) -> np.ndarray:
    """Pixels of each value 0..C of a label map (int64 (C + 1,)), checking its values."""
    label = torch.as_tensor(label)
    if label.ndim != 2:
        raise ValueError(f'{what} must be a (H, W) label map, got shape {tuple(label.shape)}')
    flat = label.reshape(-1).long()
    if flat.numel() and (int(flat.min()) < 0 or int(flat.max()) > IGNORE_INDEX):
        raise ValueError(f'{what} has values outside 0..{num_classes} and {IGNORE_INDEX}')
    counts = torch.bincount(flat, minlength=IGNORE_INDEX + 1).cpu().numpy()
    bad = np.flatnonzero(counts[num_classes + 1:IGNORE_INDEX])
    if bad.size:
        raise ValueError(f'{what} has the value {int(bad[0]) + num_classes + 1}; labels '
                         f'are 0..{num_classes} ({num_classes} classes) or {IGNORE_INDEX}')
    return counts[:num_classes + 1].astype(np.int64)


def image_survival_counts(label: ArrayLike,
                          img_labels: ArrayLike,
                          reference: Optional[ArrayLike] = None,
                          keep_ratio: float = KEEP_RATIO,
                          min_image_fraction: float = MIN_IMAGE_FRACTION,
                          img_id: Optional[str] = None) -> SurvivalCounts:
    """The label-survival counts of one image (see the module docstring).

    Args:
        label: Pseudo label (H, W), values 0..C or 255 (numpy or tensor, any
            device).
        img_labels: Multi-hot image-level labels (C,), nonzero for the
            classes the image is labelled with (index c - 1 for value c, as
            ``data_sample.gt_img_labels``).
        reference: Reference label map (H, W) of the same image (the CAM-only
            pseudo label), or None (image-fraction rule only).
        keep_ratio: Share of the reference area of a class the pseudo label
            must keep.
        min_image_fraction: Share of the image a class must cover.
        img_id: Image id, for messages.

    Returns:
        The counts of this image (``num_images`` 1).

    Raises:
        ValueError: a map is not 2-D, has a value other than 0..C and 255, the
            maps differ in size, or ``img_labels`` is not a vector.
    """
    img_labels, label = torch.as_tensor(img_labels), torch.as_tensor(label)
    where = f' of image {img_id!r}' if img_id is not None else ''
    if img_labels.ndim != 1:
        raise ValueError(f'image-level labels{where} must be a (C,) multi-hot vector, '
                         f'got shape {tuple(img_labels.shape)}')
    num_classes = img_labels.numel()
    labelled = img_labels.cpu().numpy() != 0
    area = _class_areas(label, num_classes, f'pseudo label{where}')[1:]
    kept = labelled & (area > 0) & (area >= min_image_fraction * label.numel())
    counts = SurvivalCounts.zeros(num_classes)
    if reference is not None:
        reference = torch.as_tensor(reference)
        if reference.shape != label.shape:
            raise ValueError(f'reference label{where} has shape {tuple(reference.shape)}, '
                             f'the pseudo label {tuple(label.shape)}')
        ref_area = _class_areas(reference, num_classes, f'reference label{where}')[1:]
        with_ref = labelled & (ref_area > 0)
        kept &= ~with_ref | (area >= keep_ratio * ref_area)
        counts.ratio_sum[with_ref] = area[with_ref] / ref_area[with_ref]
        counts.ratio_images[with_ref] = 1
    counts.labelled[labelled] = 1
    counts.kept[kept] = 1
    counts.unlabelled[~labelled] = area[~labelled]
    counts.num_pixels = label.numel()
    counts.num_images = 1
    return counts


def survival_metrics(counts: SurvivalCounts,
                     class_names: Sequence[str],
                     min_kept: float = MIN_KEPT,
                     min_area_ratio: float = MIN_AREA_RATIO) -> Dict[str, object]:
    """Flat label-survival metrics of summed counts (strict JSON: null, no NaN).

    Args:
        counts: Counts of the scored images.
        class_names: C + 1 class names, background first.
        min_kept: A class kept in under this share of its images collapses.
        min_area_ratio: A class whose area ratio is under this collapses.

    Returns:
        ``num_images``, ``kept.{class}`` (0..1 or None),
        ``area_ratio.{class}`` (float or None), ``labelled_images.{class}``,
        ``unlabelled_pixels``, ``unlabelled_fraction`` (0..1),
        ``unlabelled_pixels.{class}``, ``collapsed`` (the collapsed class
        names, in class order), ``min_kept`` and ``min_area_ratio``;
        foreground classes only.

    Raises:
        ValueError: the names do not match the counts.
    """
    names = list(class_names)[1:]
    if len(names) != len(counts.labelled):
        raise ValueError(f'{len(class_names)} class names (background first) for '
                         f'survival counts of {len(counts.labelled)} foreground classes')
    kept = [int(k) / int(n) if n else None for k, n in zip(counts.kept, counts.labelled)]
    ratio = [float(s) / int(n) if n else None
             for s, n in zip(counts.ratio_sum, counts.ratio_images)]
    metrics: Dict[str, object] = dict(num_images=counts.num_images)
    metrics.update({f'kept.{name}': value for name, value in zip(names, kept)})
    metrics.update({f'area_ratio.{name}': value for name, value in zip(names, ratio)})
    metrics.update({f'labelled_images.{name}': int(value)
                    for name, value in zip(names, counts.labelled)})
    metrics['unlabelled_pixels'] = int(counts.unlabelled.sum())
    metrics['unlabelled_fraction'] = (int(counts.unlabelled.sum()) / counts.num_pixels
                                      if counts.num_pixels else 0.0)
    metrics.update({f'unlabelled_pixels.{name}': int(value)
                    for name, value in zip(names, counts.unlabelled)})
    metrics['collapsed'] = [
        name for name, k, r in zip(names, kept, ratio)
        if (k is not None and k < min_kept) or (r is not None and r < min_area_ratio)]
    metrics.update(min_kept=float(min_kept), min_area_ratio=float(min_area_ratio))
    return metrics


def collapse_messages(metrics: Mapping[str, object], stage: str,
                      reference: str = 'reference labels') -> List[str]:
    """One sentence per collapsed class of :func:`survival_metrics`' output.

    Args:
        metrics: Label-survival metrics (``collapsed``, ``kept.{class}``,
            ``labelled_images.{class}``, ``area_ratio.{class}``).
        stage: What made the labels, e.g. ``'rw/rw_pseudo_labels'``.
        reference: What the area ratio compares with, e.g. ``'CAM labels'``.

    Returns:
        E.g. ``"rw/rw_pseudo_labels: class 'checker' collapses: kept in 38% of
        its 52 images, area 0.19 of its CAM labels"`` (the area part only
        where the ratio is known).
    """
    messages = []
    for name in metrics.get('collapsed') or []:
        parts = []
        kept = metrics.get(f'kept.{name}')
        if kept is not None:
            parts.append(f'kept in {100 * kept:.0f}% of its '
                         f'{metrics.get(f"labelled_images.{name}")} images')
        ratio = metrics.get(f'area_ratio.{name}')
        if ratio is not None:
            parts.append(f'area {ratio:.2f} of its {reference}')
        messages.append(f'{stage}: class {name!r} collapses: {", ".join(parts)}')
    return messages


def check_survival_settings(settings: Mapping[str, float],
                            where: str = 'label survival') -> Dict[str, float]:
    """Complete and check label-survival settings (keys of :data:`SURVIVAL_SETTINGS`).

    Args:
        settings: Some of ``keep_ratio``, ``min_image_fraction``, ``min_kept``
            and ``min_area_ratio``.
        where: Where the settings come from, for messages.

    Returns:
        All four, the defaults where not given, as floats.

    Raises:
        KeyError: an unknown key.
        ValueError: a value is not a number, is negative, or (a fraction:
            ``min_image_fraction``, ``min_kept``) above 1.
    """
    unknown = set(settings) - set(SURVIVAL_SETTINGS)
    if unknown:
        raise KeyError(f'{where}: unknown settings {sorted(unknown)}; known: '
                       f'{list(SURVIVAL_SETTINGS)}')
    checked = {}
    for key, default in SURVIVAL_SETTINGS.items():
        value = settings.get(key, default)
        top = 1.0 if key in ('min_image_fraction', 'min_kept') else float('inf')
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not 0 <= value <= top):
            raise ValueError(f'{where}: {key} must be a number in [0, {top}], got {value!r}')
        checked[key] = float(value)
    return checked


def label_folder_survival(label_dir: str,
                          img_ids: Sequence[str],
                          img_labels: Mapping[str, ArrayLike],
                          class_names: Sequence[str],
                          reference_dir: Optional[str] = None,
                          keep_ratio: float = KEEP_RATIO,
                          min_image_fraction: float = MIN_IMAGE_FRACTION,
                          min_kept: float = MIN_KEPT,
                          min_area_ratio: float = MIN_AREA_RATIO) -> Dict[str, object]:
    """Label survival of ``{label_dir}/{id}.png`` against ``{reference_dir}/{id}.png``.

    Args:
        label_dir: Folder of pseudo-label PNGs (values 0..C, 255).
        img_ids: Image ids to score.
        img_labels: Image id -> multi-hot image-level labels (C,).
        class_names: C + 1 class names, background first.
        reference_dir: Folder of the reference (CAM-only) label PNGs, or None.
        keep_ratio: See :func:`image_survival_counts`.
        min_image_fraction: See :func:`image_survival_counts`.
        min_kept: See :func:`survival_metrics`.
        min_area_ratio: See :func:`survival_metrics`.

    Returns:
        The metrics of :func:`survival_metrics` plus the settings
        ``keep_ratio``, ``min_image_fraction`` and ``reference_dir``.

    Raises:
        KeyError: an image has no image-level labels.
        ValueError: its labels do not have one entry per foreground class,
            or see :func:`image_survival_counts`.
        FileNotFoundError: a label PNG is missing.
    """
    counts = SurvivalCounts.zeros(len(class_names) - 1)
    # no progress frames when the output is not a terminal (a log file)
    for img_id in tqdm(img_ids, desc='label survival', disable=None):
        if img_id not in img_labels:
            raise KeyError(f'image {img_id!r} has no image-level labels')
        if len(img_labels[img_id]) != len(counts.labelled):
            raise ValueError(f'image {img_id!r} has {len(img_labels[img_id])} image-level '
                             f'label entries for {len(counts.labelled)} foreground classes')
        label = read_label_png(osp.join(label_dir, f'{img_id}.png'), img_id)
        reference = (read_label_png(osp.join(reference_dir, f'{img_id}.png'), img_id)
                     if reference_dir else None)
        counts += image_survival_counts(label, img_labels[img_id], reference, keep_ratio,
                                        min_image_fraction, img_id)
    return dict(survival_metrics(counts, class_names, min_kept, min_area_ratio),
                keep_ratio=float(keep_ratio), min_image_fraction=float(min_image_fraction),
                reference_dir=reference_dir)
