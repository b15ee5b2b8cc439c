"""Segmentation stage on the demo dataset: pseudo labels vs ground truth, SE-loss targets.

Experiments (each run is ``tools/train.py`` then ``tools/test.py`` in its own
process, on the same config, seed and schedule; val mIoU from the test loop):

- ``pseudo-vs-gt``: the demo DeepLabV3+ trained on the pseudo labels
  (``{work_dir}/seg``, the run ``tools/leaderboard.py`` reads) and on the
  ground-truth masks (``{work_dir}/seg_gt``);
- ``se-target``: the demo EncNet on the pseudo labels with the SE-loss target
  from the image-level labels (``ImageLabelEncHead``) and from the pseudo-label
  histogram (MMSeg's ``EncHead`` behaviour).

The models' backbone is initialised from the demo CAM classifier
(``--cam-checkpoint``). Also scores the pseudo labels themselves on the train
split. Prints a table with the wall time of each run and writes
``{work_dir}/seg_stage_demo.json``. A run already done with the same training
masks is not repeated (its ``seg_stage_demo_run.json`` is read back); ``--runs``
selects runs, e.g. to train them in parallel processes.

Example::

    python benchmarks/seg_stage_demo.py --pseudo-labels work_dirs/demo/rw/rw_pseudo_labels \\
        --cam-checkpoint work_dirs/demo/cam/epoch_40.pth --work-dir work_dirs/demo
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List

from mmwsss.datasets.wsss_dataset import WSSSDataset
from mmwsss.evaluation.folder_evaluation import evaluate_label_folder, read_split
from mmwsss.utils import save_json

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEEPLAB = 'configs/seg/deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py'
ENCNET = 'configs/seg/encnet_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py'
EXPERIMENTS = {
    'pseudo-vs-gt': [
        ('seg', DEEPLAB, 'pseudo', []),
        ('seg_gt', DEEPLAB, 'gt', []),
    ],
    'se-target': [
        ('seg_encnet_image_labels', ENCNET, 'pseudo',
         ['model.decode_head.se_target=image_labels']),
        ('seg_encnet_histogram', ENCNET, 'pseudo', ['model.decode_head.se_target=histogram']),
    ],
}
"""Experiment -> runs (work-dir name, config, training masks, extra options)."""


def run(command: List[str]) -> float:
    """Run a command from the repository root; return its wall time in seconds."""
    print('$ ' + ' '.join(command), flush=True)
    start = time.time()
    subprocess.run(command, cwd=REPO, check=True)
    return time.time() - start


def last_checkpoint(work_dir: str) -> str:
    """Path of the latest checkpoint mmengine recorded in ``work_dir``."""
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        raise FileNotFoundError(f'no checkpoint recorded in {record}')
    with open(record) as file:
        return file.read().strip()


def train_and_test(name: str, config: str, masks: str, extra: List[str],
                   args: argparse.Namespace) -> Dict[str, float]:
    """Train one run and test it on val, unless done; return its val mIoU and times."""
    work_dir = osp.join(args.work_dir, name)
    masks_dir = args.pseudo_labels if masks == 'pseudo' else 'SegmentationClass'
    record = osp.join(work_dir, 'seg_stage_demo_run.json')
    if osp.isfile(record):
        with open(record) as file:
            result = json.load(file)
        if result['masks_dir'] == masks_dir:
            return result
    options = [f'train_dataloader.dataset.data_root={args.data_root}',
               f'val_dataloader.dataset.data_root={args.data_root}',
               f'test_dataloader.dataset.data_root={args.data_root}',
               f'train_dataloader.dataset.data_prefix.seg_map_path={masks_dir}',
               # no validation during training: the test loop scores val once
               'train_cfg.val_interval=1000000000',
               f'model.backbone.init_cfg.checkpoint={args.cam_checkpoint}',
               ] + extra + (args.cfg_options or [])
    python = sys.executable
    train_s = run([python, 'tools/train.py', config, '--work-dir', work_dir,
                   '--cfg-options'] + options)
    test_s = run([python, 'tools/test.py', config, last_checkpoint(work_dir),
                  '--work-dir', work_dir, '--cfg-options'] + options)
    with open(osp.join(work_dir, 'seg_metrics.json')) as file:
        miou = float(json.load(file)['mIoU'])
    result = dict(mIoU=miou, train_s=round(train_s, 1), test_s=round(test_s, 1),
                  masks_dir=masks_dir)
    save_json(result, record)
    return result


def main() -> None:
    """Run the experiments and summarise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pseudo-labels', required=True,
                        help='folder of {id}.png pseudo labels of the train split')
    parser.add_argument('--cam-checkpoint', default='work_dirs/demo/cam/epoch_40.pth',
                        help='demo CAM classifier whose backbone initialises the models')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/demo')
    parser.add_argument('--experiments', nargs='+', choices=sorted(EXPERIMENTS),
                        default=sorted(EXPERIMENTS))
    parser.add_argument('--runs', nargs='+', help='only these runs (work-dir names)')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='extra overrides for every run, e.g. train_cfg.max_iters=200')
    args = parser.parse_args()
    args.pseudo_labels = osp.abspath(args.pseudo_labels)
    args.data_root = osp.abspath(args.data_root)
    args.work_dir = osp.abspath(args.work_dir)
    args.cam_checkpoint = osp.abspath(args.cam_checkpoint)
    if not osp.isfile(args.cam_checkpoint):
        raise FileNotFoundError(f'CAM checkpoint not found: {args.cam_checkpoint}')
    if not osp.isdir(args.pseudo_labels):
        raise FileNotFoundError(f'pseudo-label folder not found: {args.pseudo_labels}')
    os.makedirs(args.work_dir, exist_ok=True)

    classes = WSSSDataset(
        ann_file='ImageSets/Segmentation/train.txt', data_root=args.data_root,
        img_label_file='image_labels.json', lazy_init=True).metainfo['classes']
    train_ids = read_split(osp.join(args.data_root, 'ImageSets/Segmentation/train.txt'),
                           args.pseudo_labels, '.png')
    pseudo = evaluate_label_folder(args.pseudo_labels,
                                   osp.join(args.data_root, 'SegmentationClass'),
                                   train_ids, classes)
    summary = dict(pseudo_labels=args.pseudo_labels, pseudo_label_train_mIoU=pseudo['mIoU'])
    runs = [run for experiment in args.experiments for run in EXPERIMENTS[experiment]
            if not args.runs or run[0] in args.runs]
    for name, config, masks, extra in runs:
        summary[name] = dict(train_masks=masks, config=config,
                             **train_and_test(name, config, masks, extra, args))
    if args.runs:
        return
    save_json(summary, osp.join(args.work_dir, 'seg_stage_demo.json'))

    print(f'\n== segmentation stage on the demo (val mIoU, {len(train_ids)} train images) ==')
    print(f'pseudo labels on train: {pseudo["mIoU"]:.2f} mIoU ({args.pseudo_labels})')
    for experiment in args.experiments:
        print(f'-- {experiment}')
        for name, config, masks, extra in EXPERIMENTS[experiment]:
            result = summary[name]
            print(f'{name:<26} trained on {masks:<6} {" ".join(extra):<42} '
                  f'val mIoU {result["mIoU"]:6.2f}   train {result["train_s"]:6.0f} s, '
                  f'test {result["test_s"]:4.0f} s')
    if 'pseudo-vs-gt' in args.experiments:
        gap = summary['seg_gt']['mIoU'] - summary['seg']['mIoU']
        print(f'pseudo labels reach {summary["seg"]["mIoU"]:.2f}, ground truth '
              f'{summary["seg_gt"]["mIoU"]:.2f}: gap {gap:.2f} points '
              f'({"within" if gap <= 10 else "NOT within"} the 10-point target)')
    print(f'written to {osp.join(args.work_dir, "seg_stage_demo.json")}')


if __name__ == '__main__':
    main()
