"""RandomStateHook: a training resumed after SIGKILL gives the uninterrupted checkpoints."""
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from mmwsss.engine.hooks.random_state_hook import random_state, set_random_state
from tests.conftest import REPO_ROOT

CONFIG = REPO_ROOT / 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'


def test_states_round_trip_through_a_weights_only_checkpoint(tmp_path: Path) -> None:
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    torch.save(dict(random_state=random_state()), tmp_path / 'c.pth')
    expected = (random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist())
    random.seed(9), np.random.seed(9), torch.manual_seed(9)
    set_random_state(torch.load(tmp_path / 'c.pth', weights_only=True)['random_state'])
    assert (random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist()) == expected


def _train(config: Path, demo_root: Path, work_dir: Path, *extra: str,
           resume: bool = False) -> subprocess.CompletedProcess:
    """Two epochs of 3 iterations of the demo CAM stage, data loaded in the main process."""
    options = [f'train_dataloader.dataset.data_root={demo_root}', 'train_cfg.max_epochs=2',
               'train_dataloader.batch_size=8', 'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False',
               'default_hooks.checkpoint.interval=1', *extra]
    command = [sys.executable, 'tools/train.py', str(config), '--work-dir', str(work_dir)]
    command += ['--resume'] * resume + ['--cfg-options'] + options
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def _weights(work_dir: Path) -> dict:
    return torch.load(work_dir / 'epoch_2.pth', weights_only=False)['state_dict']


def test_resumed_training_matches_uninterrupted(demo_root: Path, tmp_path: Path) -> None:
    plain = tmp_path / 'plain.py'  # the demo CAM stage without its inference hooks
    plain.write_text(f'_base_ = [{str(CONFIG)!r}]\ncustom_hooks = []\n')
    assert _train(plain, demo_root, tmp_path / 'straight').returncode == 0
    assert 'random_state' in torch.load(tmp_path / 'straight' / 'epoch_2.pth',
                                        weights_only=False)
    straight = _weights(tmp_path / 'straight')

    # killed before the 2nd iteration of epoch 2, then resumed from epoch_1.pth
    killing = tmp_path / 'killing.py'
    killing.write_text(
        f'_base_ = [{str(CONFIG)!r}]\n'
        "custom_imports = dict(imports=['mmwsss', 'tests.test_engine.sigkill_hook'], "
        'allow_failed_imports=False)\n'
        "custom_hooks = [dict(type='SIGKILLOnceHook', flag_file='killed', after_iters=4, "
        'in_training=True)]\n')
    # the same without RandomStateHook (a named default hook cannot be set to None)
    unhooked = tmp_path / 'killing_without_hook.py'
    unhooked.write_text(
        f'_base_ = [{str(killing)!r}]\n'
        'default_hooks = dict(_delete_=True, timer=dict(type="IterTimerHook"), '
        'logger=dict(type="LoggerHook"), param_scheduler=dict(type="ParamSchedulerHook"), '
        'checkpoint=dict(type="CheckpointHook", interval=1), '
        'sampler_seed=dict(type="DistSamplerSeedHook"))\n')
    for hook in (True, False):
        work_dir = tmp_path / f'resumed_{hook}'
        work_dir.mkdir()
        config = killing if hook else unhooked
        extra = [f'custom_hooks.0.flag_file={work_dir / "killed"}']
        killed = _train(config, demo_root, work_dir, *extra)
        assert killed.returncode == -9, killed.stdout[-2000:] + killed.stderr[-2000:]
        assert (work_dir / 'epoch_1.pth').is_file()
        assert not (work_dir / 'epoch_2.pth').exists()
        resumed = _train(config, demo_root, work_dir, *extra, resume=True)
        assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
        weights = _weights(work_dir)
        same = all(torch.equal(value, weights[key]) for key, value in straight.items())
        # without the hook the augmentations drawn after the resume differ
        assert same == hook, f'RandomStateHook {"on" if hook else "off"}'
