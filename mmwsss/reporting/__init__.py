"""Reports of the scores: per-class and leaderboard tables, published results, VOC submissions."""
from .leaderboard import STAGE_RESULT_FILES, leaderboard_table, write_leaderboard
from .per_class_table import per_class_markdown, write_per_class_table
from .published_results import PUBLISHED_RESULTS
from .voc_submission import write_voc_submission

__all__ = [
    'STAGE_RESULT_FILES', 'leaderboard_table', 'write_leaderboard', 'per_class_markdown',
    'write_per_class_table', 'PUBLISHED_RESULTS', 'write_voc_submission'
]
