"""Evaluation of pseudo labels and segmentation."""
from .leaderboard import STAGE_RESULT_FILES, leaderboard_table
from .metrics import PseudoLabelMetric
from .published_results import PUBLISHED_RESULTS
from .segmentation_scores import confusion_matrix, segmentation_scores
from .voc_submission import write_voc_submission

__all__ = ['PseudoLabelMetric', 'confusion_matrix', 'segmentation_scores',
           'PUBLISHED_RESULTS', 'STAGE_RESULT_FILES', 'leaderboard_table',
           'write_voc_submission']
