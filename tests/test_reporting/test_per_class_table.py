"""Tests of the per-class Markdown tables."""
from pathlib import Path

import numpy as np
import pytest

from mmwsss.evaluation.metrics.pseudo_label_metric import pseudo_label_metrics
from mmwsss.reporting.per_class_table import (per_class_document, per_class_markdown,
                                              per_class_scores, per_class_survival,
                                              write_per_class_table)

CLASSES = ('background', 'a', 'b')
# rows ground truth, columns prediction
CONFUSION = np.array([[6, 2, 0],
                      [1, 3, 0],
                      [1, 0, 1]])
TABLE = ('| class | IoU | Precision | Recall |\n'
         '| --- | --- | --- | --- |\n'
         '| background | 60.00 | 75.00 | 75.00 |\n'
         '| a | 50.00 | 60.00 | 75.00 |\n'
         '| b | 50.00 | 100.00 | 50.00 |\n'
         '| mean | 53.33 | 78.33 | 66.67 |\n')


def test_scores_and_table_of_a_hand_made_confusion_matrix() -> None:
    metrics = pseudo_label_metrics(CONFUSION, CLASSES)
    # background: 6 / (8 + 8 - 6); a: 3 / (4 + 5 - 3); b: 1 / (2 + 1 - 1)
    assert per_class_scores(metrics) == {
        'background': dict(IoU=60.0, Precision=75.0, Recall=75.0),
        'a': dict(IoU=50.0, Precision=60.0, Recall=75.0),
        'b': dict(IoU=50.0, Precision=100.0, Recall=50.0)}
    assert (metrics['mIoU'], metrics['mPrecision'], metrics['mRecall']) == (
        53.33, 78.33, 66.67)
    assert per_class_markdown(metrics) == TABLE
    assert per_class_scores(metrics, 'best/') == {}


def test_document_of_a_sweep_has_the_best_threshold_table() -> None:
    # sweep at bg 0.3 (the pseudo labels' matrix) and 0.6 (a perfect one)
    sweep = np.stack([CONFUSION, np.diag(CONFUSION.sum(axis=1))])
    metrics = pseudo_label_metrics(CONFUSION, CLASSES, [0.3, 0.6], sweep)
    best = ''.join(f'| {name} | 100.00 | 100.00 | 100.00 |\n'
                   for name in (*CLASSES, 'mean'))
    assert per_class_document(metrics, 'cam_metrics.json') == (
        '# cam_metrics.json\n\n' + TABLE
        + '\n## Best background threshold 0.60 (tuned on the ground truth)\n\n'
        + TABLE[:TABLE.index('| background')] + best)


def test_written_beside_the_json(tmp_path: Path) -> None:
    metrics = pseudo_label_metrics(CONFUSION, CLASSES)
    out = write_per_class_table(metrics, str(tmp_path / 'rw_metrics.json'))
    assert out == str(tmp_path / 'rw_metrics_per_class.md')
    assert Path(out).read_text() == '# Per-class scores (%) of rw_metrics.json\n\n' + TABLE
    assert sorted(p.name for p in tmp_path.iterdir()) == ['rw_metrics_per_class.md']
    # mmseg IoUMetric's keys: no table
    assert write_per_class_table({'mIoU': 50.0, 'aAcc': 80.0},
                                 str(tmp_path / 'seg_metrics.json')) is None
    assert not (tmp_path / 'seg_metrics_per_class.md').exists()


def test_bad_metrics_are_named() -> None:
    with pytest.raises(KeyError, match="'IoU.a' but no 'Recall.a'"):
        per_class_scores({'IoU.a': 1.0, 'Precision.a': 1.0})
    with pytest.raises(KeyError, match="no 'mRecall'"):
        per_class_markdown({'IoU.a': 1.0, 'Precision.a': 1.0, 'Recall.a': 1.0,
                            'mIoU': 1.0, 'mPrecision': 1.0})
    with pytest.raises(KeyError, match='no best/IoU'):
        per_class_markdown({'mIoU': 1.0}, 'best/')


def test_per_class_survival() -> None:
    metrics = {'num_images': 3, 'kept.a': 0.5, 'kept.b': None, 'area_ratio.a': 0.3125,
               'area_ratio.b': None, 'labelled_images.a': 2, 'collapsed': []}
    assert per_class_survival(metrics) == {'a': (0.5, 0.3125), 'b': (None, None)}
    assert per_class_survival({'mIoU': 50.0}) == {}
    with pytest.raises(KeyError, match="have 'kept.c' but no 'area_ratio.c'"):
        per_class_survival({'kept.c': 1.0})
