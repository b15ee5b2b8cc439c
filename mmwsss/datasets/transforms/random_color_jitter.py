"""Colour jitter with torchvision's ColorJitter semantics, on uint8 BGR images."""
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


def _blend(image: np.ndarray, other: np.ndarray, factor: float) -> np.ndarray:
    """``factor * image + (1 - factor) * other``, clipped to [0, 255]."""
    return np.clip(factor * image + (1.0 - factor) * other, 0, 255)


def _grey(image: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of a float BGR image, shape (H, W, 1)."""
    return (0.114 * image[..., 0] + 0.587 * image[..., 1] + 0.299 * image[..., 2])[..., None]


@TRANSFORMS.register_module()
class RandomColorJitter(BaseTransform):
    """Randomly change brightness, contrast, saturation and hue (PSA's augmentation).

    Like torchvision's ``ColorJitter(brightness, contrast, saturation, hue)``:
    factors are drawn uniformly from ``[1 - x, 1 + x]`` (hue shift from
    ``[-hue, hue]`` of a full turn) and the four operations are applied in a
    random order. PSA and EPS use ``(0.3, 0.3, 0.3, 0.1)``.

    Required keys: ``img`` (uint8 BGR). Modified keys: ``img``.

    Args:
        brightness: Brightness jitter.
        contrast: Contrast jitter.
        saturation: Saturation jitter.
        hue: Hue jitter, at most 0.5.
        seed: Seed of a private generator (None: numpy's global state, which
            mmengine seeds per worker).
    """

    def __init__(self, brightness: float = 0.3, contrast: float = 0.3,
                 saturation: float = 0.3, hue: float = 0.1,
                 seed: Optional[int] = None) -> None:
        for name, value in (('brightness', brightness), ('contrast', contrast),
                            ('saturation', saturation)):
            if not 0 <= value <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {value}')
        if not 0 <= hue <= 0.5:
            raise ValueError(f'hue must be in [0, 0.5], got {hue}')
        self.brightness, self.contrast = brightness, contrast
        self.saturation, self.hue = saturation, hue
        self.rng = np.random.default_rng(seed) if seed is not None else np.random

    def _factor(self, amount: float) -> float:
        return float(self.rng.uniform(1 - amount, 1 + amount))

    def _shift_hue(self, image: np.ndarray, shift: float) -> np.ndarray:
        """Rotate the hue of a float BGR image by ``shift`` turns."""
        hsv = cv2.cvtColor(np.round(image).astype(np.uint8), cv2.COLOR_BGR2HSV_FULL)
        hsv[..., 0] = (hsv[..., 0].astype(np.int32) + int(round(shift * 256))) % 256
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL).astype(np.float32)

    def transform(self, results: dict) -> dict:
        """Jitter ``results['img']``."""
        image = results['img'].astype(np.float32)
        for op in self.rng.permutation(4):
            if op == 0 and self.brightness:
                image = _blend(image, np.zeros_like(image), self._factor(self.brightness))
            elif op == 1 and self.contrast:
                mean = float(_grey(image).mean())
                image = _blend(image, np.full_like(image, mean), self._factor(self.contrast))
            elif op == 2 and self.saturation:
                image = _blend(image, np.repeat(_grey(image), 3, axis=2),
                               self._factor(self.saturation))
            elif op == 3 and self.hue:
                image = self._shift_hue(image, float(self.rng.uniform(-self.hue, self.hue)))
        results['img'] = np.round(image).astype(np.uint8)
        return results
