"""Tune the random walk in seconds: re-walk stored affinities over a grid of settings.

Reads the affinities the random-walk step stored (``{affinity_dir}/{id}.npz``,
written by ``SaveWalkAffinityHook``: ``tools/random_walk.py --save-affinity``,
or the demo config), the CAM file each of them names, and the ground truth
``{data_root}/{gt_dir}/{id}.png``; re-runs the walk without any network for
every (background, beta, t) of the grid, the background being PSA's walked
``(1 - max CAM) ** alpha`` (``--alphas``, test_cfg ``bg_alpha``) or a constant
score after the walk (``--bg-scores``, test_cfg ``bg_score``), scores the labels, and, with
``--crf-top K``, scores RW + dense CRF for the K best settings. Images without
ground truth are skipped. Writes ``--out`` (JSON: mIoU of every setting, the
best ones, times) and a picture next to it (``.png``: mIoU over the grid, best
settings framed).

A setting chosen this way is tuned on the ground truth of the images it
scores: report it as such (as the CAM background sweep is).

Example::

    python tools/sweep_random_walk.py work_dirs/demo/rw/rw_affinities --data-root data/demo \\
        --alphas 0.5 1 2 --betas 8 16 32 --iters 8 16 32 --crf-top 2
    # the demo's constant background
    python tools/sweep_random_walk.py work_dirs/demo/rw/rw_affinities --data-root data/demo \\
        --alphas --bg-scores 0.5 0.6 0.7 --betas 8 16 --iters 8 16 32
"""
import argparse
import os
import os.path as osp
import time
from multiprocessing import get_context
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from tqdm import tqdm

from mmwsss.datasets.wsss_dataset import VOC_METAINFO, WSSSDataset
from mmwsss.evaluation.folder_evaluation import read_split
from mmwsss.evaluation.segmentation_scores import segmentation_scores
from mmwsss.ops.crf import crf_refine_label
from mmwsss.ops.random_walk import channel_argmax
from mmwsss.ops.random_walk_sweep import Background, Setting, random_walk_sweep
from mmwsss.utils import load_cams, read_image, read_label_png, save_json
from mmwsss.utils.ranges import POSITIVE, UNIT_OPEN, Range, range_type
from mmwsss.utils.walk_affinity_io import load_walk_affinity
from mmwsss.visualization import plot_random_walk_sweep

TUNED_NOTE = 'tuned on the ground truth of the scored images'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('affinity_dir', help='folder of the stored {id}.npz affinities')
    parser.add_argument('--data-root', required=True, help='dataset root')
    parser.add_argument('--gt-dir', default='SegmentationClass',
                        help='ground-truth folder, relative to --data-root '
                        '(SegmentationClassAug for VOC)')
    parser.add_argument('--img-dir', default='JPEGImages',
                        help='image folder for the CRF, relative to --data-root')
    parser.add_argument('--img-suffix', default='.jpg')
    parser.add_argument('--split', help='split file relative to --data-root '
                        '(default: every file in affinity_dir)')
    parser.add_argument('--alphas', type=range_type(POSITIVE), nargs='*',
                        default=[4, 8, 16, 32],
                        help='background exponents of a walked background (PSA: 16); '
                        'none: only --bg-scores')
    parser.add_argument('--bg-scores', type=range_type(UNIT_OPEN), nargs='*', default=[],
                        help='constant background scores after the walk, in (0, 1) '
                        '(model.test_cfg.bg_score; the demo: 0.6)')
    parser.add_argument('--betas', type=range_type(POSITIVE), nargs='+',
                        default=[4, 8, 16], help='affinity exponents, positive (PSA: 8)')
    parser.add_argument('--iters', type=range_type(Range(0, integer=True)), nargs='+',
                        default=[64, 128, 256, 512],
                        help='numbers of steps t, non-negative (PSA: 256)')
    parser.add_argument('--crf-top', type=range_type(Range(-1, integer=True)), default=0,
                        help='also score RW + dense CRF for the K best settings '
                        '(-1: every setting)')
    parser.add_argument('--workers', type=range_type(Range(1, integer=True)),
                        default=os.cpu_count() or 1,
                        help='processes (default: every core)')
    parser.add_argument('--out', help='result JSON (default: rw_sweep.json next to '
                        'affinity_dir)')
    args = parser.parse_args(argv)
    if not args.alphas and not args.bg_scores:
        parser.error('give --alphas or --bg-scores (or both)')
    for name in ('alphas', 'bg_scores', 'betas', 'iters'):
        values = getattr(args, name)
        setattr(args, name, sorted(set(values), key=values.index))
    return args


def _init_worker() -> None:
    """One torch thread per worker process: the processes share the cores."""
    torch.set_num_threads(1)


def image_confusions(affinity_path: str, gt_path: str, img_path: str,
                     alphas: Sequence[float], bg_scores: Sequence[float],
                     betas: Sequence[float], iters: Sequence[int],
                     crf_settings: Optional[Sequence[Setting]],
                     num_labels: int) -> Dict[Setting, np.ndarray]:
    """Confusion matrices of one image for each setting of the grid.

    Args:
        affinity_path: Stored affinity file of the image.
        gt_path: Ground-truth label PNG.
        img_path: Image, read for the CRF only.
        alphas: Background exponents.
        bg_scores: Constant background scores.
        betas: Affinity exponents.
        iters: Numbers of steps.
        crf_settings: None: score the whole grid without the CRF; else score
            RW + CRF for these settings only.
        num_labels: C + 1.

    Returns:
        Setting -> (C + 1, C + 1) int64 counts.
    """
    stored = load_walk_affinity(affinity_path)
    if not osp.isfile(stored['cam_path']):
        raise FileNotFoundError(f'{affinity_path} names the CAM file {stored["cam_path"]}, '
                                'which does not exist')
    cams, _ = load_cams(stored['cam_path'], stored['num_classes'])
    gt = read_label_png(gt_path)
    if gt.shape != cams.shape[1:]:
        raise ValueError(f'{gt_path} has size {gt.shape}, the CAMs {stored["cam_path"]} '
                         f'{cams.shape[1:]}')
    cams = torch.from_numpy(cams)
    affinity = stored['affinity']
    common = dict(radius=stored['radius'], stride=stored['stride'])
    if crf_settings is None:
        walks = [random_walk_sweep(cams, affinity, alphas, betas, iters,
                                   bg_scores=bg_scores, **common)]
    else:
        image = np.ascontiguousarray(read_image(img_path, channel_order='rgb'))
        walks = [random_walk_sweep(
            cams, affinity, [background.value] if background.kind == 'alpha' else [],
            [beta], [num_iters],
            bg_scores=[background.value] if background.kind == 'bg_score' else [], **common)
            for background, beta, num_iters in crf_settings]
    settings, labels = [], []
    for walk in walks:
        for batch_settings, scores, channel_labels in walk:
            if crf_settings is None:
                index = channel_argmax(scores)
            else:
                index = torch.stack([torch.from_numpy(crf_refine_label(image, item.numpy()))
                                     for item in scores])
            settings += batch_settings
            labels.append(channel_labels[index])
    return dict(zip(settings, stacked_confusions(torch.cat(labels), gt, num_labels,
                                                 gt_path)))


def stacked_confusions(labels: torch.Tensor, gt: np.ndarray, num_labels: int,
                       gt_name: str = 'ground truth') -> np.ndarray:
    """Confusion matrices of several label maps of one image at once.

    Args:
        labels: Long tensor (S, H, W), values 0..num_labels-1.
        gt: Ground truth (H, W); 255 is ignored.
        num_labels: C + 1.
        gt_name: The ground truth's file, for messages.

    Returns:
        (S, C + 1, C + 1) int64 counts, rows ground truth, columns prediction.
    """
    gt_t = torch.from_numpy(gt.astype(np.int64)).reshape(-1)
    keep = gt_t != 255
    if keep.any() and int(gt_t[keep].max()) >= num_labels:
        raise ValueError(f'{gt_name} has label value {int(gt_t[keep].max())}; values '
                         f'must be in 0..{num_labels - 1} or 255')
    num_maps = labels.shape[0]
    codes = (torch.arange(num_maps)[:, None] * num_labels**2 + gt_t[keep] * num_labels +
             labels.reshape(num_maps, -1)[:, keep])
    counts = torch.bincount(codes.reshape(-1), minlength=num_maps * num_labels**2)
    return counts.reshape(num_maps, num_labels, num_labels).numpy()


def _image_confusions_star(task: tuple) -> Dict[Setting, np.ndarray]:
    return image_confusions(*task)


def sweep(tasks: List[tuple], workers: int, desc: str) -> Dict[Setting, np.ndarray]:
    """Sum the confusion matrices of every image (``workers`` processes)."""
    total: Dict[Setting, np.ndarray] = {}
    if workers == 1:
        _init_worker()
        results = map(_image_confusions_star, tasks)
        for confusions in tqdm(results, total=len(tasks), desc=desc):
            for setting, matrix in confusions.items():
                total[setting] = total.get(setting, 0) + matrix
        return total
    with get_context('spawn').Pool(workers, initializer=_init_worker) as pool:
        results = pool.imap(_image_confusions_star, tasks, chunksize=4)
        for confusions in tqdm(results, total=len(tasks), desc=desc):
            for setting, matrix in confusions.items():
                total[setting] = total.get(setting, 0) + matrix
    return total


def _setting_dict(setting: Setting, miou: float, crf: bool) -> dict:
    """A setting and its mIoU as JSON: ``alpha`` or ``bg_score`` (the other None)."""
    background, beta, num_iters = setting
    values = {kind: background.value if background.kind == kind else None
              for kind in ('alpha', 'bg_score')}
    return dict(values, beta=beta, t=num_iters, crf=crf, mIoU=miou)


def _setting_text(setting: Setting) -> str:
    """E.g. ``bg score 0.6, beta 16, t 16``."""
    background, beta, num_iters = setting
    return f'{background}, beta {beta:g}, t {num_iters}'


def main(argv: Optional[List[str]] = None) -> None:
    """Run the sweep; write the JSON and the picture."""
    args = parse_args(argv)
    if not osp.isdir(args.affinity_dir):
        raise FileNotFoundError(f'affinity folder not found: {args.affinity_dir}')
    meta = WSSSDataset._metainfo_from_root(args.data_root) or VOC_METAINFO
    classes = list(meta['classes'])
    split = osp.join(args.data_root, args.split) if args.split else None
    img_ids = read_split(split, args.affinity_dir, '.npz')
    gt_dir = osp.join(args.data_root, args.gt_dir)
    missing = [i for i in img_ids if not osp.isfile(osp.join(args.affinity_dir, f'{i}.npz'))]
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} images of the split have no stored affinities, e.g. '
            f'{osp.join(args.affinity_dir, missing[0] + ".npz")}: run the random walk with '
            '--save-affinity')
    img_ids = [i for i in img_ids if osp.isfile(osp.join(gt_dir, f'{i}.png'))]
    if not img_ids:
        raise FileNotFoundError(f'no ground truth in {gt_dir} for the images of '
                                f'{args.affinity_dir}: nothing to score')
    out = args.out or osp.join(osp.dirname(osp.abspath(args.affinity_dir)), 'rw_sweep.json')

    def tasks(crf_settings: Optional[List[Setting]]) -> List[tuple]:
        return [(osp.join(args.affinity_dir, f'{i}.npz'), osp.join(gt_dir, f'{i}.png'),
                 osp.join(args.data_root, args.img_dir, f'{i}{args.img_suffix}'),
                 args.alphas, args.bg_scores, args.betas, args.iters, crf_settings,
                 len(classes))
                for i in img_ids]

    backgrounds = ([Background('alpha', a) for a in args.alphas] +
                   [Background('bg_score', s) for s in args.bg_scores])
    settings = [(background, b, t) for b in args.betas for t in sorted(args.iters)
                for background in backgrounds]
    start = time.perf_counter()
    confusions = sweep(tasks(None), args.workers, 'random walk grid')
    walk_seconds = time.perf_counter() - start
    scores = {s: segmentation_scores(confusions[s], classes) for s in settings}
    miou = {s: scores[s]['mIoU'] for s in settings}
    ranked = sorted(settings, key=lambda s: -miou[s])
    crf_settings = ranked if args.crf_top < 0 else ranked[:args.crf_top]
    crf_scores, crf_seconds = {}, 0.0
    if crf_settings:
        start = time.perf_counter()
        crf_confusions = sweep(tasks(crf_settings), args.workers, 'RW + CRF')
        crf_seconds = time.perf_counter() - start
        crf_scores = {s: segmentation_scores(crf_confusions[s], classes)
                      for s in crf_settings}
    crf_miou = {s: crf_scores[s]['mIoU'] for s in crf_settings}
    best = ranked[0]
    result = dict(
        note=f'settings {TUNED_NOTE}',
        num_images=len(img_ids), workers=args.workers,
        grid=dict(alphas=args.alphas, bg_scores=args.bg_scores, betas=args.betas,
                  iters=sorted(args.iters)),
        seconds=dict(grid=round(walk_seconds, 2),
                     per_setting=round(walk_seconds / len(settings), 3),
                     crf=round(crf_seconds, 2),
                     crf_per_setting=round(crf_seconds / max(len(crf_settings), 1), 3)),
        best=dict(_setting_dict(best, miou[best], False), scores=scores[best]),
        results=[_setting_dict(s, miou[s], False) for s in settings] +
        [_setting_dict(s, crf_miou[s], True) for s in crf_settings])
    if crf_settings:
        best_crf = max(crf_settings, key=crf_miou.get)
        result['best_crf'] = dict(_setting_dict(best_crf, crf_miou[best_crf], True),
                                  scores=crf_scores[best_crf])
    save_json(result, out)
    picture = osp.splitext(out)[0] + '.png'
    plot_random_walk_sweep(
        miou, backgrounds, args.betas, sorted(args.iters), picture, crf_miou,
        title=f'random-walk mIoU (%), {len(img_ids)} images, {TUNED_NOTE}: best '
        f'{_setting_text(best)}')
    for setting in ranked[:5]:
        print(f'{_setting_text(setting)}: mIoU {miou[setting]:.2f}')
    for setting in sorted(crf_settings, key=lambda s: -crf_miou[s]):
        print(f'{_setting_text(setting)} + CRF: mIoU {crf_miou[setting]:.2f}')
    print(f'{len(settings)} settings on {len(img_ids)} images in {walk_seconds:.1f} s '
          f'({walk_seconds / len(settings):.2f} s per setting, {args.workers} workers)' +
          (f'; CRF on {len(crf_settings)} settings in {crf_seconds:.1f} s' if crf_settings
           else ''))
    print(f'best setting ({TUNED_NOTE}): {_setting_text(best)}; '
          f'results written to {out} and {picture}')


if __name__ == '__main__':
    main()
