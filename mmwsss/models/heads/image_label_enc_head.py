"""EncNet head whose SE-loss target is the image-level labels.

See docs/method.md#encnet-se-loss-target.
"""
from typing import List, Tuple, Union

import torch
from mmseg.models.decode_heads import EncHead
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

SE_TARGETS = ('image_labels', 'histogram')
"""Sources of the SE-loss target: the data sample's image-level labels, or
MMSeg's per-image histogram of ``gt_sem_seg``."""


def image_label_se_targets(batch_data_samples: SampleList, num_classes: int) -> Tensor:
    """SE-loss targets from the image-level labels, background counted present.

    Args:
        batch_data_samples: B samples, each with ``gt_img_labels``, a float
            multi-hot tensor (C,) over the foreground classes (set by
            ``PackWSSSInputs``).
        num_classes: Number of segmentation classes K = C + 1 (background first).

    Returns:
        float tensor (B, K): column 0 (background) is 1, column c is
        ``gt_img_labels[c - 1]``.

    Raises:
        KeyError: a sample has no ``gt_img_labels``.
        ValueError: a label vector does not have K - 1 entries.
    """
    targets: List[Tensor] = []
    for index, sample in enumerate(batch_data_samples):
        if 'gt_img_labels' not in sample:
            raise KeyError(
                f'data sample {index} ({sample.metainfo.get("img_path", "no img_path")}) has '
                'no gt_img_labels: pack the training data with PackWSSSInputs')
        labels = torch.as_tensor(sample.gt_img_labels, dtype=torch.float32).reshape(-1)
        if labels.numel() != num_classes - 1:
            raise ValueError(
                f'gt_img_labels of sample {index} has {labels.numel()} classes, the head '
                f'{num_classes} (background + {num_classes - 1} expected)')
        targets.append(torch.cat([labels.new_ones(1), labels]))
    return torch.stack(targets)


@MODELS.register_module()
class ImageLabelEncHead(EncHead):
    """MMSeg's :class:`EncHead` with the SE-loss target from the image-level labels.

    EncNet's semantic-encoding (SE) loss predicts which classes an image
    contains. MMSeg's ``EncHead`` derives that target from the histogram of
    ``gt_sem_seg``; when ``gt_sem_seg`` holds pseudo labels, a class the pseudo
    labels miss or invent makes the target wrong, although the true image-level
    labels are known in weak supervision. This head takes the target from
    ``data_sample.gt_img_labels`` (background counted present), see
    :func:`image_label_se_targets`. The pixel loss (``loss_ce``) is computed on
    ``gt_sem_seg`` (the pseudo labels) and everything else is ``EncHead``'s.
    The image-level labels describe the whole image: after a random crop they
    may name a class that lies outside the crop, where the histogram target
    would say absent.

    Args:
        se_target: ``'image_labels'`` (default), or ``'histogram'`` for MMSeg's
            ``EncHead`` behaviour (the comparison experiment).
        **kwargs: Arguments of :class:`EncHead` (``num_codes``, ``use_se_loss``,
            ``add_lateral``, ``loss_se_decode``) and of ``BaseDecodeHead``.
    """

    def __init__(self, se_target: str = 'image_labels', **kwargs) -> None:
        if se_target not in SE_TARGETS:
            raise ValueError(f'se_target must be one of {SE_TARGETS}, got {se_target!r}')
        super().__init__(**kwargs)
        self.se_target = se_target

    def loss_by_feat(self, seg_logit: Union[Tensor, Tuple[Tensor, Tensor]],
                     batch_data_samples: SampleList, **kwargs) -> dict:
        """Pixel loss on ``gt_sem_seg`` and SE-loss on the configured target.

        Args:
            seg_logit: ``(seg_logits (B, K, h, w), se_logits (B, K))`` from
                :meth:`forward`, or the seg logits alone without the SE-loss.
            batch_data_samples: B samples with ``gt_sem_seg`` and, for the
                image-label target, ``gt_img_labels``.

        Returns:
            ``loss_ce`` (or the names of ``loss_decode``), ``acc_seg`` and, with
            the SE-loss, ``loss_se``.
        """
        if not self.use_se_loss:
            return BaseDecodeHead.loss_by_feat(self, seg_logit, batch_data_samples)
        if self.se_target == 'histogram':
            return super().loss_by_feat(seg_logit, batch_data_samples, **kwargs)
        seg_logit, se_logit = seg_logit
        losses = BaseDecodeHead.loss_by_feat(self, seg_logit, batch_data_samples)
        targets = image_label_se_targets(batch_data_samples, self.num_classes)
        losses['loss_se'] = self.loss_se_decode(se_logit, targets.to(se_logit.device))
        return losses
