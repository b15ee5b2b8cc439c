"""Run the main job on the built-in demo dataset (what `make demo` calls).

Generates the demo dataset if missing, then runs each available stage as its
own process (each stage is an ordinary config that also runs alone):

1. CAM classifier training (narrow ResNet-38 from scratch);
2. multi-scale CAM inference on the training images, CAM-only pseudo labels,
   their mIoU and the background-threshold sweep.

Prints where it wrote its outputs and the figures it measured.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CAM_CONFIG = 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'


def run(command: list) -> None:
    """Run a command from the repository root, failing loudly."""
    print('$ ' + ' '.join(command), flush=True)
    subprocess.run(command, cwd=REPO, check=True)


def last_checkpoint(work_dir: str) -> str:
    """Path of the latest checkpoint mmengine recorded in ``work_dir``."""
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        raise FileNotFoundError(f'no checkpoint recorded in {record}')
    with open(record) as file:
        return file.read().strip()


def main() -> None:
    """Run the demo stages and summarise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/demo')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    work_dir = osp.join(REPO, args.work_dir)
    data_root = osp.join(REPO, args.data_root)
    python = sys.executable
    timings = {}

    start = time.time()
    if not osp.isfile(osp.join(data_root, 'meta.json')):
        run([python, 'tools/generate_demo_data.py', data_root, '--seed', str(args.seed)])
    timings['data'] = time.time() - start

    cam_dir = osp.join(work_dir, 'cam')
    data_option = f'train_dataloader.dataset.data_root={data_root}'
    test_option = f'test_dataloader.dataset.data_root={data_root}'
    start = time.time()
    run([python, 'tools/train.py', CAM_CONFIG, '--work-dir', cam_dir,
         '--cfg-options', data_option, test_option])
    timings['cam_train'] = time.time() - start
    start = time.time()
    run([python, 'tools/test.py', CAM_CONFIG, last_checkpoint(cam_dir), '--work-dir',
         cam_dir, '--cfg-options', data_option, test_option])
    timings['cam_infer'] = time.time() - start

    with open(osp.join(cam_dir, 'cam_metrics.json')) as file:
        metrics = json.load(file)
    print('\n== demo results (train split, CAM-only pseudo labels) ==')
    print(f'CAM mIoU at bg 0.20: {metrics["mIoU"]:.2f}')
    print(f'best of the threshold sweep: {metrics["best_mIoU"]:.2f} '
          f'at bg {metrics["best_bg_threshold"]:.2f}')
    print('times (s): ' + ', '.join(f'{k} {v:.0f}' for k, v in timings.items()))
    print('\noutputs:')
    for name in ('cams', 'cam_pseudo_labels', 'cam_metrics.json',
                 'cam_metrics_sweep.png'):
        print(f'  {osp.relpath(osp.join(cam_dir, name), os.getcwd())}')


if __name__ == '__main__':
    main()
