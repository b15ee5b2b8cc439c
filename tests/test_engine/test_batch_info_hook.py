"""The VOC stage configs train at their recipe's total batch, alone or in a pipeline.

Two short runs on the 24-image test dataset, with only the width and the
length of training reduced: the VOC CAM config as the single stage of a
pipeline on 2 gloo processes (total 16 = 2 x 8), and the VOC EPS config alone
with ``tools/train.py`` on one process (total 8 = 1 x 8). Each log states the
total batch, the per-process batch, the lr and the iterations.
"""
import os
import subprocess
import sys
from pathlib import Path
from typing import List

from tests.conftest import REPO_ROOT, free_port

CAM = REPO_ROOT / 'configs/cam/cam_wideresnet38_4xb4-15e_voc12aug-448x448.py'
EPS = REPO_ROOT / 'configs/eps/eps_wideresnet38_1xb8-20k_voc12aug-448x448.py'
WIDTH = 1 / 32


def _tiny_options(demo_root: Path, head_channels: int) -> List[str]:
    """Narrow width, demo data (6 classes); the batch, lr and transforms stay the config's."""
    loader = 'train_dataloader'
    return [f'{loader}.dataset.data_root={demo_root}',
            f'{loader}.dataset.ann_file=ImageSets/Segmentation/train.txt',
            f'{loader}.dataset.img_label_file=image_labels.json',
            f'{loader}.num_workers=0', f'{loader}.persistent_workers=False',
            f'model.backbone.widen_factor={WIDTH}', 'model.backbone.init_cfg=None',
            f'model.decode_head.in_channels={head_channels}', 'model.decode_head.num_classes=6']


def _run(command: List[str], cwd: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    result = subprocess.run([sys.executable] + command, cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout + result.stderr


def _logs(work_dir: Path) -> str:
    return ''.join(path.read_text() for path in work_dir.rglob('*.log'))


def test_pipeline_stage_on_two_processes(demo_root: Path, tmp_path: Path) -> None:
    pipeline = tmp_path / 'pipeline.py'
    pipeline.write_text(f"stages = dict(cam=dict(config={str(CAM)!r}, steps=['train']))\n")
    options = [f'cam.{option}' for option in _tiny_options(demo_root, 128)]
    output = _run(['-m', 'torch.distributed.run', '--nproc_per_node=2',
                   f'--master_port={free_port()}', str(REPO_ROOT / 'tools/train.py'),
                   str(pipeline), '--work-dir', str(tmp_path / 'work'), '--launcher', 'pytorch',
                   '--cfg-options', 'cam.train_cfg.max_epochs=1'] + options, cwd=tmp_path)
    # 24 images over 2 processes, 8 each, last incomplete batch dropped: 1 iteration
    line = ('total batch 16 = 2 processes x 8 per process, lr 0.01, 1 iterations '
            '(1 epochs x 1)')
    assert line in output
    assert line in _logs(tmp_path / 'work' / 'cam')


def test_stage_config_alone_on_one_process(demo_root: Path, tmp_path: Path) -> None:
    options = _tiny_options(demo_root, 128) + [
        'train_dataloader.dataset.data_prefix.saliency_path=SaliencyMaps',
        'train_cfg.max_iters=2', 'default_hooks.checkpoint.interval=2']
    output = _run([str(REPO_ROOT / 'tools/train.py'), str(EPS), '--work-dir',
                   str(tmp_path / 'eps'), '--cfg-options'] + options, cwd=tmp_path)
    line = 'total batch 8 = 1 process x 8 per process, lr 0.01, 2 iterations'
    assert line in output and line in _logs(tmp_path / 'eps')
