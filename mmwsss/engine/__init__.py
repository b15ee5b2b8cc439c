"""Hooks of the training and inference loops."""
from .hooks import ProgressBarHook, SaveCAMHook, SaveMetricsHook

__all__ = ['ProgressBarHook', 'SaveCAMHook', 'SaveMetricsHook']
