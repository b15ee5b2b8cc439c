"""Run the demo PSA pipeline on several generated datasets and print the table.

For each generator seed (``tools/generate_demo_data.py --seed S``) this writes
the dataset to ``{work_dir}/seed{S}/data/demo`` and runs the shipped demo
pipeline config unchanged (``tools/train.py PIPELINE --cfg-options
until=rw``: CAM stage, affinity labels, AffinityNet and the random walk; add
``--with-seg`` for the segmentation stage) from ``{work_dir}/seed{S}``, so
the configs' relative ``data/demo`` is that seed's dataset. Finished steps are
skipped on a rerun. Each pipeline runs with ``--threads`` intra-op threads (1:
the run can share the machine, and the figures are those of that thread
count on this CPU; ``make demo`` uses 2). Then it prints, per seed and as mean and standard
deviation over the seeds: the CAM-only labels at the config's background
score and at the best one (tuned on the ground truth), the random walk, the
random walk + dense CRF, the walk's gain over the best CAM, and the class whose
IoU changes least (loses most) from the best-background CAM labels to the
random walk; and the per-class IoU table of each seed. The settings were not tuned on seeds 1 and 2.

Example::

    python benchmarks/benchmark_demo_seeds.py --seeds 0 1 2 --work-dir work_dirs/demo_seeds
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PIPELINE = osp.join(REPO, 'configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py')
ROWS = (('CAM, bg of the config', 'cam/cam_metrics.json', ''),
        ('CAM, best bg (tuned on GT)', 'cam/cam_metrics.json', 'best/'),
        ('random walk', 'rw/rw_metrics.json', ''),
        ('random walk + dCRF', 'rw/rw_crf_metrics.json', ''),
        ('segmentation (val)', 'seg/seg_metrics.json', ''))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--work-dir', default='work_dirs/demo_seeds')
    parser.add_argument('--threads', type=int, default=1,
                        help='intra-op threads of each pipeline process (OMP_NUM_THREADS, '
                        'default 1: the figures do not depend on what else runs)')
    parser.add_argument('--with-seg', action='store_true',
                        help='also train and test the segmentation stage')
    parser.add_argument('--report-only', action='store_true',
                        help='print the table of the existing work dirs, run nothing')
    return parser.parse_args(argv)


def run_seed(seed: int, seed_dir: str, with_seg: bool, threads: int) -> float:
    """Generate the dataset of one seed (if missing) and run the pipeline."""
    start = time.time()
    os.makedirs(seed_dir, exist_ok=True)
    data = osp.join(seed_dir, 'data', 'demo')
    if not osp.isfile(osp.join(data, 'meta.json')):
        subprocess.run([sys.executable, osp.join(REPO, 'tools/generate_demo_data.py'), data,
                        '--seed', str(seed)], check=True, cwd=seed_dir)
    command = [sys.executable, osp.join(REPO, 'tools/train.py'), PIPELINE,
               '--work-dir', osp.join(seed_dir, 'work_dirs', 'demo')]
    if not with_seg:
        command += ['--cfg-options', 'until=rw']
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    print(f'== seed {seed}: OMP_NUM_THREADS={threads} ' + ' '.join(command), flush=True)
    with open(osp.join(seed_dir, 'pipeline.log'), 'a') as log:
        subprocess.run(command, check=True, cwd=seed_dir, stdout=log, stderr=subprocess.STDOUT,
                       env=env)
    return time.time() - start


def read_results(work_dir: str) -> Dict[str, dict]:
    """The metrics files of one seed's work dir that exist, by row title."""
    results = {}
    for title, path, prefix in ROWS:
        path = osp.join(work_dir, path)
        if osp.isfile(path):
            with open(path) as file:
                metrics = json.load(file)
            key = 'best_mIoU' if prefix else 'mIoU'
            results[title] = dict(
                mIoU=metrics[key],
                iou={name[len(prefix) + 4:]: value for name, value in metrics.items()
                     if name.startswith(prefix + 'IoU.')},
                bg=metrics.get('best_bg_threshold') if prefix else None)
    return results


def mean_std(values: List[float]) -> str:
    """``mean ± std`` (sample standard deviation) of the values."""
    if len(values) < 2:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def report(seeds: List[int], results: Dict[int, Dict[str, dict]]) -> str:
    """Markdown tables: mIoU per seed with mean ± std, then per-class IoU."""
    titles = [title for title, _, _ in ROWS if all(title in results[s] for s in seeds)]
    lines = ['| result | ' + ' | '.join(f'seed {s}' for s in seeds) + ' | mean ± std |',
             '|' + ' --- |' * (len(seeds) + 2)]
    for title in titles:
        values = [results[s][title]['mIoU'] for s in seeds]
        lines.append(f'| {title} | ' + ' | '.join(f'{v:.2f}' for v in values) +
                     f' | {mean_std(values)} |')
    best, walk = 'CAM, best bg (tuned on GT)', 'random walk'
    if best in titles and walk in titles:
        gains = [results[s][walk]['mIoU'] - results[s][best]['mIoU'] for s in seeds]
        lines.append('| random walk - best CAM | ' + ' | '.join(f'{g:+.2f}' for g in gains) +
                     f' | {mean_std(gains)} |')
        worst = []
        for s in seeds:
            changes = {name: results[s][walk]['iou'][name] - results[s][best]['iou'][name]
                       for name in results[s][walk]['iou']}
            name = min(changes, key=changes.get)
            worst.append((name, changes[name]))
        lines.append('| class with the smallest IoU change, random walk - best CAM | ' +
                     ' | '.join(f'{name} {change:+.2f}' for name, change in worst) +
                     f' | min {min(change for _, change in worst):+.2f} |')
        lines.append('| best CAM bg threshold | ' + ' | '.join(
            f'{results[s][best]["bg"]:.2f}' for s in seeds) + ' | |')
    for s in seeds:
        lines += ['', f'per-class IoU, seed {s}:', '',
                  '| class | ' + ' | '.join(titles) + ' |', '|' + ' --- |' * (len(titles) + 1)]
        for name in results[s][titles[0]]['iou']:
            lines.append(f'| {name} | ' + ' | '.join(
                f'{results[s][t]["iou"].get(name, float("nan")):.2f}' for t in titles) + ' |')
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None) -> None:
    """Run every seed, then print the tables."""
    args = parse_args(argv)
    work_dir = osp.abspath(args.work_dir)
    if not args.report_only:
        for seed in args.seeds:
            seconds = run_seed(seed, osp.join(work_dir, f'seed{seed}'), args.with_seg,
                               args.threads)
            print(f'== seed {seed}: {seconds:.0f} s', flush=True)
    results = {seed: read_results(osp.join(work_dir, f'seed{seed}', 'work_dirs', 'demo'))
               for seed in args.seeds}
    missing = [seed for seed in args.seeds if not results[seed]]
    if missing:
        raise FileNotFoundError(f'no results for seeds {missing} under {work_dir}')
    print(report(args.seeds, results), end='')


if __name__ == '__main__':
    main()
