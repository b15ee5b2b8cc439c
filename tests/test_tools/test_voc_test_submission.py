"""tools/voc_test_submission.py: a split without ground truth -> server archive."""
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from PIL import Image

from mmwsss.synthetic import DEMO_CLASSES
from mmwsss.utils import save_json, voc_palette
from tests.conftest import REPO_ROOT

CONFIG = 'configs/seg/deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py'
LAYOUT = 'results/VOC2012/Segmentation/comp6_test_cls'


def _test_split(root: Path) -> list:
    """Three images and a split file, no masks and no image-level labels; the
    demo's classes (``meta.json``), as the demo model is used."""
    (root / 'JPEGImages').mkdir(parents=True)
    save_json(dict(classes=list(DEMO_CLASSES), palette=voc_palette(len(DEMO_CLASSES)).tolist()),
              root / 'meta.json')
    (root / 'ImageSets/Segmentation').mkdir(parents=True)
    image_ids = ['2008_000001', '2008_000002', '2010_000003']
    rng = np.random.default_rng(0)
    for index, image_id in enumerate(image_ids):
        image = rng.integers(0, 255, (30 + 4 * index, 40, 3), dtype=np.uint8)
        Image.fromarray(image).save(root / 'JPEGImages' / f'{image_id}.jpg')
    (root / 'ImageSets/Segmentation/test.txt').write_text('\n'.join(image_ids) + '\n')
    return image_ids


def test_submission_of_a_split_without_labels(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(REPO_ROOT / CONFIG)).model)
    checkpoint = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    data_root = tmp_path / 'VOC2012'
    image_ids = _test_split(data_root)
    out_dir = tmp_path / 'sub'
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, 'tools/voc_test_submission.py', CONFIG, str(checkpoint), '--data-root',
         str(data_root), '--out-dir', str(out_dir), '--cfg-options',
         'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with tarfile.open(out_dir / 'results.tar.gz') as tar:
        assert sorted(tar.getnames()) == sorted(f'{LAYOUT}/{i}.png' for i in image_ids)
    for image_id in image_ids:
        with Image.open(out_dir / LAYOUT / f'{image_id}.png') as png, \
                Image.open(data_root / 'JPEGImages' / f'{image_id}.jpg') as jpg:
            assert png.mode == 'P' and png.size == jpg.size
            assert int(np.array(png).max()) < 7
