"""Evaluation of pseudo labels and segmentation: metric computation."""
from .metrics import PseudoLabelMetric
from .segmentation_scores import confusion_matrix, segmentation_scores

__all__ = ['PseudoLabelMetric', 'confusion_matrix', 'segmentation_scores']
