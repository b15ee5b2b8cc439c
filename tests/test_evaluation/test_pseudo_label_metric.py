"""Tests of PseudoLabelMetric."""
import numpy as np
import pytest
import torch

from mmwsss.evaluation import PseudoLabelMetric
from mmwsss.evaluation.metrics import pseudo_label_metric
from mmwsss.evaluation.metrics.pseudo_label_metric import pseudo_label_metrics
from mmwsss.evaluation.segmentation_scores import confusion_matrix
from mmwsss.ops.cam import cam_pseudo_label


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
    metrics = metric.evaluate(1)
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


def _random_samples(count: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(count):
        gt = rng.integers(0, 4, (5, 6))
        gt[rng.random((5, 6)) < 0.1] = 255
        cams = rng.random((3, 5, 6)).astype(np.float32)
        samples.append(_sample(gt.tolist(), rng.integers(0, 4, (5, 6)).tolist(),
                               cams.tolist()))
    return samples


def test_running_sums_equal_per_image_reference() -> None:
    classes = ('background', 'a', 'b', 'c')
    thresholds = [0.2, 0.5, 0.8]
    samples = _random_samples(25)
    metric = PseudoLabelMetric(bg_thresholds=thresholds)
    metric.dataset_meta = dict(classes=classes)
    for start in range(0, 25, 4):  # batches of 4, the last of 1
        metric.process({}, samples[start:start + 4])
    assert metric.results == []  # nothing per image is kept
    metrics = metric.evaluate(25)
    gts = [s['gt_sem_seg']['data'][0] for s in samples]
    confusion = sum(confusion_matrix(s['pred_sem_seg']['data'][0], gt, 4)
                    for s, gt in zip(samples, gts))
    sweep = np.stack([sum(confusion_matrix(cam_pseudo_label(s['pred_cams']['data'], t), gt, 4)
                          for s, gt in zip(samples, gts)) for t in thresholds])
    assert metrics == pseudo_label_metrics(confusion, classes, thresholds, sweep)
    assert metric.evaluate(25) == {}  # the state was reset


def test_padding_copy_of_the_sampler_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # rank 1 of 2 on 3 images scores images 1 and 3; image 3 is DefaultSampler's
    # copy of image 0 (padding) and must not count
    monkeypatch.setattr(pseudo_label_metric, 'get_dist_info', lambda: (1, 2))
    classes = ('background', 'a', 'b', 'c')
    samples = _random_samples(2)
    metric = PseudoLabelMetric()
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, samples)
    reference = PseudoLabelMetric()
    reference.dataset_meta = dict(classes=classes)
    reference.process({}, samples[:1])
    assert metric.evaluate(3) == reference.evaluate(4)
    # on 4 images, image 3 is real
    metric.process({}, samples)
    reference.process({}, samples)
    assert metric.evaluate(4) == reference.evaluate(4)
