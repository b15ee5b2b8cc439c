"""Segmentors (models run by mmengine's Runner)."""
from .cam_classifier import CAMClassifier
from .crf_seg_tta_model import CRFSegTTAModel
from .affinity_net import AffinityNet
from .multi_scale_input_encoder_decoder import MultiScaleInputEncoderDecoder

__all__ = [
    'CAMClassifier', 'CRFSegTTAModel', 'AffinityNet', 'MultiScaleInputEncoderDecoder'
]
