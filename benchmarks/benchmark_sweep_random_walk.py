"""Time ``tools/sweep_random_walk.py`` on the demo and on VOC-sized images.

No network is needed, and none is trained: the stored inputs are synthesised
from the ground truth of a generated demo dataset (``generate_demo_dataset``,
seed 0): CAMs are the blurred masks of the present classes (as the tests'
fake CAMs), affinities are those of features constant per ground-truth
region plus noise (~0.95 inside a region, ~0.05 across a boundary, as a
trained AffinityNet's). Two datasets:

- ``demo``: the 300 demo training images (96-160 pixels a side, feature
  maps ~16 x 16), grid alphas 0.5 1 2, betas 8 16 32, t 8 16 32 (around the
  demo config's 1, 16, 16);
- ``voc-size``: ``--voc-images`` images of 375-500 pixels a side (feature
  maps up to 63 x 63, like VOC's 500 x 375), grid alphas 8 16 32, betas 4 8
  16, t 128 256 512 (around PSA's 16, 8, 256); the time is extrapolated to
  the 1,464 VOC train images.

Each sweep runs with ``--workers`` 1 and with the default (every core), and
with ``--crf-top 1`` (RW + dense CRF for the best setting). Prints a table.

Example::

    python benchmarks/benchmark_sweep_random_walk.py --work-dir work_dirs/bench_sweep
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

from mmwsss.ops.affinity import pairwise_affinity
from mmwsss.synthetic import DemoDatasetConfig, generate_demo_dataset
from mmwsss.utils import read_label_png, save_cams
from mmwsss.utils.walk_affinity_io import save_walk_affinity

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
VOC_TRAIN_IMAGES = 1464
GRIDS = dict(demo=(['0.5', '1', '2'], ['8', '16', '32'], ['8', '16', '32']),
             voc_size=(['8', '16', '32'], ['4', '8', '16'], ['128', '256', '512']))


def synthesise_inputs(data_root: str, work_dir: str) -> str:
    """Write fake CAMs and stored affinities of every training image."""
    meta = json.load(open(osp.join(data_root, 'meta.json')))
    num_classes = len(meta['classes']) - 1
    img_labels = json.load(open(osp.join(data_root, 'image_labels.json')))
    cam_dir, affinity_dir = osp.join(work_dir, 'cams'), osp.join(work_dir, 'rw_affinities')
    generator = torch.Generator().manual_seed(0)
    embedding = 2 * torch.randn(num_classes + 1, 16, generator=generator)
    with open(osp.join(data_root, 'ImageSets/Segmentation/train.txt')) as split:
        img_ids = [line.strip() for line in split if line.strip()]
    for img_id in img_ids:
        mask = read_label_png(osp.join(data_root, 'SegmentationClass', f'{img_id}.png'))
        labels = np.zeros(num_classes, np.float32)
        labels[np.asarray(img_labels[img_id], dtype=np.int64) - 1] = 1
        cams = np.zeros((num_classes, ) + mask.shape, np.float32)
        for value in np.flatnonzero(labels) + 1:
            cam = gaussian_filter((mask == value).astype(np.float32), sigma=4)
            cams[value - 1] = cam / max(cam.max(), 1e-6)
        cam_path = osp.join(cam_dir, f'{img_id}.npz')
        save_cams(cam_path, torch.from_numpy(cams), torch.from_numpy(labels))
        height, width = mask.shape
        feat = torch.from_numpy(np.where(mask == 255, 0, mask)[::8, ::8].astype(np.int64))
        padded = torch.zeros(-(-height // 8), -(-width // 8), dtype=torch.int64)
        padded[:feat.shape[0], :feat.shape[1]] = feat
        features = embedding[padded].permute(2, 0, 1)[None]
        features = features + 0.05 * torch.randn(features.shape, generator=generator)
        save_walk_affinity(osp.join(affinity_dir, f'{img_id}.npz'),
                           pairwise_affinity(features)[0], tuple(padded.shape),
                           (height, width), 5, 8, num_classes, cam_path)
    return affinity_dir


def run_sweep(affinity_dir: str, data_root: str, grid: tuple, workers: int,
              crf_top: int, out: str) -> dict:
    """Run the tool in a subprocess; return its JSON with the wall time."""
    alphas, betas, iters = grid
    command = [sys.executable, osp.join(REPO, 'tools/sweep_random_walk.py'), affinity_dir,
               '--data-root', data_root, '--alphas', *alphas, '--betas', *betas,
               '--iters', *iters, '--workers', str(workers), '--crf-top', str(crf_top),
               '--out', out]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True,
                   env=dict(os.environ, PYTHONPATH=REPO))
    result = json.load(open(out))
    result['wall'] = time.perf_counter() - start
    return result


def main(argv: List[str] = None) -> None:
    """Synthesise the inputs, run the sweeps, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/benchmark_sweep_random_walk')
    parser.add_argument('--voc-images', type=int, default=40)
    args = parser.parse_args(argv)
    configs = dict(demo=DemoDatasetConfig(num_train=300, num_val=0),
                   voc_size=DemoDatasetConfig(num_train=args.voc_images, num_val=0,
                                              min_size=375, max_size=500))
    print(f'{os.cpu_count()} CPUs, torch {torch.__version__}; "grid" is the walk and '
          'scoring of every setting, "CRF" RW + dense CRF of the best one')
    print()
    print('| images | settings | workers | grid (s) | per setting (s) | CRF, 1 setting (s) '
          '| per setting, 1,464 VOC images (s) | tool wall time (s) |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for name, config in configs.items():
        data_root = osp.join(args.work_dir, name, 'data')
        if not osp.isfile(osp.join(data_root, 'meta.json')):
            generate_demo_dataset(data_root, seed=0, config=config)
        affinity_dir = synthesise_inputs(data_root, osp.join(args.work_dir, name))
        for workers in (1, os.cpu_count() or 1):
            result = run_sweep(affinity_dir, data_root, GRIDS[name], workers, 1,
                               osp.join(args.work_dir, name, f'sweep_{workers}.json'))
            seconds = result['seconds']
            images = result['num_images']
            voc = (f"{seconds['per_setting'] * VOC_TRAIN_IMAGES / images:.1f}"
                   if name == 'voc_size' else '-')
            print(f"| {images} {name} | {len(result['results']) - 1} | {workers} | "
                  f"{seconds['grid']:.1f} | {seconds['per_setting']:.2f} | "
                  f"{seconds['crf']:.1f} | {voc} | {result['wall']:.1f} |", flush=True)


if __name__ == '__main__':
    main()
