"""Convert the official ``cls_labels.npy`` files into ``image_labels.json``.

PSA, IRNet and EPS ship their image-level labels as a pickled dict saved with
``np.save``: image id -> multi-hot vector over the C foreground classes (20
for VOC, 80 for COCO). Keys are image ids (``'2007_000032'``) or, in IRNet's
files, the same ids as integers with the underscore removed (``2007000032``).
Reading such a file runs the unpickler, which can execute code: only convert
files from a source you trust. mmwsss itself never unpickles its data files.
"""
from typing import Dict, List, Mapping

import numpy as np

from mmwsss.utils import check_plain_name


def read_cls_labels_npy(path: str) -> Dict[object, np.ndarray]:
    """Unpickle an official ``cls_labels.npy`` file.

    Args:
        path: The ``.npy`` file (a 0-d object array holding a dict).

    Returns:
        The dict: image id (str or int) -> vector (C,).

    Raises:
        ValueError: the file does not hold a dict.
    """
    try:
        content = np.load(path, allow_pickle=True)
    except (OSError, ValueError) as error:
        raise ValueError(f'cannot read {path}: {error}') from error
    if not (isinstance(content, np.ndarray) and content.dtype == object
            and content.shape == () and isinstance(content.item(), dict)):
        raise ValueError(f'{path} does not hold a pickled dict of image id -> labels')
    return content.item()


def _image_id(key: object, path: str) -> str:
    """A ``YYYY_NNNNNN`` id from a string key or IRNet's integer key."""
    if isinstance(key, (bytes, np.bytes_)):
        key = key.decode()
    if isinstance(key, str):
        return key
    if isinstance(key, (int, np.integer)):
        digits = str(int(key))
        return f'{digits[:4]}_{digits[4:]}'
    raise ValueError(f'{path}: key {key!r} is neither an image id nor an integer id')


def cls_labels_to_image_labels(table: Mapping[object, np.ndarray], path: str = 'cls_labels'
                               ) -> Dict[str, List[int]]:
    """Convert id -> multi-hot vector to mmwsss's ``{image_id: [class values]}``.

    Args:
        table: Output of :func:`read_cls_labels_npy`.
        path: Source name for error messages.

    Returns:
        Ids (sorted) -> sorted class values 1..C (entry i of a vector is value i + 1).

    Raises:
        ValueError: vectors of different lengths, entries other than 0 / 1, a
            key that is not a plain file name (with a path separator, ``..``,
            ...) or two keys giving one id (``'2007_000032'`` and
            ``2007000032``).
    """
    labels: Dict[str, List[int]] = {}
    keys: Dict[str, object] = {}
    length = None
    for key, vector in table.items():
        img_id = check_plain_name(_image_id(key, path), f'{path}: key')
        if img_id in keys:
            raise ValueError(f'{path}: keys {keys[img_id]!r} and {key!r} both give the '
                             f'image id {img_id!r}')
        keys[img_id] = key
        vector = np.asarray(vector, dtype=np.float64).reshape(-1)
        if length is None:
            length = vector.size
        if vector.size != length:
            raise ValueError(f'{path}: image {img_id} has {vector.size} entries, '
                             f'others {length}')
        if not np.isin(vector, (0.0, 1.0)).all():
            raise ValueError(f'{path}: image {img_id} has entries other than 0 and 1: '
                             f'{vector.tolist()}')
        labels[img_id] = [int(i) + 1 for i in np.flatnonzero(vector)]
    return dict(sorted(labels.items()))
