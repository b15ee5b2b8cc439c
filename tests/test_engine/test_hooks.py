"""Tests of the hooks with a mocked runner."""
import json
from pathlib import Path
from unittest.mock import MagicMock

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from PIL import Image

from mmwsss.engine import ProgressBarHook, SaveCAMHook, SaveMetricsHook
from mmwsss.evaluation.metrics.pseudo_label_metric import pseudo_label_metrics
from mmwsss.utils import load_cams
from tests.conftest import read_strict_json


def _runner(work_dir: Path) -> MagicMock:
    runner = MagicMock()
    runner.work_dir = str(work_dir)
    runner.test_dataloader.dataset.metainfo = dict(classes=('background', 'a', 'b', 'c'))
    runner.test_dataloader.__len__.return_value = 2
    return runner


def _sample(tmp_path: Path) -> SegDataSample:
    Image.fromarray(np.zeros((4, 5, 3), dtype=np.uint8)).save(tmp_path / 'img7.jpg')
    sample = SegDataSample(metainfo=dict(img_id='img7', img_path=str(tmp_path / 'img7.jpg')))
    cams = torch.zeros(3, 4, 5)
    cams[0] = torch.linspace(0, 1, 20).view(4, 5)
    cams[2, 1, 1] = 0.5
    sample.pred_cams = PixelData(data=cams)
    sample.gt_img_labels = torch.tensor([1.0, 0.0, 1.0])
    sample.pred_sem_seg = PixelData(data=torch.tensor([[[0, 1, 1, 0, 3]] * 4]))
    return sample


def test_save_cam_hook_writes_cams_labels_and_overlays(tmp_path: Path) -> None:
    hook = SaveCAMHook(overlay_dir='overlays')
    hook.after_test_iter(_runner(tmp_path), 0, None, [_sample(tmp_path)])
    cams, labels = load_cams(tmp_path / 'cams' / 'img7.npz', num_classes=3)
    assert labels.tolist() == [1, 3]
    assert cams.shape == (3, 4, 5) and not cams[1].any()
    np.testing.assert_allclose(cams[0], np.linspace(0, 1, 20).reshape(4, 5), atol=1e-3)
    assert cams[2, 1, 1] == 0.5
    label = np.array(Image.open(tmp_path / 'cam_pseudo_labels' / 'img7.png'))
    assert label.tolist() == [[0, 1, 1, 0, 3]] * 4
    assert sorted(p.name for p in (tmp_path / 'overlays').iterdir()) == [
        'img7_a.jpg', 'img7_c.jpg']


def test_save_metrics_hook_writes_json_plot_and_tables(tmp_path: Path) -> None:
    # pseudo labels [[1, 0], [0, 1]] (bg, a); sweep at bg 0.1 ([[1, 1], [0, 2]])
    # and 0.2 (perfect)
    sweep = np.array([[[1, 1], [0, 2]], [[2, 0], [0, 2]]])
    metrics = pseudo_label_metrics(np.array([[1, 1], [0, 2]]), ('background', 'a'),
                                   [0.1, 0.2], sweep)
    SaveMetricsHook(filename='cam_metrics.json').after_test_epoch(_runner(tmp_path), metrics)
    assert json.loads((tmp_path / 'cam_metrics.json').read_text()) == metrics
    sweep = json.loads((tmp_path / 'cam_metrics_sweep.json').read_text())
    assert sweep['thresholds'] == [0.1, 0.2] and sweep['mIoU'] == [58.33, 100.0]
    assert (tmp_path / 'cam_metrics_sweep.png').stat().st_size > 1000
    header = '| class | IoU | Precision | Recall |\n| --- | --- | --- | --- |\n'
    assert (tmp_path / 'cam_metrics_per_class.md').read_text() == (
        '# Per-class scores (%) of cam_metrics.json\n\n' + header
        + '| background | 50.00 | 100.00 | 50.00 |\n'
        '| a | 66.67 | 66.67 | 100.00 |\n'
        '| mean | 58.33 | 83.33 | 75.00 |\n'
        '\n## Best background threshold 0.20 (tuned on the ground truth)\n\n' + header
        + '| background | 100.00 | 100.00 | 100.00 |\n'
        '| a | 100.00 | 100.00 | 100.00 |\n'
        '| mean | 100.00 | 100.00 | 100.00 |\n')


def test_progress_bar_hook_counts(tmp_path: Path, capsys) -> None:
    hook = ProgressBarHook()
    runner = _runner(tmp_path)
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0)
    hook.after_test_iter(runner, 1)
    assert "2/2" in capsys.readouterr().out


def test_save_metrics_hook_accepts_numpy_scalars(tmp_path: Path) -> None:
    # MMSeg's IoUMetric returns np.float32 values
    metrics = {'aAcc': np.float32(91.25), 'mIoU': np.float32(69.17), 'mAcc': 60.0}
    SaveMetricsHook(filename='seg_metrics.json').after_test_epoch(_runner(tmp_path), metrics)
    assert json.loads((tmp_path / 'seg_metrics.json').read_text()) == {
        'aAcc': 91.25, 'mIoU': 69.17, 'mAcc': 60.0}
    assert not (tmp_path / 'seg_metrics_per_class.md').exists()  # no per-class keys


def test_save_metrics_hook_writes_undefined_scores_as_null(tmp_path: Path) -> None:
    # class b is in neither the labels nor the ground truth: its scores are NaN
    metrics = pseudo_label_metrics(np.array([[1, 1, 0], [0, 2, 0], [0, 0, 0]]),
                                   ('background', 'a', 'b'))
    assert np.isnan(metrics['IoU.b'])
    SaveMetricsHook(filename='cam_metrics.json').after_test_epoch(_runner(tmp_path), metrics)
    written = read_strict_json(tmp_path / 'cam_metrics.json')
    assert written['IoU.b'] is None and written['Recall.b'] is None
    assert written['IoU.a'] == metrics['IoU.a'] and written['mIoU'] == metrics['mIoU']
    assert '| b | nan | nan | nan |' in (tmp_path / 'cam_metrics_per_class.md').read_text()
