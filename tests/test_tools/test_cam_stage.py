"""End to end: CAM training, CAM inference in one and in two processes (gloo)."""
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from mmwsss.evaluation.folder_evaluation import evaluate_cam_folder
from mmwsss.synthetic import DEMO_CLASSES
from mmwsss.utils.io import strict_json_value
from tests.conftest import REPO_ROOT

CONFIG = 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _run(args: list, env_threads: bool = True) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    # one thread per process: results then do not depend on how many run at once
    env['OMP_NUM_THREADS'] = '1'
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope='module')
def trained(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """One short training run on the 24-image demo set."""
    work_dir = tmp_path_factory.mktemp('cam_train')
    options = [f'train_dataloader.dataset.data_root={demo_root}',
               f'test_dataloader.dataset.data_root={demo_root}',
               'train_cfg.max_epochs=1', 'train_dataloader.batch_size=8',
               'train_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False',
               'test_dataloader.persistent_workers=False',
               'model.test_cfg.scales=[1.0,0.5]']
    _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work_dir),
          '--cfg-options'] + options)
    checkpoint = (work_dir / 'last_checkpoint').read_text().strip()
    return checkpoint, options


def _infer(checkpoint: str, options: list, work_dir: Path, nproc: int,
           *extra: str) -> None:
    command = [sys.executable, 'tools/test.py', CONFIG, checkpoint, '--work-dir',
               str(work_dir), *extra, '--cfg-options'] + options
    if nproc > 1:
        command = [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={nproc}',
                   f'--master_port={_free_port()}'] + command[1:] + ['--launcher', 'pytorch']
    _run(command)


def _files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope='module')
def single_process(trained, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Work dir of the CAM inference in one process."""
    work_dir = tmp_path_factory.mktemp('cam_infer_one')
    checkpoint, options = trained
    _infer(checkpoint, options, work_dir, nproc=1)
    return work_dir


def test_cam_inference_resumes_and_scores_every_image(trained, single_process: Path,
                                                      demo_root: Path, tmp_path: Path) -> None:
    checkpoint, options = trained
    options = options + ['custom_hooks.1.skip_written=True']
    # an interrupted run: 10 of the 24 images written, no metrics
    for folder in ('cams', 'cam_pseudo_labels'):
        (tmp_path / folder).mkdir()
        for path in sorted((single_process / folder).iterdir())[:10]:
            (tmp_path / folder / path.name).write_bytes(path.read_bytes())
        record = f'.{folder}.mmwsss-settings.json'  # claimed by the interrupted run
        shutil.copy(single_process / record, tmp_path / record)
    _infer(checkpoint, options, tmp_path, nproc=1)
    for folder in ('cams', 'cam_pseudo_labels'):
        assert _files(tmp_path / folder) == _files(single_process / folder), folder
    assert len(list((tmp_path / 'cam_overlays').iterdir())) < len(
        list((single_process / 'cam_overlays').iterdir()))  # only the new images
    resumed = json.loads((tmp_path / 'cam_metrics.json').read_text())
    full = json.loads((single_process / 'cam_metrics.json').read_text())
    assert resumed.keys() == full.keys()
    # the pseudo labels are the same PNGs: the same scores
    sweep = {key for key in full if key.startswith(('sweep/', 'best'))}
    assert {key: resumed[key] for key in full.keys() - sweep} == {
        key: full[key] for key in full.keys() - sweep}
    # the sweep is recomputed from the CAM files, which hold float16: a pixel whose
    # CAMs are within float16 rounding of the threshold or of each other can change
    # label, by an amount no tolerance bounds (0.06 points of a recall here). Like
    # with like: the sweep of tools/eval_pseudo_labels.py over the same files.
    thresholds = Config.fromfile(str(REPO_ROOT / CONFIG)).test_evaluator.bg_thresholds
    files = evaluate_cam_folder(str(tmp_path / 'cams'), str(demo_root / 'SegmentationClass'),
                                [path.stem for path in sorted((tmp_path / 'cams').iterdir())],
                                DEMO_CLASSES, thresholds)
    expected = dict({f'sweep/mIoU@{t:.2f}': miou for t, miou in zip(thresholds, files['mIoU'])},
                    **{key: files[key] for key in sweep if not key.startswith('sweep/')})
    assert {key: resumed[key] for key in sweep} == strict_json_value(expected)


def test_cam_inference_sharded_equals_single_process(trained, single_process: Path,
                                                     tmp_path: Path) -> None:
    checkpoint, options = trained
    _infer(checkpoint, options, tmp_path / 'two', nproc=2)
    for folder in ('cams', 'cam_pseudo_labels'):
        one, two = _files(single_process / folder), _files(tmp_path / 'two' / folder)
        assert len(one) == 24
        assert one == two, f'{folder} differ between 1 and 2 processes'
    metrics_one = json.loads((single_process / 'cam_metrics.json').read_text())
    metrics_two = json.loads((tmp_path / 'two' / 'cam_metrics.json').read_text())
    assert metrics_one == metrics_two
    # recorded on CPU (torch 2.13, seeded, one thread per process)
    assert metrics_one['mIoU'] == pytest.approx(11.06, abs=1.0)
    assert metrics_one['best_mIoU'] == pytest.approx(15.42, abs=1.0)
    assert metrics_one['best_mIoU'] >= metrics_one['sweep/mIoU@0.20']
    with np.load(single_process / 'cams' / 'train_00000.npz', allow_pickle=False) as data:
        assert data['cams'].dtype == np.float16 and data['cams'].ndim == 3
    assert (single_process / 'cam_metrics_sweep.png').is_file()
    assert len(list((single_process / 'cam_overlays').iterdir())) >= 24


def test_cam_inference_rerun_on_a_finished_work_dir(trained, single_process: Path,
                                                    tmp_path: Path) -> None:
    """Every image written (killed before the end, or finished): only rescored."""
    checkpoint, options = trained
    shutil.copytree(single_process, tmp_path / 'done')
    (tmp_path / 'done' / 'cam_metrics.json').unlink()
    stale = tmp_path / 'done' / 'cams' / '.train_00003.mmwsss-a1b2c3a1.tmp.npz'
    stale.write_bytes(b'half a file')
    _infer(checkpoint, options + ['custom_hooks.1.skip_written=True'], tmp_path / 'done',
           nproc=1)
    assert not stale.exists()
    for folder in ('cams', 'cam_pseudo_labels'):
        assert _files(tmp_path / 'done' / folder) == _files(single_process / folder), folder
    rescored = json.loads((tmp_path / 'done' / 'cam_metrics.json').read_text())
    full = json.loads((single_process / 'cam_metrics.json').read_text())
    assert rescored['mIoU'] == full['mIoU']


def test_cam_inference_refuses_other_settings_in_a_work_dir_unless_redo(
        trained, single_process: Path, tmp_path: Path) -> None:
    """Other CAM scales into a finished work dir: refused with the key, then --redo."""
    checkpoint, options = trained
    work_dir = tmp_path / 'done'
    shutil.copytree(single_process, work_dir)
    options = options + ['model.test_cfg.scales=[1.0]']
    command = [sys.executable, 'tools/test.py', CONFIG, checkpoint, '--work-dir',
               str(work_dir), '--cfg-options'] + options
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode != 0
    assert 'cams holds files made with other settings' in result.stderr
    assert 'model.test_cfg.scales.1: 0.5 -> (absent)' in result.stderr
    assert _files(work_dir / 'cams') == _files(single_process / 'cams')
    _infer(checkpoint, options, work_dir, 1, '--redo')
    replaced = next(work_dir.glob('replaced_*'))
    assert _files(replaced / 'cams') == _files(single_process / 'cams')
    assert len(_files(work_dir / 'cams')) == 24
    assert _files(work_dir / 'cams') != _files(single_process / 'cams')
