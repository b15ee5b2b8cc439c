"""End to end: affinity-label tool, AffinityNet training and the random walk after it."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import AFFINITY_CONFIG, REPO_ROOT, affinity_options, run_tool


def _files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_make_affinity_labels_tool(demo_root: Path, fake_cams: Path,
                                   fake_affinity_scores: Path, tmp_path: Path) -> None:
    # the fixture's alphas (the library defaults, PSA's), not the demo config's
    command = [sys.executable, 'tools/make_affinity_labels.py', AFFINITY_CONFIG,
               '--workers', '2', '--cfg-options',
               *affinity_options(demo_root, fake_cams, tmp_path),
               'affinity_label_cfg.low_alpha=4', 'affinity_label_cfg.high_alpha=32']
    result = run_tool(command)
    assert 'wrote 24 files' in result.stdout
    assert _files(tmp_path) == _files(fake_affinity_scores)
    stale = tmp_path / '.train_00002.mmwsss-x7y8z9x7.tmp.npz'  # left by a killed write
    stale.write_bytes(b'half')
    rerun = run_tool(command).stdout
    assert 'wrote 0 files' in rerun and f'removed {stale}' in rerun and not stale.exists()
    # other alphas into the same folder: refused, naming the changed key
    command[-1] = 'affinity_label_cfg.high_alpha=24'
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    refused = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True,
                             text=True, timeout=600)
    assert refused.returncode != 0 and 'wrote 0 files' not in refused.stdout
    assert 'affinity_label_cfg.high_alpha: 32 -> 24' in refused.stderr
    assert _files(tmp_path) == _files(fake_affinity_scores)


def test_training_runs_the_random_walk(demo_root: Path, fake_cams: Path,
                                       fake_affinity_scores: Path, tmp_path: Path) -> None:
    run_tool([sys.executable, 'tools/train.py', AFFINITY_CONFIG, '--work-dir', str(tmp_path),
              '--cfg-options', *affinity_options(demo_root, fake_cams, fake_affinity_scores)])
    assert (tmp_path / 'epoch_1.pth').is_file()
    for folder in ('rw_pseudo_labels', 'rw_crf_pseudo_labels', 'affinity_pictures',
                   'rw_overlays'):
        assert len(list((tmp_path / folder).iterdir())) == 24, folder
    # recorded on CPU (torch 2.13, seeded, one thread): the walk of the blurred
    # ground truth, refined by the CRF, both keeping the CAM cores (core_score 0.9)
    for name, miou in (('rw_metrics', 83.57), ('rw_crf_metrics', 97.3)):
        metrics = json.loads((tmp_path / f'{name}.json').read_text())
        assert metrics['num_images'] == 24
        assert metrics['mIoU'] == pytest.approx(miou, abs=0.2) and 'IoU.background' in metrics
        assert (tmp_path / f'{name}_per_class.md').read_text().startswith(
            f'# Per-class scores (%) of {name}.json\n\n| class | IoU | Precision | Recall |')
