"""Pack inputs for WSSS models, keeping image-level labels and per-pixel fields."""
from typing import Mapping, Optional, Sequence

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

DEFAULT_META_KEYS = ('img_id', 'img_path', 'seg_map_path', 'ori_shape',
                     'img_shape', 'pad_shape', 'scale_factor', 'flip',
                     'flip_direction', 'reduce_zero_label')

DEFAULT_PIXEL_FIELDS = dict(gt_saliency=255.0, gt_affinity_label=None, gt_cams=None)
"""Per-pixel fields packed as ``PixelData``: results key -> divisor (None: keep values)."""


def to_pixel_tensor(array: np.ndarray, divisor: Optional[float]) -> torch.Tensor:
    """Convert an (H, W) or (H, W, C) array to a (1, H, W) or (C, H, W) tensor.

    Args:
        array: Per-pixel values, channels last as the transforms keep them.
        divisor: Convert to float32 and divide by this value; None keeps
            integer values as int64 and floats as float32.

    Returns:
        The channels-first tensor.
    """
    array = np.asarray(array)
    if array.ndim not in (2, 3):
        raise ValueError(f'per-pixel field must be (H, W) or (H, W, C), got {array.shape}')
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    if divisor is not None:
        array = array.astype(np.float32) / divisor
    elif np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.int64)
    else:
        array = array.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(array))


@TRANSFORMS.register_module()
class PackWSSSInputs(PackSegInputs):
    """:class:`PackSegInputs` that also packs the weak-supervision fields.

    Sets on the ``SegDataSample``:

    - ``gt_img_labels``: float tensor (C,), the multi-hot image-level labels
      from ``results['img_labels']`` (required).
    - one ``PixelData`` per field of ``pixel_fields`` present in ``results``,
      under the same name, with data (1, H, W) for an (H, W) array and
      (C, H, W) for an (H, W, C) array. By default:
      ``gt_saliency`` (uint8 0..255 -> float in [0, 1]),
      ``gt_affinity_label`` (affinity labels 0..C / 255 at feature
      resolution, int64) and ``gt_cams`` (normalised CAMs, float32).

    Args:
        meta_keys: Keys of ``results`` stored as meta information;
            ``img_id`` is included by default.
        pixel_fields: Per-pixel fields to pack: results key -> divisor (the
            values become float32 divided by it), or None to keep the values
            (integers as int64, floats as float32).
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS,
                 pixel_fields: Optional[Mapping[str, Optional[float]]] = None) -> None:
        super().__init__(meta_keys=tuple(meta_keys))
        self.pixel_fields = dict(DEFAULT_PIXEL_FIELDS if pixel_fields is None
                                 else pixel_fields)

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
        for key, divisor in self.pixel_fields.items():
            if results.get(key) is not None:
                data_sample.set_field(
                    PixelData(data=to_pixel_tensor(results[key], divisor)), key)
        return packed
