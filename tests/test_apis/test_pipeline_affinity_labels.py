"""The pipeline's affinity-label step under torchrun: killed, resumed, marked once.

Two gloo processes run a one-stage pipeline (the demo AffinityNet config's
``affinity_labels`` step on the fake CAMs of the test dataset); rank 1 kills
itself after writing two files (``tests/test_apis/sigkill_affinity.py``), so
torchrun stops both ranks. The rerun resumes with the missing images: it
starts in this step, where no runner has started the process group (on CPUs
``load_config`` starts gloo anyway; on GPUs only the pipeline's
``init_distributed`` does), and rank 0 alone must write the done marker, once,
after both ranks finished.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmwsss.apis.affinity_labels import default_workers
from tests.conftest import AFFINITY_CONFIG, REPO_ROOT, free_port


def _run(pipeline: Path, work_dir: Path, flag: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
               f'--master_port={free_port()}', 'tools/train.py', str(pipeline),
               '--work-dir', str(work_dir), '--launcher', 'pytorch']
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1',
               MMWSSS_TEST_KILL_FLAG=str(flag), MMWSSS_TEST_KILL_AFTER='2')
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def test_killed_and_resumed_under_torchrun(demo_root: Path, fake_cams: Path,
                                           fake_affinity_scores: Path,
                                           tmp_path: Path) -> None:
    config = tmp_path / 'affinitynet_sigkill.py'
    config.write_text(
        f'_base_ = [{str(REPO_ROOT / AFFINITY_CONFIG)!r}]\n'
        "custom_imports = dict(imports=['mmwsss', 'tests.test_apis.sigkill_affinity'], "
        'allow_failed_imports=False)\n')
    options = {
        'train_dataloader.dataset.data_root': str(demo_root),
        'train_dataloader.dataset.data_prefix.cam_path': str(fake_cams),
        'train_dataloader.dataset.data_prefix.affinity_path': '{affinity_labels}/scores',
        'affinity_label_cfg.low_alpha': 4, 'affinity_label_cfg.high_alpha': 32}
    stages = dict(affinity_labels=dict(config=str(config), steps=['affinity_labels'],
                                       cfg_options=options, workers=1))
    pipeline = tmp_path / 'pipeline.py'
    pipeline.write_text(f'stages = {stages!r}\n')
    work_dir, flag = tmp_path / 'work', tmp_path / 'killed'
    scores = work_dir / 'affinity_labels' / 'scores'
    marker = work_dir / 'affinity_labels' / 'done_affinity_labels.json'

    killed = _run(pipeline, work_dir, flag)
    assert killed.returncode != 0 and flag.exists(), killed.stdout[-3000:] + killed.stderr[
        -3000:]
    assert 2 <= len(list(scores.iterdir())) < 24
    assert not marker.exists()

    rerun = _run(pipeline, work_dir, flag)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    written = sorted(scores.iterdir())
    assert [p.name for p in written] == sorted(p.name for p in fake_affinity_scores.iterdir())
    for path in written:
        assert path.read_bytes() == (fake_affinity_scores / path.name).read_bytes()
    assert json.loads(marker.read_text())['world_size'] == 2
    assert marker.stat().st_mtime_ns >= max(p.stat().st_mtime_ns for p in written)
    assert rerun.stdout.count('== affinity_labels: affinity_labels (') == 1


def test_default_workers_share_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, 'cpu_count', lambda: 16)
    assert [default_workers(n) for n in (1, 2, 4, 32)] == [16, 8, 4, 1]
    monkeypatch.setattr(os, 'cpu_count', lambda: None)
    assert default_workers(2) == 1
