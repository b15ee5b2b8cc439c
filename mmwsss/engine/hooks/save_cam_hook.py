"""Write the CAMs and CAM-only pseudo labels predicted in the test loop."""
import os.path as osp
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmwsss.utils import atomic_path, save_cams
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

    Args:
        cam_dir: Folder of the CAM files.
        pseudo_label_dir: Folder of the pseudo-label PNGs (None: not written).
        overlay_dir: Folder of the CAM overlays (None: not written).
    """

    def __init__(self,
                 cam_dir: str = 'cams',
                 pseudo_label_dir: Optional[str] = 'cam_pseudo_labels',
                 overlay_dir: Optional[str] = None) -> None:
        super().__init__(
            label_dirs=dict(pred_sem_seg=pseudo_label_dir) if pseudo_label_dir else {})
        self.cam_dir = cam_dir
        self.pseudo_label_dir = pseudo_label_dir
        self.cam_overlay_dir = overlay_dir

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
        image = mmcv.imread(sample.metainfo['img_path'], channel_order='rgb')
        cams = sample.pred_cams.data.cpu().numpy()
        for index in np.flatnonzero(sample.gt_img_labels.cpu().numpy() > 0):
            path = osp.join(work_dir, self.cam_overlay_dir,
                            f'{sample.metainfo["img_id"]}_{classes[index + 1]}.jpg')
            with atomic_path(path) as tmp:
                mmcv.imwrite(cam_overlay(image, cams[index])[..., ::-1], str(tmp))
