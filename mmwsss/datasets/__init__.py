"""Datasets, transforms and the synthetic demo dataset."""
from .demo_dataset import (CO_OCCURRING_CLASS, DEMO_CLASSES, DemoDatasetConfig,
                           generate_demo_dataset)
from .transforms import (LoadSaliencyMap, PackWSSSInputs, RandomColorJitter,
                         RandomCropPad, SegFieldsRandomFlip, SegFieldsResize)
from .voc_rehearsal import VOCRehearsalConfig, generate_voc_rehearsal
from .wsss_dataset import WSSSDataset, labels_from_mask
from .transforms import AffinityLabelFromScores, LoadAffinityScores, LoadCAMs

__all__ = [
    'CO_OCCURRING_CLASS', 'DEMO_CLASSES', 'DemoDatasetConfig',
    'generate_demo_dataset', 'LoadSaliencyMap', 'PackWSSSInputs',
    'RandomColorJitter', 'RandomCropPad', 'SegFieldsRandomFlip', 'SegFieldsResize',
    'WSSSDataset', 'labels_from_mask', 'AffinityLabelFromScores',
    'LoadAffinityScores', 'LoadCAMs', 'VOCRehearsalConfig', 'generate_voc_rehearsal'
]
