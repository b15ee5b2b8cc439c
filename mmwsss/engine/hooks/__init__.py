"""Hooks."""
from .batch_info_hook import BatchInfoHook
from .checkpoint_keys_hook import CheckpointKeysHook
from .num_classes_check_hook import NumClassesCheckHook
from .finite_loss_hook import FiniteLossHook
from .progress_bar_hook import ProgressBarHook
from .save_cam_hook import SaveCAMHook
from .save_metrics_hook import SaveMetricsHook
from .random_walk_hook import RandomWalkHook
from .random_state_hook import RandomStateHook
from .save_pseudo_label_hook import SavePseudoLabelHook
from .save_walk_affinity_hook import SaveWalkAffinityHook

__all__ = [
    'BatchInfoHook', 'CheckpointKeysHook', 'NumClassesCheckHook',
    'ProgressBarHook', 'SaveCAMHook', 'SaveMetricsHook', 'RandomWalkHook',
    'SavePseudoLabelHook', 'FiniteLossHook', 'RandomStateHook', 'SaveWalkAffinityHook'
]
