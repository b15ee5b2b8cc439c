"""Convert official ResNet-38 and DeepLab-v2 weights into mmwsss checkpoints.

Examples::

    # PSA / EPS PyTorch checkpoint -> backbone.* and decode_head.* keys
    python tools/convert_weights.py psa res38_cls.pth work_dirs/res38_cls_mmwsss.pth
    # ImageNet MXNet weights -> WideResNet38 keys (no prefix)
    python tools/convert_weights.py mxnet ilsvrc-cls_rna-a1_cls1000_ep-0001.params \\
        work_dirs/resnet38_imagenet.pth
    # COCO-pretrained DeepLab-v2 ResNet-101 (deeplab-pytorch's conversion of
    # init.caffemodel) -> backbone.* (ResNet style='caffe'); --with-head keeps the
    # ASPP classifier when its classes are the model's
    python tools/convert_weights.py deeplabv2 deeplabv2_resnet101_COCO_init.pth \\
        work_dirs/deeplabv2_r101_coco_init.pth

The output is ``torch.save({'state_dict': ...})``, written atomically (temporary file
in the destination folder, then renamed). Load the ImageNet weights with
``backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=...))``, a converted PSA
checkpoint with ``load_from`` or ``init_cfg`` with ``prefix='backbone.'``.
"""
import argparse
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import torch

from mmwsss.models.deeplabv2_weights import convert_deeplabv2_checkpoint
from mmwsss.models.backbones.wide_resnet38_weights import (
    convert_mxnet_params, convert_official_checkpoint, read_mxnet_params)
from mmwsss.utils import (add_trust_checkpoint_argument, atomic_path, load_local_checkpoint,
                          trust_checkpoints)

_BUFFER_SUFFIXES = ('running_mean', 'running_var', 'num_batches_tracked')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        Namespace with ``source_format``, ``src`` and ``dst``.
    """
    parser = argparse.ArgumentParser(
        description='Convert official ResNet-38 weights to an mmwsss checkpoint.')
    parser.add_argument(
        'source_format',
        choices=('psa', 'mxnet', 'deeplabv2'),
        help='psa: PyTorch state dict of PSA / EPS (backbone, fc8, f8_*, f9); '
        'mxnet: ImageNet .params file (ilsvrc-cls_rna-a1_cls1000_ep-0001.params); '
        'deeplabv2: DeepLab-v2 ResNet-101 state dict (COCO initialisation)')
    parser.add_argument('src', type=Path, help='official weight file')
    parser.add_argument('dst', type=Path, help='output checkpoint (.pth)')
    add_trust_checkpoint_argument(parser)
    parser.add_argument('--with-head', action='store_true',
                        help='deeplabv2: keep the ASPP classifier (same classes as the model)')
    args = parser.parse_args(argv)
    if not args.src.is_file():
        parser.error(f'source file not found: {args.src}')
    return args


def load_psa_state_dict(path: Path) -> Mapping[str, torch.Tensor]:
    """Load a PSA / EPS checkpoint, unwrapping ``{'state_dict': ...}`` if present.

    Args:
        path: ``.pth`` file written with ``torch.save``.

    Returns:
        The state dict.
    """
    checkpoint = load_local_checkpoint(str(path), map_location='cpu')
    if isinstance(checkpoint, Mapping) and isinstance(
            checkpoint.get('state_dict'), Mapping):
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, Mapping):
        raise ValueError(f'{path} does not hold a state dict')
    return checkpoint


def convert(source_format: str, src: Path, with_head: bool = False) -> Dict[str, torch.Tensor]:
    """Read and convert ``src``.

    Args:
        source_format: ``'psa'``, ``'mxnet'`` or ``'deeplabv2'``.
        src: Official weight file.
        with_head: ``deeplabv2``: keep the ASPP classifier.

    Returns:
        The converted state dict.
    """
    if source_format == 'psa':
        return convert_official_checkpoint(load_psa_state_dict(src))
    if source_format == 'deeplabv2':
        return convert_deeplabv2_checkpoint(load_psa_state_dict(src), with_head)[0]
    return convert_mxnet_params(read_mxnet_params(src))


def main(argv: Optional[List[str]] = None) -> int:
    """Convert the weights and report what was written.

    Args:
        argv: Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        Process exit status.
    """
    args = parse_args(argv)
    trust_checkpoints(args.trust_checkpoint)
    try:
        state_dict = convert(args.source_format, args.src, args.with_head)
    except (KeyError, ValueError) as error:
        print(f'error: cannot convert {args.src}: {error.args[0]}', file=sys.stderr)
        return 1
    with atomic_path(args.dst) as tmp:
        torch.save({'state_dict': state_dict}, tmp)
    learnable = sum(
        value.numel() for key, value in state_dict.items()
        if not key.endswith(_BUFFER_SUFFIXES))
    print(f'wrote {args.dst}: {len(state_dict)} tensors, '
          f'{learnable / 1e6:.2f} M learnable parameters ({learnable})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
