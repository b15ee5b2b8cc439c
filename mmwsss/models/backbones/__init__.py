"""Backbones."""
from .wide_resnet38 import WideResNet38
from .wide_resnet38_weights import (convert_mxnet_params, convert_official_checkpoint,
                                    read_mxnet_params)

__all__ = [
    'WideResNet38', 'convert_mxnet_params', 'convert_official_checkpoint',
    'read_mxnet_params'
]
