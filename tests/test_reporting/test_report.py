"""The browsable run report: written by a tiny demo pipeline run, checked file by file."""
import json
import re
from pathlib import Path
from typing import Any, Iterator, List

import numpy as np
import pytest

from mmwsss.evaluation.segmentation_scores import confusion_matrix, segmentation_scores
from mmwsss.reporting.report import (DATA_FILE, DATA_SCRIPT, DATA_VARIABLE, image_scores,
                                     markdown_blocks, write_report)
from mmwsss.utils import read_label_png
from tests.conftest import read_strict_json
from tests.test_apis.test_pipeline import PIPELINE, run_pipeline_command

NAMES = ['background', 'a', 'b', 'c']


@pytest.fixture(scope='module')
def pipeline_run(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny demo PSA pipeline (see tests/test_apis/test_pipeline.py); it ends
    with the report."""
    work_dir = tmp_path_factory.mktemp('report_run')
    result = run_pipeline_command(PIPELINE, work_dir, demo_root)
    assert f'report (open in a browser): {work_dir}/report/index.html' in result.stdout
    return work_dir


def strings(value: Any) -> Iterator[str]:
    """Every string nested in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def referenced_files(report: Path) -> List[str]:
    """The files the page loads: ``src`` / ``href`` of the HTML, the data's images."""
    html = (report / 'index.html').read_text()
    links = [link for link in re.findall(r'(?:src|href)="([^"#]+)"', html)]
    data = read_strict_json(report / DATA_FILE)
    return links + [text for text in strings(data) if re.search(r'\.(png|jpg)$', text)]


def reference_miou(pred: np.ndarray, gt: np.ndarray) -> float:
    """Mean over the classes in the ground truth or the prediction of |P & G| / |P | G|,
    pixels whose ground truth is 255 left out (percent, 2 decimals)."""
    keep = gt != 255
    pred, gt = pred[keep], gt[keep]
    ious = [np.sum((pred == c) & (gt == c)) / np.sum((pred == c) | (gt == c))
            for c in np.union1d(np.unique(pred), np.unique(gt))]
    return round(100 * float(np.mean(ious)), 2)


def test_image_scores_of_a_hand_made_map() -> None:
    pred = np.array([[0, 1, 1], [2, 2, 2]], np.uint8)
    gt = np.array([[0, 1, 255], [1, 2, 0]], np.uint8)
    # background 1/2, a 1/2 (pred (0,2) ignored), b 1/3; c absent from both
    miou, present = image_scores(pred, gt, NAMES, 'p.png', 'g.png')
    assert miou == round(100 * (1 / 2 + 1 / 2 + 1 / 3) / 3, 2) == 44.44
    assert present == [0, 1, 2]
    assert image_scores(pred, np.full_like(gt, 255), NAMES, 'p', 'g')[0] is None
    with pytest.raises(ValueError, match='p.png has label value 5'):
        image_scores(np.full_like(pred, 5), gt, NAMES, 'p.png', 'g.png')


def test_markdown_blocks_of_headings_paragraphs_and_tables() -> None:
    text = '# T\n\nsome\ntext\n\n| a | b |\n| --- | --- |\n| 1 | x y |\n## U\n| c |\n'
    assert markdown_blocks(text) == [
        dict(kind='heading', level=1, text='T'), dict(kind='text', text='some text'),
        dict(kind='table', header=['a', 'b'], rows=[['1', 'x y']]),
        dict(kind='heading', level=2, text='U'), dict(kind='table', header=['c'], rows=[])]


def test_the_report_references_only_files_inside_its_folder(pipeline_run: Path) -> None:
    report = pipeline_run / 'report'
    files = referenced_files(report)
    assert {'report.css', DATA_SCRIPT, 'report.js'} <= set(files)
    assert len(files) > 24 * 6  # every row: image, ground truth, CAMs, 3 label maps ...
    for name in files:
        assert not name.startswith('/') and '..' not in Path(name).parts, name
        assert (report / name).resolve().is_file(), name
        assert report.resolve() in (report / name).resolve().parents, name


def test_the_data_is_strict_json_and_the_script_holds_its_text(pipeline_run: Path) -> None:
    report = pipeline_run / 'report'
    text = (report / DATA_FILE).read_text()
    data = read_strict_json(report / DATA_FILE)
    script = (report / DATA_SCRIPT).read_text()
    prefix = f'window.{DATA_VARIABLE} = '
    assert script.startswith(prefix) and script.endswith(';\n')
    assert json.loads(script[len(prefix):-2]) == text.rstrip('\n')
    assert [stage['name'] for stage in data['stages']] == ['cam', 'affinity_labels', 'rw',
                                                           'seg']
    assert data['run']['finished'] and set(data['stages'][0]['seconds']) == {'train', 'test'}
    assert 'max_epochs=1' in data['stages'][0]['resolved_config']['train']
    assert any(block['kind'] == 'table' and block['header'][:3] == ['stage', 'result', 'mIoU']
               for block in data['leaderboard'])
    names = [result['name'] for result in data['per_class']]
    assert names == ['cam/cam_metrics.json', 'cam/cam_metrics.json at the best bg score 0.65',
                     'rw/rw_metrics.json', 'rw/rw_crf_metrics.json', 'seg/seg_metrics.json']
    metrics = json.loads((pipeline_run / 'rw/rw_metrics.json').read_text())
    assert data['per_class'][2]['scores']['dots'] == dict(
        IoU=metrics['IoU.dots'], Precision=metrics['Precision.dots'],
        Recall=metrics['Recall.dots'])
    survival = json.loads((pipeline_run / 'rw/rw_crf_survival.json').read_text())
    assert [result['name'] for result in data['survival']] == [
        'cam/cam_survival.json', 'rw/rw_survival.json', 'rw/rw_crf_survival.json']
    assert data['survival'][2]['collapsed'] == survival['collapsed'] != []
    assert data['warnings'] == [
        f'rw/rw_crf_survival.json: collapsed classes {", ".join(survival["collapsed"])} '
        '(kept under 0.5 of the labelled images or area ratio under 0.25)']
    assert [plot['src'] for plot in data['plots']][-1] == 'plots/cam_cam_metrics_sweep.png'


def test_gallery_miou_equals_the_metric_of_each_images_files(pipeline_run: Path,
                                                             demo_root: Path) -> None:
    gallery = read_strict_json(pipeline_run / 'report' / DATA_FILE)['gallery']
    assert [(column['key'], column['title']) for column in gallery['columns']] == [
        ('cam-cam_overlays', 'CAM (cam, train)'), ('cam-cam_pseudo_labels',
                                                   'CAM labels (cam, train)'),
        ('rw-affinity_pictures', 'affinity (rw, train)'),
        ('rw-rw_pseudo_labels', 'walk (rw, train)'),
        ('rw-rw_crf_pseudo_labels', 'walk + dCRF (rw, train)'),
        ('seg-seg_predictions', 'segmentation (seg, val)')]
    labels = json.loads((demo_root / 'image_labels.json').read_text())
    val = (demo_root / 'ImageSets/Segmentation/val.txt').read_text().split()
    assert len(gallery['rows']) == 24 + len(val) == 32
    rows = {row['id']: row for row in gallery['rows']}
    for img_id in val:  # the segmentation stage's test predictions, every val image
        row = rows.pop(img_id)
        gt = read_label_png(demo_root / 'SegmentationClass' / f'{img_id}.png')
        pred = read_label_png(pipeline_run / 'seg/seg_predictions' / f'{img_id}.png')
        assert pred.shape == gt.shape and row['split'] == 'val'
        assert set(row['cells']) == {'image', 'gt', 'seg-seg_predictions'}
        assert row['cells']['seg-seg_predictions'] == (
            f'thumbs/seg-seg_predictions/{img_id}.png')
        assert row['miou'] == {'seg-seg_predictions': reference_miou(pred, gt)}, img_id
        assert row['present']['seg-seg_predictions'] == np.unique(pred).tolist()
    assert len(list((pipeline_run / 'seg/seg_predictions').iterdir())) == len(val)
    # the files are the predictions the stage's metric scored: all of val
    confusion = sum(confusion_matrix(
        read_label_png(pipeline_run / 'seg/seg_predictions' / f'{img_id}.png'),
        read_label_png(demo_root / 'SegmentationClass' / f'{img_id}.png'),
        len(gallery['classes']), 255) for img_id in val)
    metrics = json.loads((pipeline_run / 'seg/seg_metrics.json').read_text())
    assert segmentation_scores(confusion, gallery['classes'])['mIoU'] == metrics['mIoU']
    folders = dict(cam='cam/cam_pseudo_labels', rw='rw/rw_pseudo_labels',
                   rw_crf='rw/rw_crf_pseudo_labels')
    for row in rows.values():
        gt = read_label_png(demo_root / 'SegmentationClass' / f'{row["id"]}.png')
        assert row['split'] == 'train'
        assert 'seg-seg_predictions' not in row['cells']
        assert row['labels'] == labels[row['id']]  # class indices, background 0
        assert [index for index, _ in row['cells']['cam-cam_overlays']] == row['labels']
        for key, folder in zip(('cam-cam_pseudo_labels', 'rw-rw_pseudo_labels',
                                'rw-rw_crf_pseudo_labels'), folders.values()):
            pred = read_label_png(pipeline_run / folder / f'{row["id"]}.png')
            assert row['miou'][key] == reference_miou(pred, gt), (row['id'], key)
            assert row['present'][key] == np.unique(pred).tolist()


def test_a_single_stage_and_a_rerun_that_keeps_the_thumbnails(pipeline_run: Path) -> None:
    index = write_report(str(pipeline_run / 'rw'), workers=2)
    report = pipeline_run / 'rw' / 'report'
    assert index == str(report / 'index.html')
    data = read_strict_json(report / DATA_FILE)
    assert data['stages'][0]['name'] == 'rw' and data['leaderboard'] == []
    assert [column['key'] for column in data['gallery']['columns']] == [
        'rw-affinity_pictures', 'rw-rw_pseudo_labels', 'rw-rw_crf_pseudo_labels']
    whole = read_strict_json(pipeline_run / 'report' / DATA_FILE)['gallery']['rows']
    assert [row['miou'] for row in data['gallery']['rows']] == [
        {key: value for key, value in row['miou'].items() if key.startswith('rw-')}
        for row in whole if row['split'] == 'train']
    for name in referenced_files(report):
        assert (report / name).is_file(), name
    thumbs = {path: path.stat().st_mtime_ns for path in (report / 'thumbs').rglob('*.*')}
    write_report(str(pipeline_run / 'rw'))
    assert {path: path.stat().st_mtime_ns for path in thumbs} == thumbs


def test_bad_inputs_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='work dir not found: .*nowhere'):
        write_report(str(tmp_path / 'nowhere'))
    (tmp_path / 'x_survival.json').write_text('{"kept.a": 1.0}')
    with pytest.raises(KeyError, match="x_survival.json: .*'kept.a' but no 'area_ratio.a'"):
        write_report(str(tmp_path))
    (tmp_path / 'x_survival.json').unlink()
    (tmp_path / 'pipeline_summary.json').write_text('{"stages": 3}')
    with pytest.raises(ValueError, match='pipeline_summary.json: "stages" must be a list'):
        write_report(str(tmp_path))
