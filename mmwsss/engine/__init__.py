"""Hooks of the training and inference loops, parameter schedulers, the pipeline."""
from .hooks import ProgressBarHook, SaveCAMHook, SaveMetricsHook
from .hooks import RandomWalkHook, SavePseudoLabelHook
from .make_affinity_labels import make_affinity_labels
from .pipeline import is_pipeline_config, run_pipeline
from .schedulers import PSAPolyLR

__all__ = [
    'ProgressBarHook', 'SaveCAMHook', 'SaveMetricsHook', 'RandomWalkHook',
    'SavePseudoLabelHook', 'make_affinity_labels', 'is_pipeline_config', 'run_pipeline',
    'PSAPolyLR'
]
