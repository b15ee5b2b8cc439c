"""Reruns of a pipeline on a finished or half-finished work dir always finish; a changed
config is refused (naming the keys) unless ``redo=True`` asks to run it again."""
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from tests.conftest import REPO_ROOT

CAM_CONFIG = REPO_ROOT / 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'


def _run(pipeline: Path, work_dir: Path, demo_root: Path,
         *extra: str) -> subprocess.CompletedProcess:
    """The CAM stage (train + test) on 8 demo images, one epoch."""
    options: List[str] = []
    for loader in ('train_dataloader', 'test_dataloader'):
        options += [f'cam.{loader}.dataset.data_root={demo_root}',
                    f'cam.{loader}.dataset.indices=8', f'cam.{loader}.num_workers=0',
                    f'cam.{loader}.persistent_workers=False']
    options += ['cam.train_cfg.max_epochs=1', 'cam.train_dataloader.batch_size=4',
                'cam.model.test_cfg.scales=[1.0]', 'until=cam', *extra]
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, 'tools/train.py', str(pipeline), '--work-dir',
                           str(work_dir), '--cfg-options'] + options, cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def _files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope='module')
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CAM stage, then a stage that would fail at once (its checkpoint does not
    exist): every run passes ``until=cam``, which must stop after the CAM stage."""
    path = tmp_path_factory.mktemp('pipeline') / 'cam_pipeline.py'
    path.write_text(f"stages = dict(cam=dict(config={str(CAM_CONFIG)!r}, "
                    "steps=['train', 'test']), "
                    f"never=dict(config={str(CAM_CONFIG)!r}, steps=['test'], "
                    "checkpoint='{cam}/no_such_checkpoint.pth'))\n")
    return path


def test_rerun_after_kill_at_the_end_then_changed_config(pipeline: Path, demo_root: Path,
                                                         tmp_path: Path) -> None:
    cam = tmp_path / 'cam'
    _ok(_run(pipeline, tmp_path, demo_root))
    cams, metrics = _files(cam / 'cams'), json.loads((cam / 'cam_metrics.json').read_text())
    assert len(cams) == 8
    summary = json.loads((tmp_path / 'pipeline_summary.json').read_text())
    assert [stage['name'] for stage in summary['stages']] == ['cam']
    assert not (tmp_path / 'never').exists()

    # killed after the last image, before done_test.json; a killed atomic write
    (cam / 'done_test.json').unlink()
    stale = cam / 'cams' / '.train_00001.mmwsss-k2j3h4k2.tmp.npz'
    stale.write_bytes(b'half')
    out = _ok(_run(pipeline, tmp_path, demo_root))
    assert '8 of 8 images already have' in out and 'scored all 8 from the files' in out
    assert f'removed {stale}' in out and not stale.exists()
    assert _files(cam / 'cams') == cams
    rescored = json.loads((cam / 'cam_metrics.json').read_text())
    assert rescored['mIoU'] == metrics['mIoU']
    marker = json.loads((cam / 'done_test.json').read_text())
    assert marker['config']['train_cfg.max_epochs'] == '1' and len(marker['run_id']) == 32

    # a changed option is refused, naming the key and how to start over
    changed = _run(pipeline, tmp_path, demo_root, 'cam.train_cfg.max_epochs=2')
    assert changed.returncode != 0
    assert 'done_train.json was written with another config' in changed.stderr
    assert 'train_cfg.max_epochs: 1 -> 2' in changed.stderr
    assert '--cfg-options redo=True' in changed.stderr
    assert _files(cam / 'cams') == cams and not (cam / 'epoch_2.pth').exists()

    # redo=True moves the stage aside and runs it again
    out = _ok(_run(pipeline, tmp_path, demo_root, 'cam.train_cfg.max_epochs=2', 'redo=True'))
    replaced = list(tmp_path.glob('replaced_*/cam'))
    assert len(replaced) == 1 and _files(replaced[0] / 'cams') == cams
    assert (cam / 'epoch_2.pth').is_file() and len(_files(cam / 'cams')) == 8
    assert json.loads((cam / 'done_train.json').read_text())['config'][
        'train_cfg.max_epochs'] == '2'
