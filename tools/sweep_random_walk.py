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
import sys
import time
from multiprocessing import get_context
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from tqdm import tqdm

from mmwsss.datasets.wsss_dataset import VOC_METAINFO, WSSSDataset
from mmwsss.evaluation.folder_evaluation import read_split
from mmwsss.evaluation.label_survival import survival_metrics
from mmwsss.evaluation.segmentation_scores import segmentation_scores
from mmwsss.evaluation.label_criterion import (ImageResult, SettingTotals, WalkGrid,
                                               choose_setting, class_bg_setting,
                                               crf_agreement,
                                               rejected_classes, criterion_subset,
                                               score_walk_settings)
from mmwsss.ops.random_walk_sweep import Background, Setting
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
    parser.add_argument('--no-gt', action='store_true',
                        help='read no ground truth: choose the setting without it only')
    parser.add_argument('--cam-labels',
                        help='CAM-only label folder the label survival compares with '
                        '(default: cam_pseudo_labels beside the CAM folder the affinity '
                        'files name, when it exists)')
    parser.add_argument('--criterion-images', type=range_type(Range(1, integer=True)),
                        default=60,
                        help='images (evenly spaced over the sorted ids) on which the CRF '
                        'agreement of every setting is measured (default 60)')
    parser.add_argument('--core-score', type=_core_score, default=None,
                        help='give each labelled class its CAM core back (test_cfg '
                        'core_score, e.g. 0.9; "none": off; default: the --config\'s, else '
                        'off)')
    parser.add_argument('--per-class', action='store_true',
                        help='also choose one background score per class without ground '
                        'truth (at the chosen beta and t, each class the score of its highest '
                        'CRF agreement among those that keep it) and score that setting '
                        '("chosen_per_class")')
    parser.add_argument('--config',
                        help='AffinityNet config whose test_cfg setting is added to the grid '
                        'and reported as "config" (and whose core_score is used); a config '
                        'with choose_walk_setting = True reports the setting chosen without '
                        'ground truth on this grid as its own')
    parser.add_argument('--out', help='result JSON (default: rw_sweep.json next to '
                        'affinity_dir)')
    args = parser.parse_args(argv)
    args.core_score_given = '--core-score' in ' '.join(argv if argv is not None else sys.argv)
    if not args.alphas and not args.bg_scores:
        parser.error('give --alphas or --bg-scores (or both)')
    for name in ('alphas', 'bg_scores', 'betas', 'iters'):
        values = getattr(args, name)
        setattr(args, name, sorted(set(values), key=values.index))
    return args


def _core_score(text: str) -> Optional[float]:
    """``--core-score``: a score in (0, 1], or ``none``."""
    if text.lower() == 'none':
        return None
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f'must be in (0, 1] or "none", got {text}')
    return value


def _init_worker() -> None:
    """One torch thread per worker process: the processes share the cores."""
    torch.set_num_threads(1)


def image_results(affinity_path: str, gt_path: Optional[str], img_path: str,
                  ref_path: Optional[str], grid: WalkGrid,
                  crf_settings: Optional[Sequence[Setting]], agreement: bool,
                  core_score: Optional[float]) -> Dict[Setting, ImageResult]:
    """Read one image's files and score its walks (``score_walk_settings``).

    Args:
        affinity_path: Stored affinity file of the image.
        gt_path: Ground-truth label PNG, or None (no confusion matrices).
        img_path: Image, read for the CRF only.
        ref_path: Reference labels of the image for label survival (the
            CAM-only labels), or None. The image-level labels are those the
            CAM file records.
        grid: The settings.
        crf_settings: None: score the whole grid without the CRF; else score
            RW + CRF for these settings only.
        agreement: Also measure each setting's CRF agreement (grid only).
        core_score: Keep the CAM cores (None: off).

    Returns:
        Setting -> its scores.
    """
    stored = load_walk_affinity(affinity_path)
    if not osp.isfile(stored['cam_path']):
        raise FileNotFoundError(f'{affinity_path} names the CAM file {stored["cam_path"]}, '
                                'which does not exist')
    cams, _ = load_cams(stored['cam_path'], stored['num_classes'])
    gt = read_label_png(gt_path) if gt_path else None
    reference = read_label_png(ref_path) if ref_path else None
    for name, other in ((gt_path, gt), (ref_path, reference)):
        if other is not None and other.shape != cams.shape[1:]:
            raise ValueError(f'{name} has size {other.shape}, the CAMs {stored["cam_path"]} '
                             f'{cams.shape[1:]}')
    image = (np.ascontiguousarray(read_image(img_path, channel_order='rgb'))
             if crf_settings is not None or agreement else None)
    return score_walk_settings(
        torch.from_numpy(cams), stored['affinity'], grid, stored['radius'], stored['stride'],
        image=image, gt=gt, reference=reference, crf_settings=crf_settings,
        agreement=agreement, core_score=core_score, gt_name=gt_path)


def _image_results_star(task: tuple) -> Dict[Setting, ImageResult]:
    return image_results(*task)


def sweep(tasks: List[tuple], workers: int, desc: str, num_classes: int
          ) -> Tuple[Dict[Setting, SettingTotals], Dict[Setting, SettingTotals]]:
    """Sum the scores of every image (``workers`` processes), and those of the
    criterion images alone (the images whose CRF agreement was measured): what
    the ground-truth-free choice sees, as ``ChooseWalkSettingHook`` does."""
    totals: Dict[Setting, SettingTotals] = {}
    criterion: Dict[Setting, SettingTotals] = {}

    def add(results: Iterable[Dict[Setting, ImageResult]]) -> None:
        for image in tqdm(results, total=len(tasks), desc=desc, disable=None):
            for setting, result in image.items():
                totals.setdefault(setting, SettingTotals.zeros(num_classes)).add(result)
                if result.agreement is not None:
                    criterion.setdefault(setting, SettingTotals.zeros(num_classes)).add(result)

    if workers == 1:
        _init_worker()
        add(map(_image_results_star, tasks))
        return totals, criterion
    with get_context('spawn').Pool(workers, initializer=_init_worker) as pool:
        add(pool.imap(_image_results_star, tasks, chunksize=4))
    return totals, criterion


def _setting_dict(setting: Setting, crf: bool, **values) -> dict:
    """A setting as JSON: ``alpha`` or ``bg_score`` (the other None), then ``values``."""
    background, beta, num_iters = setting
    kinds = {kind: background.value if background.kind == kind else None
             for kind in ('alpha', 'bg_score')}
    return dict(kinds, beta=beta, t=num_iters, crf=crf, **values)


def _setting_text(setting: Setting) -> str:
    """E.g. ``bg score 0.6, beta 16, t 16``."""
    background, beta, num_iters = setting
    return f'{background}, beta {beta:g}, t {num_iters}'


def config_setting(path: str) -> Tuple[Setting, Optional[float], bool]:
    """The walk setting and CAM-core score of an AffinityNet config's test_cfg, and
    whether the config chooses its setting without ground truth
    (``choose_walk_setting``)."""
    config = Config.fromfile(path)
    cfg = config.model.test_cfg
    bg_score = cfg.get('bg_score')
    if isinstance(bg_score, (list, tuple)):
        background = Background('bg_score', tuple(float(score) for score in bg_score))
    elif bg_score is not None:
        background = Background('bg_score', float(bg_score))
    else:
        background = Background('alpha', float(cfg['bg_alpha']))
    return ((background, float(cfg['beta']), int(cfg['num_iters'])), cfg.get('core_score'),
            bool(config.get('choose_walk_setting', False)))


def main(argv: Optional[List[str]] = None) -> None:
    """Run the sweep; write the JSON and the picture."""
    args = parse_args(argv)
    if not osp.isdir(args.affinity_dir):
        raise FileNotFoundError(f'affinity folder not found: {args.affinity_dir}')
    meta = WSSSDataset._metainfo_from_root(args.data_root) or VOC_METAINFO
    classes = list(meta['classes'])
    split = osp.join(args.data_root, args.split) if args.split else None
    img_ids = read_split(split, args.affinity_dir, '.npz')
    missing = [i for i in img_ids if not osp.isfile(osp.join(args.affinity_dir, f'{i}.npz'))]
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} images of the split have no stored affinities, e.g. '
            f'{osp.join(args.affinity_dir, missing[0] + ".npz")}: run the random walk with '
            '--save-affinity')
    gt_dir = None if args.no_gt else osp.join(args.data_root, args.gt_dir)
    if gt_dir is not None:
        img_ids = [i for i in img_ids if osp.isfile(osp.join(gt_dir, f'{i}.png'))]
        if not img_ids:
            raise FileNotFoundError(f'no ground truth in {gt_dir} for the images of '
                                    f'{args.affinity_dir}: nothing to score (--no-gt chooses '
                                    'without it)')
    ref_dir = args.cam_labels
    if ref_dir is None:
        stored = load_walk_affinity(osp.join(args.affinity_dir, f'{img_ids[0]}.npz'))
        ref_dir = osp.join(osp.dirname(osp.dirname(stored['cam_path'])), 'cam_pseudo_labels')
        ref_dir = ref_dir if osp.isdir(ref_dir) else None
    out = args.out or osp.join(osp.dirname(osp.abspath(args.affinity_dir)), 'rw_sweep.json')
    config = config_setting(args.config) if args.config else None
    core_score = args.core_score if config is None or args.core_score_given else config[1]
    backgrounds = ([Background('alpha', a) for a in args.alphas] +
                   [Background('bg_score', s) for s in args.bg_scores])
    if config is not None:
        if config[0][0] not in backgrounds:
            backgrounds.append(config[0][0])
        args.betas = sorted(set(args.betas) | {config[0][1]})
        args.iters = sorted(set(args.iters) | {config[0][2]})
    alphas = [b.value for b in backgrounds if b.kind == 'alpha']
    bg_scores = [b.value for b in backgrounds if b.kind == 'bg_score']
    criterion_ids = {img_ids[i] for i in criterion_subset(len(img_ids), args.criterion_images)}

    def tasks(grid: WalkGrid, crf_settings: Optional[List[Setting]]) -> List[tuple]:
        return [(osp.join(args.affinity_dir, f'{i}.npz'),
                 osp.join(gt_dir, f'{i}.png') if gt_dir else None,
                 osp.join(args.data_root, args.img_dir, f'{i}{args.img_suffix}'),
                 osp.join(ref_dir, f'{i}.png') if ref_dir else None, grid, crf_settings,
                 crf_settings is None and i in criterion_ids, core_score)
                for i in img_ids]

    grid = WalkGrid(alphas, bg_scores, args.betas, sorted(args.iters))
    settings = grid.settings()
    start = time.perf_counter()
    totals, criterion = sweep(tasks(grid, None), args.workers, 'random walk grid',
                              len(classes) - 1)
    walk_seconds = time.perf_counter() - start
    survival = {s: survival_metrics(totals[s].survival, classes) for s in settings}
    # the choice sees the criterion images only (as ChooseWalkSettingHook does)
    criterion_survival = {s: survival_metrics(criterion[s].survival, classes)
                          for s in settings}
    collapsed = {s: len(rejected_classes(criterion_survival[s])) for s in settings}
    agreement = {s: crf_agreement(totals[s].agreement) for s in settings}
    chosen = choose_setting(agreement, collapsed)
    per_class = (class_bg_setting(chosen, criterion, criterion_survival, classes)
                 if args.per_class else None)
    if per_class is not None:
        per_class_grid = WalkGrid((), [per_class[0].value], [per_class[1]], [per_class[2]])
        totals.update(sweep(tasks(per_class_grid, None), args.workers,
                            'per-class backgrounds', len(classes) - 1)[0])
        survival[per_class] = survival_metrics(totals[per_class].survival, classes)
        agreement[per_class] = crf_agreement(totals[per_class].agreement)
    scored = settings + ([per_class] if per_class is not None else [])
    scores = ({s: segmentation_scores(totals[s].confusion, classes) for s in scored}
              if gt_dir else {})
    miou = {s: scores[s]['mIoU'] for s in scores}
    ranked = sorted(settings, key=lambda s: -miou[s]) if miou else [chosen]
    crf_settings = [] if not gt_dir else ranked if args.crf_top < 0 else ranked[:args.crf_top]
    crf_scores, crf_seconds = {}, 0.0
    if crf_settings:
        start = time.perf_counter()
        crf_totals, _ = sweep(tasks(grid, crf_settings), args.workers, 'RW + CRF',
                              len(classes) - 1)
        crf_seconds = time.perf_counter() - start
        crf_scores = {s: segmentation_scores(crf_totals[s].confusion, classes)
                      for s in crf_settings}
    crf_miou = {s: crf_scores[s]['mIoU'] for s in crf_settings}

    def entry(setting: Setting) -> dict:
        return _setting_dict(setting, False, mIoU=miou.get(setting),
                             crf_agreement=agreement[setting],
                             collapsed=survival[setting]['collapsed'],
                             rejected=rejected_classes(survival[setting]),
                             criterion_rejected=(rejected_classes(criterion_survival[setting])
                                                 if setting in criterion_survival else None),
                             scores=scores.get(setting), survival=survival[setting])

    result = dict(
        note=(f'"best": {TUNED_NOTE}; "chosen": without ground truth, the highest CRF '
              'agreement among the settings that collapse or flood fewest classes on the '
              'criterion images ("criterion_rejected"; "rejected": on every image); '
              '"chosen_per_class" (--per-class): its beta and t with one background score '
              'per class, each the highest CRF agreement of the class among the scores that '
              'keep it'),
        num_images=len(img_ids), criterion_images=len(criterion_ids), workers=args.workers,
        ground_truth=bool(gt_dir), cam_labels=ref_dir, core_score=core_score,
        grid=dict(alphas=alphas, bg_scores=bg_scores, betas=args.betas,
                  iters=sorted(args.iters)),
        seconds=dict(grid=round(walk_seconds, 2),
                     per_setting=round(walk_seconds / len(settings), 3),
                     crf=round(crf_seconds, 2),
                     crf_per_setting=round(crf_seconds / max(len(crf_settings), 1), 3)),
        chosen=entry(chosen),
        results=[_setting_dict(s, False, mIoU=miou.get(s), crf_agreement=agreement[s],
                               collapsed=survival[s]['collapsed'],
                               rejected=rejected_classes(survival[s]),
                               criterion_rejected=rejected_classes(criterion_survival[s]))
         for s in settings] +
        [_setting_dict(s, True, mIoU=crf_miou[s]) for s in crf_settings])
    if per_class is not None:
        result['chosen_per_class'] = entry(per_class)
    if miou:
        result['best'] = entry(ranked[0])
    if config is not None:
        # a config that chooses its walk without ground truth walks the chosen setting
        result['config'] = dict(entry(chosen if config[2] else config[0]), path=args.config,
                                chooses_without_gt=config[2])
    if crf_settings:
        best_crf = max(crf_settings, key=crf_miou.get)
        result['best_crf'] = _setting_dict(best_crf, True, mIoU=crf_miou[best_crf],
                                           scores=crf_scores[best_crf])
    save_json(result, out)
    picture = osp.splitext(out)[0] + '.png'
    shown = miou if miou else agreement
    plot_random_walk_sweep(
        shown, backgrounds, args.betas, sorted(args.iters), picture, crf_miou,
        agreement=agreement if miou else None, chosen=chosen,
        title=(f'random-walk mIoU (%), {len(img_ids)} images, {TUNED_NOTE}: best '
               f'{_setting_text(ranked[0])}; CRF agreement below, chosen without it: '
               f'{_setting_text(chosen)}' if miou else
               f'CRF agreement (%) of the random walk, {len(criterion_ids)} images (no '
               f'ground truth): chosen {_setting_text(chosen)}'))
    for setting in ranked[:5] if miou else []:
        print(f'{_setting_text(setting)}: mIoU {miou[setting]:.2f}, CRF agreement '
              f'{agreement[setting]:.2f}')
    for setting in sorted(crf_settings, key=lambda s: -crf_miou[s]):
        print(f'{_setting_text(setting)} + CRF: mIoU {crf_miou[setting]:.2f}')
    print(f'{len(settings)} settings on {len(img_ids)} images in {walk_seconds:.1f} s '
          f'({walk_seconds / len(settings):.2f} s per setting, {args.workers} workers)' +
          (f'; CRF on {len(crf_settings)} settings in {crf_seconds:.1f} s' if crf_settings
           else ''))
    for label, setting in ((f'best setting ({TUNED_NOTE})', ranked[0] if miou else None),
                           ('chosen without ground truth', chosen),
                           ('chosen without ground truth, per class', per_class),
                           ('the config\'s setting', None if config is None else
                            chosen if config[2] else config[0])):
        if setting is not None:
            gt_text = f'mIoU {miou[setting]:.2f}, ' if miou else ''
            print(f'{label}: {_setting_text(setting)} ({gt_text}CRF agreement '
                  f'{agreement[setting]:.2f}, collapsed: '
                  f'{", ".join(survival[setting]["collapsed"]) or "none"})')
    print(f'results written to {out} and {picture}')


if __name__ == '__main__':
    main()
