"""AffinityNet's head: affinity features from three backbone levels (PSA)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor, nn

from mmwsss.ops.affinity import pairwise_affinity
from mmwsss.ops.pair_indices import extract_pair_labels
from mmwsss.utils.ranges import Range, check_setting

DEFAULT_INIT_CFG = dict(
    type='Kaiming', layer='Conv2d', a=0, mode='fan_in', nonlinearity='leaky_relu',
    distribution='normal',
    override=dict(type='Xavier', name='conv_f9', gain=4, distribution='uniform'))
"""PSA's initialisation: ``torch.nn.init.kaiming_normal_`` defaults for the three
branches, Xavier-uniform with gain 4 for ``conv_f9``."""

_BRANCH_NAMES = ('conv_f8_3', 'conv_f8_4', 'conv_f8_5')


def stack_affinity_labels(data_samples: Sequence[SegDataSample]) -> Tensor:
    """Stack the ``gt_affinity_label`` maps of a batch.

    Args:
        data_samples: Samples packed by ``PackWSSSInputs``.

    Returns:
        Long tensor (B, h, w) with values 0..C and 255.
    """
    try:
        return torch.stack([sample.gt_affinity_label.data[0] for sample in data_samples]).long()
    except AttributeError as error:
        raise KeyError('data samples carry no gt_affinity_label: put LoadAffinityScores '
                       'and AffinityLabelFromScores in the training pipeline') from error


@MODELS.register_module()
class AffinityHead(BaseModule):
    """Affinity features of AffinityNet (docs/method.md#affinitynet).

    Three backbone levels (ResNet-38: conv4, conv5, conv6 with 512, 1024 and
    4096 channels) each go through a 1x1 convolution and ELU (64, 128 and
    256 channels: ``conv_f8_3``, ``conv_f8_4``, ``conv_f8_5``); the
    concatenation (448) goes through a 1x1 convolution ``conv_f9`` (448 ->
    448) and ELU. No biases. The parameter names match the official ``f8_3``
    .. ``f9`` after :func:`~mmwsss.models.backbones.convert_official_checkpoint`.

    Any MMSeg backbone whose selected levels share one spatial size works:
    set ``in_index`` and ``in_channels`` to its levels (e.g. ``ResNetV1c``
    with ``out_indices=(1, 2, 3)``: ``in_channels=(512, 1024, 2048)``) and
    ``channels`` to the branch widths (the official 64/128/256 regardless of
    the backbone width by default; a narrow backbone may use narrower
    branches).

    Args:
        in_channels: Channels of the three selected levels.
        channels: Output channels of the three branches.
        in_index: Indices of the three levels in the backbone outputs.
        out_channels: Channels of the affinity features (``conv_f9``);
            None: ``sum(channels)`` (448).
        radius: Pair radius r of the affinities (5; an integer >= 2).
        loss_decode: Loss config (``PairAffinityLoss``).
        init_cfg: Initialisation; PSA's by default (``DEFAULT_INIT_CFG``).
    """

    def __init__(self,
                 in_channels: Sequence[int] = (512, 1024, 4096),
                 channels: Sequence[int] = (64, 128, 256),
                 in_index: Sequence[int] = (0, 1, 2),
                 out_channels: Optional[int] = None,
                 radius: int = 5,
                 loss_decode: dict = dict(type='PairAffinityLoss'),
                 init_cfg: Optional[Union[dict, List[dict]]] = DEFAULT_INIT_CFG) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels), ('channels', channels),
                            ('in_index', in_index)):
            if len(value) != len(_BRANCH_NAMES):
                raise ValueError(f'{name} must have {len(_BRANCH_NAMES)} entries '
                                 f'(one per level), got {tuple(value)}')
        self.in_channels = tuple(in_channels)
        self.channels = tuple(channels)
        self.in_index = tuple(in_index)
        self.out_channels = out_channels or sum(self.channels)
        self.radius = check_setting('radius', radius, Range(2, integer=True), 'AffinityHead')
        for name, in_ch, out_ch in zip(_BRANCH_NAMES, self.in_channels, self.channels):
            self.add_module(name, nn.Conv2d(in_ch, out_ch, 1, bias=False))
        self.conv_f9 = nn.Conv2d(sum(self.channels), self.out_channels, 1, bias=False)
        self.loss_decode = MODELS.build(loss_decode)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Compute the affinity features.

        Args:
            inputs: Backbone outputs; ``inputs[in_index[i]]`` is
                (B, in_channels[i], h, w), the same h x w for the three.

        Returns:
            Features (B, out_channels, h, w).
        """
        levels = [inputs[index] for index in self.in_index]
        sizes = {tuple(level.shape[-2:]) for level in levels}
        if len(sizes) != 1:
            raise ValueError(f'AffinityHead needs levels of one spatial size, got '
                             f'{[tuple(level.shape[-2:]) for level in levels]} '
                             f'(in_index {self.in_index})')
        branches = [F.elu(getattr(self, name)(level))
                    for name, level in zip(_BRANCH_NAMES, levels)]
        return F.elu(self.conv_f9(torch.cat(branches, dim=1)))

    def affinity(self, inputs: Sequence[Tensor]) -> Tensor:
        """Affinities ``exp(-mean_c |f_i - f_j|)`` of the radius pairs.

        Args:
            inputs: Backbone outputs.

        Returns:
            Affinities (B, K, P) (34 offsets for radius 5), see
            :func:`~mmwsss.ops.affinity.pairwise_affinity`.
        """
        return pairwise_affinity(self(inputs), self.radius)

    def loss(self, inputs: Sequence[Tensor], data_samples: Sequence[SegDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, Tensor]:
        """Pair loss against the affinity labels of the samples.

        Args:
            inputs: Backbone outputs.
            data_samples: Samples with ``gt_affinity_label`` (1, h, w) at the
                feature resolution.
            train_cfg: Unused, for the head contract.

        Returns:
            The losses of ``loss_decode`` (``loss_aff`` and the logged terms).
        """
        affinity = self.affinity(inputs)
        labels = stack_affinity_labels(data_samples).to(affinity.device)
        feature_size = tuple(inputs[self.in_index[0]].shape[-2:])
        if tuple(labels.shape[-2:]) != feature_size:
            raise ValueError(
                f'affinity labels of size {tuple(labels.shape[-2:])} do not match '
                f'the features {feature_size}: AffinityLabelFromScores(stride) must '
                'use the backbone\'s output stride')
        bg_pos, fg_pos, neg = extract_pair_labels(labels, self.radius)
        return self.loss_decode(affinity, bg_pos, fg_pos, neg)
