"""Test-time wrapper: average the augmented predictions, then refine with a dense CRF."""
from typing import List, Optional

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import SampleList

from mmwsss.ops.crf import dense_crf
from mmwsss.utils.ranges import POSITIVE, Range, check_settings
from mmwsss.utils.readers import read_image

CRF_CFG_RULES = dict(
    num_iters=Range(1, integer=True), gauss_sxy=POSITIVE, gauss_compat=Range(0),
    bilateral_sxy=POSITIVE, bilateral_srgb=POSITIVE, bilateral_compat=Range(0))
"""What each keyword argument of :func:`dense_crf` accepts in ``crf_cfg``."""


@MODELS.register_module()
class CRFSegTTAModel(SegTTAModel):
    """MMSeg's :class:`SegTTAModel` followed by dense-CRF post-processing.

    The class probabilities of all augmented views (softmax; sigmoid for a
    one-channel head, as ``[1 - p, p]``) are averaged at the original image
    size, refined by :func:`mmwsss.ops.crf.dense_crf` on the original RGB image
    (read from ``img_path``) and labelled by argmax. Un-augmented batches (the
    ordinary test pipeline) are accepted as a single view, so the same wrapper
    gives single-scale + CRF and multi-scale + flip + CRF.

    Args:
        module: Config of the segmentor to wrap.
        crf_cfg: Keyword arguments of :func:`dense_crf` (``num_iters``,
            ``gauss_sxy``, ``gauss_compat``, ``bilateral_sxy``,
            ``bilateral_srgb``, ``bilateral_compat``); defaults are PSA's.
            Other keys and values outside :data:`CRF_CFG_RULES` are refused.
        data_preprocessor: Optional data preprocessor overriding the module's.
    """

    def __init__(self, module: dict, crf_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None) -> None:
        crf_cfg = check_settings(crf_cfg, CRF_CFG_RULES, 'CRFSegTTAModel crf_cfg')
        super().__init__(module=module, data_preprocessor=data_preprocessor)
        self.crf_cfg = crf_cfg

    def test_step(self, data: dict) -> SampleList:
        """Predict augmented (TTA) or plain batches.

        Args:
            data: A TTA batch (``inputs`` is a list over views of lists over
                images) or a plain batch (``inputs`` is a list over images).

        Returns:
            One sample per image with ``pred_sem_seg`` (1, H, W).
        """
        if not isinstance(data['inputs'][0], (list, tuple)):
            data = {key: [value] for key, value in data.items()}
        return super().test_step(data)

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        """Average the views of each image and refine with the dense CRF.

        Args:
            data_samples_list: Per image, its V predicted views, each with
                ``seg_logits`` (K, H, W) at the original size.

        Returns:
            Per image a sample with the first view's meta information,
            ``gt_sem_seg`` when present and ``pred_sem_seg`` (1, H, W).
        """
        predictions = []
        for views in data_samples_list:
            probs = torch.stack([self._probabilities(view) for view in views]).mean(0)
            first = views[0]
            if 'img_path' not in first:
                raise KeyError("CRFSegTTAModel reads the image from the sample's "
                               'img_path: keep img_path in the pack meta_keys')
            image = read_image(first.img_path, first.metainfo.get('img_id'),
                               channel_order='rgb')
            if image.shape[:2] != tuple(probs.shape[1:]):
                raise ValueError(
                    f'{first.img_path}: image is {image.shape[:2]}, predictions '
                    f'{tuple(probs.shape[1:])}; the CRF needs predictions at the '
                    'original size')
            marginals = dense_crf(image, probs.cpu().numpy(), **self.crf_cfg)
            label = torch.from_numpy(np.asarray(marginals.argmax(axis=0), dtype=np.int64))
            result = SegDataSample(metainfo=first.metainfo)
            result.pred_sem_seg = PixelData(data=label[None].to(probs.device))
            if 'gt_sem_seg' in first:
                result.gt_sem_seg = first.gt_sem_seg
            predictions.append(result)
        return predictions

    def _probabilities(self, view: SegDataSample) -> torch.Tensor:
        """Class probabilities (K, H, W) of one view (K >= 2)."""
        logits = view.seg_logits.data
        if self.module.out_channels == 1:
            foreground = logits.sigmoid()
            return torch.cat([1 - foreground, foreground])
        return logits.softmax(dim=0)
