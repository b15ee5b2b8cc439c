"""tools/slurm_train.sh and tools/slurm_test.sh pass MMSeg's arguments to srun."""
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

FAKE_SRUN = '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n'


@pytest.mark.parametrize('script,fourth,tool', [
    ('slurm_train.sh', 'work_dirs/x', 'tools/train.py'),
    ('slurm_test.sh', 'ckpt.pth', 'tools/test.py'),
])
def test_slurm_script_arguments(tmp_path: Path, script: str, fourth: str, tool: str) -> None:
    (tmp_path / 'srun').write_text(FAKE_SRUN)
    (tmp_path / 'srun').chmod(0o755)
    log = tmp_path / 'srun.log'
    config = 'configs/psa/psa-pipeline_wideresnet38_voc12aug-448x448.py'
    env = dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}', SRUN_LOG=str(log),
               GPUS='8', GPUS_PER_NODE='8', CPUS_PER_TASK='6', SRUN_ARGS='--time=1:00:00')
    subprocess.run(['bash', f'tools/{script}', 'gpu', 'psa', config, fourth,
                    '--cfg-options', 'cam.train_cfg.max_epochs=1'],
                   cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    args = log.read_text().splitlines()
    assert args[:8] == ['-p', 'gpu', '--job-name=psa', '--gres=gpu:8', '--ntasks=8',
                        '--ntasks-per-node=8', '--cpus-per-task=6', '--kill-on-bad-exit=1']
    assert args[8:12] == ['--time=1:00:00', 'python', '-u', tool]
    expected = ([config, '--work-dir=work_dirs/x'] if tool == 'tools/train.py'
                else [config, 'ckpt.pth'])
    assert args[12:] == expected + ['--launcher=slurm', '--cfg-options',
                                    'cam.train_cfg.max_epochs=1']
