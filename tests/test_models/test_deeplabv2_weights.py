"""The COCO-pretrained DeepLab-v2 checkpoint layout maps onto the DeepLab-v2 config's model."""
from typing import Dict

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

from mmwsss.apis.rehearsal import small_stage_options
from mmwsss.models.deeplabv2_weights import convert_deeplabv2_checkpoint, deeplabv2_key
from tests.conftest import REPO_ROOT

CONFIG = REPO_ROOT / 'configs/seg/deeplabv2_r101-d8_1xb10-20k_voc12aug-pseudo-321x321.py'
BLOCKS = (3, 4, 23, 3)
"""ResNet-101's bottlenecks in deeplab-pytorch's layer2..layer5."""


def coco_init_layout(width: int, num_classes: int) -> Dict[str, torch.Tensor]:
    """A checkpoint laid out as deeplab-pytorch's ``deeplabv2_resnet101_COCO_init.pth``
    under its multi-scale wrapper (``base.`` prefix), at ``width`` stem channels
    (64 in the real network), random values."""
    generator = torch.Generator().manual_seed(0)
    state: Dict[str, torch.Tensor] = {}

    def conv_bn(name: str, out_channels: int, in_channels: int, kernel: int) -> None:
        state[f'base.{name}.conv.weight'] = torch.randn(
            out_channels, in_channels, kernel, kernel, generator=generator)
        for field in ('weight', 'bias', 'running_mean', 'running_var'):
            state[f'base.{name}.bn.{field}'] = torch.rand(out_channels, generator=generator)

    conv_bn('layer1.conv1', width, 3, 7)
    in_channels = width
    for layer, blocks in enumerate(BLOCKS, start=2):
        mid = width * 2 ** (layer - 2)
        for block in range(1, blocks + 1):
            prefix = f'layer{layer}.block{block}'
            conv_bn(f'{prefix}.reduce', mid, in_channels, 1)
            conv_bn(f'{prefix}.conv3x3', mid, mid, 3)
            conv_bn(f'{prefix}.increase', mid * 4, mid, 1)
            if block == 1:
                conv_bn(f'{prefix}.shortcut', mid * 4, in_channels, 1)
            in_channels = mid * 4
    for branch in range(4):
        state[f'base.aspp.c{branch}.weight'] = torch.randn(
            num_classes, in_channels, 3, 3, generator=generator)
        state[f'base.aspp.c{branch}.bias'] = torch.randn(num_classes, generator=generator)
    return state


def test_coco_init_layout_maps_onto_the_model_with_every_key_used() -> None:
    register_all_modules()
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict(small_stage_options(cfg, 'unused'))
    model = MODELS.build(cfg.model)
    width = cfg.model.backbone.stem_channels
    source = coco_init_layout(width, num_classes=21)
    converted, sources = convert_deeplabv2_checkpoint(source)
    assert sorted(sources.values()) == sorted(source)  # every source key used once
    target = {key: value for key, value in model.state_dict().items()
              if not key.endswith('num_batches_tracked')}
    assert sorted(converted) == sorted(target)  # every model tensor covered
    for key, value in converted.items():
        assert value.shape == target[key].shape, key
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not unexpected and all(k.endswith('num_batches_tracked') for k in missing)
    state = model.state_dict()
    for key, value in converted.items():
        assert torch.equal(state[key], value), key
    # a few keys by hand
    assert deeplabv2_key('base.layer1.conv1.bn.running_var') == 'backbone.bn1.running_var'
    assert deeplabv2_key('layer4.block23.conv3x3.conv.weight') == \
        'backbone.layer3.22.conv2.weight'
    assert deeplabv2_key('layer5.block1.proj.bn.bias') == 'backbone.layer4.0.downsample.1.bias'
    assert deeplabv2_key('aspp.stages.c2.weight') == 'decode_head.aspp.2.weight'
    # COCO's classes are not VOC's: the head can be left out
    without_head, _ = convert_deeplabv2_checkpoint(source, with_head=False)
    assert sorted(without_head) == sorted(k for k in converted if k.startswith('backbone.'))
    with pytest.raises(KeyError, match='base.fc8.weight: not a key of a DeepLab-v2'):
        convert_deeplabv2_checkpoint(dict(source, **{'base.fc8.weight': torch.zeros(1)}))
