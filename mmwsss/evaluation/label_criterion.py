"""Choose pseudo-label settings without ground truth (CAM background score, walk).

Two measurements that need only the images, their image-level labels and the
maps the trained networks produced:

- **CRF agreement** (:func:`crf_agreement`): the mean IoU of a label map
  against its own dense-CRF refinement (the CRF of the scores it was the
  argmax of, PSA's "+ dCRF" step). The CRF moves label boundaries onto the
  image's colour edges: labels that spill past an object's edge into the
  background, or stop short of it inside the object, are changed by the CRF;
  labels whose boundaries already follow the edges are not. Too low a
  background score spills, too high a one shrinks objects, too many walk
  steps or too small a beta smear across edges: each lowers the agreement.
  Averaging the IoU over classes (not pixels) makes small classes count.
- **Label survival** (:mod:`~mmwsss.evaluation.label_survival`): a setting
  that makes a labelled class collapse (kept in under half of its images, or
  under a quarter of its CAM-label area) is only chosen when every setting
  does; edges alone cannot see that a class vanished (a discriminative part
  has sharp edges of its own). Nor can they see a class *flood*: the CRF of
  labels spread over a whole uniform background region agrees with them. The
  CAM labels at the CAM config's background score are already generous (on
  the demo they recall 96-99 % of most classes), so a setting whose labels
  give a class more area than its CAM labels (area ratio above
  ``MAX_AREA_RATIO`` = 1) has leaked: it counts like a collapse.

:func:`choose_setting` takes the setting of highest agreement among those
with the fewest rejected (collapsed or flooded) classes
(:func:`rejected_classes`).
"""
from dataclasses import dataclass
from typing import (Dict, Hashable, List, Mapping, NamedTuple, Optional, Sequence, Tuple,
                    TypeVar)

import numpy as np
import torch
from torch import Tensor

from mmwsss.ops.cam import cam_pseudo_label
from mmwsss.ops.crf import crf_refine_label
from mmwsss.ops.label_guarantee import keep_cam_cores
from mmwsss.ops.random_walk import channel_argmax
from mmwsss.ops.random_walk_sweep import Background, Setting, random_walk_sweep

from .label_survival import SurvivalCounts, image_survival_counts

S = TypeVar('S', bound=Hashable)


MAX_AREA_RATIO = 1.0
"""A class whose labels cover more than its CAM labels (mean area ratio) floods."""


def rejected_classes(survival: Mapping[str, object],
                     max_area_ratio: float = MAX_AREA_RATIO) -> List[str]:
    """The classes a setting collapses or floods.

    Args:
        survival: Metrics of :func:`~mmwsss.evaluation.label_survival.survival_metrics`.
        max_area_ratio: A class with a larger ``area_ratio`` floods.

    Returns:
        The collapsed classes, then the flooded ones (names).
    """
    collapsed = list(survival.get('collapsed') or [])
    flooded = [key[len('area_ratio.'):] for key, value in survival.items()
               if key.startswith('area_ratio.') and value is not None and value > max_area_ratio]
    return collapsed + [name for name in flooded if name not in collapsed]


def crf_agreement(confusion: np.ndarray) -> float:
    """Mean IoU (%) of labels against their CRF refinement.

    Args:
        confusion: (n, n) counts summed over images, rows the CRF-refined
            labels, columns the labels before the CRF.

    Returns:
        The mean over the labels present in either (a row or column sum above
        zero) of ``diag / (row + column - diag)``, in percent; 100 for an
        empty matrix.
    """
    ious = class_crf_agreement(confusion)
    present = ~np.isnan(ious)
    return float(np.mean(ious[present])) if present.any() else 100.0


def criterion_subset(num_images: int, count: int) -> List[int]:
    """Indices of ``count`` images evenly spaced over ``num_images`` (sorted ids).

    Args:
        num_images: Images available.
        count: Images wanted (all when ``count >= num_images``).

    Returns:
        Sorted distinct indices: ``round(k * (num_images - 1) / (count - 1))``.
    """
    if count < 1:
        raise ValueError(f'need at least one criterion image, got {count}')
    if count >= num_images:
        return list(range(num_images))
    if count == 1:
        return [0]
    return sorted({round(k * (num_images - 1) / (count - 1)) for k in range(count)})


def choose_setting(agreement: Mapping[S, float], collapsed: Mapping[S, int]) -> S:
    """The setting of highest CRF agreement among those that reject fewest classes.

    Args:
        agreement: Setting -> CRF agreement (:func:`crf_agreement`).
        collapsed: Setting -> number of rejected classes (:func:`rejected_classes`;
            every setting of ``agreement`` must be a key).

    Returns:
        The chosen setting (the first in ``agreement``'s order on ties).
    """
    if not agreement:
        raise ValueError('no setting to choose from')
    missing = [setting for setting in agreement if setting not in collapsed]
    if missing:
        raise KeyError(f'no collapse count for the settings {missing}')
    fewest = min(collapsed[setting] for setting in agreement)
    candidates = [setting for setting in agreement if collapsed[setting] == fewest]
    return max(candidates, key=lambda setting: agreement[setting])


def class_crf_agreement(confusion: np.ndarray) -> np.ndarray:
    """IoU (%) of each label against its CRF refinement.

    Args:
        confusion: (n, n) counts, rows the CRF-refined labels, columns the
            labels before the CRF (see :func:`crf_agreement`).

    Returns:
        (n,) float64: ``diag / (row + column - diag)`` in percent, NaN for a
        label in neither.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f'confusion must be a square matrix, got shape {confusion.shape}')
    diag = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - diag
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(union > 0, 100 * diag / union, np.nan)


def choose_class_bg_scores(agreement: Mapping[float, np.ndarray],
                           survival: Mapping[float, Mapping[str, object]],
                           classes: Sequence[str],
                           fallback: float,
                           max_area_ratio: float = MAX_AREA_RATIO) -> Tuple[float, ...]:
    """One constant background score per class, each class's own best.

    A single background score for every class fails the classes whose walked
    map peaks on a part of their objects (a patterned part, a context
    region): normalised by its maximum, the rest of the object falls below a
    background that suits the other classes, and the class shrinks to the
    part. For each class this takes, among the background scores (of one
    beta and t) that neither collapse nor flood it (:func:`rejected_classes`),
    the one whose labels of the class agree best with their dense-CRF
    refinement (the class's IoU in the agreement matrix,
    :func:`class_crf_agreement`); the argument of :func:`crf_agreement`
    applies to each class alone. The classes interact only where their maps
    overlap, so the scores chosen one class at a time are used together.

    Args:
        agreement: Background score -> (C + 1, C + 1) agreement counts of its
            labels (rows the CRF-refined labels).
        survival: Background score -> label-survival metrics
            (:func:`~mmwsss.evaluation.label_survival.survival_metrics`).
        classes: The C + 1 label names, background first.
        fallback: The score of a class that no background score keeps (or
            that no criterion image is labelled with).
        max_area_ratio: Flooding above this area ratio (:func:`rejected_classes`).

    Returns:
        C scores, in class order (labels 1..C).
    """
    if not agreement:
        raise ValueError('no background score to choose from')
    scores = list(agreement)
    ious = {score: class_crf_agreement(agreement[score]) for score in scores}
    rejected = {score: set(rejected_classes(survival[score], max_area_ratio))
                for score in scores}
    chosen = []
    for label, name in enumerate(classes[1:], start=1):
        kept = [score for score in scores
                if name not in rejected[score] and not np.isnan(ious[score][label])]
        chosen.append(max(kept, key=lambda score: ious[score][label]) if kept else fallback)
    return tuple(float(score) for score in chosen)


class WalkGrid(NamedTuple):
    """Random-walk settings: every (background, beta, t) combination.

    Attributes:
        alphas: Exponents of PSA's walked background.
        bg_scores: Constant background scores after the walk.
        betas: Affinity exponents.
        iters: Numbers of steps t.
    """

    alphas: Sequence[float]
    bg_scores: Sequence[float]
    betas: Sequence[float]
    iters: Sequence[int]

    def settings(self) -> List[Setting]:
        """The settings in the sweep's order: beta, then t, then the backgrounds."""
        backgrounds = ([Background('alpha', a) for a in self.alphas] +
                       [Background('bg_score', s) for s in self.bg_scores])
        return [(background, beta, t) for beta in self.betas for t in sorted(self.iters)
                for background in backgrounds]


@dataclass
class ImageResult:
    """What one image's labels of one setting contribute to the sweep.

    Attributes:
        confusion: (C + 1, C + 1) counts against the ground truth, or None.
        survival: Label-survival counts (image-level labels, CAM labels).
        agreement: (C + 1, C + 1) counts of the labels (columns) against their
            dense-CRF refinement (rows), or None where not measured.
    """

    confusion: Optional[np.ndarray]
    survival: SurvivalCounts
    agreement: Optional[np.ndarray]


@dataclass
class SettingTotals:
    """The sums of :class:`ImageResult` over the images of one setting."""

    confusion: np.ndarray
    survival: SurvivalCounts
    agreement: np.ndarray

    @classmethod
    def zeros(cls, num_classes: int) -> 'SettingTotals':
        """Empty sums for ``num_classes`` foreground classes."""
        square = np.zeros((num_classes + 1, num_classes + 1), dtype=np.int64)
        return cls(square, SurvivalCounts.zeros(num_classes), square.copy())

    def add(self, result: ImageResult) -> None:
        """Add one image's result."""
        if result.confusion is not None:
            self.confusion += result.confusion
        if result.agreement is not None:
            self.agreement += result.agreement
        self.survival += result.survival


def class_bg_setting(chosen: Setting, totals: Mapping[Setting, SettingTotals],
                     survival: Mapping[Setting, Mapping[str, object]],
                     classes: Sequence[str]) -> Optional[Setting]:
    """The chosen beta and t with one background score per class.

    Each class takes its own score among the constant backgrounds of the
    grid at the chosen beta and t (:func:`choose_class_bg_scores`; a class no
    score keeps takes the chosen one). None when the chosen setting has no
    constant background, or the grid only one score.

    Args:
        chosen: The setting chosen with one background.
        totals: Setting -> sums over the criterion images.
        survival: Setting -> their label-survival metrics.
        classes: The C + 1 label names, background first.

    Returns:
        The setting with a tuple of C background scores, or None.
    """
    background, beta, num_iters = chosen
    same_walk = {s[0].value: s for s in totals
                 if s[0].kind == 'bg_score' and not isinstance(s[0].value, tuple)
                 and s[1:] == (beta, num_iters)}
    if background.kind != 'bg_score' or isinstance(background.value, tuple) or \
            len(same_walk) < 2:
        return None
    scores = choose_class_bg_scores(
        {score: totals[s].agreement for score, s in same_walk.items()},
        {score: survival[s] for score, s in same_walk.items()}, classes, background.value)
    return Background('bg_score', scores), beta, num_iters


def stacked_confusions(labels: torch.Tensor, gt: np.ndarray, num_labels: int,
                       gt_name: str = 'ground truth') -> np.ndarray:
    """Confusion matrices of several label maps of one image at once.

    Args:
        labels: Long tensor (S, H, W), values 0..num_labels-1.
        gt: Ground truth (H, W), the same for every map, or one per map
            (S, H, W); 255 is ignored.
        num_labels: C + 1.
        gt_name: The ground truth's file, for messages.

    Returns:
        (S, C + 1, C + 1) int64 counts, rows ground truth, columns prediction.
    """
    num_maps = labels.shape[0]
    gt_t = torch.as_tensor(np.asarray(gt).astype(np.int64)).reshape(-1, labels[0].numel())
    gt_t = gt_t.expand(num_maps, -1)
    keep = gt_t != 255
    if keep.any() and int(gt_t[keep].max()) >= num_labels:
        raise ValueError(f'{gt_name} has label value {int(gt_t[keep].max())}; values '
                         f'must be in 0..{num_labels - 1} or 255')
    codes = (torch.arange(num_maps)[:, None] * num_labels**2 + gt_t * num_labels +
             labels.reshape(num_maps, -1))[keep]
    counts = torch.bincount(codes, minlength=num_maps * num_labels**2)
    return counts.reshape(num_maps, num_labels, num_labels).numpy()




def score_walk_settings(cams: Tensor,
                        affinity: Tensor,
                        grid: WalkGrid,
                        radius: int = 5,
                        stride: int = 8,
                        image: Optional[np.ndarray] = None,
                        gt: Optional[np.ndarray] = None,
                        reference: Optional[np.ndarray] = None,
                        crf_settings: Optional[Sequence[Setting]] = None,
                        agreement: bool = False,
                        core_score: Optional[float] = None,
                        gt_name: str = 'ground truth') -> Dict[Setting, ImageResult]:
    """Walk one image with every setting and score the labels.

    Args:
        cams: Normalised CAMs (C, H, W), zero for the classes the image is not
            labelled with (which are its image-level labels).
        affinity: Pair affinities (K, P) of the image's feature map.
        grid: The settings.
        radius: Pair radius.
        stride: Output stride of the features.
        image: RGB uint8 (H, W, 3), needed for the CRF (``crf_settings`` or
            ``agreement``).
        gt: Ground truth (H, W) (255 ignored), or None: no confusion matrices.
        reference: CAM-only labels (H, W) for label survival, or None.
        crf_settings: None: score the labels of every setting of the grid;
            else score the dense-CRF labels of these settings only.
        agreement: With ``crf_settings`` None, also measure every setting's
            CRF agreement (one CRF per setting).
        core_score: Give each labelled class its CAM core back in every
            label map (:func:`~mmwsss.ops.label_guarantee.keep_cam_cores`),
            or None.
        gt_name: The ground truth's file, for messages.

    Returns:
        Setting -> :class:`ImageResult`.
    """
    num_labels = cams.shape[0] + 1
    img_labels = cams.flatten(1).ne(0).any(dim=1).long()
    need_crf = crf_settings is not None or agreement
    if need_crf and image is None:
        raise ValueError('the CRF needs the image')
    if crf_settings is None:
        walks = [random_walk_sweep(cams, affinity, grid.alphas, grid.betas, grid.iters,
                                   radius, stride, grid.bg_scores)]
    else:
        walks = [random_walk_sweep(
            cams, affinity, [background.value] if background.kind == 'alpha' else [],
            [beta], [num_iters], radius, stride,
            [background.value] if background.kind == 'bg_score' else [])
            for background, beta, num_iters in crf_settings]
    settings, labels, crf_labels = [], [], []
    for walk in walks:
        for batch_settings, scores, channel_labels in walk:
            settings += batch_settings
            labels.append(channel_labels[channel_argmax(scores)])
            if need_crf:
                crf_labels.append(channel_labels[torch.stack([
                    torch.from_numpy(crf_refine_label(image, item.numpy())) for item in scores])])
    labels = torch.cat(labels)
    crf_labels = torch.cat(crf_labels) if crf_labels else None
    if crf_settings is not None:
        labels, crf_labels = crf_labels, None
    if core_score is not None:
        labels = keep_cam_cores(labels, cams, core_score)
        if crf_labels is not None:
            crf_labels = keep_cam_cores(crf_labels, cams, core_score)
    confusions = (stacked_confusions(labels, gt, num_labels, gt_name) if gt is not None
                  else None)
    agreements = (stacked_confusions(labels, crf_labels.numpy(), num_labels)
                  if crf_labels is not None else [None] * len(settings))
    return {setting: ImageResult(
        confusion=None if confusions is None else confusions[index],
        survival=image_survival_counts(labels[index], img_labels, reference),
        agreement=agreements[index]) for index, setting in enumerate(settings)}


def score_cam_thresholds(cams: Tensor, thresholds: Sequence[float],
                         image: Optional[np.ndarray] = None,
                         gt: Optional[np.ndarray] = None) -> Dict[float, ImageResult]:
    """Score one image's CAM-only labels at every background score.

    The labels are :func:`~mmwsss.ops.cam.cam_pseudo_label`; with ``image``,
    their CRF agreement is measured against the dense CRF of the same scores
    (the constant background stacked on the CAMs). Label survival uses the
    image-fraction rule only (the CAM labels are the reference of later
    stages).

    Args:
        cams: Normalised CAMs (C, H, W), zero for the absent classes.
        thresholds: Background scores.
        image: RGB uint8 (H, W, 3) for the CRF agreement, or None.
        gt: Ground truth (H, W) (255 ignored), or None.

    Returns:
        Threshold -> :class:`ImageResult`.
    """
    num_labels = cams.shape[0] + 1
    img_labels = cams.flatten(1).ne(0).any(dim=1).long()
    labels = torch.stack([cam_pseudo_label(cams, threshold) for threshold in thresholds])
    confusions = stacked_confusions(labels, gt, num_labels) if gt is not None else None
    agreements = [None] * len(thresholds)
    if image is not None:
        crf_labels = np.stack([
            crf_refine_label(image, torch.cat([torch.full_like(cams[:1], threshold),
                                               cams]).numpy())
            for threshold in thresholds])
        agreements = stacked_confusions(labels, crf_labels, num_labels)
    return {float(threshold): ImageResult(
        confusion=None if confusions is None else confusions[index],
        survival=image_survival_counts(labels[index], img_labels),
        agreement=agreements[index]) for index, threshold in enumerate(thresholds)}
