"""MMSeg's EncoderDecoder trained on DeepLab-v2's multi-scale inputs (MSC)."""
from typing import List, Sequence

import torch
import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import SampleList, add_prefix
from torch import Tensor

from mmwsss.ops.multi_scale_inputs import (DEFAULT_MSC_SCALES, check_msc_scales,
                                           multi_scale_input_logits, multi_scale_input_losses)


@MODELS.register_module()
class MultiScaleInputEncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` whose training sees every crop at several input scales.

    DeepLab-v2's "MSC" (Chen et al., TPAMI 2018; deeplab-pytorch
    ``libs/models/msc.py``): the network runs on the crop at scale 1 and at
    each of ``scales``, the logits of the smaller inputs are upsampled to the
    full-scale logits and max-fused
    (:func:`~mmwsss.ops.multi_scale_inputs.multi_scale_input_logits`); the
    loss is the sum of the decode head's ``loss_decode`` over the full-scale,
    the smaller and the fused logits, each against the labels resized by
    nearest neighbour to its size
    (:func:`~mmwsss.ops.multi_scale_inputs.multi_scale_input_losses`).
    Logged as ``decode.loss_scale{s}`` per scale and ``decode.loss_fused``.

    Inference is ``EncoderDecoder``'s (one scale; multi-scale testing is the
    test-time augmentation) unless ``fuse_at_test``: then the fused logits of
    the same scales, as deeplab-pytorch's evaluation of its MSC model.

    Args:
        scales: Input scales besides 1, each in (0, 1] (DeepLab-v2: 0.5, 0.75).
        fuse_at_test: Predict from the fused logits.
        **kwargs: ``EncoderDecoder``'s arguments; no ``auxiliary_head``.

    Raises:
        ValueError: an auxiliary head, or a scale outside (0, 1].
    """

    def __init__(self, scales: Sequence[float] = DEFAULT_MSC_SCALES,
                 fuse_at_test: bool = False, **kwargs) -> None:
        if kwargs.get('auxiliary_head') is not None:
            raise ValueError('MultiScaleInputEncoderDecoder: auxiliary_head is not supported '
                             '(DeepLab-v2 has none)')
        check_msc_scales(scales, 'MultiScaleInputEncoderDecoder scales')
        super().__init__(**kwargs)
        self.scales = tuple(float(scale) for scale in scales)
        self.fuse_at_test = fuse_at_test

    def _logits(self, inputs: Tensor) -> Tensor:
        """The decode head's logits (B, C, h, w) of images (B, 3, H, W)."""
        return self.decode_head.forward(self.extract_feat(inputs))

    def _head_loss(self, logits: Tensor, labels: Tensor) -> Tensor:
        """The decode head's ``loss_decode`` (every term) of logits against labels."""
        head = self.decode_head
        terms = (head.loss_decode if isinstance(head.loss_decode, nn.ModuleList)
                 else [head.loss_decode])
        return sum(term(logits, labels, ignore_index=head.ignore_index) for term in terms)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of the full-scale, smaller-scale and fused logits of a batch.

        Args:
            inputs: Images (B, 3, H, W).
            data_samples: Samples with ``gt_sem_seg`` (1, H, W).

        Returns:
            ``decode.loss_scale1.0``, ``decode.loss_scale{s}`` per scale,
            ``decode.loss_fused`` (mmengine optimises their sum).
        """
        labels = torch.stack([sample.gt_sem_seg.data[0] for sample in data_samples])
        outputs = multi_scale_input_logits(self._logits, inputs, self.scales)
        names = [f'loss_scale{scale}' for scale in (1.0, ) + self.scales] + ['loss_fused']
        losses = multi_scale_input_losses(outputs, labels, self._head_loss)
        return add_prefix(dict(zip(names, losses)), 'decode')

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Logits at the input size: ``EncoderDecoder``'s, or the fused ones with
        ``fuse_at_test``."""
        if not self.fuse_at_test:
            return super().encode_decode(inputs, batch_img_metas)
        fused = multi_scale_input_logits(self._logits, inputs, self.scales)[-1]
        return self.decode_head.predict_by_feat(fused, batch_img_metas)
