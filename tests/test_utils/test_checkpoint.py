"""Checkpoints load without running code from them, in every path that loads one."""
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import Runner, load_checkpoint
from mmseg.registry import MODELS

from mmwsss.utils import checkpoint as checkpoint_module
from mmwsss.utils import UnreadableFileError, load_local_checkpoint, trust_checkpoints
from mmwsss.utils.checkpoint import check_checkpoint_coverage, compare_state_dicts
from tests.conftest import REPO_ROOT

CAM_CONFIG = REPO_ROOT / 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'


class _Payload:
    """Unpickling this object writes ``marker``: what a malicious checkpoint does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f'open({str(self.marker)!r}, "w").write("pwned")', )


@pytest.fixture
def evil(tmp_path: Path):
    """A checkpoint with real weights whose unpickling runs code."""
    marker = tmp_path / 'marker.txt'
    path = tmp_path / 'evil.pth'
    model = MODELS.build(Config.fromfile(str(CAM_CONFIG)).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {'x': _Payload(marker)}}, path)
    return path, marker


@pytest.fixture(autouse=True)
def no_trusted_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint_module, '_trusted', set())


def _runner(tmp_path: Path, **overrides) -> Runner:
    cfg = Config.fromfile(str(CAM_CONFIG))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.merge_from_dict(overrides)
    return Runner.from_cfg(cfg)


def test_mmengine_load_checkpoint_refuses_code(evil) -> None:
    path, marker = evil
    model = MODELS.build(Config.fromfile(str(CAM_CONFIG)).model)
    with pytest.raises(pickle.UnpicklingError, match=f'{path}.*--trust-checkpoint'):
        load_checkpoint(model, str(path))
    assert not marker.exists()


def test_load_from_and_resume_refuse_code(evil, tmp_path: Path) -> None:
    path, marker = evil
    runner = _runner(tmp_path, load_from=str(path))
    with pytest.raises(pickle.UnpicklingError, match=str(path)):
        runner.load_or_resume()
    runner = _runner(tmp_path, load_from=str(path), resume=True)
    with pytest.raises(pickle.UnpicklingError, match=str(path)):
        runner.load_or_resume()
    assert not marker.exists()


def test_init_cfg_pretrained_refuses_code(evil) -> None:
    path, marker = evil
    cfg = Config.fromfile(str(CAM_CONFIG)).model
    cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(path), prefix='backbone.')
    model = MODELS.build(cfg)
    with pytest.raises(pickle.UnpicklingError, match=str(path)):
        model.init_weights()
    assert not marker.exists()


def test_tools_test_refuses_code(evil, demo_root: Path, tmp_path: Path) -> None:
    path, marker = evil
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, 'tools/test.py', str(CAM_CONFIG), str(path), '--work-dir',
         str(tmp_path / 'test'), '--cfg-options', f'test_dataloader.dataset.data_root={demo_root}',
         'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'refused to load checkpoint' in result.stderr and str(path) in result.stderr
    assert not marker.exists()
    assert not list((tmp_path / 'test').glob('cams/*.npz'))


def test_trusted_file_is_unpickled_with_a_warning(evil, capsys) -> None:
    path, marker = evil
    trust_checkpoints([str(path)])
    checkpoint = load_local_checkpoint(str(path))
    assert marker.read_text() == 'pwned'
    assert 'state_dict' in checkpoint


def test_mmengine_checkpoint_loads_weights_only(tmp_path: Path) -> None:
    """A checkpoint as CheckpointHook writes it (message hub included) loads as saved."""
    hub = MessageHub.get_instance('test_checkpoint_weights_only')
    for value in (1.5, 2.0, 0.25):
        hub.update_scalar('train/loss', value)
    hub.update_scalar('train/lr', np.float64(0.01))
    hub.update_info('iter', 7)
    hub.update_info('seed', np.int64(3))
    saved = {
        'meta': {'epoch': 1, 'iter': 7, 'seed': 3, 'experiment_name': 'x',
                 'mmengine_version': '0.10.7', 'dataset_meta': {'classes': ('a', 'b')}},
        'state_dict': {'w': torch.arange(4.)},
        'message_hub': hub.state_dict(),
        'optimizer': {'state': {}, 'param_groups': [{'lr': 0.01, 'params': [0]}]},
        'param_schedulers': [{'last_epoch': 3, 'base_values': [0.01]}],
        'np_array': np.arange(3, dtype=np.float32),
    }
    torch.save(saved, tmp_path / 'epoch_1.pth')
    loaded = load_local_checkpoint(str(tmp_path / 'epoch_1.pth'))
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(1.25)
    assert loaded['message_hub']['runtime_info']['seed'] == 3
    np.testing.assert_array_equal(loaded['np_array'], np.arange(3, dtype=np.float32))
    assert torch.equal(loaded['state_dict']['w'], torch.arange(4.))


def test_coverage_names_missing_and_mismatched_keys() -> None:
    model_state = {'a.weight': torch.zeros(2, 3), 'b.weight': torch.zeros(4),
                   'c.weight': torch.zeros(1), 'd.weight': torch.zeros(5)}
    checkpoint = {'module.a.weight': torch.zeros(2, 3), 'b.weight': torch.zeros(3),
                  'zzz': torch.zeros(1)}
    report = compare_state_dicts(model_state, checkpoint)
    assert report.loaded == ['a.weight']
    assert report.missing == ['c.weight', 'd.weight']
    assert report.mismatched == [('b.weight', (4, ), (3, ))]
    assert report.unexpected == ['zzz']
    with pytest.raises(RuntimeError, match=r"1 of the model's 4.*c\.weight.*b\.weight.*zzz"):
        check_checkpoint_coverage(model_state, checkpoint, 'x.pth')
    check_checkpoint_coverage(model_state, checkpoint, 'x.pth', strict=False)
    check_checkpoint_coverage(model_state, checkpoint, 'x.pth', min_loaded=0.25)


def test_runner_refuses_checkpoint_of_another_model(tmp_path: Path) -> None:
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': {'head.fc.weight': torch.zeros(3, 3)}}, path)
    runner = _runner(tmp_path, load_from=str(path))
    with pytest.raises(RuntimeError, match=f'checkpoint {path} matches only 0 of'):
        runner.load_or_resume()
    runner = _runner(tmp_path, load_from=str(path),
                     default_hooks=dict(checkpoint_keys=dict(strict=False)))
    runner.load_or_resume()


class _GetattrPayload:
    """A pickle that asks for another attribute through ``getattr``."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path: Path) -> None:
    torch.save({'x': _GetattrPayload()}, tmp_path / 'g.pth')
    with pytest.raises(pickle.UnpicklingError, match="__init__"):
        load_local_checkpoint(str(tmp_path / 'g.pth'))


def test_pretrained_backbone_refuses_checkpoint_of_another_model(tmp_path: Path) -> None:
    cfg = Config.fromfile(str(CAM_CONFIG)).model
    model = MODELS.build(cfg)
    good = tmp_path / 'cam.pth'
    torch.save({'state_dict': model.state_dict()}, good)
    cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(good), prefix='backbone.')
    loaded = MODELS.build(cfg)
    loaded.init_weights()
    assert torch.equal(loaded.backbone.conv1a.weight, model.backbone.conv1a.weight)
    cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(good), prefix='decode_head.')
    with pytest.raises(RuntimeError, match=r"cam\.pth \(prefix 'decode_head\.'\) matches only 0"):
        MODELS.build(cfg).init_weights()


class _SystemPayload:
    """Unpickling this object calls ``os.system`` (with a command that does nothing)."""

    def __reduce__(self):
        return os.system, ('true', )


def test_weights_only_refusal_keeps_torchs_reason(tmp_path: Path) -> None:
    """The refused global is named, whatever PyTorch's wording (2.13: no marker)."""
    path = tmp_path / 'system.pth'
    torch.save({'state_dict': {'w': torch.zeros(2)}, 'x': _SystemPayload()}, path)
    with pytest.raises(pickle.UnpicklingError) as error:
        load_local_checkpoint(str(path))
    assert f'unsupported GLOBAL {os.system.__module__}.system' in str(error.value)
    assert str(path) in str(error.value)
    old = ('Weights only load failed. Re-running `torch.load` with `weights_only` set to '
           '`False` will likely succeed.\n Please file an issue with the following so that '
           'we can make `weights_only=True` compatible with your use case: WeightsUnpickler '
           'error: Unsupported global: GLOBAL posix.system was not an allowed global by '
           'default. Please use `torch.serialization.add_safe_globals([system])` ...')
    new = ('Weights only load failed. In PyTorch 2.6, we changed the default value of the '
           '`weights_only` argument.\n\n\nTrying to load unsupported GLOBAL posix.system '
           'whose module posix is blocked.\n\nCheck the documentation of torch.load to '
           'learn more about types accepted by default with weights_only https://x.')
    assert checkpoint_module._unpickler_reason(old) == (
        'Unsupported global: GLOBAL posix.system was not an allowed global by default')
    assert checkpoint_module._unpickler_reason(new) == (
        'Trying to load unsupported GLOBAL posix.system whose module posix is blocked.')


def test_refusal_names_only_tools_that_accept_trust_checkpoint(evil) -> None:
    path, _ = evil
    with pytest.raises(pickle.UnpicklingError) as error:
        load_local_checkpoint(str(path))
    for tool in checkpoint_module.TRUSTING_TOOLS:
        assert tool in str(error.value)
    assert 'tools/random_walk.py' in checkpoint_module.TRUSTING_TOOLS


def test_cut_empty_and_garbage_checkpoints_are_refused_with_their_path(
        tmp_path: Path) -> None:
    """What a killed save or a full disk leaves, trusted or not, by every loader."""
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.arange(1000.)}}, good)
    legacy = tmp_path / 'legacy.pth'
    torch.save({'state_dict': {'w': torch.arange(1000.)}}, legacy,
               _use_new_zipfile_serialization=False)
    cases = {
        'empty.pth': (b'', 'is empty \\(0 bytes\\)'),
        'cut.pth': (good.read_bytes()[:len(good.read_bytes()) // 2],
                    'is a zip archive without its end'),
        'garbage.pth': (b'hello, not a checkpoint', 'is not a PyTorch checkpoint'),
        'cut_legacy.pth': (legacy.read_bytes()[:len(legacy.read_bytes()) // 2],
                           'cut short|could not be read'),
    }
    model = torch.nn.Linear(1, 1)
    for name, (data, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UnreadableFileError, match=f'checkpoint {path} ({reason})'):
            load_local_checkpoint(str(path))
        with pytest.raises(UnreadableFileError, match=f'checkpoint {path} ({reason})'):
            load_checkpoint(model, str(path))  # mmengine: load_from, resume, init_cfg
        trust_checkpoints([str(path)])
        with pytest.raises(UnreadableFileError, match=f'checkpoint {path} ({reason})'):
            load_local_checkpoint(str(path))
    assert load_local_checkpoint(str(good))['state_dict']['w'][999] == 999
    assert load_local_checkpoint(str(legacy))['state_dict']['w'][999] == 999
