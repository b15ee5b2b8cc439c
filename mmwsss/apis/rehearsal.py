"""Options that shrink the VOC stage configs for a rehearsal on a tiny dataset.

A rehearsal runs the VOC configs themselves on the dataset of
:func:`~mmwsss.synthetic.generate_voc_rehearsal` (the VOC 2012 + SBD layout) in
minutes on CPUs, to check a machine, a launcher or a change of the VOC path
before a real run. The options change only:

- ``data_root`` (the rehearsal folder) and the dataloader workers (none);
- the width: ResNet-38 at ``width`` (and the heads' input channels that
  follow), the segmentation ResNet at ``width`` of its channels;
- the weights: none pre-trained (there are none at these widths);
- the length: one epoch, or two iterations;
- the scales: training resize scales and crops, the classifier's test scales
  and the segmentation test scale.

The leaderboard's pretraining column then says ``from scratch``, as the run
records it.

Example (what ``tests/test_apis/test_rehearsal.py`` runs)::

    options = rehearsal_pipeline_options(PIPELINE, 'data/voc_rehearsal')
    python tools/train.py PIPELINE --cfg-options {' '.join(options)}
"""
from typing import Any, Dict, List

from mmengine.config import Config

from .pipeline import parse_stages

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _transform(cfg: Config, loader: str, kind: str) -> str:
    """``LOADER.dataset.pipeline.INDEX`` of the only transform of type ``kind``."""
    types = [step['type'] for step in cfg[loader]['dataset']['pipeline']]
    if types.count(kind) != 1:
        raise ValueError(f'{cfg.filename}: {loader} needs exactly one {kind} to shrink, '
                         f'has {types}')
    return f'{loader}.dataset.pipeline.{types.index(kind)}'


def _loaders(cfg: Config, root: str) -> Dict[str, Any]:
    """Point every dataloader of a config at ``root``, without worker processes."""
    options: Dict[str, Any] = {}
    for loader in LOADERS:
        if cfg.get(loader):
            options.update({f'{loader}.dataset.data_root': root,
                            f'{loader}.num_workers': 0,
                            f'{loader}.persistent_workers': False})
    return options


def _length(cfg: Config) -> Dict[str, Any]:
    """One epoch, or two iterations."""
    if cfg.train_cfg.get('type') == 'EpochBasedTrainLoop':
        return {'train_cfg.max_epochs': 1}
    return {'train_cfg.max_iters': 2}


def small_stage_options(cfg: Config, root: str, width: float = 0.125) -> Dict[str, Any]:
    """Options that shrink one VOC stage config (CAM, EPS, AffinityNet, segmentation).

    Args:
        cfg: The stage config, as loaded.
        root: The rehearsal dataset (``data_root``).
        width: Width multiplier of the backbone.

    Returns:
        Dotted key -> value, for ``Config.merge_from_dict`` or ``--cfg-options``.
    """
    options = dict(_loaders(cfg, root), **_length(cfg))
    model = cfg.model
    if model.backbone.type == 'WideResNet38':
        options.update({'model.backbone.widen_factor': width,
                        'model.backbone.init_cfg': None})
        head = model.decode_head
        if isinstance(head.in_channels, (list, tuple)):  # AffinityNet: conv4, 5, 6
            options['model.decode_head.in_channels'] = tuple(
                int(c * width) for c in (512, 1024, 4096))
        else:
            options['model.decode_head.in_channels'] = int(4096 * width)
        crop = _transform(cfg, 'train_dataloader', 'RandomCropPad')
        options[f'{crop}.crop_size'] = (112, 112)
        if model.type != 'AffinityNet':
            resize = _transform(cfg, 'train_dataloader', 'RandomResize')
            options[f'{resize}.scale'] = (128, 128)
            options['model.test_cfg.scales'] = [0.25]
        return options
    # a segmentation network on a ResNet: its channels times width
    base = max(int(64 * width), 4)
    options.update({
        'model.pretrained': None, 'model.backbone.stem_channels': base,
        'model.backbone.base_channels': base,
        'model.decode_head.in_channels': base * 32,
        'model.decode_head.channels': max(int(model.decode_head.channels * width), 4),
        'model.data_preprocessor.size': (64, 64),
        f'{_transform(cfg, "train_dataloader", "RandomResize")}.scale': (256, 64),
        f'{_transform(cfg, "train_dataloader", "RandomCrop")}.crop_size': (64, 64)})
    if 'c1_in_channels' in model.decode_head:
        options['model.decode_head.c1_in_channels'] = base * 4
        options['model.decode_head.c1_channels'] = max(
            int(model.decode_head.c1_channels * width), 4)
    if model.get('auxiliary_head'):
        options['model.auxiliary_head.in_channels'] = base * 16
        options['model.auxiliary_head.channels'] = max(
            int(model.auxiliary_head.channels * width), 4)
    for loader in ('val_dataloader', 'test_dataloader'):
        if cfg.get(loader):
            options[f'{_transform(cfg, loader, "Resize")}.scale'] = (256, 64)
    return options


def rehearsal_pipeline_options(path: str, root: str, width: float = 0.125) -> List[str]:
    """``--cfg-options`` of a VOC pipeline config for a rehearsal (see the module doc).

    Args:
        path: Pipeline config.
        root: The rehearsal dataset.
        width: Width multiplier of the backbones.

    Returns:
        ``STAGE.key=value`` strings; the affinity-label step gets one CRF
        process per rank (``stages.affinity_labels.workers=1``).
    """
    options: List[str] = []
    for stage in parse_stages(Config.fromfile(path)):
        cfg = Config.fromfile(stage.config)
        if stage.steps == ('affinity_labels', ):
            stage_options = _loaders(cfg, root)
            options.append(f'stages.{stage.name}.workers=1')
        else:
            stage_options = small_stage_options(cfg, root, width)
        options += [f'{stage.name}.{key}={_option_text(value)}'
                    for key, value in stage_options.items()]
    return options


def rehearsal_stage_options(path: str, root: str, width: float = 0.125) -> List[str]:
    """``--cfg-options`` of one VOC stage config for a rehearsal (see
    :func:`small_stage_options`), e.g. for ``tools/voc_test_submission.py``.

    Args:
        path: Stage config.
        root: The rehearsal dataset.
        width: Width multiplier of the backbone.

    Returns:
        ``key=value`` strings.
    """
    return [f'{key}={_option_text(value)}'
            for key, value in small_stage_options(Config.fromfile(path), root, width).items()]


def _option_text(value: Any) -> str:
    """A value as ``--cfg-options`` reads it (tuples and lists without spaces)."""
    return str(value).replace(' ', '') if isinstance(value, (tuple, list)) else str(value)
