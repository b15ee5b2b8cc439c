"""tools/check_dataset.py on the demo data and on a corrupted copy of it."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from mmwsss.datasets.dataset_check import check_image
from mmwsss.utils import read_label_png, save_label_png
from tests.conftest import REPO_ROOT, run_tool

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
    (root / 'image_labels.json').write_text(json.dumps(labels))

    result = check(PIPELINE, root, tmp_path)
    print(result.stdout)
    assert result.returncode == 1, result.stderr[-2000:]
    out = result.stdout
    assert f'missing file: {root}/JPEGImages/{ids[0]}.jpg: image not found' in out
    assert f'size mismatch: {root}/SegmentationClass/{ids[1]}.png: mask' in out
    assert (f'mask value outside classes: {root}/SegmentationClass/{ids[2]}.png: '
            'values [9] (classes 0..6, ignore 255)') in out
    assert f'size mismatch: {root}/SaliencyMaps/{ids[3]}.png: saliency map 5x5' in out
    assert (f'no image-level label: {root}/image_labels.json: image {ids[4]} has no '
            'foreground class') in out
    assert f'unreadable file: {root}/SegmentationClass/{ids[5]}.png' in out
    assert (f'label outside classes: {root}/image_labels.json: image {ids[6]}: '
            'values [9] not in 1..6') in out
    report = json.loads((tmp_path / 'report.json').read_text())
    train = [entry for entry in report if 'eps.train_dataloader' in entry['users']][0]
    kinds = sorted({p['kind'] for p in train['problems']})
    assert kinds == ['label outside classes', 'missing file', 'no image-level label',
                     'size mismatch']


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
                         'values [1] (classes 0..0, ignore 255)'),
                        ('no image-level label', str(tmp_path / 'a.png'),
                         'image a has no foreground class')]
    assert labels == []
    data = (tmp_path / 'a.jpg').read_bytes()
    (tmp_path / 'a.jpg').write_bytes(data[:len(data) // 2])
    problems, _, _ = check_image(job)
    assert [p[:2] for p in problems] == [('unreadable file', str(tmp_path / 'a.jpg'))]
