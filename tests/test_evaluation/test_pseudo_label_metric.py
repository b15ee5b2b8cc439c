"""Tests of PseudoLabelMetric."""
import pytest
import torch

from mmwsss.evaluation import PseudoLabelMetric


def _sample(gt, pred, cams=None) -> dict:
    sample = dict(gt_sem_seg=dict(data=torch.tensor([gt])),
                  pred_sem_seg=dict(data=torch.tensor([pred])), img_path='x.jpg')
    if cams is not None:
        sample['pred_cams'] = dict(data=torch.tensor(cams))
    return sample


def test_scores_and_threshold_sweep() -> None:
    metric = PseudoLabelMetric(bg_thresholds=[0.1, 0.5])
    metric.dataset_meta = dict(classes=('background', 'a'))
    gt = [[0, 1, 1, 255]]
    cams = [[[0.05, 0.3, 0.9, 0.0]]]  # one class
    # pseudo label at bg 0.2 would be [0, 1, 1, 0]
    metric.process({}, [_sample(gt, [[0, 1, 1, 0]], cams)])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['mIoU'] == 100.0
    assert metrics['IoU.a'] == 100.0
    # bg 0.1: [0, 1, 1] -> perfect; bg 0.5: [0, 0, 1] -> bg IoU 1/2, a IoU 1/2
    assert metrics['sweep/mIoU@0.10'] == 100.0
    assert metrics['sweep/mIoU@0.50'] == 50.0
    assert metrics['best_bg_threshold'] == 0.1 and metrics['best_mIoU'] == 100.0


def test_needs_ground_truth() -> None:
    metric = PseudoLabelMetric()
    metric.dataset_meta = dict(classes=('background', 'a'))
    with pytest.raises(KeyError, match='LoadWSSSAnnotations'):
        metric.process({}, [dict(pred_sem_seg=dict(data=torch.zeros(1, 2, 2)))])
