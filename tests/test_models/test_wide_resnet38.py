"""Tests of the WideResNet38 backbone: shapes, widths, size and freezing."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmseg.registry import MODELS

from mmwsss.models.backbones.wide_resnet38 import PreActBottleneckBlock, WideResNet38

# Backbone part of the official checkpoints (configs/cam/README.md): 191 tensors without
# num_batches_tracked, 105.07 M learnable parameters.
OFFICIAL_NUM_TENSORS = 191
OFFICIAL_NUM_PARAMS = 105_070_912


@pytest.fixture(autouse=True, scope='module')
def single_thread():
    """Run these tiny convolutions on one thread (OpenMP contention on shared CPUs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _bn_modules(model: nn.Module, prefix: str):
    return [
        module for name, module in model.named_modules()
        if name.startswith(prefix) and isinstance(module, _BatchNorm)
    ]


@pytest.mark.parametrize('height,width', [(16, 16), (33, 47)])
def test_output_stride_8_and_channels(height, width):
    model = WideResNet38(widen_factor=0.0625).eval()
    with torch.no_grad():
        outputs = model(torch.randn(2, 3, height, width))
    assert len(outputs) == 3
    expected_size = (math.ceil(height / 8), math.ceil(width / 8))
    assert model.out_channels == (32, 64, 256)
    for output, channels in zip(outputs, model.out_channels):
        assert output.shape == (2, channels) + expected_size
    # conv4 and conv6 follow a ReLU.
    assert outputs[0].min() >= 0 and outputs[2].min() >= 0


@pytest.mark.parametrize('widen_factor,channels', [(1.0, (512, 1024, 4096)),
                                                   (0.25, (128, 256, 1024)),
                                                   (0.0625, (32, 64, 256)),
                                                   (1e-4, (1, 1, 1))])
def test_level_channels_scale_with_widen_factor(widen_factor, channels):
    with torch.device('meta'):
        model = WideResNet38(widen_factor=widen_factor)
    assert model.level_channels == channels
    assert model.bn7.num_features == channels[2]
    assert model.b5.bn_branch2a.num_features == channels[0]
    assert model.b6.bn_branch2a.num_features == channels[1]


def test_out_indices_select_and_order_levels():
    torch.manual_seed(0)
    full = WideResNet38(widen_factor=0.0625).eval()
    part = WideResNet38(widen_factor=0.0625, out_indices=(2, 0)).eval()
    part.load_state_dict(full.state_dict())
    image = torch.randn(1, 3, 17, 24)
    with torch.no_grad():
        conv4, _, conv6 = full(image)
        outputs = part(image)
    assert part.out_channels == (256, 32)
    assert len(outputs) == 2
    torch.testing.assert_close(outputs[0], conv6, rtol=0, atol=0)
    torch.testing.assert_close(outputs[1], conv4, rtol=0, atol=0)


def test_full_width_matches_official_size():
    with torch.device('meta'):
        model = WideResNet38()
    keys = [key for key in model.state_dict() if 'num_batches_tracked' not in key]
    assert len(keys) == OFFICIAL_NUM_TENSORS
    num_params = sum(param.numel() for param in model.parameters())
    assert num_params == OFFICIAL_NUM_PARAMS
    assert round(num_params / 1e6, 2) == 105.07
    assert model.b2.conv_branch2a.stride == (2, 2)
    assert model.b5.conv_branch2a.dilation == (1, 1)
    assert model.b5.conv_branch2b1.dilation == (2, 2)
    assert model.b5_1.conv_branch2a.dilation == (2, 2)
    assert model.b6.conv_branch2b1.dilation == (4, 4)
    assert model.b6.dropout_2b1.p == 0.3 and model.b7.dropout_2b2.p == 0.5
    assert model.b5.conv_branch1 is not None and model.b5_1.conv_branch1 is None
    assert all(
        module.bias is None for module in model.modules()
        if isinstance(module, nn.Conv2d))


def test_bottleneck_block_in_training_equals_the_formula():
    """relu(bn) -> conv1x1 -> bn, relu, Dropout2d -> conv3x3 -> bn, relu, Dropout2d ->
    conv1x1, plus the projected shortcut; the same random draws on both sides."""
    block = PreActBottleneckBlock(8, (4, 6), 12, dilation=2, dropout=0.5).train()
    x = torch.randn(2, 8, 5, 6, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    with torch.no_grad():
        out, x_bn_relu = block(x)
        torch.manual_seed(0)
        bn_relu = F.relu(block.bn_branch2a(x))
        branch = block.conv_branch2a(bn_relu)
        branch = F.dropout2d(F.relu(block.bn_branch2b1(branch)), 0.5, training=True)
        branch = block.conv_branch2b1(branch)
        branch = F.dropout2d(F.relu(block.bn_branch2b2(branch)), 0.5, training=True)
        expected = block.conv_branch1(bn_relu) + block.conv_branch2b2(branch)
        torch.testing.assert_close(x_bn_relu, bn_relu)
        torch.testing.assert_close(out, expected)
        torch.manual_seed(1)
        assert not torch.equal(block(x)[0], out)  # the dropout masks are drawn


def test_default_training_mode_is_official():
    model = WideResNet38(widen_factor=0.0625)
    model.train()
    for module in _bn_modules(model, ''):
        assert not module.training
        assert not module.weight.requires_grad and not module.bias.requires_grad
    assert not model.conv1a.weight.requires_grad
    for name in ('b2', 'b2_1', 'b2_2'):
        assert not getattr(model, name).conv_branch2a.weight.requires_grad
    assert model.b3.conv_branch2a.weight.requires_grad
    assert model.b7.conv_branch2b2.weight.requires_grad
    assert model.b6.dropout_2b1.training and model.b7.training

    image = torch.randn(1, 3, 16, 16)
    sum(output.sum() for output in model(image)).backward()
    assert model.conv1a.weight.grad is None
    assert model.b3.conv_branch2a.weight.grad is not None
    assert model.bn7.weight.grad is None


def test_norm_eval_off_and_nothing_frozen():
    model = WideResNet38(widen_factor=0.0625, norm_eval=False, frozen_stages=0)
    model.train()
    assert all(module.training for module in model.modules())
    assert all(param.requires_grad for param in model.parameters())
    model.eval()
    assert not any(module.training for module in model.modules())


@pytest.mark.parametrize('frozen_stages,first_trainable', [(2, 'b4'), (3, 'b5'),
                                                          (4, 'b6'), (5, 'b7')])
def test_frozen_stages(frozen_stages, first_trainable):
    model = WideResNet38(
        widen_factor=0.0625, norm_eval=False, frozen_stages=frozen_stages)
    model.train()
    names = model.block_names
    split = names.index(first_trainable)
    for name in ['conv1a'] + names[:split]:
        module = getattr(model, name)
        assert not module.training
        assert not any(param.requires_grad for param in module.parameters())
    for name in names[split:] + ['bn7']:
        module = getattr(model, name)
        assert module.training
        assert all(param.requires_grad for param in module.parameters())


def test_all_stages_frozen():
    model = WideResNet38(widen_factor=0.0625, norm_eval=False, frozen_stages=6)
    model.train()
    assert not any(param.requires_grad for param in model.parameters())
    assert not model.bn7.training


@pytest.mark.parametrize('kwargs', [
    dict(widen_factor=0.0),
    dict(out_indices=()),
    dict(out_indices=(0, 3)),
    dict(frozen_stages=-1),
    dict(frozen_stages=7),
])
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        WideResNet38(**kwargs)


def test_registered_and_initialised():
    model = MODELS.build(
        dict(type='WideResNet38', widen_factor=0.0625, out_indices=(2, )))
    assert isinstance(model, WideResNet38)
    model.init_weights()
    assert torch.all(model.bn7.weight == 1)
    assert model.out_channels == (256, )
