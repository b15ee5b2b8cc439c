"""Load an image's CAMs (written by the CAM stage) into the data pipeline."""
import os.path as osp

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from mmwsss.utils.cam_io import load_cams

from .load_wsss_image import check_same_size


@TRANSFORMS.register_module()
class LoadCAMs(BaseTransform):
    """Read ``results['cam_path']`` into ``results['gt_cams']``.

    The CAMs of all C classes (zero for absent classes), normalised by their
    maximum, are stored channels last, float32 (H, W, C), and registered in
    ``results['seg_fields']`` so geometric transforms move them with the
    image. ``PackWSSSInputs`` packs them as ``gt_cams``, (C, H, W).

    Required keys: ``cam_path`` (``data_prefix['cam_path']`` of
    ``WSSSDataset``), ``img_labels``, and ``img`` or ``img_shape``.
    Added keys: ``gt_cams``. Modified: ``seg_fields``.
    """

    def transform(self, results: dict) -> dict:
        """Load the CAMs of one sample.

        Args:
            results: Pipeline results dict.

        Returns:
            ``results`` with ``gt_cams``.
        """
        path = results.get('cam_path')
        if path is None:
            raise KeyError('LoadCAMs needs "cam_path": set '
                           "data_prefix['cam_path'] in the dataset config")
        if not osp.isfile(path):
            raise FileNotFoundError(f'CAM file not found: {path}')
        if 'img_labels' not in results:
            raise KeyError(f'LoadCAMs needs "img_labels" (set by WSSSDataset) for {path}')
        img_labels = np.asarray(results['img_labels'])
        cams, labels = load_cams(path, img_labels.shape[0])
        expected = np.flatnonzero(img_labels > 0) + 1
        if sorted(labels.tolist()) != expected.tolist():
            raise ValueError(f'CAM file {path} holds classes {labels.tolist()}, the '
                             f'image-level labels are {expected.tolist()}')
        check_same_size(cams.shape[1:], results, f'CAM file {path}')
        results['gt_cams'] = np.ascontiguousarray(cams.transpose(1, 2, 0))
        results.setdefault('seg_fields', []).append('gt_cams')
        return results
