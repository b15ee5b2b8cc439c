"""Load an image with :func:`mmwsss.utils.readers.read_image`: failures name the file."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmseg.registry import TRANSFORMS

from mmwsss.utils.readers import read_image


def check_same_size(size: Sequence[int], results: dict, what: str,
                    image_key: str = 'img_shape') -> None:
    """Refuse a map whose size differs from its image's.

    Args:
        size: (H, W) (or longer: the first two are compared) of the map.
        results: Pipeline results with the image's ``img_path`` and
            ``image_key`` (or ``img``).
        what: The map and its file (``'saliency map x.png'``), for the message.
        image_key: ``img_shape`` (the image as it is now, ``img``'s size when
            present: maps that follow its transforms) or ``ori_shape`` (as read).

    Raises:
        ValueError: the sizes differ; the message names both files and sizes.
    """
    current = image_key == 'img_shape' and 'img' in results
    image_size = tuple(results['img'].shape[:2] if current else results[image_key][:2])
    if tuple(size[:2]) != image_size:
        raise ValueError(f'{what} has size {tuple(size[:2])}, its image '
                         f'{results.get("img_path")} {image_size}: the files do not '
                         'belong together (or were resized)')


@TRANSFORMS.register_module()
class LoadWSSSImage(LoadImageFromFile):
    """MMCV's ``LoadImageFromFile`` for local files, with errors that name the file.

    Decodes exactly as ``LoadImageFromFile`` (same backend and flags) but a
    missing, zero-byte, truncated or undecodable file raises an error naming
    the path and the image id (``results['img_id']``, set by ``WSSSDataset``)
    instead of a bare ``cv2.error``; a truncated or corrupt JPEG, which OpenCV
    decodes with grey filling, is refused too, and an image whose header
    declares more than ``mmwsss.utils.MAX_IMAGE_PIXELS`` pixels is refused
    (``ImageTooLargeError``) before anything is allocated for it.

    Required keys: ``img_path``. Added keys: ``img``, ``img_shape``, ``ori_shape``.

    Args: as ``LoadImageFromFile`` (``backend_args`` must stay None: local files).
    """

    def transform(self, results: dict) -> Optional[dict]:
        """Load the image of one sample.

        Args:
            results: Pipeline results dict.

        Returns:
            ``results`` with the image, or None when the file is unreadable
            and ``ignore_empty`` is set.
        """
        if self.backend_args or self.file_client_args:
            raise ValueError('LoadWSSSImage reads local files only: leave backend_args '
                             'unset (use LoadImageFromFile for other storage)')
        try:
            image = read_image(results['img_path'], results.get('img_id'),
                               color_type=self.color_type, backend=self.imdecode_backend)
        except OSError:
            if self.ignore_empty:
                return None
            raise
        if self.to_float32:
            image = image.astype(np.float32)
        results['img'] = image
        results['img_shape'] = image.shape[:2]
        results['ori_shape'] = image.shape[:2]
        return results
