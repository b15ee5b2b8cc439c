"""End to end: train the demo segmentation config briefly, test it with --tta --crf."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CONFIG = 'configs/seg/encnet_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py'


def _run(args: list) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_train_then_test_with_tta_and_crf(demo_root: Path, tmp_path: Path) -> None:
    options = ['--cfg-options'] + [
        f'{loader}.dataset.data_root={demo_root}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ] + [f'{loader}.{key}' for loader in ('train_dataloader', 'test_dataloader')
         for key in ('num_workers=0', 'persistent_workers=False')] + [
        'train_dataloader.dataset.data_prefix.seg_map_path=SegmentationClass',
        'train_dataloader.batch_size=2', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=100', 'default_hooks.checkpoint.interval=2',
        'train_dataloader.dataset.indices=4', 'test_dataloader.dataset.indices=2',
        'crf_cfg.num_iters=2', 'model.backbone.init_cfg=None']
    _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(tmp_path)] + options)
    checkpoint = (tmp_path / 'last_checkpoint').read_text().strip()
    _run([sys.executable, 'tools/test.py', CONFIG, checkpoint, '--work-dir', str(tmp_path),
          '--tta', '--crf'] + options)
    metrics = json.loads((tmp_path / 'seg_metrics_tta_crf.json').read_text())
    assert set(metrics) >= {'aAcc', 'mIoU', 'mPrecision', 'mRecall', 'IoU.background',
                            'Precision.background', 'Recall.background'}
    assert metrics['mIoU'] == pytest.approx(2.65, abs=1.0)  # recorded (CPU, seeded)
    assert (tmp_path / 'seg_metrics_tta_crf_per_class.md').read_text().startswith(
        '# Per-class scores (%) of seg_metrics_tta_crf.json\n\n| class | IoU |')
    assert not (tmp_path / 'seg_metrics.json').exists()
