"""Evaluation of pseudo labels and segmentation."""
from .metrics import PseudoLabelMetric
from .segmentation_scores import confusion_matrix, segmentation_scores

__all__ = ['PseudoLabelMetric', 'confusion_matrix', 'segmentation_scores']
