"""Losses."""
from .pair_affinity_loss import PairAffinityLoss

__all__ = ['PairAffinityLoss']
