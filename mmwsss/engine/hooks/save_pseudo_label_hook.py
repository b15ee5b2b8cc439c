"""Write the pseudo labels predicted in the test loop (and pictures of them)."""
import os.path as osp
from concurrent.futures import Future, wait
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmwsss.utils import read_image, save_label_png
from mmwsss.visualization import affinity_picture, label_overlay

from .sample_writer_hook import SampleWriterHook


@HOOKS.register_module()
class SavePseudoLabelHook(SampleWriterHook):
    """Save label fields of every test sample as PNGs, with pictures of them.

    Files (relative folders are under the runner's work dir), one per image,
    each written atomically, so the loop may be sharded across ranks:

    - ``{folder}/{img_id}.png`` for each ``field: folder`` of ``label_dirs``
      (VOC palette, values 0..C); a field may be a
      :class:`concurrent.futures.Future` of the (H, W) label array (e.g. the
      CRF labels of a process pool): it is written once done, at the latest
      in ``after_test_epoch``, before :class:`ScorePseudoLabelsHook` (lower
      priority) reads the folders;
    - ``{overlay_dir}/{img_id}.jpg``: the first label field over the image;
    - ``{affinity_dir}/{img_id}.jpg``: the image next to its mean-affinity
      map (``pred_affinity`` of ``AffinityNet``).

    An image is written (:meth:`is_written`) once all its label PNGs exist;
    with ``resumable=False`` never, so :class:`ResumeWritersHook` skips no
    image and every run of the loop writes every image again (for a loop
    whose metric must cover every image, such as the segmentation stage's
    test on val).

    Args:
        label_dirs: Sample field -> folder of its PNGs; every field must be
            in every sample.
        overlay_dir: Folder of the label overlays (None: not written).
        affinity_dir: Folder of the affinity pictures (None: not written).
        resumable: Whether a rerun may skip the images already written.
    """

    def __init__(self,
                 label_dirs: Optional[Mapping[str, str]] = None,
                 overlay_dir: Optional[str] = None,
                 affinity_dir: Optional[str] = None,
                 resumable: bool = True) -> None:
        self.label_dirs: Dict[str, str] = dict(
            label_dirs if label_dirs is not None else dict(pred_sem_seg='pseudo_labels'))
        if not self.label_dirs:
            raise ValueError('SavePseudoLabelHook needs at least one field in label_dirs')
        self.overlay_dir = overlay_dir
        self.affinity_dir = affinity_dir
        self.resumable = resumable
        self._deferred: List[Tuple[Future, str]] = []

    def label_path(self, work_dir: str, field: str, img_id: str) -> str:
        """Path of the PNG of ``field`` for one image."""
        return osp.join(work_dir, self.label_dirs[field], f'{img_id}.png')

    def is_written(self, work_dir: str, img_id: str) -> bool:
        """Whether every label PNG of an image exists (never when not resumable)."""
        return self.resumable and all(osp.isfile(self.label_path(work_dir, field, img_id))
                   for field in self.label_dirs)

    def output_dirs(self) -> List[str]:
        """The folders this hook writes into (relative to the work dir)."""
        return [folder for folder in (*self.label_dirs.values(), self.overlay_dir,
                                      self.affinity_dir) if folder]

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
                self.write_picture(
                    label_overlay(image, next(iter(labels.values()))),
                    osp.join(runner.work_dir, self.overlay_dir, f'{img_id}.jpg'))
            if self.affinity_dir:
                if 'pred_affinity' not in sample:
                    raise KeyError(f'sample {img_id} has no pred_affinity (AffinityNet '
                                   'predictions) for the affinity pictures')
                self.write_picture(
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

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        """Write the deferred labels still pending."""
        self._write_deferred(wait_all=True)
