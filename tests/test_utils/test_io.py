"""Tests of the atomic, pickle-free writers."""
import errno
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from mmseg.datasets import PascalVOCDataset
from PIL import Image

from mmwsss.utils import (atomic_path, read_npz, save_json, save_label_png, save_npz,
                          voc_palette)
from tests.conftest import read_strict_json


def test_voc_palette_known_entries() -> None:
    palette = voc_palette()
    assert palette.shape == (256, 3)
    assert palette[0].tolist() == [0, 0, 0]
    assert palette[1].tolist() == [128, 0, 0]
    assert palette[15].tolist() == [192, 128, 128]
    assert palette[20].tolist() == [0, 64, 128]
    assert palette[255].tolist() == [224, 224, 192]  # VOC's boundary colour
    # the first 21 colours are MMSeg's VOC palette
    assert palette[:21].tolist() == [list(c) for c in PascalVOCDataset.METAINFO['palette']]


def test_atomic_path_keeps_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / 'out.txt'
    target.write_text('old')
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text('half')
            raise RuntimeError('interrupted')
    assert target.read_text() == 'old'
    assert [p.name for p in tmp_path.iterdir()] == ['out.txt']


def test_label_png_round_trip(tmp_path: Path) -> None:
    label = np.array([[0, 1, 2], [20, 255, 3]], dtype=np.uint8)
    save_label_png(label, tmp_path / 'a' / 'label.png')
    image = Image.open(tmp_path / 'a' / 'label.png')
    assert image.mode == 'P'
    np.testing.assert_array_equal(np.array(image), label)
    with pytest.raises(ValueError, match='2-D'):
        save_label_png(label[None], tmp_path / 'bad.png')


def test_npz_without_pickle(tmp_path: Path) -> None:
    cams = np.random.default_rng(0).random((2, 4, 5)).astype(np.float16)
    save_npz(tmp_path / 'x.npz', cams=cams, keys=np.array([3, 7]))
    loaded = read_npz(tmp_path / 'x.npz')
    np.testing.assert_array_equal(loaded['cams'], cams)
    assert loaded['keys'].tolist() == [3, 7]
    with np.load(tmp_path / 'x.npz', allow_pickle=False) as data:
        assert set(data.files) == {'cams', 'keys'}
    save_npz(tmp_path / 'z.npz', cams=cams, keys=np.array([3, 7]))
    assert (tmp_path / 'x.npz').read_bytes() == (tmp_path / 'z.npz').read_bytes()
    with pytest.raises(TypeError, match='object'):
        save_npz(tmp_path / 'y.npz', bad=np.array([{}], dtype=object))
    with pytest.raises(OSError, match='missing.npz'):
        read_npz(tmp_path / 'missing.npz')


def test_save_json(tmp_path: Path) -> None:
    save_json({'miou': 0.5}, tmp_path / 'r.json')
    assert (tmp_path / 'r.json').read_text() == '{\n  "miou": 0.5\n}\n'


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        save_json({'a': 1}, tmp_path / 'r.json')
        save_npz(tmp_path / 'x.npz', cams=np.zeros((1, 2, 2), np.float16))
        save_label_png(np.zeros((2, 2), np.uint8), tmp_path / 'l.png')
    finally:
        os.umask(old)
    for name in ('r.json', 'x.npz', 'l.png'):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name


def test_full_disk_names_the_file_being_written(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC from write() carries no file name: atomic_path adds the destination."""
    target = tmp_path / 'metrics.json'
    target.write_text('old')

    def full_disk(*args, **kwargs) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(json, 'dump', full_disk)
    with pytest.raises(OSError, match=rf'No space left on device while writing: '
                       rf"'{target}'") as error:
        save_json({'mIoU': 1.0}, target)
    assert error.value.errno == errno.ENOSPC and error.value.filename == str(target)
    assert target.read_text() == 'old' and [p.name for p in tmp_path.iterdir()] == [
        'metrics.json']
    with pytest.raises(FileNotFoundError, match='nowhere'):  # named errors pass unchanged
        with atomic_path(target):
            open(tmp_path / 'nowhere' / 'x')


def test_save_json_writes_strict_json(tmp_path: Path) -> None:
    """NaN and infinities, nested anywhere, become null; nothing else changes."""
    obj = {'mIoU': 41.5, 'IoU.b': float('nan'), 'n': 3, 'ok': True, 'none': None,
           'sweep': {'mIoU': [1.0, float('inf'), np.float64('-inf')]},
           'pairs': ((0.5, float('nan')), 'x')}
    save_json(obj, tmp_path / 'm.json')
    assert read_strict_json(tmp_path / 'm.json') == {
        'mIoU': 41.5, 'IoU.b': None, 'n': 3, 'ok': True, 'none': None,
        'sweep': {'mIoU': [1.0, None, None]}, 'pairs': [[0.5, None], 'x']}
