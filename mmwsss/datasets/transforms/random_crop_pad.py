"""PSA's random crop: crop when larger, zero-pad at a random offset when smaller."""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

IMAGENET_MEAN_BGR = (103.53, 116.28, 123.675)
DEFAULT_SEG_PAD = dict(gt_seg_map=255, gt_saliency=0)


def crop_pad_window(size: int, crop: int,
                    rng) -> Tuple[int, int, int]:
    """Source start, destination start and length along one axis.

    Args:
        size: Image length along the axis.
        crop: Crop length.
        rng: ``numpy`` generator or module with ``randint``/``integers``.

    Returns:
        ``(src_start, dst_start, length)``: copy ``src[src_start:src_start+length]``
        into ``dst[dst_start:dst_start+length]`` of a ``crop``-long container.
    """
    draw = getattr(rng, 'integers', None) or rng.randint
    if size > crop:
        return int(draw(0, size - crop + 1)), 0, crop
    return 0, int(draw(0, crop - size + 1)), size


@TRANSFORMS.register_module()
class RandomCropPad(BaseTransform):
    """Random square crop of fixed size; smaller images are placed at a random offset.

    This is the official PSA/EPS ``RandomCrop``: every output is exactly
    ``crop_size``; where the image is smaller, the container is padded. The
    pad value depends on where the official code crops:

    - CAM and EPS crop the *normalised* image and pad it with 0: the default
      image padding is the ImageNet mean (in BGR order, as loaded by mmcv),
      which the data preprocessor normalises to exactly 0;
    - AffinityNet crops before normalising and pads with black pixels:
      ``img_pad_val=0`` (after normalisation ``-mean / std``).

    A pad value that the image's dtype cannot hold exactly (the mean in a
    uint8 image) turns the output into float32, so the padding is exact.

    Required keys: ``img``, optional ``seg_fields``. Modified: ``img`` (float32
    when the pad value needs it), each seg field, ``img_shape``. Added:
    ``crop_bbox`` (y, x of the image's top-left in the output and of the crop's
    top-left in the image).

    Args:
        crop_size: Output size (H, W) or one int.
        img_pad_val: Padding of the image, one value or one per channel (BGR).
        seg_pad_val: Padding per seg field; other fields get 255.
        seed: Seed of a private generator (None: numpy's global state).
    """

    def __init__(self,
                 crop_size,
                 img_pad_val: Union[float, Sequence[float]] = IMAGENET_MEAN_BGR,
                 seg_pad_val: Optional[Dict[str, float]] = None,
                 seed: Optional[int] = None) -> None:
        size = (crop_size, crop_size) if isinstance(crop_size, int) else tuple(crop_size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f'crop_size must be a positive int or (H, W), got {crop_size}')
        self.crop_size = size
        pad = np.asarray(img_pad_val, dtype=np.float64)
        if pad.size not in (1, 3):
            raise ValueError(f'img_pad_val must be one value or three (BGR), got {img_pad_val}')
        self.img_pad_val = tuple(np.broadcast_to(pad.ravel(), (3, )).tolist())
        self.seg_pad_val = dict(DEFAULT_SEG_PAD, **(seg_pad_val or {}))
        self.rng = np.random.default_rng(seed) if seed is not None else np.random

    @staticmethod
    def _apply(array: np.ndarray, windows, crop_size, pad_val) -> np.ndarray:
        (src_y, dst_y, len_y), (src_x, dst_x, len_x) = windows
        out = np.empty(tuple(crop_size) + array.shape[2:], dtype=array.dtype)
        out[...] = np.asarray(pad_val, dtype=np.float64).astype(array.dtype)
        out[dst_y:dst_y + len_y, dst_x:dst_x + len_x] = \
            array[src_y:src_y + len_y, src_x:src_x + len_x]
        return out

    def transform(self, results: dict) -> dict:
        """Crop/pad the image and every seg field with the same window."""
        image = results['img']
        pad = np.asarray(self.img_pad_val)
        if not np.array_equal(pad.astype(image.dtype), pad):
            image = image.astype(np.float32)
        height, width = image.shape[:2]
        windows = (crop_pad_window(height, self.crop_size[0], self.rng),
                   crop_pad_window(width, self.crop_size[1], self.rng))
        results['img'] = self._apply(image, windows, self.crop_size, self.img_pad_val)
        for key in results.get('seg_fields', []):
            results[key] = self._apply(results[key], windows, self.crop_size,
                                       self.seg_pad_val.get(key, 255))
        results['img_shape'] = self.crop_size
        results['crop_bbox'] = (windows[0][1], windows[1][1], windows[0][0], windows[1][0])
        return results
