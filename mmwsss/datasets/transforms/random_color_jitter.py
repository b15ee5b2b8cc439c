"""Colour jitter with torchvision's ColorJitter semantics, by mmcv's image adjustments."""
import warnings
from functools import partial
from typing import List, Optional, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from PIL import Image


def adjust_saturation(image: np.ndarray, factor: float) -> np.ndarray:
    """mmcv's colour (saturation) adjustment with PIL, without its pillow notice."""
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message="Only use 'alpha' for pillow backend")
        return mmcv.adjust_color(image, factor, backend='pillow')


def adjust_hue(image: np.ndarray, factor: float) -> np.ndarray:
    """Rotate the hue of a uint8 BGR image as torchvision does on PIL images.

    The image goes to PIL's HSV, its hue channel is shifted by
    ``int(factor * 255)`` modulo 256, and it comes back to RGB. mmcv's
    ``adjust_hue`` computes the same shift as ``np.uint8(factor * 255)``,
    which NumPy 2 refuses for negative factors (half of the draws), hence
    this function.

    Args:
        image: uint8 BGR image (H, W, 3).
        factor: Shift in turns, in [-0.5, 0.5].

    Returns:
        uint8 BGR image (H, W, 3).
    """
    hue, saturation, value = Image.fromarray(
        np.ascontiguousarray(image[..., ::-1])).convert('HSV').split()
    shifted = np.asarray(hue) + np.uint8(int(factor * 255) % 256)  # wraps modulo 256
    rgb = Image.merge('HSV', (Image.fromarray(shifted), saturation, value)).convert('RGB')
    return np.asarray(rgb)[..., ::-1]


ADJUSTMENTS = (
    partial(mmcv.adjust_brightness, backend='pillow'),
    partial(mmcv.adjust_contrast, backend='pillow'),
    adjust_saturation,
    adjust_hue,
)
"""Brightness, contrast, saturation and hue, in torchvision's index order."""


@TRANSFORMS.register_module()
class RandomColorJitter(BaseTransform):
    """Randomly change brightness, contrast, saturation and hue (PSA's augmentation).

    As torchvision's ``ColorJitter(brightness, contrast, saturation, hue)``:
    the brightness, contrast and saturation factors are drawn uniformly from
    ``[max(0, 1 - x), 1 + x]``, the hue shift from ``[-hue, hue]`` of a full
    turn, and the four operations are applied in a random order; an amount of
    0 skips its operation. PSA and EPS use ``(0.3, 0.3, 0.3, 0.1)`` on PIL
    images. Brightness, contrast and saturation are mmcv's
    ``adjust_brightness``, ``adjust_contrast`` and ``adjust_color`` with the
    pillow backend, i.e. PIL's ``ImageEnhance`` operations that torchvision
    applies to PIL images; the hue is :func:`adjust_hue`, torchvision's PIL
    hue rotation. The image is uint8 after each operation, as with PIL.

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

    def get_params(self) -> Tuple[np.ndarray, List[Optional[float]]]:
        """Draw the order of the operations and their factors.

        Returns:
            A permutation of 0..3 (brightness, contrast, saturation, hue) and
            the four factors (None for an operation with amount 0).
        """
        order = self.rng.permutation(4)
        factors: List[Optional[float]] = [
            float(self.rng.uniform(max(0.0, 1 - amount), 1 + amount)) if amount else None
            for amount in (self.brightness, self.contrast, self.saturation)
        ]
        factors.append(float(self.rng.uniform(-self.hue, self.hue)) if self.hue else None)
        return order, factors

    def apply(self, image: np.ndarray, order: np.ndarray,
              factors: List[Optional[float]]) -> np.ndarray:
        """Apply the operations of :meth:`get_params` to a uint8 BGR image (H, W, 3)."""
        for op in order:
            if factors[op] is not None:
                image = ADJUSTMENTS[op](image, factors[op])
        return image

    def transform(self, results: dict) -> dict:
        """Jitter ``results['img']``."""
        order, factors = self.get_params()
        results['img'] = self.apply(results['img'], order, factors)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(brightness={self.brightness}, '
                f'contrast={self.contrast}, saturation={self.saturation}, '
                f'hue={self.hue})')
