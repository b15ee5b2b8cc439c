"""Load a saliency map as a segmentation field of the data pipeline."""
import os.path as osp

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from PIL import Image


@TRANSFORMS.register_module()
class LoadSaliencyMap(BaseTransform):
    """Read ``results['saliency_path']`` into ``results['gt_saliency']``.

    The map is stored as uint8 (H, W) in 0..255 (multi-channel PNGs are averaged
    over channels) and registered in ``results['seg_fields']``, so MMSeg's
    transforms that iterate ``seg_fields`` (crop, pad) move it with the image.

    Required keys: ``saliency_path``, ``img_shape`` (after ``LoadImageFromFile``).
    Added keys: ``gt_saliency``; modified: ``seg_fields``.
    """

    def transform(self, results: dict) -> dict:
        """Load the saliency map of one sample.

        Args:
            results: Pipeline results dict.

        Returns:
            ``results`` with ``gt_saliency`` added.
        """
        path = results.get('saliency_path')
        if path is None:
            raise KeyError('LoadSaliencyMap needs "saliency_path": set '
                           "data_prefix['saliency_path'] in the dataset config")
        if not osp.isfile(path):
            raise FileNotFoundError(f'saliency map not found: {path}')
        try:
            with Image.open(path) as image:
                saliency = np.asarray(image, dtype=np.float32)
        except OSError as error:
            raise OSError(f'cannot read saliency map {path}: {error}') from error
        if saliency.ndim == 3:
            saliency = saliency.mean(axis=2)
        if 'img_shape' in results and saliency.shape != tuple(results['img_shape'][:2]):
            raise ValueError(f'saliency map {path} has shape {saliency.shape}, '
                             f'the image {tuple(results["img_shape"][:2])}')
        results['gt_saliency'] = np.round(saliency).astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_saliency')
        return results
