"""tools/check_dataset.py on the demo data and on a corrupted copy of it."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from mmwsss.datasets import WSSSDataset
from mmwsss.datasets.dataset_check import (check_image, check_image_safely, check_jobs,
                                           dataset_jobs)
from mmwsss.utils import read_label_png, save_label_png
from tests.conftest import REPO_ROOT, run_tool
from tests.test_utils.test_readers import _with_jpeg_size, _with_png_size

PIPELINE = 'configs/eps/eps-psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py'


def check(config: str, data_root: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the tool with 2 workers and a JSON report."""
    return subprocess.run(
        [sys.executable, 'tools/check_dataset.py', config, '--data-root', str(data_root),
         '--workers', '2', '--out', str(tmp_path / 'report.json')],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1'))


def test_demo_data_has_no_problem(demo_root: Path, tmp_path: Path) -> None:
    result = run_tool([sys.executable, 'tools/check_dataset.py', PIPELINE,
                       '--data-root', str(demo_root), '--workers', '2'])
    print(result.stdout)
    assert result.stdout.rstrip().endswith('4 datasets, 0 problems')
    # the seg stage's training masks are the random walk's output: not checked
    assert 'rw_pseudo_labels): output of an earlier stage, not checked' in result.stdout
    assert 'cam_path' in result.stdout
    assert '| images | 24 |' in result.stdout and '| saliency maps | 24 |' in result.stdout


def test_corrupted_copy(demo_root: Path, tmp_path: Path) -> None:
    root = tmp_path / 'demo'
    shutil.copytree(demo_root, root)
    ids = (root / 'ImageSets/Segmentation/train.txt').read_text().split()
    (root / f'JPEGImages/{ids[0]}.jpg').unlink()
    mask_path = root / f'SegmentationClass/{ids[1]}.png'
    mask = read_label_png(str(mask_path))
    save_label_png(mask[:-3], mask_path)  # wrong size
    mask_path = root / f'SegmentationClass/{ids[2]}.png'
    mask = read_label_png(str(mask_path))
    mask[0, 0] = 9  # label 9 of 6 classes
    save_label_png(mask, mask_path)
    saliency = root / f'SaliencyMaps/{ids[3]}.png'
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(saliency)
    (root / f'SegmentationClass/{ids[5]}.png').write_bytes(b'not a png')
    labels = json.loads((root / 'image_labels.json').read_text())
    labels[ids[4]] = []
    labels[ids[6]] = [9]
    labels[ids[9]] = [True]
    (root / 'image_labels.json').write_text(json.dumps(labels))
    # what the datasets refuse: a repeated id, an oversized image, a 16-bit label
    # map, a JPEG cut with an end marker appended
    with open(root / 'ImageSets/Segmentation/train.txt', 'a') as file:
        file.write(ids[0] + '\n')
    jpeg = (root / f'JPEGImages/{ids[7]}.jpg').read_bytes()
    (root / f'JPEGImages/{ids[7]}.jpg').write_bytes(_with_jpeg_size(jpeg, 20000, 20000))
    Image.fromarray(np.ones((4, 4), np.uint16)).save(root / f'SegmentationClass/{ids[8]}.png')
    jpeg = (root / f'JPEGImages/{ids[10]}.jpg').read_bytes()
    (root / f'JPEGImages/{ids[10]}.jpg').write_bytes(jpeg[:len(jpeg) // 2] + b'\xff\xd9')

    result = check(PIPELINE, root, tmp_path)
    print(result.stdout)
    assert result.returncode == 1, result.stderr[-2000:]
    out = result.stdout
    assert f'missing file: {root}/JPEGImages/{ids[0]}.jpg: image not found' in out
    assert f'size mismatch: {root}/SegmentationClass/{ids[1]}.png: mask' in out
    assert (f'mask value outside classes: {root}/SegmentationClass/{ids[2]}.png: '
            'values [9] (classes 0..6, ignore 255)') in out
    assert f'size mismatch: {root}/SaliencyMaps/{ids[3]}.png: saliency map 5x5' in out
    # an image without a foreground class is a negative, not a problem (ids[6] and
    # ids[9], whose only labels are refused, count as negatives too)
    assert f'image {ids[4]}' not in out
    assert 'images without a foreground class (negatives): 3' in out
    # what the pipeline would refuse before its first stage, in one entry
    assert (f"the dataset does not fit the pipeline (nothing was run):\n- {root}/"
            f"image_labels.json: image '{ids[6]}': class values [9] not in 1..6; image "
            f"'{ids[9]}': class values [True] not in 1..6") in out
    assert f'unreadable file: {root}/SegmentationClass/{ids[5]}.png' in out
    assert (f'label outside classes: {root}/image_labels.json: image {ids[6]}: '
            'class values [9] not in 1..6') in out
    assert (f'label outside classes: {root}/image_labels.json: image {ids[9]}: '
            'class values [True] not in 1..6') in out
    assert (f'duplicate id: {root}/ImageSets/Segmentation/train.txt: line 25: '
            f"id '{ids[0]}' repeats line 1") in out
    assert (f'image too large: {root}/JPEGImages/{ids[7]}.jpg: cannot read image '
            f"'{ids[7]}': {root}/JPEGImages/{ids[7]}.jpg: its header declares 400000000 "
            'pixels, over the limit of 67108864 pixels') in out
    assert (f'unreadable file: {root}/SegmentationClass/{ids[8]}.png: cannot read label map '
            f"of image '{ids[8]}'") in out and '8-bit grey PNG' in out
    assert (f'unreadable file: {root}/JPEGImages/{ids[10]}.jpg: cannot read image '
            f"'{ids[10]}': {root}/JPEGImages/{ids[10]}.jpg: truncated JPEG") in out
    report = json.loads((tmp_path / 'report.json').read_text())
    train = [entry for entry in report if 'eps.train_dataloader' in entry['users']][0]
    kinds = sorted({p['kind'] for p in train['problems']})
    assert kinds == ['duplicate id', 'image too large', 'label outside classes',
                     'missing file', 'size mismatch', 'unreadable file']
    # ids[4] (labels []), and ids[6] and ids[9], whose only labels are refused
    assert train['negatives'] == 3


def test_check_image_hand_made(tmp_path: Path) -> None:
    Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(tmp_path / 'a.jpg')
    mask = np.array([[0, 1, 255, 0, 0, 0]] * 4, np.uint8)
    save_label_png(mask, tmp_path / 'a.png')
    job = dict(img_id='a', img_path=str(tmp_path / 'a.jpg'), num_classes=3,
               seg_map_path=str(tmp_path / 'a.png'), img_label_mask=str(tmp_path / 'a.png'))
    problems, labels, checked = check_image(job)
    assert (problems, labels, checked) == ([], [1], dict(images=1, masks=1))
    problems, labels, _ = check_image(dict(job, num_classes=1))
    assert problems == [('mask value outside classes', str(tmp_path / 'a.png'),
                         'values [1] (classes 0..0, ignore 255)')]
    assert labels == []  # no foreground class: a negative
    data = (tmp_path / 'a.jpg').read_bytes()
    (tmp_path / 'a.jpg').write_bytes(data[:len(data) // 2])
    problems, _, _ = check_image(job)
    assert [p[:2] for p in problems] == [('unreadable file', str(tmp_path / 'a.jpg'))]


def test_check_image_reports_what_the_readers_refuse(tmp_path: Path) -> None:
    """An oversized image, a 16-bit label map, labels [true], a JPEG cut with an end
    marker: each a problem of its file, as the data pipeline refuses them, no crash."""
    Image.fromarray(np.zeros((4, 6), np.uint8)).save(tmp_path / 'a.png')
    big = tmp_path / 'big.png'
    big.write_bytes(_with_png_size((tmp_path / 'a.png').read_bytes(), 20000, 20000))
    deep = tmp_path / 'deep.png'
    Image.fromarray(np.ones((4, 6), np.uint16)).save(deep)
    job = dict(img_id='a', img_path=str(big), num_classes=3, seg_map_path=str(deep),
               labels=[True, 2], label_source='labels.json')
    problems, labels, checked = check_image(job)
    assert [p[:2] for p in problems] == [('image too large', str(big)),
                                         ('unreadable file', str(deep)),
                                         ('label outside classes', 'labels.json')]
    assert problems[0][2] == (f'cannot read image {"a"!r}: {big}: its header declares '
                              '400000000 pixels, over the limit of 67108864 pixels')
    assert 'expected a palette or 8-bit grey PNG' in problems[1][2]
    assert problems[2][2] == 'image a: class values [True] not in 1..2'
    assert (labels, checked) == ([2], dict(images=1, masks=1))
    noise = np.random.default_rng(0).integers(0, 255, (40, 48, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / 'cut.jpg')
    data = (tmp_path / 'cut.jpg').read_bytes()
    (tmp_path / 'cut.jpg').write_bytes(data[:len(data) * 2 // 3] + b'\xff\xd9')
    problems, _, _ = check_image(dict(job, img_path=str(tmp_path / 'cut.jpg'),
                                      seg_map_path=None, labels=[1]))
    assert [p[:2] for p in problems] == [('unreadable file', str(tmp_path / 'cut.jpg'))]
    assert 'JPEG' in problems[0][2] and 'libjpeg' in problems[0][2]
    # whatever else goes wrong is a problem of the image, not a crash
    del job['num_classes']
    assert check_image_safely(job) == (
        [('check failed', str(big), "KeyError: 'num_classes'")], None, dict(images=1))


def test_dataset_jobs_report_split_and_label_file_ids(demo_root: Path, tmp_path: Path) -> None:
    """Repeated and bad split ids and bad label-file keys are reported, as the dataset
    refuses them; the valid ids are still checked."""
    ids = (demo_root / 'ImageSets/Segmentation/train.txt').read_text().split()
    split = tmp_path / 'split.txt'
    split.write_text('\n'.join(ids[:3] + [ids[0], '../x', ids[3]]) + '\n')
    labels = json.loads((demo_root / 'image_labels.json').read_text())
    label_file = tmp_path / 'labels.json'
    label_file.write_text(json.dumps(dict(labels, **{'/abs/y': [1]})))
    dataset = WSSSDataset(
        data_root=str(demo_root), ann_file=str(split), img_label_file=str(label_file),
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
        pipeline=[], lazy_init=True, check_files=False)
    jobs, notes, problems = dataset_jobs(dataset)
    assert [job['img_id'] for job in jobs] == ids[:4] and notes == []
    assert problems == [
        ('duplicate id', str(split), f"line 4: id '{ids[0]}' repeats line 1"),
        ('bad id', str(split), "line 5: '../x' is not a plain file name (contains a path "
                               'separator)'),
        ('bad id', str(label_file), "key '/abs/y' is not a plain file name (absolute path)")]
    report = check_jobs(jobs, progress=False, problems=problems)
    assert report.problems == problems and report.num_images == 4
