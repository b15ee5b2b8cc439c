"""Classification head that yields class activation maps (CAMs)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from mmwsss.ops.cam import cam_from_features


def stack_img_labels(data_samples: Sequence[SegDataSample]) -> Tensor:
    """Stack the ``gt_img_labels`` of a batch.

    Args:
        data_samples: Samples packed by ``PackWSSSInputs``.

    Returns:
        Multi-hot labels of shape (B, C).
    """
    try:
        return torch.stack([sample.gt_img_labels for sample in data_samples])
    except AttributeError as error:
        raise KeyError('data samples carry no gt_img_labels: use PackWSSSInputs '
                       'in the pipeline') from error


@MODELS.register_module()
class CAMHead(BaseModule):
    """Global average pooling + 1x1 convolution classifier (PSA / IRNet CAM head).

    Training: features -> Dropout2d -> global average pooling -> 1x1 conv (no
    bias) -> multi-label soft margin loss against the image-level labels.
    CAMs: ``relu(conv2d(features, conv_cam.weight))``, no dropout.

    Args:
        in_channels: Channels of the selected feature level.
        num_classes: Number of outputs (C foreground classes; C + 1 for EPS).
        in_index: Which backbone output to use.
        dropout_ratio: Dropout2d probability before pooling (0.5 in PSA).
        loss_weight: Weight of the classification loss.
        init_cfg: Xavier-uniform on the 1x1 conv by default.
    """

    num_classes_include_background = False
    """``num_classes`` counts the foreground classes of the image-level labels."""

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 in_index: int = -1,
                 dropout_ratio: float = 0.5,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(
                     type='Xavier', layer='Conv2d', distribution='uniform')) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.in_index = in_index
        self.loss_weight = loss_weight
        self.dropout = nn.Dropout2d(dropout_ratio)
        self.conv_cam = nn.Conv2d(in_channels, num_classes, 1, bias=False)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Classification logits.

        Args:
            inputs: Backbone outputs; ``inputs[in_index]`` is (B, in_channels, h, w).

        Returns:
            Logits of shape (B, num_classes).
        """
        x = self.dropout(inputs[self.in_index])
        x = F.adaptive_avg_pool2d(x, 1)
        return self.conv_cam(x).flatten(1)

    def cams(self, inputs: Sequence[Tensor]) -> Tensor:
        """Class activation maps, ``relu(conv2d(features, weight))``.

        Args:
            inputs: Backbone outputs.

        Returns:
            CAMs of shape (B, num_classes, h, w).
        """
        return cam_from_features(inputs[self.in_index], self.conv_cam.weight)

    def loss(self, inputs: Sequence[Tensor], data_samples: Sequence[SegDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, Tensor]:
        """Multi-label soft margin loss on the image-level labels.

        Args:
            inputs: Backbone outputs.
            data_samples: Samples with ``gt_img_labels`` of shape (C,).
            train_cfg: Unused, for the head contract.

        Returns:
            ``loss_cls`` and the multi-label accuracy ``acc_cls`` (not optimised).
        """
        logits = self(inputs)
        labels = stack_img_labels(data_samples).to(logits)
        loss = F.multilabel_soft_margin_loss(logits, labels)
        accuracy = ((logits > 0).float() == labels).float().mean()
        return dict(loss_cls=loss * self.loss_weight, acc_cls=accuracy.detach())
