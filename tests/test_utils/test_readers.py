"""Every reader names the file and the image id for every way a file can be broken."""
import struct
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from mmwsss.utils import (MAX_IMAGE_PIXELS, ImageTooLargeError, UnreadableFileError,
                          read_image, read_json_object, read_label_png, read_npz,
                          read_saliency_map, save_json, save_label_png, save_npz)


def _jpeg(path: Path) -> bytes:
    image = np.random.default_rng(0).integers(0, 255, (40, 48, 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), image)
    return path.read_bytes()


def test_read_image_decodes_as_mmcv_and_accepts_bytes_after_the_end(tmp_path: Path) -> None:
    path = tmp_path / 'ok.jpg'
    data = _jpeg(path)
    expected = cv2.imread(str(path))
    np.testing.assert_array_equal(read_image(path, 'ok'), expected)
    np.testing.assert_array_equal(read_image(path, 'ok', channel_order='rgb'),
                                  expected[..., ::-1])
    (tmp_path / 'tail.jpg').write_bytes(data + b'trailing bytes are legal')
    np.testing.assert_array_equal(read_image(tmp_path / 'tail.jpg'), expected)


@pytest.mark.parametrize('content, reason', [
    (b'', 'empty'),
    ('truncated', 'truncated JPEG'),
    ('header', 'truncated JPEG'),
    (b'not an image at all', 'not a decodable image'),
])
def test_read_image_names_file_and_id(tmp_path: Path, content, reason: str) -> None:
    data = _jpeg(tmp_path / 'good.jpg')
    content = dict(truncated=data[:len(data) * 2 // 3], header=data[:200]).get(content, content)
    path = tmp_path / 'img_7.jpg'
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=f"image 'img_7': {path}.*{reason}"):
        read_image(path, 'img_7', channel_order='rgb')
    with pytest.raises(FileNotFoundError, match="image 'img_8': .*missing.jpg not found"):
        read_image(tmp_path / 'missing.jpg', 'img_8')


def _png(path: Path) -> bytes:
    save_label_png(np.arange(48, dtype=np.uint8).reshape(6, 8) % 5, path)
    return path.read_bytes()


def test_label_and_saliency_readers_name_file_and_id(tmp_path: Path) -> None:
    data = _png(tmp_path / 'good.png')
    np.testing.assert_array_equal(read_label_png(tmp_path / 'good.png'),
                                  np.arange(48).reshape(6, 8) % 5)
    crc = bytearray(data)
    crc[data.index(b'IDAT') + 6] ^= 0xFF  # damaged compressed data: bad CRC
    for name, content in dict(empty=b'', truncated=data[:len(data) - 30],
                              crc=bytes(crc), garbage=b'\x89PNG garbage').items():
        path = tmp_path / f'{name}.png'
        path.write_bytes(content)
        for reader, kind in ((read_label_png, 'label map'),
                             (read_saliency_map, 'saliency map')):
            with pytest.raises(UnreadableFileError, match=f"{kind} of image 'x1': {path}"):
                reader(path, 'x1')
    Image.new('RGB', (8, 6), (30, 60, 90)).save(tmp_path / 'rgb.png')
    assert read_saliency_map(tmp_path / 'rgb.png').tolist() == [[60.0] * 8] * 6
    with pytest.raises(UnreadableFileError, match='8-bit grey PNG'):
        read_label_png(tmp_path / 'rgb.png', 'x1')


def test_read_npz_names_file_and_id(tmp_path: Path) -> None:
    good = tmp_path / 'good.npz'
    save_npz(good, cams=np.linspace(0, 1, 600, dtype=np.float32).reshape(6, 10, 10))
    data = good.read_bytes()
    assert read_npz(good)['cams'].shape == (6, 10, 10)
    corrupt = bytearray(data)
    corrupt[60] ^= 0xFF  # inside the deflated array: zlib error or bad CRC-32
    crc = bytearray(data)
    crc[data.index(b'PK\x01\x02') + 16] ^= 0xFF  # the CRC-32 of the central directory
    pickled = tmp_path / 'pickled.npz'
    np.savez(pickled, bad=np.array([{}], dtype=object))
    cases = dict(empty=b'', truncated=data[:len(data) // 2], corrupt=bytes(corrupt),
                 crc=bytes(crc),
                 garbage=b'\x80\x04garbage that np.load would try to unpickle',
                 pickled=pickled.read_bytes())
    reasons = dict(empty='empty', truncated='BadZipFile', corrupt='', crc='Bad CRC-32',
                   garbage='not an .npz archive', pickled='allow_pickle')
    for name, content in cases.items():
        path = tmp_path / f'{name}_id.npz'
        path.write_bytes(content)
        with pytest.raises(UnreadableFileError,
                           match=f"CAM file of image '{name}_id': {path}.*{reasons[name]}"):
            read_npz(path, f'{name}_id', 'CAM file')
    with pytest.raises(FileNotFoundError, match='nowhere.npz not found'):
        read_npz(tmp_path / 'nowhere.npz')
    assert zipfile.is_zipfile(good)


def test_read_json_object_round_trip_and_named_failures(tmp_path: Path) -> None:
    path = tmp_path / 'metrics.json'
    save_json({'mIoU': 61.5, 'IoU.cat': 70.25}, str(path))
    assert read_json_object(path, 'metrics file') == {'mIoU': 61.5, 'IoU.cat': 70.25}
    with pytest.raises(FileNotFoundError, match=f'metrics file not found: {tmp_path}/no.json'):
        read_json_object(tmp_path / 'no.json', 'metrics file')
    path.write_text('{"mIoU": 61')
    with pytest.raises(ValueError, match=f'cannot read metrics file {path}: '):
        read_json_object(path, 'metrics file')
    path.write_text('[1, 2]')
    with pytest.raises(ValueError, match=f'done marker {path} must hold a JSON object'):
        read_json_object(path, 'done marker')
    path.write_text('{"a": {"x": 1, "x": 2}}')
    with pytest.raises(ValueError, match=f"cannot read labels {path}: key 'x' appears twice"):
        read_json_object(path, 'labels')


def _with_jpeg_size(data: bytes, height: int, width: int) -> bytes:
    """JPEG bytes whose baseline frame header declares another size."""
    at = data.index(b'\xff\xc0') + 5  # marker, length, precision, then height, width
    return data[:at] + struct.pack('>HH', height, width) + data[at + 4:]


def _with_png_size(data: bytes, height: int, width: int) -> bytes:
    """PNG bytes whose IHDR chunk (with a valid CRC) declares another size."""
    at = data.index(b'IHDR')
    body = b'IHDR' + struct.pack('>II', width, height) + data[at + 12:at + 17]
    return data[:at] + body + struct.pack('>I', zlib.crc32(body)) + data[at + 21:]


def test_jpeg_whose_data_does_not_fill_its_header_is_refused(tmp_path: Path) -> None:
    """Header and data disagree: OpenCV and PIL would fill the missing part with grey."""
    data = _jpeg(tmp_path / 'good.jpg')
    third = len(data) // 3
    cases = dict(
        bigger_header=_with_jpeg_size(data, 400, 480),
        zeroed_middle=data[:third] + bytes(third) + data[2 * third:],
        cut_with_end_marker=data[:2 * third] + b'\xff\xd9')
    reason = '(truncated|corrupt) JPEG'

    grey = cv2.imencode('.jpg', cv2.cvtColor(cv2.imread(str(tmp_path / 'good.jpg')),
                                             cv2.COLOR_BGR2GRAY))[1].tobytes()
    for name, content in cases.items():
        path = tmp_path / f'{name}.jpg'
        path.write_bytes(content)
        with pytest.raises(UnreadableFileError, match=f"image 'a': {path}: {reason}.*libjpeg"):
            read_image(path, 'a')
        with pytest.raises(UnreadableFileError, match=f"image 'a': {path}: {reason}"):
            read_image(path, 'a', backend='pillow')
    (tmp_path / 'saliency.jpg').write_bytes(grey[:len(grey) * 2 // 3] + b'\xff\xd9')
    with pytest.raises(UnreadableFileError, match=f"saliency map of image 'a': .*: {reason}"):
        read_saliency_map(tmp_path / 'saliency.jpg', 'a')
    (tmp_path / 'saliency.jpg').write_bytes(grey)
    assert read_saliency_map(tmp_path / 'saliency.jpg').shape == (40, 48)


def test_pixel_limit_is_checked_before_decoding(tmp_path: Path) -> None:
    """A header declaring 20000 x 20000 pixels (1.2 GB as BGR) is refused from the header."""
    assert MAX_IMAGE_PIXELS == 8192 * 8192
    jpeg = _with_jpeg_size(_jpeg(tmp_path / 'good.jpg'), 20000, 20000)
    png = _png(tmp_path / 'good.png')
    (tmp_path / 'big.jpg').write_bytes(jpeg)
    with pytest.raises(ImageTooLargeError, match=f"image 'a': {tmp_path}/big.jpg: its header "
                                                 'declares 400000000 pixels, over the limit '
                                                 'of 67108864 pixels'):
        read_image(tmp_path / 'big.jpg', 'a')
    for height, width, message in ((20000, 20000, '400000000 pixels, over the limit of '
                                                  '67108864 pixels'),
                                   (9000, 9000, '9000x9000 = 81000000 pixels, over the '
                                                'limit')):
        path = tmp_path / f'big_{height}.png'
        path.write_bytes(_with_png_size(png, height, width))
        for reader, kind in ((read_label_png, 'label map'), (read_saliency_map, 'saliency map'),
                             (read_image, 'image')):
            with pytest.raises(ImageTooLargeError, match=f'{kind}.*{path}: its header declares '
                                                         f'{message}'):
                reader(path, 'a')
    assert issubclass(ImageTooLargeError, UnreadableFileError)
