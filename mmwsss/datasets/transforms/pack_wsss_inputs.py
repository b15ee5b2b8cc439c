"""Pack inputs for WSSS models, keeping image-level labels and saliency."""
from typing import Sequence

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

DEFAULT_META_KEYS = ('img_id', 'img_path', 'seg_map_path', 'ori_shape',
                     'img_shape', 'pad_shape', 'scale_factor', 'flip',
                     'flip_direction', 'reduce_zero_label')


@TRANSFORMS.register_module()
class PackWSSSInputs(PackSegInputs):
    """:class:`PackSegInputs` that also packs the weak-supervision fields.

    Sets on the ``SegDataSample``:

    - ``gt_img_labels``: float tensor (C,), the multi-hot image-level labels
      from ``results['img_labels']`` (required).
    - ``gt_saliency``: ``PixelData`` with float data (1, H, W) in [0, 1] from
      ``results['gt_saliency']`` (uint8 0..255), when present.

    Args:
        meta_keys: Keys of ``results`` stored as meta information;
            ``img_id`` is included by default.
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        super().__init__(meta_keys=tuple(meta_keys))

    def transform(self, results: dict) -> dict:
        """Pack one sample.

        Args:
            results: Pipeline results dict.

        Returns:
            dict with ``inputs`` (3, H, W) and ``data_samples``.
        """
        if 'img_labels' not in results:
            raise KeyError('PackWSSSInputs needs "img_labels" (set by WSSSDataset) '
                           f'for {results.get("img_path", "this sample")}')
        packed = super().transform(results)
        data_sample = packed['data_samples']
        data_sample.gt_img_labels = torch.as_tensor(
            np.asarray(results['img_labels'], dtype=np.float32))
        if 'gt_saliency' in results:
            saliency = torch.from_numpy(
                np.ascontiguousarray(results['gt_saliency'], dtype=np.float32) / 255.0)
            data_sample.gt_saliency = PixelData(data=saliency[None])
        return packed
