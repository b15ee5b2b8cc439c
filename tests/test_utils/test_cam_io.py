"""CAM and affinity-score files: NaN and infinity refused when written and when read."""
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from mmwsss.utils import (NonFiniteError, UnreadableFileError, load_affinity_scores,
                          load_cams, save_affinity_scores, save_cams, save_npz)
from mmwsss.utils.walk_affinity_io import load_walk_affinity

LABELS = torch.tensor([0., 1., 1.])


def _cams() -> torch.Tensor:
    return torch.linspace(0, 1, 3 * 60 * 80).reshape(3, 60, 80)


def test_cams_with_nan_or_inf_are_not_written(tmp_path: Path) -> None:
    path = tmp_path / 'cams' / 'img_1.npz'
    save_cams(path, _cams(), LABELS)
    before = path.read_bytes()
    cams = _cams()
    cams[1, 10:50, 20:60] = float('nan')  # a 40 x 40 block
    with pytest.raises(NonFiniteError, match=r"CAMs of image 'img_1' to write to .*img_1.npz: "
                       r'1600 NaN and 0 infinite values of 9600, first at index \(0, 10, 20\)'):
        save_cams(path, cams, LABELS)
    assert path.read_bytes() == before  # the old file is intact
    assert [p.name for p in path.parent.iterdir()] == ['img_1.npz']  # no temporary left
    absent = _cams()
    absent[0] = float('inf')  # absent classes are not stored: nothing to refuse
    save_cams(tmp_path / 'ok.npz', absent, LABELS)


@pytest.mark.parametrize('block', [(slice(None), ) * 3, (0, slice(5, 45), slice(5, 45))])
def test_cam_file_with_nan_is_refused_on_read(tmp_path: Path, block) -> None:
    cams = np.ones((2, 60, 80), np.float16)
    cams[block] = np.nan
    path = tmp_path / 'img_2.npz'
    save_npz(path, cams=cams, labels=np.array([2, 3], np.int16))
    with pytest.raises(NonFiniteError, match=f"CAM file of image 'img_2': {path}: "):
        load_cams(path, 3)


def test_damaged_cam_file_names_file_and_image(tmp_path: Path) -> None:
    path = tmp_path / 'img_3.npz'
    save_cams(path, _cams(), LABELS)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(UnreadableFileError, match=f"CAM file of image 'img_3': {path}"):
        load_cams(path, 3)


def test_affinity_scores_with_nan_refused_on_write_and_read(tmp_path: Path) -> None:
    scores = np.full((4, 20, 30), 0.25, np.float32)
    labels = np.array([0, 1, 1])
    path = tmp_path / 'img_4.npz'
    bad = scores.copy()
    bad[2, :, :] = np.nan
    with pytest.raises(NonFiniteError, match="low-alpha affinity scores of image 'img_4'"):
        save_affinity_scores(path, bad, scores, labels)
    assert not path.exists()
    bad[2] = 0.25
    bad[0, 0, 0] = -np.inf  # the background channel is always kept
    with pytest.raises(NonFiniteError, match='1 infinite'):
        save_affinity_scores(path, scores, bad, labels)
    save_npz(path, low=scores[:3].astype(np.float16), high=bad[:3].astype(np.float16),
             labels=np.array([2, 3], np.int16))
    with pytest.raises(NonFiniteError, match=f"\"high\" of the affinity-score file of image "
                       f"'img_4': {path}"):
        load_affinity_scores(path)


def _forged_npz(path: Path, shape: tuple, data: bytes = b'\0' * 16,
                compression: int = zipfile.ZIP_STORED) -> Path:
    """An .npz whose member header claims ``shape`` (float16) over a few bytes."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, dict(descr='<f2', fortran_order=False, shape=shape))
    with zipfile.ZipFile(path, 'w', compression) as archive:
        archive.writestr('cams.npy', header.getvalue() + data)
        archive.writestr('labels.npy', b'')
    return path


@pytest.mark.parametrize('load, kind', [
    (lambda path: load_cams(path, 3), "CAM file of image 'img_1'"),
    (load_affinity_scores, "affinity-score file of image 'img_1'"),
    (load_walk_affinity, 'random-walk affinity file'),
])
@pytest.mark.parametrize('compression', [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_forged_array_header_is_refused_before_allocating(tmp_path: Path, load, kind: str,
                                                          compression: int) -> None:
    """10^10 elements claimed (18.6 GiB): refused with the file, no MemoryError."""
    path = _forged_npz(tmp_path / 'img_1.npz', (1, 100000, 100000), compression=compression)
    with pytest.raises(UnreadableFileError, match=rf'{kind}: {path}: member cams\.npy claims '
                       r'shape \(1, 100000, 100000\) of float16 \(20000000000 bytes\) but '
                       r'holds 16 bytes'):
        load(path)


def test_forged_member_size_is_refused(tmp_path: Path) -> None:
    """A zip directory claiming more than deflate can expand is refused."""
    path = _forged_npz(tmp_path / 'img_1.npz', (2, 4), compression=zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    directory = data.index(b'PK\x01\x02')
    data[directory + 24:directory + 28] = (10**9).to_bytes(4, 'little')  # uncompressed size
    path.write_bytes(bytes(data))
    with pytest.raises(UnreadableFileError, match=rf'{path}: member cams\.npy claims '
                       r'1000000000 bytes from \d+ compressed'):
        load_cams(path, 3)
