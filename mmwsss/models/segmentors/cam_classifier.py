"""Classifier trained on image-level labels whose prediction is CAMs."""
from typing import List, Optional, Sequence

from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from mmwsss.models.segmentors.wsss_segmentor import WSSSSegmentor
from mmwsss.ops.cam import (cam_pseudo_label, merge_multiscale_cams,
                            multiscale_flip_inputs, normalize_cams)
from mmwsss.utils.ranges import POSITIVE, UNIT_OPEN, Each, Flag


@MODELS.register_module()
class CAMClassifier(WSSSSegmentor):
    """Multi-label classifier (any MMSeg backbone + :class:`CAMHead`).

    ``loss`` trains the classifier on ``gt_img_labels``. ``predict`` runs the
    multi-scale + flip CAM inference of PSA (docs/method.md#cam) on each image and
    stores on its data sample:

    - ``pred_cams``: ``PixelData`` (C, H, W), CAMs normalised by their maximum,
      zero for absent classes, at the original image size;
    - ``pred_sem_seg``: the CAM-only pseudo label, argmax over
      [``bg_score``; CAMs], values 0..C.

    Args:
        backbone: Backbone config.
        decode_head: CAM head config.
        data_preprocessor: ``SegDataPreProcessor`` config.
        train_cfg: Unused, for the segmentor contract.
        test_cfg: ``scales`` (positive), ``flip`` and ``bg_score`` (in (0, 1))
            of the CAM inference.
        init_cfg: Initialisation config.
    """

    DEFAULT_TEST_CFG = dict(scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_score=0.2)
    TEST_CFG_RULES = dict(scales=Each(POSITIVE), flip=Flag(), bg_score=UNIT_OPEN)

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Raw single-scale CAMs (B, C, h, w) at feature resolution."""
        return self.decode_head.cams(self.extract_feat(inputs))

    def _forward(self, inputs: Tensor,
                 data_samples: Optional[List[SegDataSample]] = None) -> Tensor:
        """Classification logits (B, C)."""
        return self.decode_head(self.extract_feat(inputs))

    def multiscale_cams(self, img: Tensor, labels: Tensor) -> Tensor:
        """Summed multi-scale + flip CAMs of one image (not yet normalised).

        Args:
            img: Normalised image (3, H, W), padding removed.
            labels: Multi-hot labels (C,).

        Returns:
            CAMs of shape (C, H, W), zero for absent classes.
        """
        cams, flips = [], []
        for scaled, flipped in multiscale_flip_inputs(
                img[None], self.test_cfg['scales'], self.test_cfg['flip']):
            cams.append(self.encode_decode(scaled, [])[0])
            flips.append(flipped)
        return merge_multiscale_cams(cams, flips, img.shape[-2:], labels)

    def predict(self, inputs: Tensor,
                data_samples: Optional[Sequence[SegDataSample]] = None
                ) -> List[SegDataSample]:
        """Multi-scale + flip CAMs and CAM-only pseudo labels (see the class doc)."""
        if data_samples is None:
            raise ValueError('CAMClassifier.predict needs data samples with gt_img_labels')
        for img, sample in zip(inputs, data_samples):
            height, width = sample.metainfo['img_shape'][:2]
            labels = sample.gt_img_labels.to(img)
            cams = normalize_cams(self.multiscale_cams(img[:, :height, :width], labels))
            sample.pred_cams = PixelData(data=cams)
            sample.pred_sem_seg = PixelData(
                data=cam_pseudo_label(cams, self.test_cfg['bg_score'])[None])
        return list(data_samples)

