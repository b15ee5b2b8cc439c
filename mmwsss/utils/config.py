"""Config loading shared by the command-line tools."""
import os
import os.path as osp
from datetime import timedelta
from typing import Any, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config

from .checkpoint import trust_checkpoints
from .test_time_options import check_seg_test_cfg


def load_config(path: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none',
                train: bool = False) -> Config:
    """Load a config, apply overrides and pick defaults for this machine.

    The work dir defaults to ``work_dirs/{config name}``. Under the ``pytorch``
    launcher without CUDA, the gloo process group is started here (see
    :func:`init_cpu_process_group`), DDP gets no device ids and SyncBN layers
    become BN (PyTorch's SyncBatchNorm needs GPUs; each process then keeps its
    own statistics), so the same config runs on CPU processes and, with its
    ``nccl`` backend, on GPUs.
    The config's ``trusted_checkpoints`` are passed to
    :func:`~mmwsss.utils.checkpoint.trust_checkpoints`, and the ``test_cfg``
    of an MMSeg segmentor is checked
    (:func:`~mmwsss.utils.test_time_options.check_seg_test_cfg`).
    For training (``train``), a config that states ``total_batch_size`` gets
    its per-process batch from it (see :func:`resolve_batch_size`; a process
    count that does not divide it is refused here), and the config gets
    :class:`~mmwsss.engine.hooks.BatchInfoHook`, which logs the batch, lr and
    iterations when training starts.

    Args:
        path: Config file.
        cfg_options: ``--cfg-options`` overrides (dotted keys).
        work_dir: Work dir from the command line (wins over the config's).
        launcher: ``none``, ``pytorch``, ``slurm`` or ``mpi``.
        train: The config will train (``tools/train.py``, a pipeline's
            ``train`` step); inference and the other tools leave the training
            batch alone.

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
    if isinstance(cfg.get('model'), dict):
        check_seg_test_cfg(cfg.model)
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
    if train:
        explicit = 'train_dataloader.batch_size' in (cfg_options or {})
        resolve_batch_size(cfg, launcher_world_size(launcher), per_process_given=explicit)
        hooks = list(cfg.get('custom_hooks') or [])
        if not any(hook.get('type') == 'BatchInfoHook' for hook in hooks):
            cfg.custom_hooks = hooks + [dict(type='BatchInfoHook')]
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
WORLD_SIZE_VARIABLES = {'pytorch': 'WORLD_SIZE', 'slurm': 'SLURM_NTASKS',
                        'mpi': 'OMPI_COMM_WORLD_SIZE'}
"""Environment variable holding the number of processes, per launcher."""


def launcher_world_size(launcher: str) -> int:
    """Number of training processes, known before the Runner starts.

    Args:
        launcher: ``none``, ``pytorch``, ``slurm`` or ``mpi``.

    Returns:
        The process group's size if one is running, 1 without a launcher,
        else the launcher's environment variable (:data:`WORLD_SIZE_VARIABLES`).

    Raises:
        ValueError: unknown launcher.
        RuntimeError: the launcher's variable is not set (not started by it).
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    if launcher == 'none':
        return 1
    if launcher not in WORLD_SIZE_VARIABLES:
        raise ValueError(f'unknown launcher {launcher!r}; expected none or one of '
                         f'{sorted(WORLD_SIZE_VARIABLES)}')
    variable = WORLD_SIZE_VARIABLES[launcher]
    if variable not in os.environ:
        raise RuntimeError(f'--launcher {launcher}: {variable} is not set; start the '
                           f'processes with the launcher (e.g. tools/dist_train.sh)')
    return int(os.environ[variable])


def resolve_batch_size(cfg: Config, world_size: int,
                       per_process_given: bool = False) -> None:
    """Split the recipe's total training batch over the processes.

    A stage config states the batch of its recipe over all processes as
    ``total_batch_size`` (e.g. 16 for PSA's CAM network); on ``world_size``
    processes each one then loads ``total_batch_size / world_size`` images
    per iteration (``train_dataloader.batch_size`` is set here), so the lr and
    the number of iterations of the recipe hold for any process count.
    Configs without ``total_batch_size`` keep MMSeg's meaning of
    ``train_dataloader.batch_size`` (per process). With ``per_process_given``
    (``train_dataloader.batch_size`` set on the command line) that batch wins
    and ``total_batch_size`` becomes ``batch_size * world_size``.

    Args:
        cfg: Config, changed in place.
        world_size: Number of training processes.
        per_process_given: The per-process batch was set explicitly.

    Raises:
        ValueError: ``total_batch_size`` is not a positive integer, or
            ``world_size`` does not divide it (the message names the config).
    """
    total = cfg.get('total_batch_size')
    if total is None or not cfg.get('train_dataloader'):
        return
    where = osp.basename(cfg.filename) if cfg.filename else 'config'
    if per_process_given:
        cfg.total_batch_size = int(cfg.train_dataloader.batch_size) * world_size
        return
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise ValueError(f'{where}: total_batch_size must be a positive integer, '
                         f'got {total!r}')
    if world_size < 1 or total % world_size:
        counts = [n for n in range(1, total + 1) if total % n == 0]
        raise ValueError(
            f'{where}: the total batch {total} (total_batch_size) cannot be split '
            f'evenly over {world_size} processes; run it on {", ".join(map(str, counts))} '
            f'processes, or set another total_batch_size (a change of the recipe; add '
            f'auto_scale_lr.enable=True to scale the lr with it)')
    cfg.train_dataloader.batch_size = total // world_size


def check_batch_split(path: str, cfg_options: Optional[dict], world_size: int) -> None:
    """Check, before anything runs, that a training config's total batch splits
    over ``world_size`` processes (:func:`resolve_batch_size`).

    A pipeline calls it for every training stage before its first stage, so a
    process count that a later stage's recipe cannot use (e.g. 4 processes for
    DeepLab-v2's total batch 10) is refused before hours of earlier stages.

    Args:
        path: Stage config file.
        cfg_options: The stage's overrides (dotted keys).
        world_size: Number of training processes.

    Raises:
        ValueError: as :func:`resolve_batch_size`, naming the config.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    resolve_batch_size(cfg, world_size,
                       per_process_given='train_dataloader.batch_size' in (cfg_options or {}))


def init_cpu_process_group() -> None:
    """Start torch.distributed with the gloo backend for CPU processes.

    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device``, which
    fails on a CPU-only PyTorch; the Runner skips ``init_dist`` when a process
    group already exists, so starting it here makes ``--launcher pytorch``
    work on CPUs. Rank and world size come from torchrun's environment.
    """
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', timeout=timedelta(minutes=30))
