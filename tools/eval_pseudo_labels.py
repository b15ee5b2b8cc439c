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
"""
import argparse
import os.path as osp

from mmwsss.datasets.wsss_dataset import VOC_METAINFO, WSSSDataset
from mmwsss.evaluation.folder_evaluation import (evaluate_cam_folder,
                                                 evaluate_label_folder, read_split)
from mmwsss.reporting.per_class_table import (BEST_PREFIX, per_class_markdown,
                                              write_per_class_table)
from mmwsss.utils import save_json
from mmwsss.utils.ranges import UNIT_OPEN, range_type
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
    parser.add_argument('--out', help='result JSON (default: {pred_dir}_metrics.json)')
    return parser.parse_args()


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
        result = evaluate_cam_folder(args.pred_dir, gt_dir, img_ids, classes,
                                     args.thresholds)
        for threshold, miou in zip(result['thresholds'], result['mIoU']):
            print(f'bg {threshold:.2f}: mIoU {miou:.2f}')
        print(f'best: bg {result["best_bg_threshold"]:.2f}, mIoU {result["best_mIoU"]:.2f}')
        print(per_class_markdown(result, BEST_PREFIX), end='')
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
