"""Hooks of the training and inference loops, parameter schedulers."""
from .hooks import (AtomicCheckpointHook, ProgressBarHook, ResumeWritersHook,
                    RunTestAfterTrainHook, SampleWriterHook, SaveCAMHook, SaveMetricsHook,
                    SavePseudoLabelHook, SaveWalkAffinityHook, ScorePseudoLabelsHook,
                    is_sample_writer)
from .schedulers import PSAPolyLR

__all__ = [
    'AtomicCheckpointHook', 'ProgressBarHook', 'ResumeWritersHook', 'RunTestAfterTrainHook',
    'SampleWriterHook', 'SaveCAMHook', 'SaveMetricsHook', 'SavePseudoLabelHook',
    'SaveWalkAffinityHook', 'ScorePseudoLabelsHook', 'PSAPolyLR', 'is_sample_writer'
]
