"""Picture of the affinities AffinityNet predicts for an image."""
import cv2
import numpy as np
from matplotlib import colormaps


def affinity_picture(image: np.ndarray, mean_affinity: np.ndarray) -> np.ndarray:
    """Show an image next to its mean-affinity map.

    The map (each feature position's mean affinity to its radius neighbours,
    :func:`~mmwsss.ops.affinity.mean_neighbour_affinity`) is upsampled
    bilinearly to the padded image size (``stride`` times the map), cropped to
    the image and coloured with ``viridis``: dark where the network sees a
    boundary.

    Args:
        image: uint8 RGB image (H, W, 3).
        mean_affinity: Map (h, w) in [0, 1] at the feature resolution, with
            ``h = ceil(H / stride)`` and ``w = ceil(W / stride)`` for some
            stride.

    Returns:
        uint8 RGB picture (H, 2 W, 3): the image, then the map.
    """
    height, width = image.shape[:2]
    feat_height, feat_width = mean_affinity.shape
    # the smallest stride that gives the map's size in both directions (a small
    # image can fit several: 49 rows make 7 at stride 7 and 8)
    stride = next((s for s in range(-(-height // max(feat_height, 1)), height + 1)
                   if (-(-height // s), -(-width // s)) == (feat_height, feat_width)), None)
    if stride is None:
        raise ValueError(f'affinity map {mean_affinity.shape} does not match an image '
                         f'of size {(height, width)}')
    upsampled = cv2.resize(np.asarray(mean_affinity, dtype=np.float32),
                           (feat_width * stride, feat_height * stride),
                           interpolation=cv2.INTER_LINEAR)[:height, :width]
    heat = colormaps['viridis'](np.clip(upsampled, 0.0, 1.0))[..., :3] * 255.0
    return np.concatenate([image, np.round(heat).astype(np.uint8)], axis=1)
