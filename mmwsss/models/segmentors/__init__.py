"""Segmentors (models run by mmengine's Runner)."""
from .cam_classifier import CAMClassifier
from .crf_seg_tta_model import CRFSegTTAModel
from .affinity_net import AffinityNet

__all__ = [
    'CAMClassifier', 'CRFSegTTAModel', 'AffinityNet'
]
