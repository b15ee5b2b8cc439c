"""Generators of synthetic datasets: the demo dataset and the VOC-layout rehearsal dataset."""
from .demo_dataset import (CO_OCCURRING_CLASS, DEMO_CLASSES, DemoDatasetConfig,
                           generate_demo_dataset)
from .voc_rehearsal import VOCRehearsalConfig, generate_voc_rehearsal

__all__ = [
    'CO_OCCURRING_CLASS', 'DEMO_CLASSES', 'DemoDatasetConfig', 'generate_demo_dataset',
    'VOCRehearsalConfig', 'generate_voc_rehearsal'
]
