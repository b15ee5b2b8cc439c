"""Tests of folder evaluation and tools/eval_pseudo_labels.py."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mmwsss.synthetic import DEMO_CLASSES
from mmwsss.evaluation.folder_evaluation import (evaluate_cam_folder,
                                                 evaluate_label_folder, read_split)
from mmwsss.utils import save_cams
from tests.conftest import REPO_ROOT


def _ids(root: Path) -> list:
    return read_split(str(root / 'ImageSets/Segmentation/train.txt'), '', '')[:6]


def test_ground_truth_scores_100(demo_root: Path) -> None:
    result = evaluate_label_folder(str(demo_root / 'SegmentationClass'),
                                   str(demo_root / 'SegmentationClass'), _ids(demo_root),
                                   DEMO_CLASSES)
    assert result['mIoU'] == 100.0 and result['num_images'] == 6
    assert list(result)[:7] == ['mIoU', 'mPrecision', 'mRecall', 'aAcc',
                                'IoU.background', 'Precision.background',
                                'Recall.background']


def test_cam_sweep_recovers_exact_masks(demo_root: Path, tmp_path: Path) -> None:
    """CAMs equal to 0.6 on the object and 0 elsewhere: perfect for bg < 0.6."""
    for img_id in _ids(demo_root):
        mask = np.array(Image.open(demo_root / 'SegmentationClass' / f'{img_id}.png'))
        cams = torch.zeros(len(DEMO_CLASSES) - 1, *mask.shape)
        labels = torch.zeros(len(DEMO_CLASSES) - 1)
        for value in set(np.unique(mask).tolist()) - {0}:
            cams[value - 1][torch.from_numpy(mask == value)] = 0.6
            labels[value - 1] = 1
        save_cams(tmp_path / f'{img_id}.npz', cams, labels)
    result = evaluate_cam_folder(str(tmp_path), str(demo_root / 'SegmentationClass'),
                                 _ids(demo_root), DEMO_CLASSES, [0.3, 0.7])
    assert result['mIoU'][0] == 100.0
    assert result['best_bg_threshold'] == 0.3 and result['best_mIoU'] == 100.0
    assert result['best/IoU.background'] == result['best/mIoU'] == 100.0
    assert result['best/Precision.background'] == 100.0


def test_command_line(demo_root: Path, tmp_path: Path) -> None:
    out = tmp_path / 'metrics.json'
    completed = subprocess.run(
        [sys.executable, 'tools/eval_pseudo_labels.py', 'labels',
         str(demo_root / 'SegmentationClass'), '--data-root', str(demo_root),
         '--split', 'ImageSets/Segmentation/val.txt', '--out', str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result['mIoU'] == 100.0 and result['num_images'] == 8
    assert result['IoU.background'] == result['Recall.background'] == 100.0
    assert f'results written to {out}' in completed.stdout
    table = (tmp_path / 'metrics_per_class.md').read_text()
    assert '| background | 100.00 | 100.00 | 100.00 |\n' in table
    assert table.endswith('| mean | 100.00 | 100.00 | 100.00 |\n')
    assert '| mean | 100.00 | 100.00 | 100.00 |' in completed.stdout


def test_bad_label_files_are_named(tmp_path: Path) -> None:
    """A label value of 50 or a label of another size: the error names the file."""
    pred_dir, gt_dir = tmp_path / 'pred', tmp_path / 'gt'
    pred_dir.mkdir()
    gt_dir.mkdir()
    Image.fromarray(np.zeros((4, 6), np.uint8)).save(pred_dir / 'a.png')
    Image.fromarray(np.array([[0, 50, 1, 1, 0, 0]] * 4, np.uint8)).save(gt_dir / 'a.png')
    with pytest.raises(ValueError, match=f'ground truth {gt_dir / "a.png"} has label value 50'):
        evaluate_label_folder(str(pred_dir), str(gt_dir), ['a'], DEMO_CLASSES)
    Image.fromarray(np.zeros((2, 3), np.uint8)).save(gt_dir / 'a.png')
    with pytest.raises(ValueError, match=rf'{pred_dir / "a.png"} has size \(4, 6\) \(24 '
                       rf'pixels\), ground truth {gt_dir / "a.png"} \(2, 3\)'):
        evaluate_label_folder(str(pred_dir), str(gt_dir), ['a'], DEMO_CLASSES)
    save_cams(pred_dir / 'a.npz', torch.zeros(len(DEMO_CLASSES) - 1, 4, 6),
              torch.zeros(len(DEMO_CLASSES) - 1))
    with pytest.raises(ValueError, match=rf'CAM file {pred_dir / "a.npz"} has size \(4, 6\)'):
        evaluate_cam_folder(str(pred_dir), str(gt_dir), ['a'], DEMO_CLASSES, [0.5])
