"""Images per second of the two dense-CRF steps with 1 and with every worker process.

- ``RW + CRF``: ``crf_label_of_image`` (what ``AffinityNet`` runs in its CRF
  pool, ``test_cfg['crf_workers']``) on random-walk-like scores (the blurred
  ground-truth masks of the background and the present classes), in a
  process pool as ``AffinityNet.predict`` uses it; the pool is started and
  warmed before the clock starts;
- ``affinity labels``: ``make_affinity_labels`` (two CRFs per image, low and
  high alpha, plus writing the ``.npz`` scores) with ``num_workers``
  processes, pool start included, into a fresh folder.

The inputs are the training images of a generated demo dataset (seed 0) and
their fake CAMs (blurred masks). Prints a Markdown table.

Example::

    python benchmarks/benchmark_crf.py --num-images 300
"""
import argparse
import os
import os.path as osp
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import List, Optional

import numpy as np
from mmseg.registry import DATASETS
from mmseg.utils import register_all_modules
from scipy.ndimage import gaussian_filter

import mmwsss  # noqa: F401  (registers the dataset)
from mmwsss.apis.affinity_labels import jobs_from_data_list, make_affinity_labels
from mmwsss.models.segmentors.affinity_net import crf_label_of_image
from mmwsss.synthetic import DemoDatasetConfig, generate_demo_dataset
from mmwsss.utils import read_label_png

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_sweep_random_walk import synthesise_inputs  # noqa: E402


def rw_scores(info: dict, num_classes: int) -> np.ndarray:
    """Random-walk-like scores (C + 1, H, W): blurred one-hot ground truth."""
    mask = read_label_png(info['seg_map_path'])
    present = [0] + list(np.flatnonzero(info['img_labels']) + 1)
    scores = np.zeros((num_classes + 1, ) + mask.shape, np.float32)
    for value in present:
        scores[value] = gaussian_filter((mask == value).astype(np.float32), sigma=6)
    return scores


def time_rw_crf(infos: List[dict], num_classes: int, workers: int) -> float:
    """Seconds of the RW + CRF of every image in a warmed pool of ``workers``."""
    scores = [rw_scores(info, num_classes) for info in infos]
    with ProcessPoolExecutor(workers, mp_context=get_context('spawn')) as pool:
        list(pool.map(crf_label_of_image, [infos[0]['img_path']] * workers,
                      scores[:1] * workers))
        start = time.perf_counter()
        list(pool.map(crf_label_of_image, [info['img_path'] for info in infos], scores))
        return time.perf_counter() - start


def time_affinity_labels(infos: List[dict], out_dir: str, workers: int) -> float:
    """Seconds of ``make_affinity_labels`` on every image into a fresh folder."""
    shutil.rmtree(out_dir, ignore_errors=True)
    jobs = jobs_from_data_list(infos)
    start = time.perf_counter()
    make_affinity_labels(jobs, rank=0, world_size=1, num_workers=workers, progress=False)
    return time.perf_counter() - start


def main(argv: Optional[List[str]] = None) -> None:
    """Generate the inputs, time both steps, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/benchmark_crf')
    parser.add_argument('--num-images', type=int, default=300)
    args = parser.parse_args(argv)
    register_all_modules(init_default_scope=True)
    data_root = osp.join(args.work_dir, 'data')
    if not osp.isfile(osp.join(data_root, 'meta.json')):
        generate_demo_dataset(data_root, seed=0,
                              config=DemoDatasetConfig(num_train=args.num_images, num_val=0))
    synthesise_inputs(data_root, args.work_dir)
    affinity_dir = osp.join(args.work_dir, 'affinity_scores')
    dataset = DATASETS.build(dict(
        type='WSSSDataset', data_root=data_root, check_files=False,
        ann_file='ImageSets/Segmentation/train.txt', img_label_file='image_labels.json',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass',
                         cam_path=osp.join(args.work_dir, 'cams'),
                         affinity_path=affinity_dir), pipeline=[]))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))][:args.num_images]
    num_classes = len(dataset.metainfo['classes']) - 1
    print(f'{len(infos)} demo images, {os.cpu_count()} CPUs')
    print()
    print('| step | workers | seconds | images / s |')
    print('| --- | --- | --- | --- |')
    for workers in sorted({1, os.cpu_count() or 1}):
        seconds = time_rw_crf(infos, num_classes, workers)
        print(f'| RW + CRF | {workers} | {seconds:.1f} | {len(infos) / seconds:.1f} |',
              flush=True)
    for workers in sorted({1, os.cpu_count() or 1}):
        seconds = time_affinity_labels(infos, affinity_dir, workers)
        print(f'| affinity labels (2 CRFs an image) | {workers} | {seconds:.1f} | '
              f'{len(infos) / seconds:.1f} |', flush=True)


if __name__ == '__main__':
    main()
