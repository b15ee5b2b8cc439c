"""Metric for pseudo labels (and CAMs) against ground-truth masks."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dist import get_dist_info
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmseg.registry import METRICS

from mmwsss.evaluation.segmentation_scores import (confusion_matrix, flat_scores,
                                                  segmentation_scores)
from mmwsss.ops.cam import cam_pseudo_label
from mmwsss.reporting.per_class_table import BEST_PREFIX, per_class_markdown
from mmwsss.utils.ranges import UNIT_OPEN, check_each

SWEEP_PREFIX = 'sweep/mIoU@'
"""Key prefix of the background-threshold sweep in the returned metrics."""


def pseudo_label_metrics(confusion: np.ndarray,
                         class_names: Sequence[str],
                         bg_thresholds: Sequence[float] = (),
                         sweep: Optional[np.ndarray] = None) -> Dict[str, float]:
    """The flat metrics of :class:`PseudoLabelMetric` from confusion matrices.

    Args:
        confusion: (C + 1, C + 1) counts of the pseudo labels.
        class_names: C + 1 class names, background first.
        bg_thresholds: Background scores of the sweep (T of them).
        sweep: (T, C + 1, C + 1) counts of the CAM-only labels at each
            threshold, or None.

    Returns:
        ``mIoU``, ``mPrecision``, ``mRecall``, ``aAcc``, ``{IoU,Precision,
        Recall}.{class}`` (see :func:`flat_scores`); with a sweep also
        ``sweep/mIoU@{t:.2f}``, ``best_bg_threshold``, ``best_mIoU`` and the
        scores at the best threshold under the prefix ``best/``
        (``best/mIoU``, ``best/IoU.{class}`` ...).
    """
    metrics = flat_scores(confusion, class_names)
    if sweep is not None:
        curve = [segmentation_scores(matrix, class_names)['mIoU'] for matrix in sweep]
        for threshold, miou in zip(bg_thresholds, curve):
            metrics[f'{SWEEP_PREFIX}{float(threshold):.2f}'] = miou
        best = int(np.argmax(curve))
        metrics['best_bg_threshold'] = float(bg_thresholds[best])
        metrics['best_mIoU'] = curve[best]
        metrics.update(flat_scores(sweep[best], class_names, BEST_PREFIX))
    return metrics


@METRICS.register_module()
class PseudoLabelMetric(BaseMetric):
    """mIoU, per-class IoU, precision and recall of ``pred_sem_seg``.

    With ``bg_thresholds`` and ``pred_cams`` in the samples, it also sweeps the
    constant background score of the CAM-only pseudo label and reports the
    mIoU at each threshold and the best one (a diagnostic that uses the ground
    truth: the tuned threshold is not available without it). Samples of a
    dataset without ground truth (no ``seg_map_path``) are not scored; with
    none scored the metrics are empty and nothing is written.

    Memory does not grow with the number of images: each rank adds every
    image's confusion matrices (one, plus one per threshold) to running sums,
    and only its last image is kept apart until the loop ends, since it may be
    a copy that mmengine's ``DefaultSampler`` added to even out the ranks (rank
    ``r`` of ``n`` scores images ``r, r + n, ...``; the ones past the dataset's
    size, at most one per rank, are dropped as mmengine drops them).

    Returned keys: ``mIoU``, ``mPrecision``, ``mRecall``, ``aAcc``,
    ``IoU.{class}``, ``Precision.{class}``, ``Recall.{class}``; with a sweep
    also ``sweep/mIoU@{t:.2f}``, ``best_bg_threshold``, ``best_mIoU`` and
    the same scores at the best threshold prefixed with ``best/``.

    Args:
        bg_thresholds: Background scores to sweep, each in (0, 1), or None.
        ignore_index: Ground-truth value to ignore.
        collect_device: Device for gathering results across ranks.
        prefix: Prefix of the metric names.
    """

    def __init__(self,
                 bg_thresholds: Optional[Sequence[float]] = None,
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.bg_thresholds = [float(t) for t in check_each(
            'bg_thresholds', bg_thresholds or [], UNIT_OPEN, 'PseudoLabelMetric')]
        self.ignore_index = ignore_index
        self._total: Optional[dict] = None
        self._last: Optional[dict] = None

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Add the confusion matrices of one batch to the running sums."""
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            if 'gt_sem_seg' not in sample and not sample.get('seg_map_path'):
                continue  # a dataset without ground truth: nothing to score
            if 'gt_sem_seg' not in sample:
                raise KeyError(f'no ground truth for {sample.get("img_path")}: '
                               'add LoadWSSSAnnotations to the test pipeline')
            gt = sample['gt_sem_seg']['data'][0]
            pred = sample['pred_sem_seg']['data'][0].to(gt.device)
            names = dict(pred_name=f'prediction for image {sample.get("img_path")}',
                         gt_name=f'ground truth {sample.get("seg_map_path")}')
            result = dict(confusion=confusion_matrix(pred, gt, num_classes,
                                                     self.ignore_index, **names),
                          num_images=1)
            if self.bg_thresholds and 'pred_cams' in sample:
                cams = sample['pred_cams']['data']
                result['sweep'] = np.stack([
                    confusion_matrix(cam_pseudo_label(cams, t), gt, num_classes,
                                     self.ignore_index, **names)
                    for t in self.bg_thresholds
                ])
            self._add(self._last)
            self._last = result

    def _add(self, result: Optional[dict]) -> None:
        """Add one image's counts to this rank's running sums."""
        if result is None:
            return
        if self._total is None:
            self._total = dict(confusion=0, num_images=0, sweep=0, sweep_images=0)
        self._total['confusion'] = self._total['confusion'] + result['confusion']
        self._total['num_images'] += 1
        if 'sweep' in result:
            self._total['sweep'] = self._total['sweep'] + result['sweep']
            self._total['sweep_images'] += 1

    def evaluate(self, size: int) -> dict:
        """Gather one summed entry per rank and score them.

        Args:
            size: Number of images of the dataset (padding copies excluded).

        Returns:
            The metrics of :meth:`compute_metrics` (with ``prefix``).
        """
        rank, world_size = get_dist_info()
        count = (self._total or {}).get('num_images', 0) + (self._last is not None)
        if self._last is not None and rank + (count - 1) * world_size < size:
            self._add(self._last)
        self.results = [self._total or dict(num_images=0)]
        self._total = self._last = None
        return super().evaluate(size)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Scores from the summed confusion matrices (none without images)."""
        logger = MMLogger.get_current_instance()
        results = [r for r in results if r['num_images']]
        if not results:
            logger.info('no predictions to score (every image skipped?)')
            return {}
        class_names = self.dataset_meta['classes']
        num_images = sum(r['num_images'] for r in results)
        sweep = (sum(r['sweep'] for r in results) if self.bg_thresholds and sum(
            r['sweep_images'] for r in results) == num_images else None)
        metrics = pseudo_label_metrics(sum(r['confusion'] for r in results), class_names,
                                       self.bg_thresholds, sweep)
        logger.info('per-class results (%):\n' + per_class_markdown(metrics))
        return metrics
