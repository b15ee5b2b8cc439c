"""Generators of synthetic datasets: the demo dataset (and its families) and the
VOC-layout rehearsal dataset."""
from .demo_dataset import (CO_OCCURRING_CLASS, CONTEXT_KINDS, DEMO_CLASSES, FAMILIES,
                           DemoDatasetConfig, family_config, generate_demo_dataset,
                           with_classes)
from .voc_rehearsal import VOCRehearsalConfig, generate_voc_rehearsal

__all__ = [
    'CO_OCCURRING_CLASS', 'CONTEXT_KINDS', 'DEMO_CLASSES', 'DemoDatasetConfig', 'FAMILIES',
    'family_config', 'generate_demo_dataset', 'with_classes', 'VOCRehearsalConfig',
    'generate_voc_rehearsal'
]
