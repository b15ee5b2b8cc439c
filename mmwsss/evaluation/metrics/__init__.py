"""Metrics."""
from .pseudo_label_metric import PseudoLabelMetric

__all__ = ['PseudoLabelMetric']
