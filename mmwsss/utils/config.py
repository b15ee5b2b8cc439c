"""Config loading shared by the command-line tools."""
import os.path as osp
from datetime import timedelta
from typing import Any, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config


def load_config(path: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """Load a config, apply overrides and pick defaults for this machine.

    The work dir defaults to ``work_dirs/{config name}``. Under the ``pytorch``
    launcher without CUDA, the gloo process group is started here (see
    :func:`init_cpu_process_group`), DDP gets no device ids and SyncBN layers
    become BN (PyTorch's SyncBatchNorm needs GPUs; each process then keeps its
    own statistics), so the same config runs on CPU processes and, with its
    ``nccl`` backend, on GPUs.

    Args:
        path: Config file.
        cfg_options: ``--cfg-options`` overrides (dotted keys).
        work_dir: Work dir from the command line (wins over the config's).
        launcher: ``none``, ``pytorch``, ``slurm`` or ``mpi``.

    Returns:
        The resolved config.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config not found: {path}')
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(path))[0])
    if launcher == 'pytorch' and not torch.cuda.is_available():
        init_cpu_process_group()
        if 'model' in cfg:
            cfg.model = sync_bn_to_bn(cfg.model)
        # mmengine's default wrapper passes device_ids=[LOCAL_RANK], a GPU index
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False)
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper
    return cfg


def sync_bn_to_bn(value: Any) -> Any:
    """Replace every ``norm_cfg`` of type ``SyncBN`` in a (nested) config by ``BN``.

    Args:
        value: A config dict (e.g. ``cfg.model``), list or leaf.

    Returns:
        The same structure, with ``type='BN'`` where it said ``'SyncBN'``.
    """
    if isinstance(value, dict):
        converted = type(value)({key: sync_bn_to_bn(item) for key, item in value.items()})
        if converted.get('type') == 'SyncBN':
            converted['type'] = 'BN'
        return converted
    if isinstance(value, (list, tuple)):
        return type(value)(sync_bn_to_bn(item) for item in value)
    return value


def init_cpu_process_group() -> None:
    """Start torch.distributed with the gloo backend for CPU processes.

    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device``, which
    fails on a CPU-only PyTorch; the Runner skips ``init_dist`` when a process
    group already exists, so starting it here makes ``--launcher pytorch``
    work on CPUs. Rank and world size come from torchrun's environment.
    """
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', timeout=timedelta(minutes=30))
