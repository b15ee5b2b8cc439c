"""Tests of PseudoLabelMetric."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric
from mmseg.structures import SegDataSample

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


def test_scores_at_the_best_threshold() -> None:
    metric = PseudoLabelMetric(bg_thresholds=[0.2, 0.4, 0.7])
    metric.dataset_meta = dict(classes=('background', 'a'))
    gt = [[0, 0, 1, 1, 0, 255]]
    cams = [[[0.05, 0.3, 0.9, 0.6, 0.5, 0.0]]]
    # CAM-only labels: bg 0.2 -> [0 1 1 1 1], mIoU (1/3 + 2/4) / 2;
    # bg 0.4 -> [0 0 1 1 1], confusion [[2, 1], [0, 2]], IoUs 2/3 and 2/3;
    # bg 0.7 -> [0 0 1 0 0], mIoU (3/4 + 1/2) / 2
    metric.process({}, [_sample(gt, [[0, 1, 1, 1, 1, 0]], cams)])
    metrics = metric.evaluate(1)
    assert metrics['IoU.background'] == 33.33 and metrics['IoU.a'] == 50.0
    assert [metrics[f'sweep/mIoU@{t}'] for t in ('0.20', '0.40', '0.70')] == [
        41.67, 66.67, 62.5]
    assert metrics['best_bg_threshold'] == 0.4 and metrics['best_mIoU'] == 66.67
    best = {key: value for key, value in metrics.items() if key.startswith('best/')}
    assert best == {
        'best/mIoU': 66.67, 'best/mPrecision': 83.33, 'best/mRecall': 83.33,
        'best/aAcc': 80.0,
        'best/IoU.background': 66.67, 'best/Precision.background': 100.0,
        'best/Recall.background': 66.67,
        'best/IoU.a': 66.67, 'best/Precision.a': 66.67, 'best/Recall.a': 100.0}


def test_segmentation_samples_score_as_mmseg_iou_metric() -> None:
    """The seg stage's test evaluator: same mIoU as mmseg's IoUMetric."""
    classes = ('background', 'a', 'b', 'c')
    rng = np.random.default_rng(3)
    samples = []
    for _ in range(6):
        gt = rng.integers(0, 4, (1, 7, 9))
        gt[rng.random(gt.shape) < 0.1] = 255
        sample = SegDataSample(metainfo=dict(img_path='x.jpg'))
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt))
        sample.pred_sem_seg = PixelData(data=torch.from_numpy(rng.integers(0, 3, (1, 7, 9))))
        samples.append(sample.to_dict())
    ours, mmseg_metric = PseudoLabelMetric(), IoUMetric(iou_metrics=['mIoU'])
    for metric in (ours, mmseg_metric):
        metric.dataset_meta = dict(classes=classes)
        metric.process({}, samples)
    expected = mmseg_metric.evaluate(6)
    metrics = ours.evaluate(6)
    # IoUMetric rounds float32 values: str() gives the decimals SaveMetricsHook writes
    assert metrics['mIoU'] == float(str(expected['mIoU']))
    assert metrics['aAcc'] == float(str(expected['aAcc']))
    assert 0 < metrics['mIoU'] < 100


def test_needs_ground_truth() -> None:
    metric = PseudoLabelMetric()
    metric.dataset_meta = dict(classes=('background', 'a'))
    prediction = dict(pred_sem_seg=dict(data=torch.zeros(1, 2, 2)))
    with pytest.raises(KeyError, match='LoadWSSSAnnotations'):
        metric.process({}, [dict(prediction, seg_map_path='gt/a.png')])
    # a dataset without ground truth (no seg_map_path): nothing scored, no metrics
    metric.process({}, [prediction, prediction])
    assert metric.evaluate(2) == {}


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


def test_bad_ground_truth_and_thresholds_are_named() -> None:
    metric = PseudoLabelMetric()
    metric.dataset_meta = dict(classes=('background', 'a'))
    sample = dict(_sample([[0, 50]], [[0, 1]]), seg_map_path='gt/x.png')
    with pytest.raises(ValueError, match=r'ground truth gt/x\.png has label value 50'):
        metric.process({}, [sample])
    sample = dict(_sample([[0, 1]], [[0, 1, 1, 1]]), seg_map_path='gt/x.png')
    with pytest.raises(ValueError, match=r'prediction for image x\.jpg has size \(1, 4\) '
                       r'\(4 pixels\), ground truth gt/x\.png \(1, 2\)'):
        metric.process({}, [sample])
    for thresholds in ([1.5], [-1], [float('nan')], [0.3, 0]):
        with pytest.raises(ValueError, match=r'PseudoLabelMetric: bg_thresholds\[\d\] must be '
                           r'a number in \(0, 1\)'):
            PseudoLabelMetric(bg_thresholds=thresholds)
