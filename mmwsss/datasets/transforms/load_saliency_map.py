"""Load a saliency map as a segmentation field of the data pipeline."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from mmwsss.utils.readers import read_saliency_map

from .load_wsss_image import check_same_size


@TRANSFORMS.register_module()
class LoadSaliencyMap(BaseTransform):
    """Read ``results['saliency_path']`` into ``results['gt_saliency']``.

    The map is stored as uint8 (H, W) in 0..255 (multi-channel PNGs are averaged
    over channels) and registered in ``results['seg_fields']``, so MMSeg's
    transforms that iterate ``seg_fields`` (crop, pad) move it with the image.

    A missing, zero-byte, truncated or corrupt file (a JPEG included) or one
    whose header declares more than ``mmwsss.utils.MAX_IMAGE_PIXELS`` pixels
    raises an error naming the path and the image id (``results['img_id']``).

    Required keys: ``saliency_path``, ``img_shape`` (after ``LoadWSSSImage``).
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
        saliency = read_saliency_map(path, results.get('img_id'))
        if 'img_shape' in results:
            check_same_size(saliency.shape, results, f'saliency map {path}')
        results['gt_saliency'] = np.round(saliency).astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_saliency')
        return results
