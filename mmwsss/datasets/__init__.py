"""Datasets and transforms."""
from .transforms import (LoadSaliencyMap, PackWSSSInputs, RandomColorJitter,
                         RandomCropPad, SegFieldsRandomFlip, SegFieldsResize)
from .wsss_dataset import WSSSDataset, labels_from_mask
from .transforms import AffinityLabelFromScores, LoadAffinityScores, LoadCAMs

__all__ = [
    'LoadSaliencyMap', 'PackWSSSInputs',
    'RandomColorJitter', 'RandomCropPad', 'SegFieldsRandomFlip', 'SegFieldsResize',
    'WSSSDataset', 'labels_from_mask', 'AffinityLabelFromScores',
    'LoadAffinityScores', 'LoadCAMs'
]
