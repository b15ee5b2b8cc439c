"""Score the written pseudo labels over every image, from the files."""
import os
import os.path as osp
from typing import Dict, List, Mapping, Optional, Tuple

from mmengine.dist import barrier, is_main_process
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmwsss.evaluation.folder_evaluation import (cam_sweep_confusions,
                                                 evaluate_label_folder,
                                                 label_folder_confusion)
from mmwsss.evaluation.label_survival import (check_survival_settings, collapse_messages,
                                              label_folder_survival)
from mmwsss.evaluation.metrics.pseudo_label_metric import (PseudoLabelMetric,
                                                           pseudo_label_metrics)
from mmwsss.reporting.per_class_table import write_per_class_table
from mmwsss.utils import save_json

from .resume_writers_hook import SKIPPED_IMG_IDS, TEST_IMG_IDS


@HOOKS.register_module()
class ScorePseudoLabelsHook(Hook):
    """After the test loop, score pseudo-label folders (label survival, ground truth).

    Runs once every rank is done, on the main process, after the writers
    have written their last (deferred) files and before ``SaveMetricsHook``
    reads the metrics (priority between the two). Scores come from the files
    of *all* images of the test dataset, also those an earlier, interrupted
    run wrote and :class:`ResumeWritersHook` skipped, against the dataset's
    ground truth (``data_prefix['seg_map_path']``; none: nothing scored but
    the label survival).

    - For each ``folder: filename`` of ``survival_files``, with or without
      ground truth, the JSON ``{work_dir}/{filename}`` of
      :func:`~mmwsss.evaluation.label_survival.label_folder_survival`: from
      the dataset's image-level labels (``img_labels``), per class the share
      of its images whose pseudo label keeps it (``kept.{class}``), the mean
      area ratio against the CAM-only labels (``area_ratio.{class}``), the
      pixels given to classes an image is not labelled with
      (``unlabelled_pixels`` ...) and the ``collapsed`` classes, each also a
      logged warning. The CAM labels are the test dataset's
      ``data_prefix['cam_label_path']`` (a folder relative to the current
      directory, like ``cam_path``); without it, or when it lacks an image's
      file (a warning), the image-fraction rule alone decides what is kept.
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
        survival_files: Label folder -> JSON file of its label survival
            (relative paths: under the work dir).
        survival_cfg: Label-survival settings (``keep_ratio``,
            ``min_image_fraction``, ``min_kept``, ``min_area_ratio``; see
            :data:`~mmwsss.evaluation.label_survival.SURVIVAL_SETTINGS`).
    """

    priority = 'BELOW_NORMAL'

    def __init__(self,
                 metrics_files: Optional[Mapping[str, str]] = None,
                 metric_label_dir: Optional[str] = None,
                 metric_cam_dir: Optional[str] = None,
                 survival_files: Optional[Mapping[str, str]] = None,
                 survival_cfg: Optional[Mapping[str, float]] = None) -> None:
        if metric_cam_dir and not metric_label_dir:
            raise ValueError('metric_cam_dir needs metric_label_dir')
        self.metrics_files: Dict[str, str] = dict(metrics_files or {})
        self.metric_label_dir = metric_label_dir
        self.metric_cam_dir = metric_cam_dir
        self.survival_files: Dict[str, str] = dict(survival_files or {})
        self.survival_cfg = check_survival_settings(
            survival_cfg or {}, f'{type(self).__name__} survival_cfg')

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
        if not self.metrics_files and not self.survival_files and not rescore:
            return
        barrier()
        if not is_main_process():
            return
        dataset = runner.test_loop.dataloader.dataset
        if self.survival_files:
            self._write_survival(runner, dataset, img_ids)
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

    def _write_survival(self, runner, dataset, img_ids: List[str]) -> None:
        """Write the label survival of ``survival_files``; warn of collapses."""
        infos = [dataset.get_data_info(index) for index in range(len(dataset))]
        if len(infos) < len(img_ids):  # a resumed loop ran on the images left
            infos = dataset.load_data_list()
        if any('img_labels' not in info for info in infos):
            raise KeyError(f'{type(dataset).__name__} gives no image-level labels '
                           '(img_labels): label survival needs a WSSSDataset')
        img_labels = {info['img_id']: info['img_labels'] for info in infos}
        reference = dataset.data_prefix.get('cam_label_path')
        if reference:
            written = set(os.listdir(reference)) if osp.isdir(reference) else set()
            missing = [img_id for img_id in img_ids if f'{img_id}.png' not in written]
            if missing:
                runner.logger.warning(
                    f'cam_label_path {reference} lacks {len(missing)} of the '
                    f'{len(img_ids)} images (e.g. {missing[0]}.png): label survival '
                    'without the CAM labels (image-fraction rule only)')
                reference = None
        stage = osp.basename(osp.normpath(runner.work_dir))
        for folder, filename in self.survival_files.items():
            survival = label_folder_survival(
                osp.join(runner.work_dir, folder), img_ids, img_labels,
                dataset.metainfo['classes'], reference or None, **self.survival_cfg)
            path = osp.join(runner.work_dir, filename)
            save_json(survival, path)
            runner.logger.info(f'{folder}: label survival over {survival["num_images"]} '
                               f'images written to {path}; collapsed classes: '
                               f'{survival["collapsed"] or "none"}')
            for message in collapse_messages(survival, f'{stage}/{folder}', 'CAM labels'):
                runner.logger.warning(message)

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
