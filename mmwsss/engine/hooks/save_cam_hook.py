"""Write the CAMs and CAM-only pseudo labels predicted in the test loop."""
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmwsss.utils import read_image, save_cams, save_label_png
from mmwsss.visualization import cam_overlay

from .sample_writer_hook import SampleWriterHook


@HOOKS.register_module()
class SaveCAMHook(SampleWriterHook):
    """Save ``pred_cams`` and ``pred_sem_seg`` of every test sample.

    Files (relative paths are under the runner's work dir), one per image,
    each written atomically, so the loop may be sharded across ranks:

    - ``{cam_dir}/{img_id}.npz``: see :mod:`mmwsss.utils.cam_io`;
    - ``{pseudo_label_dir}/{img_id}.png``: CAM-only pseudo label, VOC palette;
    - ``{overlay_dir}/{img_id}_{class}.jpg``: heat maps over the image, when
      ``overlay_dir`` is set.

    An image is written (:meth:`is_written`) once its CAM file and its
    pseudo label exist.

    Args:
        cam_dir: Folder of the CAM files.
        pseudo_label_dir: Folder of the pseudo-label PNGs (None: not written).
        overlay_dir: Folder of the CAM overlays (None: not written).
    """

    def __init__(self,
                 cam_dir: str = 'cams',
                 pseudo_label_dir: Optional[str] = 'cam_pseudo_labels',
                 overlay_dir: Optional[str] = None) -> None:
        self.cam_dir = cam_dir
        self.pseudo_label_dir = pseudo_label_dir
        self.overlay_dir = overlay_dir

    def output_dirs(self) -> List[str]:
        """The folders this hook writes into (relative to the work dir)."""
        return [folder for folder in (self.pseudo_label_dir, self.cam_dir, self.overlay_dir)
                if folder]

    def is_written(self, work_dir: str, img_id: str) -> bool:
        """Whether the CAM file and the pseudo label of an image exist."""
        return all(osp.isfile(osp.join(work_dir, folder, f'{img_id}.{ext}'))
                   for folder, ext in ((self.cam_dir, 'npz'), (self.pseudo_label_dir, 'png'))
                   if folder)

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        """Write the files of the samples of one batch."""
        classes = runner.test_dataloader.dataset.metainfo['classes']
        for sample in outputs or []:
            img_id = sample.metainfo['img_id']
            save_cams(osp.join(runner.work_dir, self.cam_dir, f'{img_id}.npz'),
                      sample.pred_cams.data, sample.gt_img_labels)
            if self.overlay_dir:
                self._write_overlays(runner.work_dir, sample, classes)
            if self.pseudo_label_dir:
                save_label_png(sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8),
                               osp.join(runner.work_dir, self.pseudo_label_dir,
                                        f'{img_id}.png'))

    def _write_overlays(self, work_dir: str, sample: SegDataSample,
                        classes: Sequence[str]) -> None:
        """One heat-map picture per present class."""
        image = read_image(sample.metainfo['img_path'], sample.metainfo['img_id'],
                           channel_order='rgb')
        cams = sample.pred_cams.data.cpu().numpy()
        for index in np.flatnonzero(sample.gt_img_labels.cpu().numpy() > 0):
            self.write_picture(
                cam_overlay(image, cams[index]),
                osp.join(work_dir, self.overlay_dir,
                         f'{sample.metainfo["img_id"]}_{classes[index + 1]}.jpg'))
