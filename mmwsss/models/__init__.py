"""Registered models: backbones, heads, losses and segmentors."""
from .backbones import WideResNet38
from .heads import AffinityHead, CAMHead, EPSHead, ImageLabelEncHead
from .segmentors import (AffinityNet, CAMClassifier, CRFSegTTAModel,
                         MultiScaleInputEncoderDecoder)
from .losses import PairAffinityLoss

__all__ = [
    'WideResNet38', 'CAMHead', 'EPSHead', 'CAMClassifier', 'ImageLabelEncHead',
    'CRFSegTTAModel', 'AffinityHead', 'PairAffinityLoss', 'AffinityNet',
    'MultiScaleInputEncoderDecoder'
]
