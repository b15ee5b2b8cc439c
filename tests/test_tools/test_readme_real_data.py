"""The README's "Real data" commands, run verbatim on tiny official-format archives."""
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, List

import numpy as np
from PIL import Image

from mmwsss.datasets.preparation import VOC_XML_NAMES
from mmwsss.utils import save_label_png
from tests.conftest import REPO_ROOT
from tests.test_tools.test_prepare_coco import write_annotations
from tests.test_tools.test_prepare_voc import write_annotation, write_sbd_mat

VOC_COMMANDS = [
    'mkdir -p data',
    'tar -xf VOCtrainval_11-May-2012.tar -C data',
    'tar -xzf benchmark.tgz -C data',
    'python tools/prepare_voc.py data/VOCdevkit/VOC2012 data/benchmark_RELEASE/dataset',
    'python tools/import_cls_labels.py cls_labels.npy '
    'data/VOCdevkit/VOC2012/image_labels.json --allow-pickle',
    'python tools/check_dataset.py configs/psa/psa-pipeline_wideresnet38_voc12aug-448x448.py',
]
COCO_COMMANDS = [
    'unzip -q train2014.zip -d data/coco2014',
    'unzip -q annotations_trainval2014.zip -d data/coco2014',
    'python tools/prepare_coco.py data/coco2014/annotations/instances_train2014.json '
    'data/coco2014 --workers 4',
    'python tools/check_dataset.py configs/eps/eps_wideresnet38_1xb16-256k_coco14-321x321.py',
]
SPLITS = dict(sbd_train=['2008_000001', '2008_000002'], sbd_val=['2008_000003'],
              voc_train=['2008_000004'], voc_val=['2008_000005'])


def voc_archives(folder: Path) -> None:
    """VOCtrainval_11-May-2012.tar, benchmark.tgz and PSA's cls_labels.npy, tiny."""
    staging = folder / 'staging'
    voc = staging / 'VOCdevkit/VOC2012'
    sbd = staging / 'benchmark_RELEASE/dataset'
    for sub in (voc / 'JPEGImages', voc / 'ImageSets/Segmentation', sbd / 'cls'):
        sub.mkdir(parents=True)
    (voc / 'ImageSets/Segmentation/train.txt').write_text('2008_000004\n')
    (voc / 'ImageSets/Segmentation/val.txt').write_text('2008_000005\n')
    (voc / 'ImageSets/Segmentation/trainval.txt').write_text('2008_000004\n2008_000005\n')
    (sbd / 'train.txt').write_text('2008_000001\n2008_000002\n')
    (sbd / 'val.txt').write_text('2008_000003\n')
    labels: Dict[str, np.ndarray] = {}
    for index in range(1, 6):
        img_id = f'2008_00000{index}'
        Image.fromarray(np.full((20, 30, 3), 40 * index, np.uint8)).save(
            voc / 'JPEGImages' / f'{img_id}.jpg')
        mask = np.zeros((20, 30), np.uint8)
        mask[5:15, 5:20] = index
        if index <= 3:
            write_sbd_mat(sbd / 'cls' / f'{img_id}.mat', mask)
        else:
            mask[4, 5:20] = 255
            save_label_png(mask, voc / 'SegmentationClass' / f'{img_id}.png')
        labels[img_id] = np.eye(20, dtype=np.float32)[index - 1]
        write_annotation(voc / 'Annotations' / f'{img_id}.xml', [VOC_XML_NAMES[index - 1]])
    with tarfile.open(folder / 'VOCtrainval_11-May-2012.tar', 'w') as archive:
        archive.add(staging / 'VOCdevkit', arcname='VOCdevkit')
    with tarfile.open(folder / 'benchmark.tgz', 'w:gz') as archive:
        archive.add(staging / 'benchmark_RELEASE', arcname='benchmark_RELEASE')
    np.save(folder / 'cls_labels.npy', labels)


def coco_archives(folder: Path) -> None:
    """train2014.zip and annotations_trainval2014.zip, tiny."""
    write_annotations(folder / 'instances_train2014.json')
    data = json.loads((folder / 'instances_train2014.json').read_text())
    with zipfile.ZipFile(folder / 'train2014.zip', 'w') as archive:
        for image in data['images']:
            path = folder / image['file_name']
            Image.fromarray(np.zeros((image['height'], image['width'], 3), np.uint8)).save(path)
            archive.write(path, f'train2014/{image["file_name"]}')
    with zipfile.ZipFile(folder / 'annotations_trainval2014.zip', 'w') as archive:
        archive.write(folder / 'instances_train2014.json', 'annotations/instances_train2014.json')
    for sub in ('SaliencyMaps/train2014', ):
        (folder / 'data/coco2014' / sub).mkdir(parents=True)
    for image in data['images']:
        Image.fromarray(np.zeros((image['height'], image['width']), np.uint8)).save(
            folder / 'data/coco2014/SaliencyMaps/train2014' /
            image['file_name'].replace('.jpg', '.png'))


def run_commands(folder: Path, commands: List[str]) -> str:
    """Run commands in ``folder`` (which links the repository's tools and configs)."""
    for name in ('tools', 'configs', 'mmwsss'):
        if not (folder / name).exists():
            (folder / name).symlink_to(REPO_ROOT / name)
    (folder / 'data').mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1',
               PATH=f'{Path(sys.executable).parent}:{os.environ["PATH"]}')
    output = ''
    for command in commands:
        result = subprocess.run(['bash', '-c', command.replace('python ', f'{sys.executable} ')],
                                cwd=folder, env=env, capture_output=True, text=True,
                                timeout=300)
        output += f'$ {command}\n{result.stdout}'
        assert result.returncode == 0, (command, result.stdout[-3000:], result.stderr[-3000:])
    return output


def test_readme_lists_the_tested_commands() -> None:
    readme = (REPO_ROOT / 'README.md').read_text().replace(' \\\n    ', ' ')
    for command in VOC_COMMANDS + COCO_COMMANDS:
        assert command in readme, command


def test_readme_voc_commands(tmp_path: Path) -> None:
    voc_archives(tmp_path)
    output = run_commands(tmp_path, VOC_COMMANDS)
    print(output)
    assert 'train_aug: 4 ids' in output
    assert 'image_labels.json: 5 images from the XML annotations; 0 differ' in output
    assert '5 images ->' in output
    assert output.rstrip().endswith('problems') and ', 0 problems' in output
    labels = json.loads((tmp_path / 'data/VOCdevkit/VOC2012/image_labels.json').read_text())
    assert labels['2008_000003'] == [3]


def test_readme_coco_commands(tmp_path: Path) -> None:
    coco_archives(tmp_path)
    output = run_commands(tmp_path, COCO_COMMANDS)
    print(output)
    assert '2 images with labels written' in output
    assert output.rstrip().endswith('0 problems')
