"""Write the affinity-label scores of a dataset once, after the CAM stage (PSA step 2).

For each training image, the dense CRF refines its CAMs with a low and a high
background alpha (:func:`~mmwsss.ops.affinity_labels.affinity_crf_scores`) and
the two score maps are stored (:mod:`mmwsss.utils.affinity_io`). The work is
spread over a process pool and, under torchrun, over ranks (each rank starts
``cores / ranks`` CRF processes unless told otherwise); images already written
are skipped, so an interrupted run resumes.
"""
import copy
import multiprocessing
import os
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.dist import barrier, get_rank, is_distributed
from mmengine.registry import DefaultScope
from mmseg.registry import DATASETS
from tqdm import tqdm

from mmwsss.apis.done_marker import claim_output_folders, flat_config
from mmwsss.ops.affinity_labels import affinity_crf_scores
from mmwsss.utils.affinity_io import save_affinity_scores
from mmwsss.utils.cam_io import load_cams
from mmwsss.utils.ranges import POSITIVE, Range, check_setting
from mmwsss.utils.readers import read_image
from mmwsss.utils.stale_files import remove_stale_temporaries


class AffinityLabelJob(NamedTuple):
    """One image to process.

    Attributes:
        img_id: Image id (file stem).
        img_path: RGB image file.
        cam_path: CAM file of the image (:mod:`mmwsss.utils.cam_io`).
        out_path: Destination ``.npz``.
        img_labels: Multi-hot image-level labels (C,).
    """

    img_id: str
    img_path: str
    cam_path: str
    out_path: str
    img_labels: np.ndarray


def jobs_from_data_list(data_list: Sequence[dict]) -> List[AffinityLabelJob]:
    """Build the jobs of the data infos of a ``WSSSDataset``.

    Args:
        data_list: Data infos with ``img_id``, ``img_path``, ``cam_path``,
            ``affinity_path`` and ``img_labels`` (set ``data_prefix``
            ``cam_path`` and ``affinity_path`` of the dataset).

    Returns:
        One job per image, in dataset order.
    """
    jobs = []
    for info in data_list:
        missing = [key for key in ('cam_path', 'affinity_path') if key not in info]
        if missing:
            raise KeyError(f'image {info.get("img_id")!r} has no {missing}: set '
                           "data_prefix['cam_path'] and ['affinity_path'] of the dataset")
        jobs.append(AffinityLabelJob(info['img_id'], info['img_path'], info['cam_path'],
                                     info['affinity_path'], np.asarray(info['img_labels'])))
    return jobs


def jobs_from_config(cfg: Config) -> List[AffinityLabelJob]:
    """The jobs of the training dataset of an AffinityNet config.

    Args:
        cfg: Config whose ``train_dataloader.dataset`` sets ``data_prefix``
            ``cam_path`` (CAMs read) and ``affinity_path`` (scores written).

    Returns:
        One job per training image, in dataset order.
    """
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.update(pipeline=[], check_files=False)
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(dataset_cfg)
    return jobs_from_data_list([dataset.get_data_info(i) for i in range(len(dataset))])


def write_affinity_scores(job: AffinityLabelJob, low_alpha: float = 4,
                          high_alpha: float = 32) -> str:
    """Compute and write the low/high-alpha CRF scores of one image.

    Args:
        job: The image.
        low_alpha: Background exponent that enlarges the background (4).
        high_alpha: Background exponent that shrinks it (official 32, paper 24).

    Returns:
        The image id.
    """
    if not osp.isfile(job.cam_path):
        raise FileNotFoundError(f'CAM file of image {job.img_id!r} not found: {job.cam_path}')
    num_classes = job.img_labels.shape[0]
    cams, labels = load_cams(job.cam_path, num_classes)
    expected = np.flatnonzero(job.img_labels > 0) + 1
    if sorted(labels.tolist()) != expected.tolist():
        raise ValueError(f'CAM file {job.cam_path} holds classes {labels.tolist()}, the '
                         f'image-level labels are {expected.tolist()}')
    image = read_image(job.img_path, job.img_id, channel_order='rgb')
    if image.shape[:2] != cams.shape[1:]:
        raise ValueError(f'CAMs {job.cam_path} have size {cams.shape[1:]}, the image '
                         f'{job.img_path} {image.shape[:2]}')
    low, high = affinity_crf_scores(image, cams, job.img_labels, low_alpha, high_alpha)
    save_affinity_scores(job.out_path, low, high, job.img_labels)
    return job.img_id


def _write_job(args: tuple) -> str:
    """Pool entry point: ``write_affinity_scores(*args)``."""
    return write_affinity_scores(*args)


def default_workers(world_size: int) -> int:
    """CRF processes per rank when not set: the machine's cores shared by its ranks.

    Args:
        world_size: Number of ranks (all on this machine, as under one torchrun).

    Returns:
        ``cpu_count() // world_size``, at least 1.
    """
    return max(1, (os.cpu_count() or 1) // max(world_size, 1))


def check_alphas(low_alpha: float = 4, high_alpha: float = 32) -> Dict[str, float]:
    """The background exponents of the affinity labels, range-checked.

    Args:
        low_alpha: Exponent that enlarges the background, positive.
        high_alpha: Exponent that shrinks it, above ``low_alpha``.

    Returns:
        ``dict(low_alpha=..., high_alpha=...)``, keyword arguments of
        :func:`make_affinity_labels`.

    Raises:
        ValueError: an alpha out of range (``affinity_label_cfg`` and its
            range named).
    """
    check_setting('low_alpha', low_alpha, POSITIVE, 'affinity_label_cfg')
    check_setting('high_alpha', high_alpha, Range(low_alpha, low_open=True),
                  'affinity_label_cfg')
    return dict(low_alpha=low_alpha, high_alpha=high_alpha)


def make_affinity_labels(jobs: Sequence[AffinityLabelJob],
                         low_alpha: float = 4,
                         high_alpha: float = 32,
                         num_workers: Optional[int] = None,
                         rank: Optional[int] = None,
                         world_size: Optional[int] = None,
                         progress: bool = True) -> int:
    """Write the affinity-label scores of this rank's share of the images.

    Rank ``r`` of ``n`` takes jobs ``r, r + n, r + 2n, ...``; jobs whose output
    exists are skipped. Every file is written atomically.

    Args:
        jobs: All images (every rank passes the same list).
        low_alpha: Background exponent that enlarges the background (4),
            positive.
        high_alpha: Background exponent that shrinks it (official 32, paper
            24), above ``low_alpha``.
        num_workers: Processes of the pool (1: in this process; None: the
            cores over the ranks, see :func:`default_workers`).
        rank: This process's rank; None reads ``RANK`` (torchrun), else 0.
        world_size: Number of ranks; None reads ``WORLD_SIZE``, else 1.
        progress: Show a progress bar (on rank 0).

    Returns:
        The number of files this rank wrote.

    Raises:
        ValueError: an alpha out of range (see :func:`check_alphas`).
    """
    check_alphas(low_alpha, high_alpha)
    rank = int(os.environ.get('RANK', 0)) if rank is None else rank
    world_size = int(os.environ.get('WORLD_SIZE', 1)) if world_size is None else world_size
    if not 0 <= rank < world_size:
        raise ValueError(f'rank {rank} is not in 0..{world_size - 1}')
    if num_workers is None:
        num_workers = default_workers(world_size)
    todo = [job for job in jobs[rank::world_size] if not osp.isfile(job.out_path)]
    args = [(job, low_alpha, high_alpha) for job in todo]
    bar = tqdm(total=len(todo), desc='affinity labels', disable=not progress or rank != 0)
    with bar:
        if num_workers <= 1:
            for item in args:
                _write_job(item)
                bar.update()
        else:
            with multiprocessing.get_context().Pool(num_workers) as pool:
                for _ in pool.imap_unordered(_write_job, args, chunksize=4):
                    bar.update()
    return len(todo)


def affinity_label_settings(cfg: Config) -> Dict[str, str]:
    """What decides the affinity-label scores of a config, flattened.

    Args:
        cfg: Resolved AffinityNet config.

    Returns:
        :func:`~mmwsss.apis.done_marker.flat_config` of its
        ``affinity_label_cfg`` and its training dataset (without the pipeline).
    """
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset.pop('pipeline', None)
    return flat_config(Config(dict(affinity_label_cfg=cfg.affinity_label_cfg,
                                   dataset=dataset)))


def affinity_labels_from_config(cfg: Config, num_workers: Optional[int] = None,
                                redo: bool = False) -> Tuple[List[AffinityLabelJob], int]:
    """The affinity-label step of an AffinityNet config, for this rank's images.

    Writes the scores of the images of the config's training set (see
    :func:`jobs_from_config`) at the alphas of ``cfg.affinity_label_cfg``
    (see :func:`make_affinity_labels`); what ``tools/make_affinity_labels.py``
    and a pipeline's ``affinity_labels`` step run. Every rank calls it. First
    one process claims the output folders for these settings
    (:func:`~mmwsss.apis.done_marker.claim_output_folders`: a folder with
    scores of other alphas, CAMs or images is refused, or with ``redo``
    moved aside) and removes the temporary files a killed run left in them;
    the others wait.

    Args:
        cfg: Resolved AffinityNet config.
        num_workers: CRF processes of this rank (None: the cores over the ranks).
        redo: Move existing output folders to ``replaced_<time>/`` beside
            them and write every image again.

    Returns:
        Every image's job (all ranks), and how many files this rank wrote.

    Raises:
        KeyError: the config has no ``affinity_label_cfg``.
        ValueError: an alpha out of range (see :func:`check_alphas`), found
            before any folder is claimed.
        StaleOutputsError: an output folder holds scores of other settings.
    """
    if 'affinity_label_cfg' not in cfg:
        raise KeyError(f'config {cfg.filename} has no affinity_label_cfg '
                       '(low_alpha, high_alpha)')
    # checked before the folders are claimed: bad alphas neither record their
    # settings nor move earlier scores aside
    alphas = check_alphas(**cfg.affinity_label_cfg)
    jobs = jobs_from_config(cfg)
    # under torchrun without a process group every rank is rank 0: only a lone
    # process or the group's rank 0 cleans up
    alone = int(os.environ.get('WORLD_SIZE', 1)) == 1
    if (alone or is_distributed()) and get_rank() == 0:
        folders = sorted({osp.dirname(job.out_path) for job in jobs})
        moved = claim_output_folders(folders, affinity_label_settings(cfg), redo,
                                     redo_hint='--redo (tools/make_affinity_labels.py)')
        for folder, target in moved.items():
            print(f'redo: moved {folder} to {target}', flush=True)
        for folder in folders:
            for path in remove_stale_temporaries(folder):
                print(f'removed {path}, left by an interrupted run', flush=True)
    barrier()
    # ranks come from torchrun's RANK / WORLD_SIZE
    written = make_affinity_labels(jobs, num_workers=num_workers, **alphas)
    barrier()
    return jobs, written
