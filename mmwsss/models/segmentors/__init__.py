"""Segmentors (models run by mmengine's Runner)."""
from .cam_classifier import CAMClassifier

__all__ = ['CAMClassifier']
