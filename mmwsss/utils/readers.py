"""One reader per kind of file the stages read: images, label PNGs, saliency maps, ``.npz``,
JSON objects.

Every decoding failure (missing or zero-byte file, ``cv2.error``, ``None``
from OpenCV, truncated JPEG or PNG, bad CRC, ``BadZipFile``, ``EOFError``,
``zlib.error``, a file that is not an archive at all) becomes an
:class:`UnreadableFileError` whose message names the file, what it should
be, the image id when the caller knows it, and the reason; a missing file is
a ``FileNotFoundError`` with the same details.
"""
import io
import json
import math
import os
import os.path as osp
import zipfile
import zlib
from typing import Any, Dict, Optional, Union

import cv2
import mmcv
import numpy as np
from PIL import Image

PathLike = Union[str, os.PathLike]

DECODE_ERRORS = (OSError, ValueError, EOFError, SyntaxError, KeyError, zlib.error,
                 zipfile.BadZipFile, cv2.error)
"""What the decoders below raise on a damaged file."""

ZIP_SIGNATURE = b'PK\x03\x04'
MAX_DEFLATE_RATIO = 1032
"""Deflate never expands data more than this (258 bytes from 2 bits), so a zip
member that claims more is forged."""
JPEG_START, JPEG_END = b'\xff\xd8', b'\xff\xd9'


class UnreadableFileError(OSError):
    """A file exists but cannot be decoded as what it should be."""


def _what(kind: str, path: PathLike, img_id: Optional[str]) -> str:
    """``"CAM file of image 'x': cams/x.npz"``-style description of a file."""
    if img_id is None:
        return f'{kind}: {path}'
    return f'{kind} {img_id!r}: {path}' if kind == 'image' else (
        f'{kind} of image {img_id!r}: {path}')


def _describe(error: BaseException) -> str:
    """``"BadZipFile: Bad CRC-32 ..."``; ``zlib.error`` and ``cv2.error`` get their module."""
    name = type(error).__name__
    if name == 'error':
        name = f'{type(error).__module__}.error'
    return f'{name}: {str(error).strip()}'


def read_bytes(path: PathLike, kind: str, img_id: Optional[str] = None) -> bytes:
    """Read a whole file, refusing missing and zero-byte files.

    Args:
        path: File to read.
        kind: What the file should be ("image", "CAM file", ...), for messages.
        img_id: Image id the file belongs to, for messages.

    Returns:
        The file's bytes (never empty).

    Raises:
        FileNotFoundError: the file does not exist.
        UnreadableFileError: the file is empty or cannot be read.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{_what(kind, path, img_id)} not found')
    try:
        with open(path, 'rb') as file:
            data = file.read()
    except OSError as error:
        raise UnreadableFileError(f'cannot read {_what(kind, path, img_id)}: {error}') from error
    if not data:
        raise UnreadableFileError(f'cannot read {_what(kind, path, img_id)}: the file is '
                                  'empty (0 bytes)')
    return data


def _jpeg_is_truncated(data: bytes) -> bool:
    """Whether JPEG bytes lack their end: no end-of-image marker and PIL fails."""
    if data.rstrip(b'\x00\r\n\t ').endswith(JPEG_END):
        return False
    # trailing bytes after the marker are legal: only a full decode can tell
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except DECODE_ERRORS:
        return True
    return False


def read_image(path: PathLike,
               img_id: Optional[str] = None,
               channel_order: str = 'bgr',
               color_type: str = 'color',
               backend: str = 'cv2') -> np.ndarray:
    """Decode an image file exactly as ``mmcv.imread`` would, or name the file.

    A JPEG without its end-of-image marker that PIL cannot fully decode is
    refused (OpenCV silently fills the missing part with grey).

    Args:
        path: Image file.
        img_id: Image id, for messages.
        channel_order: ``bgr`` or ``rgb``.
        color_type: ``color``, ``grayscale``, ``unchanged``, ... (``mmcv.imfrombytes``).
        backend: mmcv decoding backend.

    Returns:
        uint8 array (H, W, 3) for colour images, (H, W) for grey ones.

    Raises:
        FileNotFoundError: the file does not exist.
        UnreadableFileError: the file is empty, truncated or not an image.
    """
    data = read_bytes(path, 'image', img_id)
    detail = ''
    try:
        image = mmcv.imfrombytes(data, flag=color_type, channel_order=channel_order,
                                 backend=backend)
    except DECODE_ERRORS as error:
        image, detail = None, f' ({_describe(error)})'
    reason = None
    if data.startswith(JPEG_START) and _jpeg_is_truncated(data):
        reason = f'truncated JPEG ({len(data)} bytes, no end-of-image marker)'
    elif image is None or image.size == 0:
        reason = f'not a decodable image ({len(data)} bytes){detail}'
    if reason:
        raise UnreadableFileError(f'cannot read {_what("image", path, img_id)}: {reason}')
    return image


def _read_pil(path: PathLike, kind: str, img_id: Optional[str]) -> np.ndarray:
    """Fully decode a file with PIL into an array of its raw values."""
    data = read_bytes(path, kind, img_id)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.array(image)
    except DECODE_ERRORS as error:
        raise UnreadableFileError(f'cannot read {_what(kind, path, img_id)}: '
                                  f'{_describe(error)}') from error


def read_label_png(path: PathLike, img_id: Optional[str] = None) -> np.ndarray:
    """Read a label PNG (palette or grey) as its raw index values.

    Args:
        path: PNG file.
        img_id: Image id, for messages.

    Returns:
        uint8 array (H, W).

    Raises:
        FileNotFoundError: the file does not exist.
        UnreadableFileError: the file is empty, truncated, corrupt, or not a
            single-channel 8-bit map.
    """
    label = _read_pil(path, 'label map', img_id)
    if label.ndim != 2 or label.dtype != np.uint8:
        raise UnreadableFileError(
            f'cannot read {_what("label map", path, img_id)}: expected a palette or '
            f'8-bit grey PNG of class values, got {label.dtype} of shape {label.shape}')
    return label


def read_saliency_map(path: PathLike, img_id: Optional[str] = None) -> np.ndarray:
    """Read a saliency map, averaging the channels of colour maps.

    Args:
        path: Image file (grey or colour), values 0..255.
        img_id: Image id, for messages.

    Returns:
        float32 array (H, W) in 0..255.

    Raises:
        FileNotFoundError: the file does not exist.
        UnreadableFileError: the file is empty, truncated or not an image.
    """
    saliency = _read_pil(path, 'saliency map', img_id).astype(np.float32)
    return saliency.mean(axis=2) if saliency.ndim == 3 else saliency


def read_npz(path: PathLike, img_id: Optional[str] = None,
             kind: str = '.npz file') -> Dict[str, np.ndarray]:
    """Read every array of an ``.npz`` archive, without pickle.

    Args:
        path: ``.npz`` file (e.g. written by :func:`mmwsss.utils.io.save_npz`).
        img_id: Image id, for messages.
        kind: What the file should be ("CAM file", ...), for messages.

    Returns:
        Mapping from array name to array.

    Raises:
        FileNotFoundError: the file does not exist.
        UnreadableFileError: the file is empty, truncated, corrupt (bad CRC,
            bad deflate stream), not a zip archive, or holds pickled arrays.
    """
    data = read_bytes(path, kind, img_id)
    if not data.startswith(ZIP_SIGNATURE):
        raise UnreadableFileError(f'cannot read {_what(kind, path, img_id)}: not an .npz '
                                  f'archive (no zip signature, {len(data)} bytes)')
    try:
        _check_npy_headers(io.BytesIO(data), _what(kind, path, img_id))
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except DECODE_ERRORS as error:
        raise UnreadableFileError(f'cannot read {_what(kind, path, img_id)}: '
                                  f'{_describe(error)}') from error


def _check_npy_headers(file: io.BytesIO, what: str) -> None:
    """Refuse ``.npy`` members whose header claims more data than they hold.

    Reads only the zip directory and each member's header, so a forged shape
    (10^10 elements in a few bytes) is refused before numpy allocates it.

    Args:
        file: The ``.npz`` archive.
        what: Description of the file, for messages.

    Raises:
        UnreadableFileError: a member's sizes cannot be true.
        ValueError, zipfile.BadZipFile: malformed archive or header.
    """
    with zipfile.ZipFile(file) as archive:
        for info in archive.infolist():
            ratio = 1 if info.compress_type == zipfile.ZIP_STORED else MAX_DEFLATE_RATIO
            if info.file_size > ratio * info.compress_size + 1024:
                raise UnreadableFileError(
                    f'cannot read {what}: member {info.filename} claims {info.file_size} '
                    f'bytes from {info.compress_size} compressed (forged or corrupt)')
            if not info.filename.endswith('.npy'):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(member)
                claimed = math.prod(shape) * dtype.itemsize
                held = info.file_size - member.tell()
            if claimed > held:
                raise UnreadableFileError(
                    f'cannot read {what}: member {info.filename} claims shape {shape} '
                    f'of {dtype} ({claimed} bytes) but holds {held} bytes of data')


def read_json_object(path: PathLike, kind: str = 'JSON file') -> Dict[str, Any]:
    """A JSON object (dict) from a file, naming the file on failure.

    Args:
        path: The file (as :func:`~mmwsss.utils.io.save_json` writes them).
        kind: What the file is, for the messages (``'metrics file'``, ...).

    Raises:
        FileNotFoundError: there is no such file.
        ValueError: it cannot be read or parsed, or holds no JSON object.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{kind} not found: {path}')
    try:
        with open(path) as file:
            data = json.load(file)
    except (OSError, ValueError) as error:
        raise ValueError(f'cannot read {kind} {path}: {error}') from error
    if not isinstance(data, dict):
        raise ValueError(f'{kind} {path} must hold a JSON object')
    return data
