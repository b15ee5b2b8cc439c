"""GPU check of the VOC stages: speed and memory of each, and a projection of a full run.

On a VOC rehearsal dataset (:func:`mmwsss.synthetic.generate_voc_rehearsal`,
VOC sizes) with fake CAMs (blurred ground truth) and their affinity labels,
each VOC stage config is built as it is (random weights instead of ImageNet's:
same speed), with the per-process batch of its recipe's total batch over
``--gpus``, and measured:

- training: seconds per iteration of ``train_step`` (data loading excluded,
  first iteration not counted) and the peak GPU memory;
- inference: seconds per image of ``test_step`` at the config's test scales:
  CAMs (CAM and EPS, 4 scales x flip), the random walk (AffinityNet), the
  segmentation network (whole image);
- the affinity labels: seconds per image of the dense CRF (CPU, one process);
- the random walk on CUDA against CPU: largest difference of the scores on a
  VOC-sized map (63 x 47, t = 256).

The projection multiplies these by the recipe's iterations and images
(train_aug 10,582, train 1,464, val 1,449), for ``--gpus`` GPUs and the
machine's cores for the CRF, per stage of the PSA and EPS + PSA pipelines.

``--dry-run`` runs everything at width 0.125 on small crops for two
iterations (the options of :mod:`mmwsss.apis.rehearsal`), on CPU when no
GPU is present: it checks the script, its figures mean nothing. Without CUDA
and without ``--dry-run`` it stops.

Examples::

    python benchmarks/gpu_check_voc.py --gpus 4          # on a GPU machine
    python benchmarks/gpu_check_voc.py --dry-run         # anywhere, a minute
"""
import argparse
import itertools
import json
import math
import os
import os.path as osp
import tempfile
import time
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules
from scipy.ndimage import gaussian_filter

import mmwsss  # noqa: F401  (registers the components)
from mmwsss.apis.affinity_labels import jobs_from_config, make_affinity_labels
from mmwsss.apis.rehearsal import small_stage_options
from mmwsss.ops.affinity import pairwise_affinity
from mmwsss.ops.random_walk import random_walk
from mmwsss.synthetic import VOCRehearsalConfig, generate_voc_rehearsal
from mmwsss.utils import read_label_png, save_cams

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
STAGES = {
    # name: config, which states the recipe's total_batch_size
    'cam': 'configs/cam/cam_wideresnet38_4xb4-15e_voc12aug-448x448.py',
    'affinitynet': 'configs/psa/affinitynet_wideresnet38_1xb8-8e_voc12aug-448x448.py',
    'eps': 'configs/eps/eps_wideresnet38_1xb8-20k_voc12aug-448x448.py',
    'seg': 'configs/seg/deeplabv3plus_r101-d8_4xb4-20k_voc12aug-pseudo-512x512.py',
}
VOC_IMAGES = dict(train_aug=10582, train=1464, val=1449)
INFERENCE_SPLIT = dict(cam='train', affinitynet='train', eps='train', seg='val')


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dry-run', action='store_true',
                        help='width 0.125, small crops, 2 iterations (CPU is fine)')
    parser.add_argument('--gpus', type=int, default=1,
                        help='GPUs of the projected run: per-process batch = total / gpus')
    parser.add_argument('--iters', type=int, default=None,
                        help='timed training iterations per stage (default 5; dry run 2)')
    parser.add_argument('--images', type=int, default=None,
                        help='timed inference images per stage (default 4; dry run 1)')
    parser.add_argument('--stages', nargs='+', choices=list(STAGES), default=list(STAGES))
    parser.add_argument('--work-dir', help='folder of the data and the report '
                        '(default: a temporary folder)')
    return parser.parse_args()


def synchronize(device: torch.device) -> None:
    """Wait for the GPU (no-op on CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def write_fake_cams(cfg: Config, cam_dir: str) -> None:
    """CAM files of the training images: blurred ground-truth masks."""
    for job in jobs_from_config(cfg):
        label_path = job.img_path.replace('JPEGImages', 'SegmentationClassAug')
        mask = read_label_png(osp.splitext(label_path)[0] + '.png')
        cams = np.zeros((job.img_labels.shape[0], ) + mask.shape, np.float32)
        for value in np.flatnonzero(job.img_labels) + 1:
            cam = gaussian_filter((mask == value).astype(np.float32), sigma=8)
            cams[value - 1] = cam / max(cam.max(), 1e-6)
        save_cams(job.cam_path, torch.from_numpy(cams), torch.from_numpy(job.img_labels))


def stage_config(name: str, root: str, folders: Dict[str, str], gpus: int,
                 dry_run: bool) -> Config:
    """A stage config on the rehearsal data, with the per-process batch."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, STAGES[name]))
    total = cfg.total_batch_size
    if total % gpus:
        raise SystemExit(f'{name}: total batch {total} does not split over {gpus} GPUs')
    options: Dict[str, Any] = small_stage_options(cfg, root) if dry_run else {
        f'{loader}.dataset.data_root': root
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
        if cfg.get(loader)}
    options['train_dataloader.batch_size'] = 2 if dry_run else total // gpus
    if name == 'affinitynet':
        options.update({'train_dataloader.dataset.data_prefix.cam_path': folders['cams'],
                        'train_dataloader.dataset.data_prefix.affinity_path':
                        folders['scores'],
                        'test_dataloader.dataset.data_prefix.cam_path': folders['cams']})
    if name == 'seg':  # the ground truth stands in for the pseudo labels
        options['train_dataloader.dataset.data_prefix.seg_map_path'] = 'SegmentationClassAug'
        options['model.pretrained'] = None
    elif not dry_run:
        options['model.backbone.init_cfg'] = None
    cfg.merge_from_dict(options)
    return cfg


def measure_stage(name: str, cfg: Config, device: torch.device, iters: int,
                  images: int) -> Dict[str, float]:
    """Seconds per training iteration and per test image, and peak GPU memory."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = revert_sync_batchnorm(MODELS.build(cfg.model))
        model.init_weights()
        model = model.to(device)
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        train_loader = Runner.build_dataloader(cfg.train_dataloader)
        test_cfg = cfg.test_dataloader.copy()
        test_cfg.update(num_workers=0, persistent_workers=False, batch_size=1)
        test_loader = Runner.build_dataloader(test_cfg)
    batches = itertools.cycle(train_loader)
    model.train()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    seconds: List[float] = []
    for _ in range(iters + 1):  # the first one warms up
        data = next(batches)
        synchronize(device)
        start = time.perf_counter()
        losses = model.train_step(data, optim_wrapper)
        synchronize(device)
        seconds.append(time.perf_counter() - start)
        if not all(torch.isfinite(value).all() for value in losses.values()):
            raise RuntimeError(f'{name}: non-finite loss {losses}')
    train_memory = (torch.cuda.max_memory_allocated(device) / 2**30
                    if device.type == 'cuda' else math.nan)
    model.eval()
    test_seconds: List[float] = []
    with torch.no_grad():
        for data in itertools.islice(itertools.cycle(test_loader), images + 1):
            synchronize(device)
            start = time.perf_counter()
            model.test_step(data)
            synchronize(device)
            test_seconds.append(time.perf_counter() - start)
    return dict(seconds_per_iter=float(np.mean(seconds[1:])), train_peak_gib=train_memory,
                batch_per_process=cfg.train_dataloader.batch_size,
                seconds_per_test_image=float(np.mean(test_seconds[1:])))


def random_walk_cuda_vs_cpu() -> Optional[float]:
    """Largest difference of the random walk on CUDA and CPU (VOC-sized map)."""
    if not torch.cuda.is_available():
        return None
    generator = torch.Generator().manual_seed(0)
    features = 0.3 * torch.randn(1, 448, 47, 63, generator=generator)
    cams = torch.rand(21, 47, 63, generator=generator)
    with torch.no_grad():
        affinity = pairwise_affinity(features)[0]
        cpu = random_walk(cams, affinity, 8, 256)
        cuda = random_walk(cams.cuda(), affinity.cuda(), 8, 256).cpu()
    return float((cpu - cuda).abs().max())


def projection(results: Dict[str, Dict[str, float]], crf_seconds: float,
               gpus: int, cores: int) -> Dict[str, Dict[str, float]]:
    """Projected hours of each step of the full VOC pipelines."""
    hours: Dict[str, float] = {}
    for name, result in results.items():
        cfg = Config.fromfile(osp.join(REPO_ROOT, STAGES[name]))
        total = cfg.total_batch_size
        loop = cfg.train_cfg
        per_epoch = (VOC_IMAGES['train_aug'] // total if cfg.train_dataloader.get('drop_last')
                     else math.ceil(VOC_IMAGES['train_aug'] / total))
        iters = loop.max_epochs * per_epoch if loop.get('max_epochs') else loop.max_iters
        hours[f'{name} train ({iters} iterations)'] = iters * result['seconds_per_iter'] / 3600
        test_images = VOC_IMAGES[INFERENCE_SPLIT[name]] + (
            VOC_IMAGES['train_aug'] if name != 'seg' else 0)
        hours[f'{name} inference ({test_images} images)'] = (
            test_images * result['seconds_per_test_image'] / gpus / 3600)
    hours[f'affinity labels ({VOC_IMAGES["train_aug"]} images, {cores} CRF processes)'] = (
        VOC_IMAGES['train_aug'] * crf_seconds / cores / 3600)
    pipelines = {
        'PSA': ('cam', 'affinity labels', 'affinitynet', 'seg'),
        'EPS + PSA': ('eps', 'affinity labels', 'affinitynet', 'seg'),
    }
    totals = {pipeline: sum(value for key, value in hours.items()
                            if key.startswith(names)) for pipeline, names in pipelines.items()
              if all(any(key.startswith(n) for key in hours) for n in names)}
    return dict(steps=hours, pipelines=totals)


def main() -> None:
    """Build the data, measure every stage, print and save the report."""
    args = parse_args()
    cuda = torch.cuda.is_available()
    if not cuda and not args.dry_run:
        raise SystemExit('no CUDA device: run with --dry-run to check the script on CPU')
    device = torch.device('cuda' if cuda else 'cpu')
    iters = args.iters or (2 if args.dry_run else 5)
    images = args.images or (1 if args.dry_run else 4)
    register_all_modules(init_default_scope=True)
    MMLogger.get_instance('gpu_check_voc', log_level='WARNING')  # no weight-init listing
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='gpu_check_voc_')
    root = osp.join(work_dir, 'voc_rehearsal')
    batch = 2 if args.dry_run else max(
        Config.fromfile(osp.join(REPO_ROOT, config)).total_batch_size // args.gpus
        for config in STAGES.values())
    generate_voc_rehearsal(root, config=VOCRehearsalConfig(
        num_train=max(batch // 2, 2), num_sbd=max(batch // 2, 2), num_val=2))
    folders = dict(cams=osp.join(work_dir, 'cams'), scores=osp.join(work_dir, 'scores'))
    affinity_cfg = stage_config('affinitynet', root, folders, args.gpus, args.dry_run)
    write_fake_cams(affinity_cfg, folders['cams'])
    jobs = jobs_from_config(affinity_cfg)
    start = time.perf_counter()
    make_affinity_labels(jobs, num_workers=1, rank=0, world_size=1,
                         **affinity_cfg.affinity_label_cfg)
    crf_seconds = (time.perf_counter() - start) / len(jobs)

    device_name = torch.cuda.get_device_name(device) if cuda else 'CPU'
    print(f'device: {device_name}; gpus of the projection: {args.gpus}; '
          f'{"dry run (width 0.125, small crops)" if args.dry_run else "full width"}')
    results: Dict[str, Dict[str, float]] = {}
    for name in args.stages:
        cfg = stage_config(name, root, folders, args.gpus, args.dry_run)
        results[name] = measure_stage(name, cfg, device, iters, images)
        result = results[name]
        print(f'{name:<12} batch {result["batch_per_process"]:>2}/process: '
              f'{result["seconds_per_iter"]:.3f} s/iter, train peak '
              f'{result["train_peak_gib"]:.2f} GiB; test {result["seconds_per_test_image"]:.3f}'
              ' s/image', flush=True)
    difference = random_walk_cuda_vs_cpu()
    print(f'dense CRF (affinity labels, CPU, 1 process): {crf_seconds:.3f} s/image')
    print('random walk CUDA vs CPU, max |difference|: '
          + ('skipped (no CUDA)' if difference is None else f'{difference:.2e}'))
    cores = os.cpu_count() or 1
    projected = projection(results, crf_seconds, args.gpus, cores)
    print(f'\nprojected full VOC run ({args.gpus} GPU(s), {cores} cores), hours:')
    for key, value in projected['steps'].items():
        print(f'  {key:<58} {value:8.2f}')
    for key, value in projected['pipelines'].items():
        print(f'  pipeline {key:<49} {value:8.2f}')
    report = dict(device=device_name, dry_run=args.dry_run, gpus=args.gpus, iters=iters,
                  stages=results, crf_seconds_per_image=crf_seconds,
                  random_walk_cuda_vs_cpu=difference, projection=projected)
    path = osp.join(work_dir, 'gpu_check_voc.json')
    with open(path, 'w') as file:
        json.dump(report, file, indent=2)
    print(f'\nreport written to {path}')


if __name__ == '__main__':
    main()
