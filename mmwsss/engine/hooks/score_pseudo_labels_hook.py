"""Score the written pseudo labels over every image, from the files."""
import os.path as osp
from typing import Dict, List, Mapping, Optional, Tuple

from mmengine.dist import barrier, is_main_process
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmwsss.evaluation.folder_evaluation import (cam_sweep_confusions,
                                                 evaluate_label_folder,
                                                 label_folder_confusion)
from mmwsss.evaluation.metrics.pseudo_label_metric import (PseudoLabelMetric,
                                                           pseudo_label_metrics)
from mmwsss.reporting.per_class_table import write_per_class_table
from mmwsss.utils import save_json

from .resume_writers_hook import SKIPPED_IMG_IDS, TEST_IMG_IDS


@HOOKS.register_module()
class ScorePseudoLabelsHook(Hook):
    """After the test loop, score pseudo-label folders against the ground truth.

    Runs once every rank is done, on the main process, after the writers
    have written their last (deferred) files and before ``SaveMetricsHook``
    reads the metrics (priority between the two). Scores come from the files
    of *all* images of the test dataset, also those an earlier, interrupted
    run wrote and :class:`ResumeWritersHook` skipped, against the dataset's
    ground truth (``data_prefix['seg_map_path']``; none: nothing scored).

    - For each ``folder: filename`` of ``metrics_files``, the flat JSON
      ``{work_dir}/{filename}`` of
      :func:`~mmwsss.evaluation.folder_evaluation.evaluate_label_folder`
      (``mIoU``, ``mPrecision``, ``mRecall``, ``aAcc``,
      ``{IoU,Precision,Recall}.{class}``, ``num_images``) and its per-class
      table beside it, ``{json stem}_per_class.md``.
    - With ``metric_label_dir``, when the loop skipped images, the results of
      the evaluator's :class:`PseudoLabelMetric` (which saw only the new
      images) are replaced by the same keys computed from the PNGs of
      ``metric_label_dir`` and, for its background-threshold sweep, the CAM
      files of ``metric_cam_dir``.

    Args:
        metrics_files: Label folder -> JSON file of its scores (relative
            paths: under the work dir).
        metric_label_dir: Pseudo-label folder the metric is recomputed from
            after a resumed loop (None: never recomputed).
        metric_cam_dir: CAM folder of the recomputed sweep.
    """

    priority = 'BELOW_NORMAL'

    def __init__(self,
                 metrics_files: Optional[Mapping[str, str]] = None,
                 metric_label_dir: Optional[str] = None,
                 metric_cam_dir: Optional[str] = None) -> None:
        if metric_cam_dir and not metric_label_dir:
            raise ValueError('metric_cam_dir needs metric_label_dir')
        self.metrics_files: Dict[str, str] = dict(metrics_files or {})
        self.metric_label_dir = metric_label_dir
        self.metric_cam_dir = metric_cam_dir

    @staticmethod
    def _test_images(runner) -> Tuple[List[str], int]:
        """``img_id`` of every test image and the number the loop skipped."""
        img_ids = runner.message_hub.get_info(TEST_IMG_IDS)
        if img_ids is None:  # no ResumeWritersHook: the loop ran on every image
            dataset = runner.test_loop.dataloader.dataset
            return [dataset.get_data_info(index)['img_id']
                    for index in range(len(dataset))], 0
        return img_ids, len(runner.message_hub.get_info(SKIPPED_IMG_IDS) or [])

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        """Score the folders; after a resumed loop, recompute the metric."""
        img_ids, num_skipped = self._test_images(runner)
        rescore = bool(num_skipped and self.metric_label_dir and metrics is not None)
        if not self.metrics_files and not rescore:
            return
        barrier()
        if not is_main_process():
            return
        dataset = runner.test_loop.dataloader.dataset
        gt_dir = dataset.data_prefix.get('seg_map_path')
        if not gt_dir:
            runner.logger.info('no ground truth (data_prefix seg_map_path): pseudo '
                               'labels not scored')
            return
        classes = dataset.metainfo['classes']
        for folder, filename in self.metrics_files.items():
            scores = evaluate_label_folder(osp.join(runner.work_dir, folder), gt_dir,
                                           img_ids, classes)
            path = osp.join(runner.work_dir, filename)
            save_json(scores, path)
            table = write_per_class_table(scores, path)
            runner.logger.info(f'{folder}: mIoU {scores["mIoU"]:.2f} over '
                               f'{scores["num_images"]} images, written to {path} '
                               f'and {table}')
        if rescore:
            self._rescore_metric(runner, metrics, gt_dir, img_ids, num_skipped)

    def _rescore_metric(self, runner, metrics: Dict[str, float], gt_dir: str,
                        img_ids: List[str], num_skipped: int) -> None:
        """Replace the :class:`PseudoLabelMetric` results by those of all files."""
        metric = next((m for m in runner.test_loop.evaluator.metrics
                       if isinstance(m, PseudoLabelMetric)), None)
        if metric is None:
            return
        if metric.bg_thresholds and not self.metric_cam_dir:
            raise ValueError(f'{type(metric).__name__} sweeps bg_thresholds: set '
                             'metric_cam_dir of ScorePseudoLabelsHook to the CAM folder')
        classes = runner.test_loop.dataloader.dataset.metainfo['classes']
        confusion = label_folder_confusion(
            osp.join(runner.work_dir, self.metric_label_dir), gt_dir, img_ids,
            len(classes), metric.ignore_index)
        sweep = cam_sweep_confusions(
            osp.join(runner.work_dir, self.metric_cam_dir), gt_dir, img_ids, len(classes),
            metric.bg_thresholds, metric.ignore_index) if metric.bg_thresholds else None
        rescored = pseudo_label_metrics(confusion, classes, metric.bg_thresholds, sweep)
        if metric.prefix:
            rescored = {f'{metric.prefix}/{k}': v for k, v in rescored.items()}
        metrics.clear()
        metrics.update(rescored)
        runner.logger.info(f'{num_skipped} images were written by an earlier run: '
                           f'scored all {len(img_ids)} from the files, mIoU '
                           f'{rescored.get("mIoU", float("nan")):.2f}')
