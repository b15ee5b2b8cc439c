"""Parameter schedulers."""
from .psa_poly_lr import PSAPolyLR

__all__ = ['PSAPolyLR']
