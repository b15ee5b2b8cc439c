"""Write the CAMs and CAM-only pseudo labels predicted in the test loop."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmcv
import numpy as np
from mmengine.dist import is_main_process
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmwsss.evaluation.folder_evaluation import cam_sweep_confusions, label_folder_confusion
from mmwsss.evaluation.metrics.pseudo_label_metric import (PseudoLabelMetric,
                                                           pseudo_label_metrics)
from mmwsss.utils import atomic_path, read_image, save_cams
from mmwsss.visualization import cam_overlay

from .save_pseudo_label_hook import SavePseudoLabelHook


@HOOKS.register_module()
class SaveCAMHook(SavePseudoLabelHook):
    """Save ``pred_cams`` and ``pred_sem_seg`` of every test sample.

    Files (relative paths are under the runner's work dir), one per image,
    each written atomically, so the loop may be sharded across ranks:

    - ``{cam_dir}/{img_id}.npz``: see :mod:`mmwsss.utils.cam_io`;
    - ``{pseudo_label_dir}/{img_id}.png``: CAM-only pseudo label, VOC palette
      (written by :class:`SavePseudoLabelHook`);
    - ``{overlay_dir}/{img_id}_{class}.jpg``: heat maps over the image, when
      ``overlay_dir`` is set.

    With ``skip_existing``, images whose CAM file and pseudo label exist are
    left out of the loop (an interrupted inference resumes); the metrics of a
    :class:`PseudoLabelMetric` in the test evaluator, which then saw only the
    new images, are recomputed on the main process from the files of *all*
    images (same keys, same threshold sweep) before later hooks such as
    ``SaveMetricsHook`` read them.

    Args:
        cam_dir: Folder of the CAM files.
        pseudo_label_dir: Folder of the pseudo-label PNGs (None: not written).
        overlay_dir: Folder of the CAM overlays (None: not written).
        skip_existing: Skip images already written (needs ``pseudo_label_dir``).
    """

    def __init__(self,
                 cam_dir: str = 'cams',
                 pseudo_label_dir: Optional[str] = 'cam_pseudo_labels',
                 overlay_dir: Optional[str] = None,
                 skip_existing: bool = False) -> None:
        super().__init__(
            label_dirs=dict(pred_sem_seg=pseudo_label_dir) if pseudo_label_dir else {},
            skip_existing=skip_existing)
        self.cam_dir = cam_dir
        self.pseudo_label_dir = pseudo_label_dir
        self.cam_overlay_dir = overlay_dir

    def output_dirs(self) -> List[str]:
        """The folders this hook writes into (relative to the work dir)."""
        return super().output_dirs() + [
            folder for folder in (self.cam_dir, self.cam_overlay_dir) if folder]

    def is_written(self, work_dir: str, img_id: str) -> bool:
        """Whether the CAM file and the pseudo label of an image exist."""
        return (super().is_written(work_dir, img_id)
                and osp.isfile(osp.join(work_dir, self.cam_dir, f'{img_id}.npz')))

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        """After a resumed loop, rescore every image from the files (main process)."""
        if not self._num_skipped or metrics is None or not is_main_process():
            return
        metric = next((m for m in runner.test_loop.evaluator.metrics
                       if isinstance(m, PseudoLabelMetric)), None)
        dataset = runner.test_loop.dataloader.dataset
        gt_dir = dataset.data_prefix.get('seg_map_path')
        if metric is None or not gt_dir:
            return
        classes = dataset.metainfo['classes']
        confusion = label_folder_confusion(
            osp.join(runner.work_dir, self.pseudo_label_dir), gt_dir, self._img_ids,
            len(classes), metric.ignore_index)
        sweep = cam_sweep_confusions(
            osp.join(runner.work_dir, self.cam_dir), gt_dir, self._img_ids, len(classes),
            metric.bg_thresholds, metric.ignore_index) if metric.bg_thresholds else None
        rescored = pseudo_label_metrics(confusion, classes, metric.bg_thresholds, sweep)
        if metric.prefix:
            rescored = {f'{metric.prefix}/{k}': v for k, v in rescored.items()}
        metrics.clear()
        metrics.update(rescored)
        runner.logger.info(f'{self._num_skipped} images were written by an earlier run: '
                           f'scored all {len(self._img_ids)} from the files, mIoU '
                           f'{rescored.get("mIoU", float("nan")):.2f}')

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        """Write the files of the samples of one batch."""
        classes = runner.test_dataloader.dataset.metainfo['classes']
        for sample in outputs or []:
            img_id = sample.metainfo['img_id']
            save_cams(osp.join(runner.work_dir, self.cam_dir, f'{img_id}.npz'),
                      sample.pred_cams.data, sample.gt_img_labels)
            if self.cam_overlay_dir:
                self._write_overlays(runner.work_dir, sample, classes)
        super().after_test_iter(runner, batch_idx, data_batch, outputs)

    def _write_overlays(self, work_dir: str, sample: SegDataSample,
                        classes: Sequence[str]) -> None:
        """One heat-map picture per present class."""
        image = read_image(sample.metainfo['img_path'], sample.metainfo['img_id'],
                           channel_order='rgb')
        cams = sample.pred_cams.data.cpu().numpy()
        for index in np.flatnonzero(sample.gt_img_labels.cpu().numpy() > 0):
            path = osp.join(work_dir, self.cam_overlay_dir,
                            f'{sample.metainfo["img_id"]}_{classes[index + 1]}.jpg')
            with atomic_path(path) as tmp:
                mmcv.imwrite(cam_overlay(image, cams[index])[..., ::-1], str(tmp))
