"""Hooks."""
from .batch_info_hook import BatchInfoHook
from .progress_bar_hook import ProgressBarHook
from .save_cam_hook import SaveCAMHook
from .save_metrics_hook import SaveMetricsHook
from .random_walk_hook import RandomWalkHook
from .save_pseudo_label_hook import SavePseudoLabelHook

__all__ = [
    'BatchInfoHook', 'ProgressBarHook', 'SaveCAMHook', 'SaveMetricsHook', 'RandomWalkHook',
    'SavePseudoLabelHook'
]
