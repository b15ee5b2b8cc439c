"""Random flip that moves every segmentation field with the image."""
import mmcv
import numpy as np
from mmcv.transforms import RandomFlip
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SegFieldsRandomFlip(RandomFlip):
    """mmcv's ``RandomFlip`` that also flips the other fields of ``seg_fields``.

    mmcv flips ``gt_seg_map`` only; saliency maps and CRF score maps must be
    flipped with the image.

    Args: as :class:`mmcv.transforms.RandomFlip`.
    """

    def _flip(self, results: dict) -> None:
        """Flip the image and ``gt_seg_map`` as mmcv does, then the other fields."""
        super()._flip(results)
        for key in results.get('seg_fields', []):
            if key == 'gt_seg_map' or results.get(key) is None:
                continue
            results[key] = np.ascontiguousarray(
                mmcv.imflip(results[key], direction=results['flip_direction']))
