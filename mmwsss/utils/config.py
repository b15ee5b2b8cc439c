"""Config loading shared by the command-line tools."""
import os.path as osp
from datetime import timedelta
from typing import Optional

import torch
import torch.distributed as dist
from mmengine.config import Config

from .checkpoint import trust_checkpoints


def load_config(path: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """Load a config, apply overrides and pick defaults for this machine.

    The work dir defaults to ``work_dirs/{config name}``. Under the ``pytorch``
    launcher without CUDA, the gloo process group is started here (see
    :func:`init_cpu_process_group`) and DDP gets no device ids, so the same
    config runs on CPU processes and, with its ``nccl`` backend, on GPUs.
    The config's ``trusted_checkpoints`` are passed to
    :func:`~mmwsss.utils.checkpoint.trust_checkpoints`.

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
    if cfg.get('trusted_checkpoints'):
        trust_checkpoints(cfg.trusted_checkpoints)
    if work_dir:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(path))[0])
    if launcher == 'pytorch' and not torch.cuda.is_available():
        init_cpu_process_group()
        # mmengine's default wrapper passes device_ids=[LOCAL_RANK], a GPU index
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False)
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper
    return cfg


def init_cpu_process_group() -> None:
    """Start torch.distributed with the gloo backend for CPU processes.

    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device``, which
    fails on a CPU-only PyTorch; the Runner skips ``init_dist`` when a process
    group already exists, so starting it here makes ``--launcher pytorch``
    work on CPUs. Rank and world size come from torchrun's environment.
    """
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', timeout=timedelta(minutes=30))
