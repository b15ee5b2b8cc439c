"""Shared fixtures: a small demo dataset generated once per test session, and
CAM / affinity-score files of it for the AffinityNet stage."""
import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any, List

import numpy as np
import pytest
import torch
from mmseg.registry import DATASETS
from mmseg.utils import register_all_modules
from scipy.ndimage import gaussian_filter

import mmwsss  # noqa: F401  (registers mmwsss's components)
from mmwsss.apis.affinity_labels import jobs_from_data_list, make_affinity_labels
from mmwsss.synthetic import DemoDatasetConfig, generate_demo_dataset
from mmwsss.utils import read_label_png, save_cams

REPO_ROOT = Path(__file__).resolve().parents[1]

# Build components as a Runner would: in MMSeg's scope, with its modules registered.
register_all_modules(init_default_scope=True)


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 24 + 8 image demo dataset (seed 0)."""
    root = tmp_path_factory.mktemp('demo')
    generate_demo_dataset(str(root), seed=0,
                          config=DemoDatasetConfig(num_train=24, num_val=8))
    return root


AFFINITY_CONFIG = 'configs/psa/affinitynet_wideresnet38-w0.125_1xb8-8e_demo-112x112.py'


def run_tool(args: List[str]) -> subprocess.CompletedProcess:
    """Run a command from the repository root on one thread per process; assert success."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def read_strict_json(path: Path) -> Any:
    """Parse a JSON file as strict parsers (browsers, Node) do: ``NaN`` and
    ``Infinity`` are errors naming the file."""
    def refuse(constant: str) -> None:
        raise ValueError(f'{path}: {constant} is not JSON')

    return json.loads(Path(path).read_text(), parse_constant=refuse)


def free_port() -> int:
    """A free TCP port for torchrun's rendezvous."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def demo_dataset(demo_root: Path, cam_dir: Path, affinity_dir: Path):
    """The demo train split with the stage folders, without checking files."""
    return DATASETS.build(dict(
        type='WSSSDataset', data_root=str(demo_root), check_files=False,
        ann_file='ImageSets/Segmentation/train.txt', img_label_file='image_labels.json',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass',
                         cam_path=str(cam_dir), affinity_path=str(affinity_dir)),
        pipeline=[]))


@pytest.fixture(scope='session')
def fake_cams(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CAM files of the 24 demo train images: blurred ground-truth masks."""
    cam_dir = tmp_path_factory.mktemp('cams')
    dataset = demo_dataset(demo_root, cam_dir, cam_dir)
    num_classes = len(dataset.metainfo['classes']) - 1
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        mask = read_label_png(info['seg_map_path'])
        cams = np.zeros((num_classes, ) + mask.shape, np.float32)
        for value in np.flatnonzero(info['img_labels']) + 1:
            cam = gaussian_filter((mask == value).astype(np.float32), sigma=4)
            cams[value - 1] = cam / cam.max()
        save_cams(info['cam_path'], torch.from_numpy(cams),
                  torch.from_numpy(info['img_labels']))
    return cam_dir


@pytest.fixture(scope='session')
def fake_affinity_scores(demo_root: Path, fake_cams: Path,
                         tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Affinity-label scores of the fake CAMs (alphas 4 / 32), written in this
    process (``num_workers=1``): the reference of the pool's files."""
    affinity_dir = tmp_path_factory.mktemp('affinity_scores')
    dataset = demo_dataset(demo_root, fake_cams, affinity_dir)
    make_affinity_labels(
        jobs_from_data_list([dataset.get_data_info(i) for i in range(len(dataset))]),
        num_workers=1, rank=0, world_size=1, progress=False)
    return affinity_dir


def affinity_options(demo_root: Path, cam_dir: Path, affinity_dir: Path) -> List[str]:
    """``--cfg-options`` of the demo AffinityNet config for the test data, 1 epoch."""
    return [f'train_dataloader.dataset.data_root={demo_root}',
            f'train_dataloader.dataset.data_prefix.cam_path={cam_dir}',
            f'train_dataloader.dataset.data_prefix.affinity_path={affinity_dir}',
            f'test_dataloader.dataset.data_root={demo_root}',
            f'test_dataloader.dataset.data_prefix.cam_path={cam_dir}',
            'model.backbone.init_cfg=None', 'train_cfg.max_epochs=1',
            # the walk of the config's fixed setting (its choice without ground truth:
            # tests/test_engine/test_choose_walk_setting_hook.py)
            'choose_walk_setting=False',
            'train_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            'test_dataloader.persistent_workers=False']

