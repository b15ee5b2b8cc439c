"""Classifier trained on image-level labels whose prediction is CAMs."""
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.structures import PixelData
from mmseg.models.segmentors import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor

from mmwsss.ops.cam import (cam_pseudo_label, merge_multiscale_cams,
                            multiscale_flip_inputs, normalize_cams)

DEFAULT_TEST_CFG = dict(scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_score=0.2)


@MODELS.register_module()
class CAMClassifier(BaseSegmentor):
    """Multi-label classifier (any MMSeg backbone + :class:`CAMHead`).

    ``loss`` trains the classifier on ``gt_img_labels``. ``predict`` runs the
    multi-scale + flip CAM inference of PSA (SPEC section 2) on each image and
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
        test_cfg: ``scales``, ``flip`` and ``bg_score`` of the CAM inference.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 data_preprocessor: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.decode_head = MODELS.build(decode_head)
        self.train_cfg = train_cfg
        self.test_cfg = dict(DEFAULT_TEST_CFG, **(test_cfg or {}))
        unknown = set(self.test_cfg) - set(DEFAULT_TEST_CFG)
        if unknown:
            raise KeyError(f'unknown CAMClassifier test_cfg keys: {sorted(unknown)}')

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Backbone features of images (B, 3, H, W)."""
        return tuple(self.backbone(inputs))

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Raw single-scale CAMs (B, C, h, w) at feature resolution."""
        return self.decode_head.cams(self.extract_feat(inputs))

    def loss(self, inputs: Tensor, data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        """Multi-label classification losses."""
        return self.decode_head.loss(self.extract_feat(inputs), data_samples, self.train_cfg)

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

