"""Resize that moves every segmentation field with the image."""
from typing import Dict, Optional

import mmcv
from mmcv.transforms import Resize
from mmseg.registry import TRANSFORMS

DEFAULT_FIELD_INTERPOLATION = dict(gt_saliency='bilinear')


@TRANSFORMS.register_module()
class SegFieldsResize(Resize):
    """mmcv's ``Resize`` that also resizes the other fields of ``seg_fields``.

    mmcv resizes ``gt_seg_map`` only; saliency maps (EPS) and CRF score maps
    (affinity labels) must follow the image. Each extra field is resized to the
    new image size, with nearest-neighbour interpolation unless
    ``field_interpolation`` names another (saliency: bilinear by default).
    Use it as ``RandomResize(..., resize_type='SegFieldsResize')``.

    Args:
        field_interpolation: Interpolation per field name.
        **kwargs: Arguments of :class:`mmcv.transforms.Resize`.
    """

    def __init__(self, field_interpolation: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.field_interpolation = dict(DEFAULT_FIELD_INTERPOLATION,
                                        **(field_interpolation or {}))

    def _resize_seg(self, results: dict) -> None:
        """Resize ``gt_seg_map`` as mmcv does, then every other seg field."""
        super()._resize_seg(results)
        height, width = results['img'].shape[:2]
        for key in results.get('seg_fields', []):
            if key == 'gt_seg_map' or results.get(key) is None:
                continue
            results[key] = mmcv.imresize(
                results[key], (width, height),
                interpolation=self.field_interpolation.get(key, 'nearest'),
                backend=self.backend)
