"""Load an image with :func:`mmwsss.utils.readers.read_image`: failures name the file."""
from typing import Optional

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmseg.registry import TRANSFORMS

from mmwsss.utils.readers import read_image


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
