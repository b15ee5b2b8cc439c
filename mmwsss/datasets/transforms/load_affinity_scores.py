"""Load the dense-CRF scores an image's affinity labels are cut from."""
import os.path as osp

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from mmwsss.utils.affinity_io import load_affinity_scores

from .load_wsss_image import check_same_size

LOW_KEY = 'affinity_scores_low'
HIGH_KEY = 'affinity_scores_high'
CLASSES_KEY = 'affinity_classes'


@TRANSFORMS.register_module()
class LoadAffinityScores(BaseTransform):
    """Read ``results['affinity_path']`` (see :mod:`mmwsss.utils.affinity_io`).

    Both score maps are stored channels last, float32 (H, W, K + 1), and
    registered in ``results['seg_fields']`` so the crop and flip transforms
    move them with the image. Pad them with 0 (no score), e.g.
    ``RandomCropPad(seg_pad_val=dict(affinity_scores_low=0,
    affinity_scores_high=0))``: padding then becomes neutral (255) in
    :class:`AffinityLabelFromScores`.

    Required keys: ``affinity_path`` (``data_prefix['affinity_path']`` of
    ``WSSSDataset``), ``img`` or ``img_shape``, ``img_labels``.
    Added keys: ``affinity_scores_low``, ``affinity_scores_high`` and
    ``affinity_classes`` (int64 (K + 1,), the class value of each channel,
    0 first). Modified: ``seg_fields``.
    """

    def transform(self, results: dict) -> dict:
        """Load the scores of one sample.

        Args:
            results: Pipeline results dict.

        Returns:
            ``results`` with the score maps and their class values.
        """
        path = results.get('affinity_path')
        if path is None:
            raise KeyError('LoadAffinityScores needs "affinity_path": set '
                           "data_prefix['affinity_path'] in the dataset config")
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'affinity scores not found: {path} (write them with '
                'tools/make_affinity_labels.py)')
        low, high, classes = load_affinity_scores(path)
        check_same_size(low.shape[1:], results, f'affinity-score file {path}')
        if 'img_labels' in results:
            expected = np.flatnonzero(np.asarray(results['img_labels']) > 0) + 1
            if classes[1:].tolist() != expected.tolist():
                raise ValueError(
                    f'affinity scores {path} are for classes {classes[1:].tolist()}, '
                    f'the image-level labels are {expected.tolist()}')
        results[LOW_KEY] = np.ascontiguousarray(low.transpose(1, 2, 0))
        results[HIGH_KEY] = np.ascontiguousarray(high.transpose(1, 2, 0))
        results[CLASSES_KEY] = classes
        results.setdefault('seg_fields', []).extend([LOW_KEY, HIGH_KEY])
        return results
