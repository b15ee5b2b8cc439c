"""Pictures of CAMs and label maps over images."""
import numpy as np
from matplotlib import colormaps

from mmwsss.utils.io import voc_palette


def cam_overlay(image: np.ndarray, cam: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blend a CAM, coloured with the ``jet`` colour map, over an image.

    Args:
        image: uint8 RGB image (H, W, 3).
        cam: Normalised CAM (H, W) with values in [0, 1].
        alpha: Weight of the heat map.

    Returns:
        uint8 RGB image (H, W, 3).
    """
    if cam.shape != image.shape[:2]:
        raise ValueError(f'CAM {cam.shape} and image {image.shape[:2]} differ in size')
    heat = colormaps['jet'](np.clip(cam, 0.0, 1.0))[..., :3] * 255.0
    return np.round((1 - alpha) * image + alpha * heat).astype(np.uint8)


def label_overlay(image: np.ndarray, label: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blend a label map in VOC colours over an image (background left as is).

    Args:
        image: uint8 RGB image (H, W, 3).
        label: Label map (H, W), values 0..C or 255.
        alpha: Weight of the label colours on labelled pixels.

    Returns:
        uint8 RGB image (H, W, 3).
    """
    colours = voc_palette()[label.astype(np.int64)].astype(np.float64)
    blended = np.where((label > 0)[..., None], (1 - alpha) * image + alpha * colours, image)
    return np.round(blended).astype(np.uint8)
