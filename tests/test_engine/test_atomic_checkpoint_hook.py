"""AtomicCheckpointHook: a killed save or a full disk never leaves a cut checkpoint."""
import errno
import os
import signal
from pathlib import Path
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmwsss.engine import AtomicCheckpointHook
from mmwsss.utils import atomic_local_backend, load_local_checkpoint
from mmwsss.utils.atomic_local_backend import AtomicLocalBackend
from tests.conftest import REPO_ROOT

CAM_CONFIG = REPO_ROOT / 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'


def _checkpoint(path: Path, value: float) -> bytes:
    torch.save({'state_dict': {'w': torch.full((1000, ), value)}}, path)
    return path.read_bytes()


class _CutWrite:
    """A file whose ``write`` writes half of the data, then ``fail()``s."""

    fail = None

    def __init__(self, path, mode, **kwargs) -> None:
        self.file = open(path, mode, **kwargs)

    def __enter__(self) -> '_CutWrite':
        return self

    def __exit__(self, *args) -> None:
        self.file.close()

    def write(self, data) -> None:
        self.file.write(data[:len(data) // 2])
        self.file.flush()
        type(self).fail()


def _disk_full() -> None:
    raise OSError(errno.ENOSPC, 'No space left on device')


def test_full_disk_keeps_the_previous_checkpoint(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / 'epoch_1.pth'
    old = _checkpoint(tmp_path / 'old.pth', 1.0)
    new = _checkpoint(tmp_path / 'new.pth', 2.0)
    AtomicLocalBackend().put(old, target)
    AtomicLocalBackend().put_text('epoch_1.pth', tmp_path / 'last_checkpoint')
    monkeypatch.setattr(_CutWrite, 'fail', staticmethod(_disk_full))
    monkeypatch.setattr(atomic_local_backend, 'open', _CutWrite, raising=False)
    # write() reports ENOSPC without a file name: atomic_path names the checkpoint
    with pytest.raises(OSError, match=f"No space left on device while writing: '{target}'"):
        AtomicLocalBackend().put(new, target)
    with pytest.raises(OSError, match='No space left on device while writing: '
                       f"'{tmp_path / 'last_checkpoint'}'"):
        AtomicLocalBackend().put_text('epoch_2.pth', tmp_path / 'last_checkpoint')
    assert target.read_bytes() == old
    assert (tmp_path / 'last_checkpoint').read_text() == 'epoch_1.pth'
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'epoch_1.pth', 'last_checkpoint', 'new.pth', 'old.pth']


def test_killed_save_leaves_the_previous_checkpoint_and_a_removable_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / 'epoch_1.pth'
    old = _checkpoint(tmp_path / 'old.pth', 1.0)
    new = _checkpoint(tmp_path / 'new.pth', 2.0)
    AtomicLocalBackend().put(old, target)
    monkeypatch.setattr(_CutWrite, 'fail', staticmethod(
        lambda: os.kill(os.getpid(), signal.SIGKILL)))
    monkeypatch.setattr(atomic_local_backend, 'open', _CutWrite, raising=False)
    child = os.fork()
    if child == 0:  # the saving process, killed halfway through the write
        try:
            AtomicLocalBackend().put(new, target)
        finally:
            os._exit(1)
    assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == -signal.SIGKILL
    assert target.read_bytes() == old
    assert load_local_checkpoint(str(target))['state_dict']['w'][0] == 1.0
    temporaries = list(tmp_path.glob('.epoch_1.mmwsss-*.tmp.pth'))
    assert len(temporaries) == 1  # the cut half, never under the final name
    users = tmp_path / '.notes.tmp'
    users.write_text('mine')

    # the next training run's hook removes it (and nothing else)
    runner = MagicMock(work_dir=str(tmp_path))
    runner.message_hub.runtime_info = {}
    runner.message_hub.get_info.return_value = None
    hook = AtomicCheckpointHook(interval=1)
    hook.before_train(runner)
    assert not temporaries[0].exists() and users.read_text() == 'mine'


def test_the_runner_saves_through_the_atomic_backend(tmp_path: Path, demo_root: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    written = []
    put, put_text = AtomicLocalBackend.put, AtomicLocalBackend.put_text
    monkeypatch.setattr(AtomicLocalBackend, 'put', lambda self, obj, path: (
        written.append(os.path.basename(path)), put(self, obj, path)))
    monkeypatch.setattr(AtomicLocalBackend, 'put_text', lambda self, obj, path: (
        written.append(os.path.basename(path)), put_text(self, obj, path)))
    cfg = Config.fromfile(str(CAM_CONFIG))
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.dataset.data_root = str(demo_root)
    cfg.default_hooks.checkpoint.update(save_optimizer=False, save_param_scheduler=False)
    runner = Runner.from_cfg(cfg)
    hook = next(h for h in runner.hooks if isinstance(h, AtomicCheckpointHook))
    hook.before_train(runner)
    hook._save_checkpoint(runner)
    assert written == ['epoch_1.pth']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'epoch_1.pth')
    assert 'state_dict' in load_local_checkpoint(str(tmp_path / 'epoch_1.pth'))


def test_other_backends_are_refused() -> None:
    with pytest.raises(ValueError, match='local files only'):
        AtomicCheckpointHook(interval=1, backend_args=dict(backend='petrel'))
