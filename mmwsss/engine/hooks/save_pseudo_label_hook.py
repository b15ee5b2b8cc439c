"""Write the pseudo labels predicted in the test loop, resumably, and score them."""
import os.path as osp
from concurrent.futures import Future, wait
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmengine.dataset import DefaultSampler
from mmengine.dist import barrier, broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample
from torch.utils.data import DataLoader

from mmwsss.evaluation.folder_evaluation import evaluate_label_folder
from mmwsss.reporting.per_class_table import write_per_class_table
from mmwsss.utils import (atomic_path, read_image, remove_stale_temporaries, save_json,
                          save_label_png)
from mmwsss.visualization import affinity_picture, label_overlay


@HOOKS.register_module()
class SavePseudoLabelHook(Hook):
    """Save label fields of every test sample as PNGs; optionally skip and score.

    Files (relative folders are under the runner's work dir), one per image,
    each written atomically, so the loop may be sharded across ranks:

    - ``{folder}/{img_id}.png`` for each ``field: folder`` of ``label_dirs``
      (VOC palette, values 0..C); a field may be a
      :class:`concurrent.futures.Future` of the (H, W) label array (e.g. the
      CRF labels of a process pool): it is written once done, at the latest
      before the metrics;
    - ``{overlay_dir}/{img_id}.jpg``: the first label field over the image;
    - ``{affinity_dir}/{img_id}.jpg``: the image next to its mean-affinity
      map (``pred_affinity`` of ``AffinityNet``).

    With ``skip_existing``, images whose label files all exist are removed
    from the test dataloader before the loop starts, so an interrupted run
    resumes where it stopped; when every image is written the loop runs on no
    image and the metrics come from the files. Before the loop, hidden
    temporary files that a killed run left in the output folders are removed.
    With ``metrics_files``, once all ranks are done, the main process scores
    the folder of each field it names against the dataset's ground truth
    (``data_prefix['seg_map_path']``) over *all* images of the dataset,
    including those written by earlier runs, and writes one flat JSON per
    field, ``{work_dir}/{metrics_files[field]}``: ``mIoU``, ``mPrecision``,
    ``mRecall``, ``aAcc``, ``{IoU,Precision,Recall}.{class}`` and
    ``num_images`` (see
    :func:`~mmwsss.evaluation.folder_evaluation.evaluate_label_folder`), and
    its per-class table beside it, ``{json stem}_per_class.md``.

    Args:
        label_dirs: Sample field -> folder of its PNGs; every field must be
            in every sample.
        skip_existing: Skip images already written.
        metrics_files: Sample field (a key of ``label_dirs``) -> JSON file of
            the scores of its folder (None: nothing scored).
        overlay_dir: Folder of the label overlays (None: not written).
        affinity_dir: Folder of the affinity pictures (None: not written).
    """

    priority = 'NORMAL'

    def __init__(self,
                 label_dirs: Optional[Mapping[str, str]] = None,
                 skip_existing: bool = False,
                 metrics_files: Optional[Mapping[str, str]] = None,
                 overlay_dir: Optional[str] = None,
                 affinity_dir: Optional[str] = None) -> None:
        self.label_dirs: Dict[str, str] = dict(
            label_dirs if label_dirs is not None else dict(pred_sem_seg='pseudo_labels'))
        if (skip_existing or metrics_files) and not self.label_dirs:
            raise ValueError('skip_existing and metrics_files need label_dirs')
        self.metrics_files: Dict[str, str] = dict(metrics_files or {})
        unknown = sorted(set(self.metrics_files) - set(self.label_dirs))
        if unknown:
            raise ValueError(f'metrics_files fields {unknown} are not in label_dirs '
                             f'{sorted(self.label_dirs)}')
        self.skip_existing = skip_existing
        self.overlay_dir = overlay_dir
        self.affinity_dir = affinity_dir
        self._img_ids: List[str] = []
        self._num_skipped = 0
        self._deferred: List[Tuple[Future, str]] = []

    def label_path(self, work_dir: str, field: str, img_id: str) -> str:
        """Path of the PNG of ``field`` for one image."""
        return osp.join(work_dir, self.label_dirs[field], f'{img_id}.png')

    def is_written(self, work_dir: str, img_id: str) -> bool:
        """Whether every file ``skip_existing`` looks for exists for an image."""
        return all(osp.isfile(self.label_path(work_dir, field, img_id))
                   for field in self.label_dirs)

    def output_dirs(self) -> List[str]:
        """The folders this hook writes into (relative to the work dir)."""
        return [folder for folder in (*self.label_dirs.values(), self.overlay_dir,
                                      self.affinity_dir) if folder]

    def before_test(self, runner) -> None:
        """Remember the images; with ``skip_existing`` drop those already written."""
        loader = runner.test_loop.dataloader
        dataset = loader.dataset
        self._img_ids = [dataset.get_data_info(index)['img_id']
                         for index in range(len(dataset))]
        self._num_skipped = 0
        if is_main_process():
            for folder in self.output_dirs():
                for path in remove_stale_temporaries(osp.join(runner.work_dir, folder)):
                    runner.logger.info(f'removed {path}, left by an interrupted run')
        barrier()
        if not self.skip_existing:
            return
        # rank 0 decides for every rank: others may start writing before it looks
        missing = [[index for index, img_id in enumerate(self._img_ids)
                    if not self.is_written(runner.work_dir, img_id)]
                   if is_main_process() else None]
        broadcast_object_list(missing)
        missing = missing[0]
        if len(missing) == len(self._img_ids):
            return
        self._num_skipped = len(self._img_ids) - len(missing)
        runner.logger.info(f'{len(self._img_ids) - len(missing)} of {len(self._img_ids)} '
                           f'images already have {sorted(self.label_dirs.values())} in '
                           f'{runner.work_dir}: skipping them')
        subset = dataset.get_subset(missing)
        # DefaultSampler divides by the dataset size: an empty loop needs no sampler
        sampler = DefaultSampler(subset, shuffle=False, round_up=getattr(
            loader.sampler, 'round_up', True)) if missing else []
        runner.test_loop.dataloader = DataLoader(
            subset,
            batch_size=loader.batch_size,
            sampler=sampler,
            num_workers=loader.num_workers if missing else 0,
            collate_fn=loader.collate_fn,
            pin_memory=loader.pin_memory,
            worker_init_fn=loader.worker_init_fn,
            persistent_workers=False)

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        """Write the files of the samples of one batch."""
        for sample in outputs or []:
            img_id = sample.metainfo['img_id']
            labels = {}
            for field in self.label_dirs:
                if field not in sample:
                    raise KeyError(f'sample {img_id} has no {field} to write to '
                                   f'{self.label_dirs[field]}')
                value = sample.get(field)
                if isinstance(value, Future):
                    self._deferred.append(
                        (value, self.label_path(runner.work_dir, field, img_id)))
                    continue
                labels[field] = value.data[0].cpu().numpy().astype(np.uint8)
                save_label_png(labels[field], self.label_path(runner.work_dir, field, img_id))
            if self.overlay_dir or self.affinity_dir:
                image = read_image(sample.metainfo['img_path'], img_id, channel_order='rgb')
            if self.overlay_dir and labels:
                self._write_picture(
                    label_overlay(image, next(iter(labels.values()))),
                    osp.join(runner.work_dir, self.overlay_dir, f'{img_id}.jpg'))
            if self.affinity_dir:
                if 'pred_affinity' not in sample:
                    raise KeyError(f'sample {img_id} has no pred_affinity (AffinityNet '
                                   'predictions) for the affinity pictures')
                self._write_picture(
                    affinity_picture(image, sample.pred_affinity.data[0].cpu().numpy()),
                    osp.join(runner.work_dir, self.affinity_dir, f'{img_id}.jpg'))
        self._write_deferred(wait_all=False)

    def _write_deferred(self, wait_all: bool) -> None:
        """Write the deferred labels that are done (all of them: wait)."""
        if wait_all:
            wait([future for future, _ in self._deferred])
        pending = []
        for future, path in self._deferred:
            if future.done():
                save_label_png(np.asarray(future.result()).astype(np.uint8), path)
            else:
                pending.append((future, path))
        self._deferred = pending

    @staticmethod
    def _write_picture(picture: np.ndarray, path: str) -> None:
        """Atomically write an RGB picture as JPEG."""
        with atomic_path(path) as tmp:
            mmcv.imwrite(picture[..., ::-1], str(tmp))

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        """Score the folders over all images (main process, after every rank)."""
        self._write_deferred(wait_all=True)
        if not self.metrics_files:
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
        for field, filename in self.metrics_files.items():
            folder = self.label_dirs[field]
            scores = evaluate_label_folder(osp.join(runner.work_dir, folder), gt_dir,
                                           self._img_ids, classes)
            path = osp.join(runner.work_dir, filename)
            save_json(scores, path)
            table = write_per_class_table(scores, path)
            runner.logger.info(f'{folder}: mIoU {scores["mIoU"]:.2f} over '
                               f'{scores["num_images"]} images, written to {path} '
                               f'and {table}')
