"""Tests of the affinity-label job: sharding, skipping, pool, file contents."""
from pathlib import Path

import mmcv
import numpy as np
import pytest
from mmengine.config import Config

from mmwsss.apis import affinity_labels
from mmwsss.apis.affinity_labels import (affinity_labels_from_config, jobs_from_data_list,
                                         make_affinity_labels, write_affinity_scores)
from mmwsss.apis.done_marker import StaleOutputsError
from mmwsss.ops.affinity_labels import affinity_crf_scores
from mmwsss.utils import load_affinity_scores, load_cams
from tests.conftest import AFFINITY_CONFIG, REPO_ROOT, demo_dataset


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


def _scores_config(demo_root: Path, fake_cams: Path, out_dir: Path) -> Config:
    cfg = Config.fromfile(str(REPO_ROOT / AFFINITY_CONFIG))
    prefix = cfg.train_dataloader.dataset.data_prefix
    cfg.train_dataloader.dataset.data_root = str(demo_root)
    prefix.update(cam_path=str(fake_cams), affinity_path=str(out_dir))
    cfg.affinity_label_cfg = dict(low_alpha=4, high_alpha=32)
    return cfg


def test_existing_folder_keeps_user_files_and_refuses_other_alphas(
        demo_root: Path, fake_cams: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """affinity_path at a folder of the user's: only our temporaries go; no stale mix."""
    monkeypatch.setattr(affinity_labels, 'make_affinity_labels', lambda *a, **k: 0)
    out = tmp_path / 'scores'
    users = [out / '.session.tmp', out / 'sub' / '.vimrc.tmp',
             out / 'sub' / 'deeper' / '.draft.tmp.txt', tmp_path / 'mine' / '.x.tmp.jpg']
    for path in users:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('mine')
    (out / 'cam_overlays').symlink_to(tmp_path / 'mine')
    ours = out / '.train_00001.mmwsss-k2j3h4x9.tmp.npz'  # a killed write
    ours.write_bytes(b'half')
    cfg = _scores_config(demo_root, fake_cams, out)
    affinity_labels_from_config(cfg)
    assert all(path.read_text() == 'mine' for path in users) and not ours.exists()

    (out / 'train_00000.npz').write_bytes(b'scores at 4 / 32')  # what the job wrote
    affinity_labels_from_config(cfg)  # same settings: resumes
    cfg.affinity_label_cfg.high_alpha = 24
    with pytest.raises(StaleOutputsError,
                       match=r'(?s)scores holds files made with other settings.*'
                       r'affinity_label_cfg\.high_alpha: 32 -> 24.*--redo'):
        affinity_labels_from_config(cfg)
    affinity_labels_from_config(cfg, redo=True)  # moved aside, nothing deleted
    moved = next(tmp_path.glob('replaced_*'))
    assert (moved / 'scores' / 'train_00000.npz').read_bytes() == b'scores at 4 / 32'
    assert (moved / 'scores' / 'sub' / '.vimrc.tmp').read_text() == 'mine'
    assert (moved / '.scores.mmwsss-settings.json').is_file()
    assert list(out.iterdir()) == []
    affinity_labels_from_config(cfg)  # the new settings are recorded


def test_alphas_out_of_range_are_refused_before_the_folder_is_claimed(
        demo_root: Path, fake_cams: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A typo in the alphas neither records its settings nor moves earlier scores aside."""
    monkeypatch.setattr(affinity_labels, 'make_affinity_labels', lambda *a, **k: 0)
    out = tmp_path / 'scores'
    cfg = _scores_config(demo_root, fake_cams, out)
    affinity_labels_from_config(cfg)
    (out / 'train_00000.npz').write_bytes(b'scores at 4 / 32')
    record = tmp_path / '.scores.mmwsss-settings.json'
    before = record.read_text()
    cfg.affinity_label_cfg.high_alpha = 2
    for redo in (False, True):
        with pytest.raises(ValueError, match=r'affinity_label_cfg: high_alpha must be a '
                           r'number in \(4, inf\), got 2'):
            affinity_labels_from_config(cfg, redo=redo)
    assert record.read_text() == before and not list(tmp_path.glob('replaced_*'))
    assert (out / 'train_00000.npz').read_bytes() == b'scores at 4 / 32'
