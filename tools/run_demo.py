"""Run the PSA pipeline on the built-in demo dataset (what `make demo` calls).

Generates the demo dataset if missing, then runs each stage as its own process
(every stage is an ordinary config that also runs alone) under one work dir:

1. ``cam/``: CAM classifier training (narrow ResNet-38 from scratch), then
   multi-scale CAMs, CAM-only pseudo labels and their scores on train;
2. ``cam/affinity_scores_alpha1-8``: affinity labels (dense CRF on the CAMs);
3. ``rw/``: AffinityNet training, then the random walk (its hook) writes the
   pseudo labels of train, with and without dense CRF, and their scores;
4. ``seg/``: DeepLabV3+ trained on the random-walk pseudo labels, scored on val;
5. the per-stage table of ``tools/leaderboard.py``.

Stages whose outputs exist are skipped, so a rerun after an interruption goes on
from the first unfinished stage. Prints where it wrote its outputs.
"""
import argparse
import os.path as osp
import subprocess
import sys
import time
from typing import Callable, List, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CAM_CONFIG = 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'
AFFINITY_CONFIG = 'configs/psa/affinitynet_wideresnet38-w0.125_1xb8-8e_demo-112x112.py'
SEG_CONFIG = 'configs/seg/deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py'
WORK_DIR = 'work_dirs/demo'  # the demo configs read earlier stages' outputs from here
DATA_ROOT = 'data/demo'


def run(command: List[str]) -> None:
    """Run a command from the repository root, failing loudly."""
    print('$ ' + ' '.join(command), flush=True)
    subprocess.run(command, cwd=REPO, check=True)


def stages(python: str) -> List[Tuple[str, str, Callable[[], None]]]:
    """The demo stages: (name, file whose existence marks it done, action)."""
    cam, rw, seg = (osp.join(WORK_DIR, name) for name in ('cam', 'rw', 'seg'))
    pseudo_labels = osp.join(REPO, rw, 'rw_pseudo_labels')
    seg_option = f'train_dataloader.dataset.data_prefix.seg_map_path={pseudo_labels}'
    return [
        ('demo data', osp.join(DATA_ROOT, 'meta.json'),
         lambda: run([python, 'tools/generate_demo_data.py', DATA_ROOT])),
        ('CAM training', osp.join(cam, 'epoch_40.pth'),
         lambda: run([python, 'tools/train.py', CAM_CONFIG, '--work-dir', cam])),
        ('CAM inference', osp.join(cam, 'cam_metrics.json'),
         lambda: run([python, 'tools/test.py', CAM_CONFIG, osp.join(cam, 'epoch_40.pth'),
                      '--work-dir', cam])),
        # the tool skips images already written, so it shares the next stage's marker
        ('affinity labels', osp.join(rw, 'rw_metrics.json'),
         lambda: run([python, 'tools/make_affinity_labels.py', AFFINITY_CONFIG,
                      '--workers', '2'])),
        ('AffinityNet + random walk', osp.join(rw, 'rw_metrics.json'),
         lambda: run([python, 'tools/train.py', AFFINITY_CONFIG, '--work-dir', rw])),
        ('segmentation training', osp.join(seg, 'iter_1000.pth'),
         lambda: run([python, 'tools/train.py', SEG_CONFIG, '--work-dir', seg,
                      '--cfg-options', seg_option])),
        ('segmentation evaluation', osp.join(seg, 'seg_metrics.json'),
         lambda: run([python, 'tools/test.py', SEG_CONFIG, osp.join(seg, 'iter_1000.pth'),
                      '--work-dir', seg])),
    ]


def main() -> None:
    """Run the stages not yet done, then print the table and the outputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    timings = {}
    for name, marker, action in stages(sys.executable):
        if osp.exists(osp.join(REPO, marker)):
            print(f'== {name}: done ({marker} exists), skipped', flush=True)
            continue
        print(f'== {name}', flush=True)
        start = time.time()
        action()
        timings[name] = time.time() - start
    run([sys.executable, 'tools/leaderboard.py', WORK_DIR, '--dataset', 'demo',
         '--pretraining', 'none'])
    print('\ntimes (s): ' + ', '.join(f'{k} {v:.0f}' for k, v in timings.items()))
    print(f'\noutputs under {WORK_DIR}/:')
    for path, what in (
            ('cam/cams/', 'CAMs, one .npz per image'),
            ('cam/cam_pseudo_labels/', 'CAM-only pseudo labels'),
            ('cam/cam_metrics.json', 'CAM scores and background sweep (+ _sweep.png)'),
            ('rw/rw_pseudo_labels/', 'random-walk pseudo labels'),
            ('rw/rw_crf_pseudo_labels/', 'random walk + dense CRF'),
            ('rw/rw_metrics.json', 'their scores'),
            ('seg/seg_metrics.json', 'segmentation val scores'),
            ('leaderboard.md', 'the table above')):
        print(f'  {osp.join(WORK_DIR, path):<40} {what}')


if __name__ == '__main__':
    main()
