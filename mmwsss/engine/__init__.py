"""Hooks of the training and inference loops, parameter schedulers."""
from .hooks import ProgressBarHook, SaveCAMHook, SaveMetricsHook
from .hooks import RandomWalkHook, SavePseudoLabelHook
from .schedulers import PSAPolyLR

__all__ = [
    'ProgressBarHook', 'SaveCAMHook', 'SaveMetricsHook', 'RandomWalkHook',
    'SavePseudoLabelHook', 'PSAPolyLR'
]
