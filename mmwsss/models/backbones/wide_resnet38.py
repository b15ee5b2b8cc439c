"""Wide ResNet-38 ("model A1" of Wu et al., "Wider or Deeper") as used by PSA and EPS.

The network is a pre-activation residual network with output stride 8:

======  =====================================  ==================  ========  =======
stage   blocks                                 in -> mid -> out    stride    dropout
======  =====================================  ==================  ========  =======
conv1a  one 3x3 conv                           3 -> 64             1         -
b2      ``b2``, ``b2_1``, ``b2_2`` (basic)     64 -> 128 -> 128    2         -
b3      ``b3``, ``b3_1``, ``b3_2`` (basic)     128 -> 256 -> 256   2         -
b4      ``b4``, ``b4_1`` .. ``b4_5`` (basic)   256 -> 512 -> 512   2         -
b5      ``b5``, ``b5_1``, ``b5_2`` (basic)     512 -> 512 -> 1024  dil. 2    -
b6      ``b6`` (bottleneck)                    1024 -> 2048        dil. 4    0.3
b7      ``b7`` (bottleneck)                    2048 -> 4096        dil. 4    0.5
bn7     BN + ReLU                              4096                -         -
======  =====================================  ==================  ========  =======

Submodules keep the names of the official PSA implementation (``conv1a``, ``b2``,
``b2_1``, ..., ``bn7``; inside blocks ``bn_branch2a``, ``conv_branch2a``, ...), so an
official state dict loads after adding a ``backbone.`` prefix (see
:mod:`mmwsss.models.backbones.wide_resnet38_weights`).
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import CheckpointLoader
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmseg.registry import MODELS

from mmwsss.utils.checkpoint import check_checkpoint_coverage

# stage index, number of blocks, in, mid, out channels, first-block stride, dilation
_BASIC_STAGES: Tuple[Tuple[int, int, int, int, int, int, int], ...] = (
    (2, 3, 64, 128, 128, 2, 1),
    (3, 3, 128, 256, 256, 2, 1),
    (4, 6, 256, 512, 512, 2, 1),
    (5, 3, 512, 512, 1024, 1, 2),
)
# stage index, in channels, out channels, dilation, dropout probability
_BOTTLENECK_STAGES: Tuple[Tuple[int, int, int, int, float], ...] = (
    (6, 1024, 2048, 4, 0.3),
    (7, 2048, 4096, 4, 0.5),
)
_STEM_CHANNELS = 64
_NUM_STAGES = 6
_LEVEL_NAMES = ('conv4', 'conv5', 'conv6')


def _block_name(stage: int, index: int) -> str:
    """Return the official name of block ``index`` of ``stage`` (``b4``, ``b4_1``, ...)."""
    return f'b{stage}' if index == 0 else f'b{stage}_{index}'


class PreActBasicBlock(nn.Module):
    """Pre-activation basic block with two 3x3 convolutions.

    ``x_bn_relu = relu(bn_branch2a(x))``; the residual branch is
    ``conv_branch2b1(relu(bn_branch2b1(conv_branch2a(x_bn_relu))))`` and the shortcut
    is ``conv_branch1(x_bn_relu)`` (1x1, stride ``stride``) when it exists, else ``x``.

    Args:
        in_channels: Input channels.
        mid_channels: Output channels of the first 3x3 convolution.
        out_channels: Output channels of the block.
        stride: Stride of the first 3x3 convolution and of the shortcut.
        first_dilation: Dilation (and padding) of the first 3x3 convolution.
        dilation: Dilation (and padding) of the second 3x3 convolution.
        project_shortcut: Whether the shortcut is a 1x1 convolution (the official
            network has one exactly where the shape changes).
    """

    def __init__(self,
                 in_channels: int,
                 mid_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 first_dilation: int = 1,
                 dilation: int = 1,
                 project_shortcut: bool = False) -> None:
        super().__init__()
        self.bn_branch2a = nn.BatchNorm2d(in_channels, eps=1e-5)
        self.conv_branch2a = nn.Conv2d(
            in_channels,
            mid_channels,
            3,
            stride=stride,
            padding=first_dilation,
            dilation=first_dilation,
            bias=False)
        self.bn_branch2b1 = nn.BatchNorm2d(mid_channels, eps=1e-5)
        self.conv_branch2b1 = nn.Conv2d(
            mid_channels,
            out_channels,
            3,
            padding=dilation,
            dilation=dilation,
            bias=False)
        self.conv_branch1: Optional[nn.Conv2d] = None
        if project_shortcut:
            self.conv_branch1 = nn.Conv2d(
                in_channels, out_channels, 1, stride=stride, bias=False)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Apply the block.

        Args:
            x: Input of shape (B, in_channels, H, W).

        Returns:
            The block output of shape (B, out_channels, ceil(H / stride),
            ceil(W / stride)) and ``x_bn_relu`` of shape (B, in_channels, H, W).
        """
        x_bn_relu = F.relu(self.bn_branch2a(x))
        shortcut = x if self.conv_branch1 is None else self.conv_branch1(x_bn_relu)
        branch = self.conv_branch2a(x_bn_relu)
        branch = self.conv_branch2b1(F.relu(self.bn_branch2b1(branch)))
        return shortcut + branch, x_bn_relu


class PreActBottleneckBlock(nn.Module):
    """Pre-activation bottleneck block (1x1 -> dilated 3x3 -> 1x1) with Dropout2d.

    ``x_bn_relu = relu(bn_branch2a(x))``; the residual branch is conv1x1
    (out/4) -> BN -> ReLU -> Dropout2d -> dilated conv3x3 (out/2) -> BN -> ReLU ->
    Dropout2d -> conv1x1 (out); the shortcut is always ``conv_branch1(x_bn_relu)``.

    Args:
        in_channels: Input channels.
        mid_channels: Channels after the first 1x1 and after the 3x3 convolution
            (out/4 and out/2 in the official network).
        out_channels: Output channels of the block.
        dilation: Dilation (and padding) of the 3x3 convolution.
        dropout: Dropout2d probability applied before the 3x3 and the last 1x1 conv.
    """

    def __init__(self, in_channels: int, mid_channels: Tuple[int, int],
                 out_channels: int, dilation: int, dropout: float) -> None:
        super().__init__()
        quarter, half = mid_channels
        self.bn_branch2a = nn.BatchNorm2d(in_channels, eps=1e-5)
        self.conv_branch2a = nn.Conv2d(in_channels, quarter, 1, bias=False)
        self.bn_branch2b1 = nn.BatchNorm2d(quarter, eps=1e-5)
        self.dropout_2b1 = nn.Dropout2d(dropout)
        self.conv_branch2b1 = nn.Conv2d(
            quarter, half, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn_branch2b2 = nn.BatchNorm2d(half, eps=1e-5)
        self.dropout_2b2 = nn.Dropout2d(dropout)
        self.conv_branch2b2 = nn.Conv2d(half, out_channels, 1, bias=False)
        self.conv_branch1 = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Apply the block.

        Args:
            x: Input of shape (B, in_channels, H, W).

        Returns:
            The block output of shape (B, out_channels, H, W) and ``x_bn_relu`` of
            shape (B, in_channels, H, W).
        """
        x_bn_relu = F.relu(self.bn_branch2a(x))
        shortcut = self.conv_branch1(x_bn_relu)
        branch = self.conv_branch2a(x_bn_relu)
        branch = self.dropout_2b1(F.relu(self.bn_branch2b1(branch)))
        branch = self.conv_branch2b1(branch)
        branch = self.dropout_2b2(F.relu(self.bn_branch2b2(branch)))
        branch = self.conv_branch2b2(branch)
        return shortcut + branch, x_bn_relu


@MODELS.register_module()
class WideResNet38(BaseModule):
    """Wide ResNet-38 backbone of PSA / EPS (output stride 8).

    The three feature levels are the ones AffinityNet uses:

    - level 0, ``conv4``: ``x_bn_relu`` of block ``b5`` (512 channels at width 1);
    - level 1, ``conv5``: ``x_bn_relu`` of block ``b6`` (1024 channels);
    - level 2, ``conv6``: ``relu(bn7(b7 output))`` (4096 channels).

    All levels have spatial size ceil(H / 8) x ceil(W / 8).

    As in the official code, by default every BatchNorm layer stays in eval mode with
    frozen affine parameters (``norm_eval=True``) and ``conv1a`` plus the ``b2``
    blocks are frozen (``frozen_stages=1``).

    Args:
        widen_factor: Multiplier applied to every channel count (rounded, at least 1).
            1.0 is the official network; small values (e.g. 0.125) give a network for
            tests and CPU demos. The key layout does not depend on it.
        out_indices: Feature levels to return, in this order (0: conv4, 1: conv5,
            2: conv6).
        norm_eval: Keep every BatchNorm layer in eval mode (running statistics) while
            training, with ``requires_grad=False`` on its weight and bias.
        frozen_stages: Number of leading stages to freeze (eval mode and
            ``requires_grad=False``): 0 freezes nothing, 1 freezes ``conv1a`` and
            ``b2``..``b2_2`` (official), 2 adds ``b3``..``b3_2``, 3 adds ``b4``..``b4_5``,
            4 adds ``b5``..``b5_2``, 5 adds ``b6``, 6 adds ``b7`` and ``bn7``.
        init_cfg: mmengine initialisation config. ``None`` uses Kaiming-normal
            convolutions and unit BatchNorm weights; load official weights with
            ``dict(type='Pretrained', checkpoint=..., prefix='backbone.')`` for a
            checkpoint converted from PSA, or without ``prefix`` for the converted
            ImageNet (MXNet) weights.

    Attributes:
        level_channels: Channels of the three levels (conv4, conv5, conv6).
        out_channels: Channels of each returned level, in ``out_indices`` order.
        block_names: Names of the residual blocks in forward order.
        stage_names: Module names of each stage, as frozen by ``frozen_stages``.
    """

    def __init__(self,
                 widen_factor: float = 1.0,
                 out_indices: Sequence[int] = (0, 1, 2),
                 norm_eval: bool = True,
                 frozen_stages: int = 1,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', val=1, layer=['_BatchNorm'])
            ]
        super().__init__(init_cfg=init_cfg)
        if widen_factor <= 0:
            raise ValueError(f'widen_factor must be positive, got {widen_factor}')
        out_indices = tuple(out_indices)
        if not out_indices or any(
                index not in range(len(_LEVEL_NAMES)) for index in out_indices):
            raise ValueError(
                f'out_indices must be a non-empty sequence of 0, 1, 2 '
                f'({", ".join(_LEVEL_NAMES)}), got {out_indices}')
        if frozen_stages not in range(_NUM_STAGES + 1):
            raise ValueError(f'frozen_stages must be in 0..{_NUM_STAGES}, '
                             f'got {frozen_stages}')
        self.widen_factor = widen_factor
        self.out_indices = out_indices
        self.norm_eval = norm_eval
        self.frozen_stages = frozen_stages

        def width(channels: int) -> int:
            return max(1, int(round(channels * widen_factor)))

        self.conv1a = nn.Conv2d(
            3, width(_STEM_CHANNELS), 3, padding=1, bias=False)
        # Residual blocks in forward order, and module names grouped by stage
        # (conv1a belongs to the first stage, bn7 to the last one).
        self.block_names: List[str] = []
        self.stage_names: List[List[str]] = []
        for stage, num_blocks, in_ch, mid_ch, out_ch, stride, dilation in \
                _BASIC_STAGES:
            names = []
            for index in range(num_blocks):
                first = index == 0
                names.append(_block_name(stage, index))
                self.add_module(
                    names[-1],
                    PreActBasicBlock(
                        width(in_ch if first else out_ch),
                        width(mid_ch),
                        width(out_ch),
                        stride=stride if first else 1,
                        first_dilation=1 if first else dilation,
                        dilation=dilation,
                        project_shortcut=first
                        and (in_ch != out_ch or stride != 1)))
            self.block_names.extend(names)
            self.stage_names.append(names)
        for stage, in_ch, out_ch, dilation, dropout in _BOTTLENECK_STAGES:
            name = _block_name(stage, 0)
            self.add_module(
                name,
                PreActBottleneckBlock(
                    width(in_ch), (width(out_ch // 4), width(out_ch // 2)),
                    width(out_ch), dilation, dropout))
            self.block_names.append(name)
            self.stage_names.append([name])
        self.bn7 = nn.BatchNorm2d(width(_BOTTLENECK_STAGES[-1][2]), eps=1e-5)
        self.stage_names[0].insert(0, 'conv1a')
        self.stage_names[-1].append('bn7')

        self.level_channels: Tuple[int, int, int] = (
            width(_BASIC_STAGES[-1][2]),  # conv4: input of b5
            width(_BOTTLENECK_STAGES[0][1]),  # conv5: input of b6
            width(_BOTTLENECK_STAGES[-1][2]))  # conv6: output of b7
        self.out_channels: Tuple[int, ...] = tuple(
            self.level_channels[index] for index in out_indices)
        self._freeze()

    def init_weights(self) -> None:
        """Initialise; a ``Pretrained`` checkpoint must cover at least half of the network.

        mmengine loads ``Pretrained`` weights non-strictly, so a checkpoint of
        another network (or a wrong ``prefix``) would leave it at random: the
        checkpoint's keys are compared first (see
        :func:`~mmwsss.utils.checkpoint.check_checkpoint_coverage`).
        """
        init_cfg = self.init_cfg
        if (isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'
                and not getattr(self, '_is_init', False)):
            checkpoint = CheckpointLoader.load_checkpoint(
                init_cfg['checkpoint'], map_location='cpu', logger='silent')
            state = checkpoint.get('state_dict', checkpoint)
            prefix = init_cfg.get('prefix')
            if prefix:
                prefix = prefix if prefix.endswith('.') else prefix + '.'
                state = {key[len(prefix):]: value for key, value in state.items()
                         if key.startswith(prefix)}
            source = init_cfg['checkpoint'] + (f' (prefix {prefix!r})' if prefix else '')
            check_checkpoint_coverage(self.state_dict(), state, source)
        super().init_weights()

    def _freeze(self) -> None:
        """Set ``requires_grad=False`` on frozen stages and, with ``norm_eval``, BN affine."""
        for names in self.stage_names[:self.frozen_stages]:
            for name in names:
                for param in getattr(self, name).parameters():
                    param.requires_grad = False
        if self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    for param in module.parameters():
                        param.requires_grad = False

    def train(self, mode: bool = True) -> 'WideResNet38':
        """Set the training mode, keeping frozen stages and (``norm_eval``) BN in eval mode.

        Args:
            mode: Training mode for the non-frozen layers.

        Returns:
            This module.
        """
        super().train(mode)
        self._freeze()
        for names in self.stage_names[:self.frozen_stages]:
            for name in names:
                getattr(self, name).eval()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Compute the selected feature levels.

        Args:
            x: Normalised RGB images of shape (B, 3, H, W).

        Returns:
            Tuple with one tensor per entry of ``out_indices``, each of shape
            (B, level_channels[index], ceil(H / 8), ceil(W / 8)); at width 1 the
            levels conv4, conv5 and conv6 have 512, 1024 and 4096 channels.
        """
        x = self.conv1a(x)
        for name in self.block_names:
            x, x_bn_relu = getattr(self, name)(x)
            if name == 'b5':
                conv4 = x_bn_relu
            elif name == 'b6':
                conv5 = x_bn_relu
        conv6 = F.relu(self.bn7(x))
        levels = (conv4, conv5, conv6)
        return tuple(levels[index] for index in self.out_indices)


__all__ = ['PreActBasicBlock', 'PreActBottleneckBlock', 'WideResNet38']
