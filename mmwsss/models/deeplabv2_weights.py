"""Map DeepLab-v2 ResNet-101 checkpoints (the COCO-pretrained initialisation) onto mmwsss.

WSSS papers (EPS, SEAM, ...) start their DeepLab-v2 from the COCO-pretrained
weights of the original Caffe release (``init.caffemodel``), used through
the PyTorch conversion of kazuto1011/deeplab-pytorch
(``deeplabv2_resnet101_COCO_init.pth`` / ``..._msc_...``). Its keys:

- stem: ``layer1.conv1.conv.weight``, ``layer1.conv1.bn.{weight,bias,running_mean,running_var}``;
- blocks: ``layer{2..5}.block{j}.{reduce,conv3x3,increase}.{conv,bn}.*`` and the
  projection shortcut ``layer{k}.block1.{proj,shortcut}.{conv,bn}.*``;
- classifier: ``aspp.c{i}.{weight,bias}`` (or ``aspp.stages.c{i}.*``);
- with the multi-scale wrapper, every key prefixed with ``base.``.

They map onto MMSeg's ``ResNet`` (depth 101, ``style='caffe'``: the stride on
the first 1x1 convolution, as Caffe's ResNet) as ``backbone.conv1``,
``backbone.bn1``, ``backbone.layer{k-1}.{j-1}.{conv,bn}{1,2,3}``,
``backbone.layer{k-1}.0.downsample.{0,1}``, and onto
:class:`~mmwsss.models.heads.ASPPSumHead` as ``decode_head.aspp.{i}``.
"""
import re
from typing import Dict, Mapping, Tuple

from torch import Tensor

_BLOCK = re.compile(r'layer(\d)\.block(\d+)\.(reduce|conv3x3|increase|proj|shortcut)'
                    r'\.(conv|bn)\.(weight|bias|running_mean|running_var|num_batches_tracked)$')
_STEM = re.compile(r'layer1\.conv1\.(conv|bn)\.(weight|bias|running_mean|running_var|'
                   r'num_batches_tracked)$')
_ASPP = re.compile(r'aspp\.(?:stages\.)?c(\d)\.(weight|bias)$')
_UNIT = dict(reduce='1', conv3x3='2', increase='3')


def deeplabv2_key(key: str) -> str:
    """The mmwsss key of one DeepLab-v2 checkpoint key (module doc).

    Raises:
        KeyError: the key belongs to no part of DeepLab-v2 ResNet-101.
    """
    name = key[len('base.'):] if key.startswith('base.') else key
    match = _STEM.match(name)
    if match:
        part, field = match.groups()
        return f'backbone.{"conv1" if part == "conv" else "bn1"}.{field}'
    match = _BLOCK.match(name)
    if match:
        layer, block, unit, part, field = match.groups()
        prefix = f'backbone.layer{int(layer) - 1}.{int(block) - 1}'
        if int(layer) < 2 or int(block) < 1:
            raise KeyError(f'{key}: no such layer or block in DeepLab-v2 ResNet-101')
        if unit in ('proj', 'shortcut'):
            return f'{prefix}.downsample.{0 if part == "conv" else 1}.{field}'
        return f'{prefix}.{part}{_UNIT[unit]}.{field}'
    match = _ASPP.match(name)
    if match:
        branch, field = match.groups()
        return f'decode_head.aspp.{branch}.{field}'
    raise KeyError(f'{key}: not a key of a DeepLab-v2 ResNet-101 checkpoint '
                   '(layer1.conv1.*, layer{2..5}.block{j}.*, aspp.c{i}.*, optionally base.*)')


def convert_deeplabv2_checkpoint(state_dict: Mapping[str, Tensor], with_head: bool = True
                                 ) -> Tuple[Dict[str, Tensor], Dict[str, str]]:
    """Rename every tensor of a DeepLab-v2 checkpoint to mmwsss's keys.

    Args:
        state_dict: The checkpoint's tensors.
        with_head: Keep the ASPP classifier (drop it when the checkpoint's
            classes are not the model's, e.g. COCO's 91 or 182 for VOC's 21;
            the head then starts from DeepLab-v2's initialisation).

    Returns:
        The converted state dict and the source key of each converted key.

    Raises:
        KeyError: a key is not DeepLab-v2's, or two keys map to one.
    """
    converted: Dict[str, Tensor] = {}
    sources: Dict[str, str] = {}
    for key, value in state_dict.items():
        target = deeplabv2_key(key)
        if not with_head and target.startswith('decode_head.'):
            continue
        if target in sources:
            raise KeyError(f'{sources[target]} and {key} both map to {target}')
        converted[target], sources[target] = value, key
    return converted, sources
