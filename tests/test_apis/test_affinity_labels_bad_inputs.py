"""The affinity-label step on broken inputs: the file is named, nothing written is lost,
and once the input is repaired the rerun finishes."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from mmwsss.apis.affinity_labels import jobs_from_data_list, make_affinity_labels
from mmwsss.utils import (NonFiniteError, UnreadableFileError, load_affinity_scores,
                          save_npz)
from tests.conftest import demo_dataset


def _nan_block(path: Path) -> None:
    with np.load(path) as data:
        cams, labels = data['cams'].copy(), data['labels']
    cams[0, :40, :40] = np.nan
    save_npz(path, cams=cams, labels=labels)


@pytest.mark.parametrize('damage, error, kind', [
    (lambda p: p.write_bytes(p.read_bytes()[:len(p.read_bytes()) // 2]), UnreadableFileError,
     'image'),
    (lambda p: p.write_bytes(b''), UnreadableFileError, 'image'),
    (lambda p: p.write_bytes(p.read_bytes()[:300]), UnreadableFileError, 'CAM file'),
    (_nan_block, NonFiniteError, 'CAM file'),
])
def test_broken_input_is_named_and_rerun_finishes(demo_root: Path, fake_cams: Path,
                                                  tmp_path: Path, damage, error,
                                                  kind: str) -> None:
    images, cams = tmp_path / 'JPEGImages', tmp_path / 'cams'
    shutil.copytree(fake_cams, cams)
    jobs = jobs_from_data_list([
        info for info in (demo_dataset(demo_root, cams, tmp_path / 'out').get_data_info(i)
                          for i in range(6))])
    images.mkdir()
    jobs = [job._replace(img_path=str(shutil.copy(job.img_path, images))) for job in jobs]
    broken = jobs[3]
    target = Path(broken.img_path if kind == 'image' else broken.cam_path)
    original = target.read_bytes()
    damage(target)
    with pytest.raises(error, match=f"{kind}.*'{broken.img_id}'.*{target}"):
        # in this process, in order: the images before the broken one are written
        make_affinity_labels(jobs, rank=0, world_size=1, num_workers=1, progress=False)
    written = sorted((tmp_path / 'out').iterdir())
    assert [p.stem for p in written] == [job.img_id for job in jobs[:3]]
    for path in written:  # complete files, no temporaries
        assert load_affinity_scores(path)[0].shape[0] >= 2
    target.write_bytes(original)
    assert make_affinity_labels(jobs, rank=0, world_size=1, num_workers=1,
                                progress=False) == 3
    assert len(list((tmp_path / 'out').iterdir())) == 6


@pytest.mark.parametrize('alphas, message', [
    (dict(low_alpha=0), r'affinity_label_cfg: low_alpha must be a number in \(0, inf\), got 0'),
    (dict(low_alpha=-4), r'low_alpha must be a number in \(0, inf\), got -4'),
    (dict(low_alpha=32, high_alpha=4), r'high_alpha must be a number in \(32, inf\), got 4'),
    (dict(high_alpha=float('inf')), r'high_alpha must be a number in \(4, inf\), got inf'),
])
def test_alphas_out_of_range_are_refused(alphas: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_affinity_labels([], num_workers=1, rank=0, world_size=1, **alphas)
