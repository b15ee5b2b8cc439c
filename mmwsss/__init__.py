"""mmwsss: weakly supervised semantic segmentation for MMSegmentation 1.x.

Importing the package registers every component in MMSeg's registries, so a
config only needs ``custom_imports = dict(imports=['mmwsss'])``.
"""
from . import apis, datasets, engine, evaluation, models, ops, reporting, utils  # noqa: F401
from .utils import register_local_checkpoint_loader
from .version import __version__

register_local_checkpoint_loader()

__all__ = ['__version__']
