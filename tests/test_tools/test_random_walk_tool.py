"""tools/random_walk.py: one process and two (gloo) processes write the same files; resume."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from tests.conftest import AFFINITY_CONFIG, REPO_ROOT, affinity_options, free_port, run_tool

LABEL_DIRS = ('rw_pseudo_labels', 'rw_crf_pseudo_labels')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised AffinityNet of the demo config."""
    cfg = Config.fromfile(str(REPO_ROOT / AFFINITY_CONFIG))
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    path = tmp_path_factory.mktemp('affinitynet') / 'random.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def _random_walk(checkpoint: Path, options: list, work_dir: Path, nproc: int = 1) -> None:
    command = ['tools/random_walk.py', AFFINITY_CONFIG, str(checkpoint), '--work-dir',
               str(work_dir), '--cfg-options', *options]
    if nproc > 1:
        command = ['-m', 'torch.distributed.run', f'--nproc_per_node={nproc}',
                   f'--master_port={free_port()}'] + command + ['--launcher', 'pytorch']
    run_tool([sys.executable] + command)


def _files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_two_processes_write_what_one_writes_and_resume(
        demo_root: Path, fake_cams: Path, checkpoint: Path, tmp_path: Path) -> None:
    options = affinity_options(demo_root, fake_cams, tmp_path / 'unused')
    _random_walk(checkpoint, options, tmp_path / 'one')
    _random_walk(checkpoint, options, tmp_path / 'two', nproc=2)
    for folder in LABEL_DIRS:
        one, two = _files(tmp_path / 'one' / folder), _files(tmp_path / 'two' / folder)
        assert len(one) == 24
        assert one == two, f'{folder} differ between 1 and 2 processes'
    for name in ('rw_metrics.json', 'rw_crf_metrics.json', 'rw_metrics_per_class.md',
                 'rw_crf_metrics_per_class.md'):
        assert ((tmp_path / 'one' / name).read_text()
                == (tmp_path / 'two' / name).read_text()), name
    metrics = json.loads((tmp_path / 'one' / 'rw_metrics.json').read_text())
    assert metrics['num_images'] == 24 and 'Recall.background' in metrics

    # an interrupted run: three images missing; a rerun writes only those
    labels = tmp_path / 'one' / LABEL_DIRS[0]
    removed = sorted(labels.iterdir())[:3]
    for path in removed:
        path.unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in labels.iterdir()}
    _random_walk(checkpoint, options, tmp_path / 'one')
    assert {p.name: p.stat().st_mtime_ns for p in labels.iterdir()
            if p.name in kept} == kept
    assert all(path.is_file() for path in removed)
    assert json.loads((tmp_path / 'one' / 'rw_metrics.json').read_text()) == metrics

    # a finished work dir: nothing to write, the metrics are recomputed from the files
    (tmp_path / 'one' / 'rw_metrics.json').unlink()
    _random_walk(checkpoint, options, tmp_path / 'one')
    assert json.loads((tmp_path / 'one' / 'rw_metrics.json').read_text()) == metrics

    # other walk settings into the finished work dir: refused, nothing rewritten
    kept = _files(labels)
    command = [sys.executable, 'tools/random_walk.py', AFFINITY_CONFIG, str(checkpoint),
               '--work-dir', str(tmp_path / 'one'), '--cfg-options', *options,
               'model.test_cfg.beta=2', 'model.test_cfg.bg_score=0.9']
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode != 0
    assert 'rw_pseudo_labels holds files made with other settings' in result.stderr
    assert 'model.test_cfg.beta: 16 -> 2' in result.stderr and '--redo' in result.stderr
    assert _files(labels) == kept
    assert json.loads((tmp_path / 'one' / 'rw_metrics.json').read_text()) == metrics
