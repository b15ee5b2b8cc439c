"""Tests of the official-weight conversion for WideResNet38 (PSA checkpoints, MXNet)."""
import importlib.util
import struct
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Mapping

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmwsss.models.backbones.wide_resnet38 import WideResNet38
from mmwsss.models.backbones.wide_resnet38_weights import (
    convert_mxnet_params, convert_official_checkpoint, read_mxnet_params)

REPO_ROOT = Path(__file__).resolve().parents[2]
WIDEN_FACTOR = 0.0625


@pytest.fixture(autouse=True, scope='module')
def single_thread():
    """Run these tiny convolutions on one thread (OpenMP contention on shared CPUs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------------
# Independent reference: the official PSA network layout (resnet38d + heads).
# --------------------------------------------------------------------------------
class RefResBlock(nn.Module):
    """Official pre-activation basic block (ResBlock)."""

    def __init__(self, cin, cmid, cout, stride=1, first_dilation=None, dilation=1):
        super().__init__()
        self.same_shape = cin == cout and stride == 1
        if first_dilation is None:
            first_dilation = dilation
        self.bn_branch2a = nn.BatchNorm2d(cin)
        self.conv_branch2a = nn.Conv2d(
            cin, cmid, 3, stride, padding=first_dilation, dilation=first_dilation,
            bias=False)
        self.bn_branch2b1 = nn.BatchNorm2d(cmid)
        self.conv_branch2b1 = nn.Conv2d(
            cmid, cout, 3, padding=dilation, dilation=dilation, bias=False)
        if not self.same_shape:
            self.conv_branch1 = nn.Conv2d(cin, cout, 1, stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn_branch2a(x))
        bn_relu = out
        skip = x if self.same_shape else self.conv_branch1(out)
        out = self.conv_branch2a(out)
        out = F.relu(self.bn_branch2b1(out))
        out = self.conv_branch2b1(out)
        return skip + out, bn_relu


class RefResBlockBot(nn.Module):
    """Official pre-activation bottleneck block (ResBlock_bot)."""

    def __init__(self, cin, cout, stride=1, dilation=1, dropout=0.0):
        super().__init__()
        self.same_shape = cin == cout and stride == 1
        self.bn_branch2a = nn.BatchNorm2d(cin)
        self.conv_branch2a = nn.Conv2d(cin, cout // 4, 1, stride, bias=False)
        self.bn_branch2b1 = nn.BatchNorm2d(cout // 4)
        self.dropout_2b1 = nn.Dropout2d(dropout)
        self.conv_branch2b1 = nn.Conv2d(
            cout // 4, cout // 2, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn_branch2b2 = nn.BatchNorm2d(cout // 2)
        self.dropout_2b2 = nn.Dropout2d(dropout)
        self.conv_branch2b2 = nn.Conv2d(cout // 2, cout, 1, bias=False)
        if not self.same_shape:
            self.conv_branch1 = nn.Conv2d(cin, cout, 1, stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn_branch2a(x))
        bn_relu = out
        skip = self.conv_branch1(out)
        out = self.conv_branch2a(out)
        out = self.dropout_2b1(F.relu(self.bn_branch2b1(out)))
        out = self.conv_branch2b1(out)
        out = self.dropout_2b2(F.relu(self.bn_branch2b2(out)))
        out = self.conv_branch2b2(out)
        return skip + out, bn_relu


class RefNet(nn.Module):
    """Official ResNet-38 with the CAM classifier (fc8) and the AffinityNet layers."""

    def __init__(self, c: Callable[[int], int], num_classes: int = 20):
        super().__init__()
        self.conv1a = nn.Conv2d(3, c(64), 3, padding=1, bias=False)
        self.b2 = RefResBlock(c(64), c(128), c(128), stride=2)
        self.b2_1 = RefResBlock(c(128), c(128), c(128))
        self.b2_2 = RefResBlock(c(128), c(128), c(128))
        self.b3 = RefResBlock(c(128), c(256), c(256), stride=2)
        self.b3_1 = RefResBlock(c(256), c(256), c(256))
        self.b3_2 = RefResBlock(c(256), c(256), c(256))
        self.b4 = RefResBlock(c(256), c(512), c(512), stride=2)
        self.b4_1 = RefResBlock(c(512), c(512), c(512))
        self.b4_2 = RefResBlock(c(512), c(512), c(512))
        self.b4_3 = RefResBlock(c(512), c(512), c(512))
        self.b4_4 = RefResBlock(c(512), c(512), c(512))
        self.b4_5 = RefResBlock(c(512), c(512), c(512))
        self.b5 = RefResBlock(c(512), c(512), c(1024), first_dilation=1, dilation=2)
        self.b5_1 = RefResBlock(c(1024), c(512), c(1024), dilation=2)
        self.b5_2 = RefResBlock(c(1024), c(512), c(1024), dilation=2)
        self.b6 = RefResBlockBot(c(1024), c(2048), dilation=4, dropout=0.3)
        self.b7 = RefResBlockBot(c(2048), c(4096), dilation=4, dropout=0.5)
        self.bn7 = nn.BatchNorm2d(c(4096))
        self.fc8 = nn.Conv2d(c(4096), num_classes, 1, bias=False)
        self.f8_3 = nn.Conv2d(c(512), 64, 1, bias=False)
        self.f8_4 = nn.Conv2d(c(1024), 128, 1, bias=False)
        self.f8_5 = nn.Conv2d(c(4096), 256, 1, bias=False)
        self.f9 = nn.Conv2d(448, 448, 1, bias=False)

    def forward(self, x) -> Dict[str, torch.Tensor]:
        x = self.conv1a(x)
        for block in (self.b2, self.b2_1, self.b2_2, self.b3, self.b3_1, self.b3_2,
                      self.b4, self.b4_1, self.b4_2, self.b4_3, self.b4_4,
                      self.b4_5):
            x, _ = block(x)
        x, conv4 = self.b5(x)
        x, _ = self.b5_1(x)
        x, _ = self.b5_2(x)
        x, conv5 = self.b6(x)
        x, _ = self.b7(x)
        conv6 = F.relu(self.bn7(x))
        cam = F.relu(F.conv2d(conv6, self.fc8.weight))
        return dict(conv4=conv4, conv5=conv5, conv6=conv6, cam=cam)


def _scaled(widen_factor: float) -> Callable[[int], int]:
    return lambda channels: max(1, int(round(channels * widen_factor)))


def _randomise(model: nn.Module, seed: int = 0) -> None:
    """Fill convolutions and BatchNorm parameters and statistics with random values."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.copy_(
                    torch.randn(module.weight.shape, generator=generator) *
                    (1.0 / fan_in)**0.5)
            elif isinstance(module, nn.BatchNorm2d):
                shape = module.weight.shape
                module.weight.copy_(0.5 + torch.rand(shape, generator=generator))
                module.bias.copy_(0.1 * torch.randn(shape, generator=generator))
                module.running_mean.copy_(0.1 * torch.randn(shape, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(shape, generator=generator))


def _assert_close_relative(actual: torch.Tensor, expected: torch.Tensor) -> None:
    scale = expected.abs().max().item()
    assert scale > 0
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5 * scale)


def _split(converted: Mapping[str, torch.Tensor], prefix: str) -> Dict[str, torch.Tensor]:
    return {
        key[len(prefix):]: value
        for key, value in converted.items() if key.startswith(prefix)
    }


# --------------------------------------------------------------------------------
# PSA / EPS PyTorch checkpoints
# --------------------------------------------------------------------------------
def test_official_checkpoint_gives_identical_outputs(tmp_path):
    reference = RefNet(_scaled(WIDEN_FACTOR))
    _randomise(reference)
    reference.eval()
    checkpoint = tmp_path / 'res38_official.pth'
    torch.save(reference.state_dict(), checkpoint)

    converted = convert_official_checkpoint(
        torch.load(checkpoint, map_location='cpu', weights_only=True))
    model = WideResNet38(widen_factor=WIDEN_FACTOR).eval()
    model.load_state_dict(_split(converted, 'backbone.'), strict=True)
    head = _split(converted, 'decode_head.')
    assert sorted(head) == [
        'conv_cam.weight', 'conv_f8_3.weight', 'conv_f8_4.weight',
        'conv_f8_5.weight', 'conv_f9.weight'
    ]
    assert head['conv_cam.weight'].shape == (20, model.level_channels[2], 1, 1)
    assert torch.equal(head['conv_f9.weight'], reference.f9.weight)

    image = torch.randn(2, 3, 37, 50, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = reference(image)
        conv4, conv5, conv6 = model(image)
        cam = F.relu(F.conv2d(conv6, head['conv_cam.weight']))
    assert conv6.shape[-2:] == (5, 7)
    _assert_close_relative(conv4, expected['conv4'])
    _assert_close_relative(conv5, expected['conv5'])
    _assert_close_relative(conv6, expected['conv6'])
    _assert_close_relative(cam, expected['cam'])


def test_official_layout_has_191_backbone_tensors():
    with torch.device('meta'):
        reference = RefNet(_scaled(1.0))
        model = WideResNet38()
    official = {
        key: value
        for key, value in reference.state_dict().items()
        if 'num_batches_tracked' not in key
    }
    converted = convert_official_checkpoint(official)
    backbone = _split(converted, 'backbone.')
    assert len(backbone) == 191
    assert len(converted) == 191 + 5
    learnable = sum(
        value.numel() for key, value in backbone.items()
        if not key.endswith(('running_mean', 'running_var')))
    assert round(learnable / 1e6, 2) == 105.07
    own = model.state_dict()
    assert {key for key in own if 'num_batches_tracked' not in key} == set(backbone)
    assert all(own[key].shape == value.shape for key, value in backbone.items())
    assert converted['decode_head.conv_f8_5.weight'].shape == (256, 4096, 1, 1)
    assert converted['decode_head.conv_cam.weight'].shape == (20, 4096, 1, 1)


def test_official_checkpoint_module_prefix_and_batch_counter():
    state = {
        'module.conv1a.weight': torch.zeros(4, 3, 3, 3),
        'module.b4_5.bn_branch2a.num_batches_tracked': torch.tensor(3),
        'module.b6.conv_branch2b2.weight': torch.zeros(8, 4, 1, 1),
        'module.fc8.weight': torch.zeros(2, 16, 1, 1),
    }
    converted = convert_official_checkpoint(state)
    assert sorted(converted) == [
        'backbone.b4_5.bn_branch2a.num_batches_tracked',
        'backbone.b6.conv_branch2b2.weight', 'backbone.conv1a.weight',
        'decode_head.conv_cam.weight'
    ]
    assert converted['backbone.conv1a.weight'] is state['module.conv1a.weight']


@pytest.mark.parametrize('bad_key', [
    'fc8.bias', 'b2.conv_branch2a.bias', 'b2.bn_branch2a.gamma', 'b8.bn_branch2a.weight',
    'classifier.weight'
])
def test_official_checkpoint_unknown_keys(bad_key):
    state = {'conv1a.weight': torch.zeros(1), bad_key: torch.zeros(1)}
    with pytest.raises(KeyError, match=bad_key.replace('.', r'\.')):
        convert_official_checkpoint(state)


# --------------------------------------------------------------------------------
# MXNet NDArray list files
# --------------------------------------------------------------------------------
_TYPE_FLAGS = {
    np.dtype(np.float32): 0,
    np.dtype(np.float64): 1,
    np.dtype(np.float16): 2,
    np.dtype(np.uint8): 3,
    np.dtype(np.int32): 4,
    np.dtype(np.int8): 5,
    np.dtype(np.int64): 6,
}


def _encode_ndarray(array: np.ndarray, version: str) -> bytes:
    """Serialise one dense array as MXNet's NDArray::Save does (CPU context)."""
    ndim = array.ndim
    if version == 'legacy':
        header = struct.pack(f'<I{ndim}I', ndim, *array.shape)
    else:
        magic = {'v1': 0xF993FAC8, 'v2': 0xF993FAC9, 'v3': 0xF993FACA}[version]
        header = struct.pack('<I', magic)
        if version != 'v1':
            header += struct.pack('<i', 0)  # dense storage
        header += struct.pack(f'<i{ndim}q', ndim, *array.shape)
    header += struct.pack('<iii', 1, 0, _TYPE_FLAGS[array.dtype])
    data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder('<'))
    return header + data.tobytes()


def _write_mxnet_params(path: Path,
                        arrays: Mapping[str, np.ndarray],
                        version: str = 'v2') -> None:
    """Write ``arrays`` as an MXNet NDArray list file (``mx.nd.save``)."""
    blob = struct.pack('<QQQ', 0x112, 0, len(arrays))
    blob += b''.join(_encode_ndarray(array, version) for array in arrays.values())
    blob += struct.pack('<Q', len(arrays))
    for name in arrays:
        encoded = name.encode('utf-8')
        blob += struct.pack('<Q', len(encoded)) + encoded
    path.write_bytes(blob)


@pytest.mark.parametrize('version', ['v2', 'v3', 'v1', 'legacy'])
def test_read_mxnet_params_round_trip(tmp_path, version):
    rng = np.random.default_rng(0)
    arrays = {
        'arg:conv1a_weight': rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
        'aux:bn7_moving_var': rng.random(5).astype(np.float64),
        'arg:half': rng.standard_normal((2, 3)).astype(np.float16),
        'arg:bytes': rng.integers(0, 255, (3, 1, 2)).astype(np.uint8),
        'arg:ints': rng.integers(-9, 9, (7, )).astype(np.int32),
        'arg:longs': rng.integers(-9, 9, (2, 2)).astype(np.int64),
    }
    path = tmp_path / f'model-{version}.params'
    _write_mxnet_params(path, arrays, version)
    loaded = read_mxnet_params(path)
    assert list(loaded) == list(arrays)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype
        assert loaded[name].shape == array.shape
        np.testing.assert_array_equal(loaded[name], array)
    assert loaded['arg:conv1a_weight'].flags.writeable


def test_read_mxnet_params_scalar_v3(tmp_path):
    path = tmp_path / 'scalar.params'
    _write_mxnet_params(path, {'x': np.array(2.5, dtype=np.float32)}, 'v3')
    assert read_mxnet_params(path)['x'].shape == ()


def test_read_mxnet_params_errors(tmp_path):
    path = tmp_path / 'model.params'
    _write_mxnet_params(path, {'arg:conv1a_weight': np.ones((2, 2), np.float32)})
    blob = path.read_bytes()

    bad_magic = tmp_path / 'bad_magic.params'
    bad_magic.write_bytes(struct.pack('<Q', 0x113) + blob[8:])
    with pytest.raises(ValueError, match='bad_magic.params'):
        read_mxnet_params(bad_magic)

    truncated = tmp_path / 'truncated.params'
    truncated.write_bytes(blob[:60])
    with pytest.raises(ValueError, match='truncated.params.*truncated'):
        read_mxnet_params(truncated)

    bad_array = tmp_path / 'bad_array.params'
    bad_array.write_bytes(blob[:24] + struct.pack('<I', 0xDEADBEEF) + blob[28:])
    with pytest.raises(ValueError, match='bad_array.params'):
        read_mxnet_params(bad_array)

    sparse = tmp_path / 'sparse.params'
    sparse.write_bytes(blob[:28] + struct.pack('<i', 1) + blob[32:])
    with pytest.raises(ValueError, match='sparse'):
        read_mxnet_params(sparse)

    with pytest.raises(FileNotFoundError):
        read_mxnet_params(tmp_path / 'missing.params')


def test_read_mxnet_params_huge_dims_name_the_file(tmp_path):
    """Dims (2**62, 3): their byte count overflows int64; refused naming the file."""
    header = struct.pack('<QQQ', 0x112, 0, 1) + struct.pack('<Ii', 0xF993FAC9, 0)
    header += struct.pack('<i2q', 2, 2**62, 3) + struct.pack('<iii', 1, 0, 0)  # float32
    path = tmp_path / 'huge.params'
    path.write_bytes(header + bytes(16))
    with pytest.raises(ValueError, match=r'huge.params: not a valid MXNet NDArray file '
                                         rf'\(truncated, {2**62 * 3 * 4} more bytes expected'):
        read_mxnet_params(path)


def test_convert_mxnet_params_representative_keys():
    names = {
        'arg:conv1a_weight': 'conv1a.weight',
        'arg:res2a_branch1_weight': 'b2.conv_branch1.weight',
        'arg:res2a_branch2a_weight': 'b2.conv_branch2a.weight',
        'arg:bn2a_branch2a_gamma': 'b2.bn_branch2a.weight',
        'arg:res4b5_branch2b1_weight': 'b4_5.conv_branch2b1.weight',
        'arg:bn4b5_branch2b1_beta': 'b4_5.bn_branch2b1.bias',
        'aux:bn4b5_branch2a_moving_mean': 'b4_5.bn_branch2a.running_mean',
        'aux:bn5a_branch2a_moving_var': 'b5.bn_branch2a.running_var',
        'arg:res6a_branch2b2_weight': 'b6.conv_branch2b2.weight',
        'arg:bn7a_branch2b2_gamma': 'b7.bn_branch2b2.weight',
        'arg:bn7_gamma': 'bn7.weight',
        'arg:bn7_beta': 'bn7.bias',
        'aux:bn7_moving_mean': 'bn7.running_mean',
        'aux:bn7_moving_var': 'bn7.running_var',
    }
    params = {name: np.full((2, ), index, np.float32) for index, name in enumerate(names)}
    params['arg:linear1000_weight'] = np.zeros((1000, 4096), np.float32)
    params['arg:linear1000_bias'] = np.zeros((1000, ), np.float32)
    converted = convert_mxnet_params(params)
    assert sorted(converted) == sorted(names.values())
    for index, (name, target) in enumerate(names.items()):
        assert isinstance(converted[target], torch.Tensor)
        assert torch.equal(converted[target], torch.full((2, ), float(index)))

    with pytest.raises(KeyError, match='res4b5_branch2a_gamma'):
        convert_mxnet_params({'arg:res4b5_branch2a_gamma': np.zeros(1, np.float32)})
    with pytest.raises(KeyError, match='fc_weight'):
        convert_mxnet_params({'arg:fc_weight': np.zeros(1, np.float32)})


_MX_BN = {
    'weight': 'arg:{}_gamma',
    'bias': 'arg:{}_beta',
    'running_mean': 'aux:{}_moving_mean',
    'running_var': 'aux:{}_moving_var',
}


def _mxnet_name(torch_key: str) -> str:
    """Name of a WideResNet38 tensor in the MXNet model A1 file (the inverse mapping)."""
    if torch_key == 'conv1a.weight':
        return 'arg:conv1a_weight'
    module, param = torch_key.rsplit('.', 1)
    if module == 'bn7':
        return _MX_BN[param].format('bn7')
    block, layer = module.split('.')
    stage, _, index = block[1:].partition('_')
    mx_block = f'{stage}b{index}' if index else f'{stage}a'
    kind, branch = layer.split('_', 1)
    if kind == 'conv':
        return f'arg:res{mx_block}_{branch}_weight'
    return _MX_BN[param].format(f'bn{mx_block}_{branch}')


def test_mxnet_round_trip_loads_strictly(tmp_path):
    source = WideResNet38(widen_factor=WIDEN_FACTOR).eval()
    _randomise(source, seed=3)
    arrays = {
        _mxnet_name(key): value.numpy()
        for key, value in source.state_dict().items()
        if not key.endswith('num_batches_tracked')
    }
    assert len(arrays) == 191
    arrays['arg:linear1000_weight'] = np.zeros((10, source.level_channels[2]),
                                               np.float32)
    arrays['arg:linear1000_bias'] = np.zeros((10, ), np.float32)
    path = tmp_path / 'ilsvrc-cls_rna-a1_cls1000_ep-0001.params'
    _write_mxnet_params(path, arrays)

    converted = convert_mxnet_params(read_mxnet_params(path))
    assert len(converted) == 191
    target = WideResNet38(widen_factor=WIDEN_FACTOR).eval()
    target.load_state_dict(converted, strict=True)
    image = torch.randn(1, 3, 24, 24)
    with torch.no_grad():
        for actual, expected in zip(target(image), source(image)):
            torch.testing.assert_close(actual, expected, rtol=0, atol=0)


# --------------------------------------------------------------------------------
# Command line tool
# --------------------------------------------------------------------------------
def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'convert_weights', REPO_ROOT / 'tools' / 'convert_weights.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_psa_subprocess(tmp_path):
    state = {
        'conv1a.weight': torch.randn(4, 3, 3, 3),
        'bn7.running_var': torch.ones(8),
        'fc8.weight': torch.randn(2, 8, 1, 1),
    }
    src, dst = tmp_path / 'res38_cls.pth', tmp_path / 'out' / 'converted.pth'
    torch.save(state, src)
    result = subprocess.run(
        [sys.executable, 'tools/convert_weights.py', 'psa', str(src), str(dst)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert '3 tensors' in result.stdout and str(dst) in result.stdout
    assert '(124)' in result.stdout  # learnable values: 108 + 16
    saved = torch.load(dst, map_location='cpu', weights_only=True)['state_dict']
    assert sorted(saved) == [
        'backbone.bn7.running_var', 'backbone.conv1a.weight',
        'decode_head.conv_cam.weight'
    ]
    assert torch.equal(saved['decode_head.conv_cam.weight'], state['fc8.weight'])
    assert [path.name for path in dst.parent.iterdir()] == ['converted.pth']


def test_cli_mxnet_and_errors(tmp_path, capsys):
    tool = _load_tool()
    src, dst = tmp_path / 'imagenet.params', tmp_path / 'imagenet.pth'
    _write_mxnet_params(
        src, {
            'arg:conv1a_weight': np.ones((4, 3, 3, 3), np.float32),
            'aux:bn7_moving_mean': np.zeros((8, ), np.float32),
            'arg:linear1000_bias': np.zeros((10, ), np.float32),
        })
    assert tool.main(['mxnet', str(src), str(dst)]) == 0
    assert '2 tensors' in capsys.readouterr().out
    saved = torch.load(dst, map_location='cpu', weights_only=True)['state_dict']
    assert sorted(saved) == ['bn7.running_mean', 'conv1a.weight']

    with pytest.raises(SystemExit) as error:
        tool.main(['mxnet', str(tmp_path / 'missing.params'), str(dst)])
    assert error.value.code == 2
    assert 'not found' in capsys.readouterr().err

    bad = tmp_path / 'bad.pth'
    torch.save({'conv1a.weight': torch.zeros(1), 'head.weight': torch.zeros(1)}, bad)
    assert tool.main(['psa', str(bad), str(tmp_path / 'never.pth')]) == 1
    assert 'head.weight' in capsys.readouterr().err
    assert not (tmp_path / 'never.pth').exists()


def test_converted_checkpoints_load_through_init_cfg(tmp_path):
    tool = _load_tool()
    reference = RefNet(_scaled(WIDEN_FACTOR))
    _randomise(reference, seed=5)
    psa_src, psa_dst = tmp_path / 'res38_aff.pth', tmp_path / 'res38_aff_mmwsss.pth'
    torch.save(reference.state_dict(), psa_src)
    assert tool.main(['psa', str(psa_src), str(psa_dst)]) == 0
    from_psa = WideResNet38(
        widen_factor=WIDEN_FACTOR,
        init_cfg=dict(type='Pretrained', checkpoint=str(psa_dst), prefix='backbone.'))
    from_psa.init_weights()
    assert torch.equal(from_psa.b4_5.conv_branch2b1.weight,
                       reference.b4_5.conv_branch2b1.weight)
    assert torch.equal(from_psa.bn7.running_var, reference.bn7.running_var)

    mx_src, mx_dst = tmp_path / 'imagenet.params', tmp_path / 'imagenet.pth'
    _write_mxnet_params(mx_src, {
        _mxnet_name(key): value.numpy()
        for key, value in from_psa.state_dict().items()
        if not key.endswith('num_batches_tracked')
    })
    assert tool.main(['mxnet', str(mx_src), str(mx_dst)]) == 0
    from_mxnet = WideResNet38(
        widen_factor=WIDEN_FACTOR,
        init_cfg=dict(type='Pretrained', checkpoint=str(mx_dst)))
    from_mxnet.init_weights()
    for key, value in from_psa.state_dict().items():
        assert torch.equal(from_mxnet.state_dict()[key], value), key
