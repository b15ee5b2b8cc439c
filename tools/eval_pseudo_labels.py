"""Score a folder of pseudo-label PNGs, or of CAM files, against ground truth.

Examples::

Label PNGs: the flat metrics (mIoU, mPrecision, mRecall, aAcc,
IoU/Precision/Recall.{class}, num_images) go to the JSON, their per-class table
to ``{json stem}_per_class.md`` beside it. CAM files: the mIoU per background
score, the best one and its flat scores under ``best/`` go to the JSON, the
curve to a PNG beside it.

    # label PNGs (random-walk or CAM-only pseudo labels)
    python tools/eval_pseudo_labels.py labels work_dirs/x/cam_pseudo_labels \
        --data-root data/demo --split ImageSets/Segmentation/train.txt
    # CAM files: background-threshold sweep, JSON + PNG plot
    python tools/eval_pseudo_labels.py cams work_dirs/x/cams --data-root data/demo \
        --split ImageSets/Segmentation/train.txt --out work_dirs/x/cam_sweep.json
    # CAM files without ground truth: the background score of the highest CRF
    # agreement among those that collapse fewest classes
    python tools/eval_pseudo_labels.py cams work_dirs/x/cams --data-root data/mine --no-gt

For CAM files the ground-truth-free criterion of
``mmwsss.evaluation.label_criterion`` (CRF agreement, label survival) is
measured on ``--criterion-images`` images for every background score, and its
choice is written beside the ground-truth curve (``chosen_bg_threshold``).
"""
import argparse
import os.path as osp

import numpy as np
import torch
from tqdm import tqdm

from mmwsss.datasets.wsss_dataset import VOC_METAINFO, WSSSDataset
from mmwsss.evaluation.folder_evaluation import (evaluate_cam_folder,
                                                 evaluate_label_folder, read_split)
from mmwsss.evaluation.label_criterion import (SettingTotals, choose_setting,
                                               crf_agreement, criterion_subset,
                                               rejected_classes, score_cam_thresholds)
from mmwsss.evaluation.label_survival import survival_metrics
from mmwsss.reporting.per_class_table import (BEST_PREFIX, per_class_markdown,
                                              write_per_class_table)
from mmwsss.utils import load_cams, read_image, save_json
from mmwsss.utils.ranges import UNIT_OPEN, Range, range_type
from mmwsss.visualization import plot_threshold_curve


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('kind', choices=['labels', 'cams'])
    parser.add_argument('pred_dir', help='folder of {id}.png labels or {id}.npz CAMs')
    parser.add_argument('--data-root', required=True, help='dataset root')
    parser.add_argument('--gt-dir', default='SegmentationClass',
                        help='ground-truth folder, relative to --data-root '
                        '(SegmentationClassAug for VOC)')
    parser.add_argument('--split', help='split file relative to --data-root '
                        '(default: every file in pred_dir)')
    parser.add_argument('--thresholds', type=range_type(UNIT_OPEN), nargs='+',
                        default=[round(0.05 * i, 2) for i in range(1, 20)],
                        help='background scores swept for CAMs, in (0, 1)')
    parser.add_argument('--no-gt', action='store_true',
                        help='CAM files only: read no ground truth, choose the background '
                        'score without it')
    parser.add_argument('--criterion-images',
                        type=range_type(Range(0, integer=True)), default=60,
                        help='CAM files: images (evenly spaced) on which the CRF agreement '
                        'of every background score is measured; 0: none')
    parser.add_argument('--img-dir', default='JPEGImages',
                        help='image folder for the CRF, relative to --data-root')
    parser.add_argument('--img-suffix', default='.jpg')
    parser.add_argument('--out', help='result JSON (default: {pred_dir}_metrics.json)')
    args = parser.parse_args()
    if args.no_gt and args.kind == 'labels':
        parser.error('--no-gt is for CAM files')
    if args.no_gt and args.criterion_images < 1:
        parser.error('--no-gt needs --criterion-images of at least 1')
    return args


def choose_cam_threshold(cam_dir: str, img_dir: str, img_suffix: str, img_ids: list,
                         class_names: list, thresholds: list, count: int) -> dict:
    """The ground-truth-free choice of the CAM background score.

    Returns:
        ``chosen_bg_threshold``, ``crf_agreement`` and ``collapsed`` (one per
        threshold) and ``criterion_images``.
    """
    ids = [img_ids[i] for i in criterion_subset(len(img_ids), count)]
    totals = {float(t): SettingTotals.zeros(len(class_names) - 1) for t in thresholds}
    for img_id in tqdm(ids, desc='CRF agreement', disable=None):
        cams, _ = load_cams(osp.join(cam_dir, f'{img_id}.npz'), len(class_names) - 1)
        image = np.ascontiguousarray(read_image(osp.join(img_dir, img_id + img_suffix),
                                                channel_order='rgb'))
        for threshold, result in score_cam_thresholds(torch.from_numpy(cams), thresholds,
                                                      image).items():
            totals[threshold].add(result)
    agreement = {t: crf_agreement(total.agreement) for t, total in totals.items()}
    collapsed = {t: rejected_classes(survival_metrics(total.survival, class_names))
                 for t, total in totals.items()}
    chosen = choose_setting(agreement, {t: len(c) for t, c in collapsed.items()})
    return dict(chosen_bg_threshold=chosen, crf_agreement=list(agreement.values()),
                collapsed=list(collapsed.values()), criterion_images=len(ids))


def main() -> None:
    """Evaluate and write the JSON (and the sweep plot for CAMs)."""
    args = parse_args()
    if not osp.isdir(args.pred_dir):
        raise FileNotFoundError(f'folder not found: {args.pred_dir}')
    meta = WSSSDataset._metainfo_from_root(args.data_root) or VOC_METAINFO
    classes = list(meta['classes'])
    suffix = '.png' if args.kind == 'labels' else '.npz'
    split = osp.join(args.data_root, args.split) if args.split else None
    img_ids = read_split(split, args.pred_dir, suffix)
    gt_dir = osp.join(args.data_root, args.gt_dir)
    out = args.out or args.pred_dir.rstrip('/') + '_metrics.json'
    if args.kind == 'labels':
        result = evaluate_label_folder(args.pred_dir, gt_dir, img_ids, classes)
        print(per_class_markdown(result), end='')
        print(f'{result["num_images"]} images')
    else:
        result = (dict(thresholds=[float(t) for t in args.thresholds]) if args.no_gt else
                  evaluate_cam_folder(args.pred_dir, gt_dir, img_ids, classes,
                                      args.thresholds))
        if args.criterion_images:
            result.update(choose_cam_threshold(
                args.pred_dir, osp.join(args.data_root, args.img_dir), args.img_suffix,
                img_ids, classes, args.thresholds, args.criterion_images))
        for index, threshold in enumerate(result['thresholds']):
            print(f'bg {threshold:.2f}: ' + ', '.join(
                ([f'mIoU {result["mIoU"][index]:.2f}'] if 'mIoU' in result else []) +
                ([f'CRF agreement {result["crf_agreement"][index]:.2f}']
                 if 'crf_agreement' in result else [])))
        if 'best_mIoU' in result:
            print(f'best (tuned on the ground truth): bg {result["best_bg_threshold"]:.2f}, '
                  f'mIoU {result["best_mIoU"]:.2f}')
            print(per_class_markdown(result, BEST_PREFIX), end='')
        if 'chosen_bg_threshold' in result:
            print(f'chosen without ground truth: bg {result["chosen_bg_threshold"]:.2f}')
        if 'mIoU' in result:
            plot_threshold_curve(
                dict(zip(result['thresholds'], result['mIoU'])),
                osp.splitext(out)[0] + '.png')
    save_json(result, out)
    print(f'results written to {out}')
    table = write_per_class_table(result, out)
    if table:
        print(f'per-class table written to {table}')


if __name__ == '__main__':
    main()
