"""Hooks."""
from .progress_bar_hook import ProgressBarHook
from .save_cam_hook import SaveCAMHook
from .save_metrics_hook import SaveMetricsHook

__all__ = ['ProgressBarHook', 'SaveCAMHook', 'SaveMetricsHook']
