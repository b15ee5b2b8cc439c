"""One reader per kind of file the stages read: images, label PNGs, saliency maps, ``.npz``,
JSON objects.

Every decoding failure (missing or zero-byte file, ``cv2.error``, ``None``
from OpenCV, truncated JPEG or PNG, bad CRC, ``BadZipFile``, ``EOFError``,
``zlib.error``, a file that is not an archive at all) becomes an
:class:`UnreadableFileError` whose message names the file, what it should
be, the image id when the caller knows it, and the reason; a missing file is
a ``FileNotFoundError`` with the same details.

Images (and label and saliency maps) are checked before and while they are
decoded: the size in the header must stay within :data:`MAX_IMAGE_PIXELS`
(:class:`ImageTooLargeError`, before any pixel memory is allocated), and a
JPEG whose data does not fill the image its header declares (truncated,
damaged, zeroed or cut with an end marker appended) is refused on libjpeg's
"Corrupt JPEG data" or "Premature end of JPEG file" warnings, which decoders
otherwise only print while filling the missing part with grey.
"""
import io
import json
import math
import os
import os.path as osp
import re
import sys
import tempfile
import threading
import warnings
import zipfile
import zlib
from contextlib import contextmanager, nullcontext
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

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

MAX_IMAGE_PIXELS = 8192 * 8192
"""Most pixels (width x height, as the file's header declares them) of an image,
label map or saliency map the readers decode: 64 megapixels, 8 times the largest
COCO image, below PIL's decompression-bomb threshold."""

JPEG_DAMAGE = re.compile(r'Corrupt JPEG data[^\n]*|Premature end of JPEG file[^\n]*')
"""libjpeg's warnings for entropy-coded data that does not fill the image."""

_STDERR_LOCK = threading.Lock()


class UnreadableFileError(OSError):
    """A file exists but cannot be decoded as what it should be."""


class ImageTooLargeError(UnreadableFileError):
    """An image's header declares more than :data:`MAX_IMAGE_PIXELS` pixels."""


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


def _check_pixels(data: bytes, kind: str, path: PathLike, img_id: Optional[str]) -> None:
    """Refuse an image whose header declares more than :data:`MAX_IMAGE_PIXELS` pixels.

    Only the header is parsed (PIL opens lazily), so nothing is allocated for
    the pixels; files PIL cannot identify are left to the decoder.

    Raises:
        ImageTooLargeError: naming the file, its size and the limit.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError as error:
        # PIL refuses sizes far over its own limit before telling them
        pixels = re.search(r'\((\d+) pixels\)', str(error))
        declared = f'{pixels.group(1)} pixels' if pixels else f'too many pixels ({error})'
        raise ImageTooLargeError(
            f'cannot read {_what(kind, path, img_id)}: its header declares {declared}, over '
            f'the limit of {MAX_IMAGE_PIXELS} pixels') from error
    except DECODE_ERRORS:
        return
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageTooLargeError(
            f'cannot read {_what(kind, path, img_id)}: its header declares {width}x{height} = '
            f'{width * height} pixels, over the limit of {MAX_IMAGE_PIXELS} pixels')


@contextmanager
def _libjpeg_warnings() -> Iterator[List[str]]:
    """Collect libjpeg's damage warnings, which it writes to file descriptor 2.

    Yields:
        A list that holds, after the block, the damage warnings printed in it;
        anything else written to the descriptor meanwhile is passed on.
    """
    warnings_found: List[str] = []
    with _STDERR_LOCK, tempfile.TemporaryFile() as capture:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            yield warnings_found
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode(errors='replace')
            warnings_found += JPEG_DAMAGE.findall(text)
            rest = JPEG_DAMAGE.sub('', text).strip()
            if rest:
                sys.stderr.write(rest + '\n')


def _jpeg_damage(messages: List[str], data: bytes) -> Optional[str]:
    """The reason to refuse a JPEG from libjpeg's warnings, or None."""
    if not messages:
        return None
    kind = ('truncated JPEG' if any('premature end' in m.lower() for m in messages)
            else 'corrupt JPEG')
    return f'{kind} ({len(data)} bytes; libjpeg: {"; ".join(dict.fromkeys(messages))})'


def _check_jpeg(data: bytes, kind: str, path: PathLike, img_id: Optional[str]) -> None:
    """Decode JPEG bytes with OpenCV's libjpeg to refuse damaged data (PIL stays silent).

    Raises:
        UnreadableFileError: libjpeg warned of corrupt or missing data.
    """
    with _libjpeg_warnings() as messages:
        cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    reason = _jpeg_damage(messages, data)
    if reason:
        raise UnreadableFileError(f'cannot read {_what(kind, path, img_id)}: {reason}')


def read_image(path: PathLike,
               img_id: Optional[str] = None,
               channel_order: str = 'bgr',
               color_type: str = 'color',
               backend: str = 'cv2') -> np.ndarray:
    """Decode an image file exactly as ``mmcv.imread`` would, or name the file.

    An image over :data:`MAX_IMAGE_PIXELS` is refused before it is decoded; a
    JPEG that libjpeg decodes with "Corrupt JPEG data" or "Premature end of
    JPEG file" warnings (OpenCV would silently fill the missing part with
    grey) is refused too.

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
        ImageTooLargeError: the header declares more than :data:`MAX_IMAGE_PIXELS`.
        UnreadableFileError: the file is empty, truncated, corrupt or not an image.
    """
    data = read_bytes(path, 'image', img_id)
    _check_pixels(data, 'image', path, img_id)
    is_jpeg = data.startswith(JPEG_START)
    if is_jpeg and backend != 'cv2':
        _check_jpeg(data, 'image', path, img_id)
    detail = ''
    with _libjpeg_warnings() if is_jpeg and backend == 'cv2' else nullcontext([]) as messages:
        try:
            image = mmcv.imfrombytes(data, flag=color_type, channel_order=channel_order,
                                     backend=backend)
        except DECODE_ERRORS as error:
            image, detail = None, f' ({_describe(error)})'
    reason = _jpeg_damage(messages, data) if is_jpeg else None
    if not reason and (image is None or image.size == 0):
        reason = (f'truncated JPEG ({len(data)} bytes, no end-of-image marker){detail}'
                  if is_jpeg and not data.rstrip(b'\x00\r\n\t ').endswith(JPEG_END)
                  else f'not a decodable image ({len(data)} bytes){detail}')
    if reason:
        raise UnreadableFileError(f'cannot read {_what("image", path, img_id)}: {reason}')
    return image


def _read_pil(path: PathLike, kind: str, img_id: Optional[str]) -> np.ndarray:
    """Fully decode a file with PIL into an array of its raw values.

    The size is checked against :data:`MAX_IMAGE_PIXELS` first, and JPEG data
    with :func:`_check_jpeg`.
    """
    data = read_bytes(path, kind, img_id)
    _check_pixels(data, kind, path, img_id)
    if data.startswith(JPEG_START):
        _check_jpeg(data, kind, path, img_id)
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
        ImageTooLargeError: the header declares more than :data:`MAX_IMAGE_PIXELS`.
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
        ImageTooLargeError: the header declares more than :data:`MAX_IMAGE_PIXELS`.
        UnreadableFileError: the file is empty, truncated, corrupt or not an image.
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


def _unique_keys(pairs: Sequence[Tuple[str, Any]]) -> Dict[str, Any]:
    """``json`` object hook refusing a key that appears twice in one object."""
    data: Dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f'key {key!r} appears twice in one object')
        data[key] = value
    return data


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
        ValueError: it cannot be read or parsed, holds no JSON object, or an
            object of it repeats a key (``json`` would keep the last value).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{kind} not found: {path}')
    try:
        with open(path) as file:
            data = json.load(file, object_pairs_hook=_unique_keys)
    except (OSError, ValueError) as error:
        raise ValueError(f'cannot read {kind} {path}: {error}') from error
    if not isinstance(data, dict):
        raise ValueError(f'{kind} {path} must hold a JSON object')
    return data
