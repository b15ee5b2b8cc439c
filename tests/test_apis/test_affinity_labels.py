"""Tests of the affinity-label job: sharding, skipping, pool, file contents."""
from pathlib import Path

import mmcv
import numpy as np
import pytest
from mmengine.config import Config

from mmwsss.apis.affinity_labels import (affinity_labels_from_config, jobs_from_data_list,
                                         make_affinity_labels, write_affinity_scores)
from mmwsss.ops.affinity_labels import affinity_crf_scores
from mmwsss.utils import load_affinity_scores, load_cams
from tests.conftest import demo_dataset


def _jobs(demo_root: Path, cam_dir: Path, out_dir: Path) -> list:
    dataset = demo_dataset(demo_root, cam_dir, out_dir)
    return jobs_from_data_list([dataset.get_data_info(i) for i in range(len(dataset))])


def test_shards_cover_all_images_once(demo_root: Path, fake_cams: Path,
                                      tmp_path: Path) -> None:
    jobs = _jobs(demo_root, fake_cams, tmp_path / 'out')
    assert make_affinity_labels(jobs[:6], rank=0, world_size=2, progress=False) == 3
    assert sorted(p.stem for p in (tmp_path / 'out').iterdir()) == [
        job.img_id for job in jobs[:6:2]]
    assert make_affinity_labels(jobs[:6], rank=1, world_size=2, progress=False) == 3
    assert make_affinity_labels(jobs[:6], rank=0, world_size=1, progress=False) == 0
    with pytest.raises(ValueError, match='rank 2'):
        make_affinity_labels(jobs, rank=2, world_size=2)


def test_pool_writes_the_same_bytes(demo_root: Path, fake_cams: Path, tmp_path: Path,
                                    fake_affinity_scores: Path) -> None:
    jobs = _jobs(demo_root, fake_cams, tmp_path)[:6]
    assert make_affinity_labels(jobs, num_workers=2, rank=0, world_size=1,
                                progress=False) == 6
    for job in jobs:
        expected = (fake_affinity_scores / f'{job.img_id}.npz').read_bytes()
        assert Path(job.out_path).read_bytes() == expected


def test_file_holds_the_crf_scores(demo_root: Path, fake_cams: Path,
                                   tmp_path: Path) -> None:
    job = _jobs(demo_root, fake_cams, tmp_path)[1]
    write_affinity_scores(job, low_alpha=4, high_alpha=24)
    low, high, classes = load_affinity_scores(job.out_path)
    assert classes.tolist() == [0] + (np.flatnonzero(job.img_labels) + 1).tolist()
    cams, _ = load_cams(job.cam_path, job.img_labels.shape[0])
    image = mmcv.imread(job.img_path, channel_order='rgb')
    full_low, full_high = affinity_crf_scores(image, cams, job.img_labels, 4, 24)
    np.testing.assert_allclose(low, full_low[classes], atol=1e-3)
    np.testing.assert_allclose(high, full_high[classes], atol=1e-3)


def test_mismatched_cam_file_is_named(demo_root: Path, fake_cams: Path,
                                      tmp_path: Path) -> None:
    job = _jobs(demo_root, fake_cams, tmp_path)[0]
    labels = 1 - job.img_labels
    with pytest.raises(ValueError, match=job.img_id):
        write_affinity_scores(job._replace(img_labels=labels))


def test_from_config_names_a_config_without_alphas(tmp_path: Path) -> None:
    path = tmp_path / 'no_alphas.py'
    path.write_text('train_dataloader = dict(dataset=dict())\n')
    with pytest.raises(KeyError, match=f'config {path} has no affinity_label_cfg'):
        affinity_labels_from_config(Config.fromfile(str(path)))
