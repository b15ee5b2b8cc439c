"""EPS classification head: C + 1 outputs supervised by image labels and saliency."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from mmwsss.ops.saliency_loss import eps_saliency_loss
from mmwsss.utils.ranges import UNIT_OPEN, Range, check_setting

from .cam_head import CAMHead, stack_img_labels


def stack_saliency(data_samples: Sequence[SegDataSample]) -> Tensor:
    """Stack the ``gt_saliency`` maps of a batch at the batch input size.

    Each map is zero-padded at the bottom and right to the sample's
    ``batch_input_shape`` (set by the data preprocessor, which pads the images
    the same way), so that it stays aligned with the padded image.

    Args:
        data_samples: Samples packed by ``PackWSSSInputs`` with ``gt_saliency``
            of shape (1, H_i, W_i) in [0, 1].

    Returns:
        Saliency maps of shape (B, 1, H, W).
    """
    maps = []
    for sample in data_samples:
        if 'gt_saliency' not in sample:
            raise KeyError(
                'data samples carry no gt_saliency: add LoadSaliencyMap to the '
                "pipeline and set data_prefix['saliency_path'] in the dataset")
        saliency = sample.gt_saliency.data
        height, width = sample.metainfo.get('batch_input_shape', saliency.shape[-2:])
        if saliency.shape[-2] > height or saliency.shape[-1] > width:
            raise ValueError(f'saliency map of shape {tuple(saliency.shape)} is larger '
                             f'than the batch input ({height}, {width})')
        maps.append(F.pad(saliency, (0, width - saliency.shape[-1],
                                     0, height - saliency.shape[-2])))
    try:
        return torch.stack(maps)
    except RuntimeError as error:
        raise ValueError('saliency maps of one batch differ in size and carry no '
                         'batch_input_shape') from error


@MODELS.register_module()
class EPSHead(CAMHead):
    """EPS head: a CAM head with a background channel and a saliency loss.

    A 1x1 convolution (no bias, Xavier-uniform init) maps the features to C + 1
    CAM logits, the last channel being the background (docs/method.md#eps):

    - ``forward``: the first C logits after global average pooling, shape (B, C);
    - ``loss``: ``loss_cls``, the multi-label soft margin loss on these logits,
      and ``loss_sal``, :func:`~mmwsss.ops.saliency_loss.eps_saliency_loss` of
      the CAM logits (B, C + 1, h, w); the total is their unweighted sum;
    - ``cams``: the softmax over the C + 1 channels, foreground channels only,
      which :class:`CAMClassifier` aggregates over scales and flips exactly like
      ReLU CAMs (label mask, sum, division by the maximum, background score 0.2).

    The official EPS network has no dropout before pooling (PSA's CAM head has
    Dropout2d(0.5)); ``dropout_ratio`` defaults to 0. Because pooling and the
    1x1 convolution are both linear, pooling the CAM logits equals applying the
    convolution to the pooled features.

    Args:
        in_channels: Channels of the selected feature level.
        num_classes: Number of foreground classes C; the convolution has C + 1
            output channels.
        in_index: Which backbone output to use.
        dropout_ratio: Dropout2d probability on the features in training.
        tau: Overlap threshold of the saliency loss (official scripts 0.4),
            in (0, 1).
        lam: Weight of the foreground map in the saliency loss (0.5 for VOC,
            0.9 for COCO), in [0, 1].
        init_cfg: Xavier-uniform on the 1x1 conv by default.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 in_index: int = -1,
                 dropout_ratio: float = 0.0,
                 tau: float = 0.4,
                 lam: float = 0.5,
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(
                     type='Xavier', layer='Conv2d', distribution='uniform')) -> None:
        super().__init__(in_channels, num_classes + 1, in_index=in_index,
                         dropout_ratio=dropout_ratio, init_cfg=init_cfg)
        self.num_classes = num_classes
        self.tau = check_setting('tau', tau, UNIT_OPEN, 'EPSHead')
        self.lam = check_setting('lam', lam, Range(0, 1), 'EPSHead')

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Foreground classification logits.

        Args:
            inputs: Backbone outputs; ``inputs[in_index]`` is (B, in_channels, h, w).

        Returns:
            Logits of shape (B, C).
        """
        return super().forward(inputs)[:, :self.num_classes]

    def cam_logits(self, inputs: Sequence[Tensor]) -> Tensor:
        """CAM logits of the C + 1 channels, no ReLU, no dropout.

        Args:
            inputs: Backbone outputs.

        Returns:
            Logits of shape (B, C + 1, h, w), background last.
        """
        return self.conv_cam(inputs[self.in_index])

    def cams(self, inputs: Sequence[Tensor]) -> Tensor:
        """Foreground probabilities, the maps EPS inference aggregates.

        Args:
            inputs: Backbone outputs.

        Returns:
            Softmax over the C + 1 channels, first C channels, shape (B, C, h, w).
        """
        return self.cam_logits(inputs).softmax(dim=1)[:, :self.num_classes]

    def loss(self, inputs: Sequence[Tensor], data_samples: Sequence[SegDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, Tensor]:
        """Classification and saliency losses.

        Args:
            inputs: Backbone outputs.
            data_samples: Samples with ``gt_img_labels`` (C,) and ``gt_saliency``
                (1, H, W).
            train_cfg: Unused, for the head contract.

        Returns:
            ``loss_cls``, ``loss_sal`` and the multi-label accuracy ``acc_cls``
            (not optimised).
        """
        logits_cam = self.conv_cam(self.dropout(inputs[self.in_index]))
        logits = F.adaptive_avg_pool2d(logits_cam, 1).flatten(1)[:, :self.num_classes]
        labels = stack_img_labels(data_samples).to(logits)
        saliency = stack_saliency(data_samples).to(logits)
        accuracy = ((logits > 0).float() == labels).float().mean()
        return dict(
            loss_cls=F.multilabel_soft_margin_loss(logits, labels),
            loss_sal=eps_saliency_loss(logits_cam, saliency, labels, self.tau, self.lam),
            acc_cls=accuracy.detach())
