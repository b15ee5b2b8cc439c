"""Hooks."""
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .batch_info_hook import BatchInfoHook
from .checkpoint_keys_hook import CheckpointKeysHook
from .choose_walk_setting_hook import ChooseWalkSettingHook
from .num_classes_check_hook import NumClassesCheckHook
from .finite_loss_hook import FiniteLossHook
from .progress_bar_hook import ProgressBarHook
from .sample_writer_hook import SampleWriterHook, is_sample_writer
from .save_cam_hook import SaveCAMHook
from .save_metrics_hook import SaveMetricsHook
from .resume_writers_hook import ResumeWritersHook
from .run_test_after_train_hook import RunTestAfterTrainHook
from .random_state_hook import RandomStateHook
from .save_pseudo_label_hook import SavePseudoLabelHook
from .save_walk_affinity_hook import SaveWalkAffinityHook
from .score_pseudo_labels_hook import ScorePseudoLabelsHook

__all__ = [
    'AtomicCheckpointHook', 'BatchInfoHook', 'CheckpointKeysHook', 'ChooseWalkSettingHook',
    'NumClassesCheckHook', 'ProgressBarHook',
    'SampleWriterHook', 'SaveCAMHook', 'SaveMetricsHook', 'ResumeWritersHook',
    'RunTestAfterTrainHook', 'SavePseudoLabelHook', 'FiniteLossHook', 'RandomStateHook',
    'SaveWalkAffinityHook', 'ScorePseudoLabelsHook', 'is_sample_writer'
]
