"""DeepLab-v2's classifier: ASPP of dilated 3x3 convolutions to the classes, summed."""
from typing import List, Sequence, Union

import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class ASPPSumHead(BaseDecodeHead):
    """DeepLab-v2's atrous spatial pyramid pooling (Chen et al., TPAMI 2018).

    Parallel 3x3 convolutions with biases, one per dilation rate (6, 12, 18,
    24 in DeepLab-v2 "ASPP-L"), each from the backbone's last features
    straight to the class scores; the branch outputs are summed. No
    projection, batch norm or image pooling (MMSeg's ``ASPPHead`` is
    DeepLab-v3's). Weights start as DeepLab-v2's: normal with std 0.01, biases 0.

    Args:
        dilations: Dilation (and padding) of each branch.
        **kwargs: Arguments of ``BaseDecodeHead`` (``in_channels``,
            ``num_classes``, ``dropout_ratio``, ``loss_decode``, ...);
            ``channels`` is not used (the branches end at the classes),
            defaults to ``in_channels``; ``dropout_ratio`` defaults to 0
            (DeepLab-v2's ResNet-101 has no dropout before the ASPP).
    """

    def __init__(self, dilations: Sequence[int] = (6, 12, 18, 24), **kwargs) -> None:
        kwargs.setdefault('channels', kwargs.get('in_channels'))
        kwargs.setdefault('dropout_ratio', 0.0)
        kwargs.setdefault('init_cfg', dict(type='Normal', std=0.01, bias=0, layer='Conv2d'))
        super().__init__(**kwargs)
        del self.conv_seg  # the branches are the classifier
        self.aspp = nn.ModuleList(
            nn.Conv2d(self.in_channels, self.out_channels, 3, padding=rate, dilation=rate)
            for rate in dilations)

    def forward(self, inputs: Union[List[Tensor], Tensor]) -> Tensor:
        """Class scores (B, num_classes, h, w) of the selected features (B, C, h, w)."""
        features = self._transform_inputs(inputs)
        if self.dropout is not None:
            features = self.dropout(features)
        return sum(conv(features) for conv in self.aspp)
