"""Atomic, pickle-free file writing used by every stage that writes results."""
import json
import math
import os
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Union

import numpy as np
from PIL import Image

PathLike = Union[str, os.PathLike]

TEMPORARY_MARKER = 'mmwsss-'
"""Part of the name of every temporary file :func:`atomic_path` creates
(``.{stem}.mmwsss-{8 random characters}.tmp{suffix}``): what tells a stale
temporary of this project from a file of someone else (see
:mod:`mmwsss.utils.stale_files`)."""


def voc_palette(num_colors: int = 256) -> np.ndarray:
    """Return the PASCAL VOC colour map.

    Args:
        num_colors: Number of palette entries.

    Returns:
        uint8 array of shape (num_colors, 3).
    """
    palette = np.zeros((num_colors, 3), dtype=np.uint8)
    for index in range(num_colors):
        value, r, g, b = index, 0, 0, 0
        for bit in range(8):
            r |= ((value >> 0) & 1) << (7 - bit)
            g |= ((value >> 1) & 1) << (7 - bit)
            b |= ((value >> 2) & 1) << (7 - bit)
            value >>= 3
        palette[index] = (r, g, b)
    return palette


def current_umask() -> int:
    """Return the process's file mode creation mask (it can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` and rename it into place on success.

    Nothing is left at ``path`` if the body raises, and an existing file at
    ``path`` is replaced only once the new content is complete. The file gets
    the permissions of any newly created file (``0o666`` less the umask), not
    the private mode of a temporary file.

    An ``OSError`` the body raises without naming the file (a full disk,
    ``ENOSPC``, is reported by ``write`` or ``close`` with no file name) is
    raised again with ``path`` as its file name, so the message says which
    file could not be written.

    Args:
        path: Final destination.

    Yields:
        A temporary path in the same directory (same file extension), named
        ``.{stem}.mmwsss-{random}.tmp{suffix}`` (:data:`TEMPORARY_MARKER`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f'.{path.stem}.{TEMPORARY_MARKER}',
                                    suffix=f'.tmp{path.suffix}', dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
        except OSError as error:
            if error.filename is not None or error.errno is None:
                raise
            raise type(error)(error.errno, f'{error.strerror} while writing',
                              str(path)) from error
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def save_label_png(label: np.ndarray, path: PathLike) -> None:
    """Atomically write a label map as a VOC-palette PNG.

    Args:
        label: uint8 array (H, W) with values 0..C or 255.
        path: Destination ``.png`` file.
    """
    if label.ndim != 2:
        raise ValueError(f'label for {path} must be 2-D, got shape {label.shape}')
    image = Image.fromarray(label.astype(np.uint8), mode='P')
    image.putpalette(voc_palette().reshape(-1).tolist())
    with atomic_path(path) as tmp:
        image.save(tmp, format='PNG')


def save_npz(path: PathLike, **arrays: np.ndarray) -> None:
    """Atomically write arrays to a compressed ``.npz`` readable without pickle.

    Unlike ``np.savez_compressed``, the zip entries carry a fixed timestamp, so
    the same arrays always give the same bytes (outputs of sharded and
    single-process runs can be compared byte for byte).

    Args:
        path: Destination file; must end with ``.npz``.
        **arrays: Arrays to store (object arrays are refused).
    """
    for key, value in arrays.items():
        if np.asarray(value).dtype == object:
            raise TypeError(f'array {key!r} for {path} has dtype object (needs pickle)')
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
            for key, value in arrays.items():
                info = zipfile.ZipInfo(f'{key}.npy', date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, 'w') as file:
                    np.lib.format.write_array(file, np.asanyarray(value),
                                              allow_pickle=False)


def strict_json_value(obj: Any) -> Any:
    """``obj`` with every NaN or infinite float (nested in dicts, lists and
    tuples) replaced by None, the ``null`` of strict JSON.

    Args:
        obj: JSON-serialisable object.

    Returns:
        A copy of the containers; other values unchanged.
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: strict_json_value(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict_json_value(value) for value in obj]
    return obj


def save_json(obj: Any, path: PathLike) -> None:
    """Atomically write ``obj`` as indented, strict JSON.

    Undefined numbers (NaN, e.g. the IoU of a class absent from both the
    predictions and the ground truth, or infinities) are written as ``null``
    (:func:`strict_json_value`): the file holds no ``NaN``, which strict
    parsers (``JSON.parse`` of browsers and Node) refuse.

    Args:
        obj: JSON-serialisable object.
        path: Destination file.
    """
    with atomic_path(path) as tmp:
        with open(tmp, 'w') as file:
            json.dump(strict_json_value(obj), file, indent=2, sort_keys=False,
                      allow_nan=False)
            file.write('\n')
