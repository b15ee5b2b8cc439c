"""Registered models: backbones, heads, losses and segmentors."""
from .backbones import WideResNet38
from .heads import CAMHead
from .segmentors import CAMClassifier

__all__ = ['WideResNet38', 'CAMHead', 'CAMClassifier']
