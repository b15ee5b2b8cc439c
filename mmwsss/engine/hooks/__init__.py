"""Hooks."""
from .progress_bar_hook import ProgressBarHook
from .save_cam_hook import SaveCAMHook
from .save_metrics_hook import SaveMetricsHook
from .random_walk_hook import RandomWalkHook
from .save_pseudo_label_hook import SavePseudoLabelHook
from .save_walk_affinity_hook import SaveWalkAffinityHook

__all__ = [
    'ProgressBarHook', 'SaveCAMHook', 'SaveMetricsHook', 'RandomWalkHook',
    'SavePseudoLabelHook', 'SaveWalkAffinityHook'
]
