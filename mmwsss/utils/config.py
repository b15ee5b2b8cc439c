"""Config loading shared by the command-line tools."""
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config


def load_config(path: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """Load a config, apply overrides and pick defaults for this machine.

    The work dir defaults to ``work_dirs/{config name}``. Under a distributed
    launcher without CUDA, an ``nccl`` backend is replaced by ``gloo`` so the
    same config runs on CPU processes and on GPUs.

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
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    if (launcher != 'none' and not torch.cuda.is_available()
            and dist_cfg.get('backend') == 'nccl'):
        cfg.env_cfg.dist_cfg.backend = 'gloo'
    return cfg
