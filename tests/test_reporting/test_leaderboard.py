"""Leaderboard: our stage results beside the published ones, with conventions and
label survival."""
import json
import runpy
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from mmwsss.evaluation.metrics.pseudo_label_metric import pseudo_label_metrics
from mmwsss.reporting.leaderboard import (leaderboard_table, per_class_iou_table,
                                          per_class_survival_table, write_leaderboard)
from mmwsss.reporting.published_results import PUBLISHED_RESULTS, STAGES, Result
from mmwsss.utils import save_json
from tests.conftest import REPO_ROOT

PUBLISHED = (
    Result('seg', 'PSA ResNet-38', 61.7, 'VOC12 val (1,449)', 'PSA pseudo labels',
           'not stated', 'ImageNet', 'PSA paper (CVPR 2018)'),
    Result('cam', 'EPS baseline CAM', 47.05, 'VOC12 train (1,464)', 'not stated', 'no',
           'ImageNet', 'EPS paper (CVPR 2021)', decimals=2),
)

EXPECTED = (
    '| stage | result | mIoU | split | settings | CRF | pretraining | source |\n'
    '| --- | --- | --- | --- | --- | --- | --- | --- |\n'
    '| CAM pseudo labels | ours: CAM | 40.00 | VOC12 train'
    " | bg score of the config's test_cfg | no | none | cam/cam_metrics.json |\n"
    '| CAM pseudo labels | ours: CAM | 42.50 | VOC12 train'
    ' | bg score 0.15 (tuned on the ground truth) | no | none'
    ' | cam/cam_metrics.json |\n'
    '| CAM pseudo labels | EPS baseline CAM | 47.05 | VOC12 train (1,464)'
    ' | not stated | no | ImageNet | EPS paper (CVPR 2021) |\n'
    '| refined pseudo labels | ours: random walk | missing | VOC12 train'
    ' | random walk of the affinity config | no | none | rw/rw_metrics.json |\n'
    '| segmentation | ours: segmentation | 55.31 | VOC12 val'
    ' | trained on the pseudo labels, single scale | no | none'
    ' | seg/seg_metrics.json |\n'
    '| segmentation | ours: segmentation | 57.00 | VOC12 val'
    ' | trained on the pseudo labels, multi-scale + flip | yes | none'
    ' | seg/seg_metrics_tta_crf.json |\n'
    '| segmentation | PSA ResNet-38 | 61.7 | VOC12 val (1,449) | PSA pseudo labels'
    ' | not stated | ImageNet | PSA paper (CVPR 2018) |\n'
)


def _write(path: Path, data: dict) -> None:
    """Metrics as the stages write them: strict JSON, NaN as null."""
    save_json(data, path)


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    """CAM and segmentation results; no random-walk result yet."""
    _write(tmp_path / 'cam/cam_metrics.json',
           {'mIoU': 40.0, 'best_mIoU': 42.5, 'best_bg_threshold': 0.15, 'aAcc': 80.0})
    _write(tmp_path / 'seg/seg_metrics.json', {'aAcc': 90.1, 'mIoU': 55.314, 'mAcc': 60.0})
    _write(tmp_path / 'seg/seg_metrics_tta_crf.json', {'mIoU': 57.0})
    return tmp_path


def test_exact_table(work_dir: Path) -> None:
    text = leaderboard_table(str(work_dir), dataset='VOC12', pretraining='none',
                             published=PUBLISHED, folders=('cam', 'rw', 'seg'))
    assert text == EXPECTED


def test_our_network_named_in_its_stage_rows(work_dir: Path) -> None:
    table = leaderboard_table(str(work_dir), 'VOC12', 'none', published=PUBLISHED,
                              folders=('cam', 'rw', 'seg'),
                              networks={'seg': 'DeepLab-v2 ResNet-101'})
    assert table == EXPECTED.replace('| ours: segmentation |',
                                     '| ours: segmentation (DeepLab-v2 ResNet-101) |')
    assert table.count('(DeepLab-v2 ResNet-101)') == 2  # not in the CAM or published rows


def test_tool_networks_option(work_dir: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, 'argv', ['leaderboard.py', str(work_dir), '--networks',
                                      'seg=DeepLab-v2 ResNet-101', 'cam=ResNet-38'])
    runpy.run_path(str(REPO_ROOT / 'tools/leaderboard.py'), run_name='__main__')
    written = (work_dir / 'leaderboard.md').read_text()
    assert '| ours: segmentation (DeepLab-v2 ResNet-101) | 55.31 |' in written
    assert '| ours: CAM (ResNet-38) | 40.00 |' in written
    for bad, message in ((['seg'], 'expected STAGE=TEXT'), (['walk=x'], 'unknown stage')):
        monkeypatch.setattr(sys, 'argv', ['leaderboard.py', str(work_dir), '--networks'] + bad)
        with pytest.raises(SystemExit):
            runpy.run_path(str(REPO_ROOT / 'tools/leaderboard.py'), run_name='__main__')
        assert message in capsys.readouterr().err


def test_rows_of_the_stage_folders_present(work_dir: Path) -> None:
    def our_methods() -> list:
        table = leaderboard_table(str(work_dir), dataset='demo', published=())
        return [line.split(' | ')[1:3] for line in table.splitlines()[2:]]

    # no rw/ folder: the work dir has no random-walk stage, no row
    assert our_methods() == [['ours: CAM', '40.00'], ['ours: CAM', '42.50'],
                             ['ours: segmentation', '55.31'],
                             ['ours: segmentation', '57.00']]
    # rw/ started but without its result: listed as missing
    (work_dir / 'rw').mkdir()
    assert ['ours: random walk', 'missing'] in our_methods()
    # an EPS work dir: eps/ and seg/, no CAM or random-walk row
    shutil.rmtree(work_dir / 'cam')
    (work_dir / 'rw').rmdir()
    _write(work_dir / 'eps/cam_metrics.json', {'mIoU': 74.384, 'best_mIoU': 82.0})
    assert our_methods() == [['ours: EPS', '74.38'], ['ours: segmentation', '55.31'],
                             ['ours: segmentation', '57.00']]


def test_random_walk_files_and_optional_crf(work_dir: Path) -> None:
    # the random-walk stage writes one flat file per label folder
    _write(work_dir / 'rw/rw_metrics.json', {'mIoU': 61.234})
    _write(work_dir / 'rw/rw_crf_metrics.json', {'mIoU': 63.0})
    rows = [line for line in leaderboard_table(str(work_dir), 'VOC12', 'ImageNet',
                                               published=()).splitlines()
            if 'random walk' in line]
    assert rows == [
        '| refined pseudo labels | ours: random walk | 61.23 | VOC12 train | random walk of '
        'the affinity config | no | ImageNet | rw/rw_metrics.json |',
        '| refined pseudo labels | ours: random walk + dCRF | 63.00 | VOC12 train | random '
        'walk of the affinity config | yes | ImageNet | rw/rw_crf_metrics.json |']
    # an undefined number (NaN, written as null) counts as missing: the optional row is left out
    _write(work_dir / 'rw/rw_crf_metrics.json', {'mIoU': float('nan')})
    assert (work_dir / 'rw/rw_crf_metrics.json').read_text() == '{\n  "mIoU": null\n}\n'
    assert 'dCRF' not in leaderboard_table(str(work_dir), published=())
    (work_dir / 'rw/rw_crf_metrics.json').unlink()
    assert 'dCRF' not in leaderboard_table(str(work_dir), published=())


def test_files_that_cannot_be_read_are_named(work_dir: Path) -> None:
    # the nested format of earlier versions
    _write(work_dir / 'rw/rw_metrics.json', {'rw_pseudo_labels': {'mIoU': 50.0}})
    with pytest.raises(KeyError, match="rw_metrics.json has no 'mIoU'"):
        leaderboard_table(str(work_dir))
    _write(work_dir / 'rw/rw_metrics.json', {'mIoU': 50.0, 'IoU.a': 50.0, 'Recall.a': 50.0})
    with pytest.raises(KeyError, match="rw_metrics.json: metrics have 'IoU.a' but no "
                       "'Precision.a'"):
        per_class_iou_table(str(work_dir))
    (work_dir / 'rw/rw_metrics.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='rw_metrics.json must hold a JSON object'):
        leaderboard_table(str(work_dir))


def _flat(confusion: list, classes: tuple) -> dict:
    return pseudo_label_metrics(np.array(confusion), classes)


def test_per_class_iou_table(work_dir: Path) -> None:
    classes = ('background', 'a')
    # CAM at the config's bg: IoUs 1/2, 2/3; at the best bg (0.30) all perfect
    cam = pseudo_label_metrics(np.array([[1, 1], [0, 2]]), classes, [0.1, 0.3],
                               np.array([[[1, 1], [0, 2]], [[2, 0], [0, 2]]]))
    _write(work_dir / 'cam/cam_metrics.json', cam)
    # random walk: IoUs 3/4, 1/2; its CRF file is absent
    _write(work_dir / 'rw/rw_metrics.json', dict(_flat([[3, 0], [1, 1]], classes),
                                                 num_images=2))
    # seg/seg_metrics.json (work_dir fixture) comes from mmseg's IoUMetric: left out;
    # the TTA + CRF file: IoUs 1/3, 0 and a class 'b' the others lack
    _write(work_dir / 'seg/seg_metrics_tta_crf.json',
           _flat([[1, 1, 0], [1, 0, 0], [0, 0, 0]], ('background', 'a', 'b')))
    assert per_class_iou_table(str(work_dir)) == (
        "| class | ours: CAM; bg score of the config's test_cfg; CRF no; cam/cam_metrics.json"
        ' | ours: CAM; bg score 0.30 (tuned on the ground truth); CRF no;'
        ' cam/cam_metrics.json'
        ' | ours: random walk; random walk of the affinity config; CRF no;'
        ' rw/rw_metrics.json'
        ' | ours: segmentation; trained on the pseudo labels, multi-scale + flip; CRF yes;'
        ' seg/seg_metrics_tta_crf.json |\n'
        '| --- | --- | --- | --- | --- |\n'
        '| background | 50.00 | 100.00 | 75.00 | 33.33 |\n'
        '| a | 66.67 | 100.00 | 50.00 | 0.00 |\n'
        '| b | - | - | - | nan |\n'
        '| mean | 58.33 | 100.00 | 62.50 | 16.67 |\n')
    # the leaderboard file holds both tables
    text, _ = write_leaderboard(str(work_dir), 'demo', 'none')
    assert text.endswith('\n## Per-class IoU of our results (%)\n\n'
                         + per_class_iou_table(str(work_dir)))
    assert text.index('| stage | result | mIoU |') < text.index('| class | ours: CAM;')
    # a work dir written before the metrics were flat: no per-class table
    for path in ('cam/cam_metrics.json', 'rw/rw_metrics.json', 'seg/seg_metrics_tta_crf.json'):
        (work_dir / path).unlink()
    assert per_class_iou_table(str(work_dir)) == ''
    assert 'Per-class' not in write_leaderboard(str(work_dir))[0]


def test_published_results_are_complete() -> None:
    assert {r.stage for r in PUBLISHED_RESULTS} == set(STAGES)
    values = {(r.method, r.miou) for r in PUBLISHED_RESULTS}
    for expected in [('PSA ResNet-38 CAM', 47.7), ('PSA random walk', 61.0),
                     ('PSA random walk + dCRF', 59.7), ('IRNet labels (ResNet-50)', 66.5),
                     ('EPS (ResNet-38 + PFAN saliency)', 69.22), ('PSA ResNet-38', 63.7),
                     ('EPS DeepLab-v2 ResNet-101', 70.8), ('EPS DeepLab-v2 ResNet-101', 70.9),
                     ('EncNet ResNet-101', 85.9)]:
        assert expected in values
    for result in PUBLISHED_RESULTS:
        assert all([result.split, result.settings, result.crf, result.pretraining,
                    result.source])
    # the EPS README's released-checkpoint figures are labelled as such; the
    # paper's DeepLab-v2 numbers carry their COCO-pretrained initialisation
    eps = {(r.stage, r.miou, r.split): r for r in PUBLISHED_RESULTS if r.method.startswith('EPS')}
    assert {key: r.source for key, r in eps.items()} == {
        ('cam', 47.05, 'VOC12 train (1,464)'): 'EPS README (released checkpoint, not the paper)',
        ('pseudo', 69.22, 'VOC12 train (1,464)'):
            'EPS README (released checkpoint, not the paper)',
        ('seg', 70.9, 'VOC12 val (1,449)'): 'EPS paper (CVPR 2021)',
        ('seg', 70.8, 'VOC12 test (1,456)'): 'EPS paper (CVPR 2021)'}
    assert {r.pretraining for r in eps.values() if r.stage == 'seg'} == {
        "COCO (OAA's DeepLab init, EPS issue 4)"}


def test_tool_prints_and_writes_markdown(work_dir: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, 'argv', [
        'leaderboard.py', str(work_dir), '--dataset', 'demo', '--pretraining', 'none',
        'seg=demo CAM classifier'])
    runpy.run_path(str(REPO_ROOT / 'tools/leaderboard.py'), run_name='__main__')
    written = (work_dir / 'leaderboard.md').read_text()
    assert written in capsys.readouterr().out
    assert '| segmentation | ours: segmentation | 55.31 | demo val |' in written
    assert '| no | demo CAM classifier | seg/seg_metrics.json |' in written
    assert '| no | none | cam/cam_metrics.json |' in written
    # the published results are on VOC: not beside a demo run
    assert '| PSA random walk |' not in written
    assert ('No published results on demo: the published VOC12 results are not comparable '
            '(another dataset) and are not listed.') in written


def _record(work_dir: Path, dataset: str) -> None:
    """A pipeline's run record: the dataset, its split sizes, the initialisations."""
    _write(work_dir / 'pipeline_summary.json', dict(
        dataset=dict(name=dataset, splits=dict(train=1464, val=1449)),
        stages=[dict(name='cam', initialisation='ImageNet'),
                dict(name='affinity_labels', initialisation=None),
                dict(name='seg', initialisation='cam stage (ImageNet)')]))


def test_the_run_record_names_dataset_splits_and_initialisation(work_dir: Path) -> None:
    _record(work_dir, 'VOC12')
    rows = leaderboard_table(str(work_dir), published=PUBLISHED).splitlines()[2:]
    assert [row.split(' | ')[3:5] for row in rows] == [
        ['VOC12 train (1,464)', "bg score of the config's test_cfg"],
        ['VOC12 train (1,464)', 'bg score 0.15 (tuned on the ground truth)'],
        ['VOC12 train (1,464)', 'not stated'],  # EPS baseline CAM (published)
        ['VOC12 val (1,449)', 'trained on the pseudo labels, single scale'],
        ['VOC12 val (1,449)', 'trained on the pseudo labels, multi-scale + flip'],
        ['VOC12 val (1,449)', 'PSA pseudo labels']]  # PSA ResNet-38 (published)
    assert [row.split(' | ')[-2] for row in rows] == [
        'ImageNet', 'ImageNet', 'ImageNet', 'cam stage (ImageNet)', 'cam stage (ImageNet)',
        'ImageNet']
    # a pretraining stated for one stage wins there; the others keep the record's
    rows = leaderboard_table(str(work_dir), pretraining={'seg': 'COCO'},
                             published=()).splitlines()[2:]
    assert [row.split(' | ')[-2] for row in rows] == ['ImageNet'] * 2 + ['COCO'] * 2
    # a run on another dataset: no published row, and the note says why
    _record(work_dir, 'leaves')
    rows = leaderboard_table(str(work_dir), published=PUBLISHED).splitlines()[2:]
    assert [row.split(' | ')[1] for row in rows] == ['ours: CAM'] * 2 + [
        'ours: segmentation'] * 2
    assert rows[0].split(' | ')[3] == 'leaves train (1,464)'
    text, _ = write_leaderboard(str(work_dir))
    assert 'Dataset: leaves.' in text and 'No published results on leaves' in text
    # an explicit dataset name wins; the record's split sizes are not its
    assert '| other train |' in leaderboard_table(str(work_dir), dataset='other')
    # no record: nothing assumed
    (work_dir / 'pipeline_summary.json').unlink()
    row = leaderboard_table(str(work_dir)).splitlines()[2]
    assert row.split(' | ')[3] == 'not stated train' and row.split(' | ')[-2] == 'not stated'
    (work_dir / 'pipeline_summary.json').write_text('{"dataset": {"name": 3}}')
    with pytest.raises(ValueError, match='pipeline_summary.json: dataset/name must be a '
                       'string, got 3'):
        leaderboard_table(str(work_dir))


def test_values_that_are_not_numbers_are_named(work_dir: Path) -> None:
    _write(work_dir / 'seg/seg_metrics.json', {'mIoU': 'high'})
    with pytest.raises(ValueError, match=r"seg_metrics\.json: 'mIoU' must be a number, got "
                       r"'high'"):
        leaderboard_table(str(work_dir))
    _write(work_dir / 'seg/seg_metrics.json',
           {'mIoU': 50.0, 'IoU.a': 'high', 'Precision.a': 1.0, 'Recall.a': 1.0})
    with pytest.raises(ValueError, match=r"seg_metrics\.json: metrics key 'IoU\.a' must be a "
                       r"number, got 'high'"):
        per_class_iou_table(str(work_dir))


def _survival(kept: dict, ratio: dict, fraction: float, collapsed: list) -> dict:
    """Label-survival metrics as ScorePseudoLabelsHook writes them (the keys read)."""
    return dict({f'kept.{c}': v for c, v in kept.items()},
                **{f'area_ratio.{c}': v for c, v in ratio.items()},
                unlabelled_fraction=fraction, collapsed=collapsed)


@pytest.fixture
def survival_dir(work_dir: Path) -> Path:
    """The work dir with label survival: CAM labels (no reference), and a random
    walk (with its CRF) run without ground truth (survival files, no metrics)."""
    _write(work_dir / 'cam/cam_survival.json',
           _survival(dict(a=1.0, b=0.75), dict(a=None, b=None), 0.01, []))
    _write(work_dir / 'rw/rw_survival.json',
           _survival(dict(a=0.4), dict(a=0.2), 0.0525, ['a']))
    _write(work_dir / 'rw/rw_crf_survival.json',
           _survival(dict(a=0.25, b=None), dict(a=0.125, b=1.1), 0.0, ['a', 'b']))
    return work_dir


def test_survival_columns(survival_dir: Path) -> None:
    text = leaderboard_table(str(survival_dir), dataset='VOC12', pretraining='none',
                             published=PUBLISHED, folders=('cam', 'rw', 'seg'))
    assert text == (
        '| stage | result | mIoU | min kept (%) | collapsed | split | settings | CRF'
        ' | pretraining | source |\n'
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
        '| CAM pseudo labels | ours: CAM | 40.00 | 75.0 (b) | none | VOC12 train'
        " | bg score of the config's test_cfg | no | none | cam/cam_metrics.json |\n"
        '| CAM pseudo labels | ours: CAM | 42.50 | - | - | VOC12 train'
        ' | bg score 0.15 (tuned on the ground truth) | no | none'
        ' | cam/cam_metrics.json |\n'
        '| CAM pseudo labels | EPS baseline CAM | 47.05 | - | - | VOC12 train (1,464)'
        ' | not stated | no | ImageNet | EPS paper (CVPR 2021) |\n'
        '| refined pseudo labels | ours: random walk | no ground truth | 40.0 (a) | a'
        ' | VOC12 train | random walk of the affinity config | no | none'
        ' | rw/rw_metrics.json |\n'
        '| refined pseudo labels | ours: random walk + dCRF | no ground truth | 25.0 (a)'
        ' | a, b | VOC12 train | random walk of the affinity config | yes | none'
        ' | rw/rw_crf_metrics.json |\n'
        '| segmentation | ours: segmentation | 55.31 | - | - | VOC12 val'
        ' | trained on the pseudo labels, single scale | no | none'
        ' | seg/seg_metrics.json |\n'
        '| segmentation | ours: segmentation | 57.00 | - | - | VOC12 val'
        ' | trained on the pseudo labels, multi-scale + flip | yes | none'
        ' | seg/seg_metrics_tta_crf.json |\n'
        '| segmentation | PSA ResNet-38 | 61.7 | - | - | VOC12 val (1,449)'
        ' | PSA pseudo labels | not stated | ImageNet | PSA paper (CVPR 2018) |\n')
    # without its survival file, the CRF row (optional) goes; the walk's is missing
    (survival_dir / 'rw/rw_crf_survival.json').unlink()
    (survival_dir / 'rw/rw_survival.json').unlink()
    rows = [line for line in leaderboard_table(str(survival_dir), 'VOC12', 'ImageNet',
                                               published=()).splitlines()
            if 'random walk' in line]
    assert rows == ['| refined pseudo labels | ours: random walk | missing | - | - '
                    '| VOC12 train | random walk of the affinity config | no | ImageNet'
                    ' | rw/rw_metrics.json |']


def test_per_class_survival_table(survival_dir: Path) -> None:
    assert per_class_survival_table(str(survival_dir)) == (
        "| class | ours: CAM; bg score of the config's test_cfg; CRF no; cam/cam_survival.json"
        ' | ours: random walk; random walk of the affinity config; CRF no;'
        ' rw/rw_survival.json'
        ' | ours: random walk + dCRF; random walk of the affinity config; CRF yes;'
        ' rw/rw_crf_survival.json |\n'
        '| --- | --- | --- | --- |\n'
        '| a | 100.0 / - | 40.0 / 0.20 | 25.0 / 0.12 |\n'
        '| b | 75.0 / - | - | - / 1.10 |\n'
        '| unlabelled pixels (%) | 1.00 | 5.25 | 0.00 |\n'
        '| collapsed | none | a | a, b |\n')
    text, _ = write_leaderboard(str(survival_dir), 'demo', 'none')
    assert text.endswith('(defaults 50 %, 0.25).\n\n' + per_class_survival_table(
        str(survival_dir)))
    assert '| mIoU | min kept (%) | collapsed |' in text
    (survival_dir / 'rw/rw_survival.json').write_text(json.dumps({'kept.a': 0.5}))
    with pytest.raises(KeyError, match="rw_survival.json: survival metrics have 'kept.a' but "
                       "no 'area_ratio.a'"):
        per_class_survival_table(str(survival_dir))
    for path in ('cam/cam_survival.json', 'rw/rw_survival.json', 'rw/rw_crf_survival.json'):
        (survival_dir / path).unlink()
    assert per_class_survival_table(str(survival_dir)) == ''
    assert 'Label survival' not in write_leaderboard(str(survival_dir))[0]
