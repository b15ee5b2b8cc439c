"""Run the demo PSA pipeline on dataset families and seeds; print what the walk gains and loses.

For each family of the demo generator (``tools/generate_demo_data.py --family
F``, see docs/demo_dataset.md) and each seed, this writes the dataset to
``{work_dir}/{family}/seed{S}/data/demo`` and runs the shipped demo pipeline
config (``tools/train.py PIPELINE --cfg-options until=rw``: CAM stage,
affinity labels, AffinityNet and the random walk) from that folder, so the
configs' relative ``data/demo`` is that dataset; a family with another number
of classes gets the CAM head's ``num_classes``. Finished steps are skipped on a
rerun. Then ``tools/sweep_random_walk.py`` re-walks the stored affinities over
a grid around the demo setting with ``--config`` (the shipped AffinityNet
config: its setting and CAM-core guarantee), scoring each setting against the
ground truth and by the ground-truth-free criterion.

Printed per family and seed (and mean ± std over seeds):

- CAM-only labels at the config's background score and at the best one
  (tuned on the ground truth);
- the walk with the shipped defaults (the sweep's ``config`` entry: the demo
  AffinityNet config chooses its setting without ground truth,
  ``choose_walk_setting = True``, on this grid, which is its hook's grid, so
  this is the setting ``ChooseWalkSettingHook`` picks), the same with the
  CAM-core guarantee off (``--core-score none``), the fixed setting of the
  previous version (constant background 0.6, beta 16, t 16), the setting
  chosen without ground truth (equal to the shipped one while the config
  chooses), the per-class background scores chosen without ground truth
  (``--per-class``, not shipped) and the best walk of the grid (tuned on the
  ground truth);
- the smallest per-class IoU change from the CAM labels at the config's
  background score to the shipped walk, the class, and the classes whose
  collapse the walk's label survival reports (a logged warning in the stage).

Each pipeline runs with ``--threads`` intra-op threads (1: the figures do not
depend on what else runs on the machine).

Example::

    python benchmarks/benchmark_families.py --families demo plain_body mixed --seeds 0 \\
        --work-dir work_dirs/families
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
AFFINITY_CONFIG = osp.join(REPO,
                           'configs/psa/affinitynet_wideresnet38-w0.125_1xb8-8e_demo-112x112.py')
GRID = ['--alphas', '--bg-scores', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '--betas', '8', '16',
        '--iters', '8', '16', '32', '64']
SWEEP_FILE = 'rw/rw_sweep_benchmark.json'
NO_GUARANTEE_FILE = 'rw/rw_sweep_benchmark_no_cores.json'
GOAL_GAIN, GOAL_LOSS, GOAL_CHOICE = 5.0, 5.0, 2.0


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--families', nargs='+', default=['demo'],
                        help='dataset families (tools/generate_demo_data.py --list-families)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--work-dir', default='work_dirs/families')
    parser.add_argument('--threads', type=int, default=1,
                        help='intra-op threads of each pipeline process (OMP_NUM_THREADS, '
                        'default 1: the figures do not depend on what else runs)')
    parser.add_argument('--workers', type=int, default=1, help='processes of the sweep')
    parser.add_argument('--chosen-on', nargs='*', default=['demo', 'plain_body'],
                        help='families the defaults were chosen on (marked in the table)')
    parser.add_argument('--sweep-only', action='store_true',
                        help='run only the sweeps, on the pipelines already run in the work '
                        'dir (e.g. by an earlier version whose stages up to the walk were the '
                        'same)')
    parser.add_argument('--report-only', action='store_true',
                        help='print the tables of the existing work dirs, run nothing')
    return parser.parse_args(argv)


def run_one(family: str, seed: int, run_dir: str, threads: int, workers: int,
            sweep_only: bool = False) -> float:
    """Generate one dataset (if missing), run the pipeline (unless ``sweep_only``) and the
    sweeps."""
    start = time.time()
    os.makedirs(run_dir, exist_ok=True)
    data = osp.join(run_dir, 'data', 'demo')
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    if not osp.isfile(osp.join(data, 'meta.json')):
        subprocess.run([sys.executable, osp.join(REPO, 'tools/generate_demo_data.py'), data,
                        '--family', family, '--seed', str(seed)], check=True, cwd=run_dir,
                       env=env, stdout=subprocess.DEVNULL)
    with open(osp.join(data, 'meta.json')) as file:
        num_classes = len(json.load(file)['classes']) - 1
    work_dir = osp.join(run_dir, 'work_dirs', 'demo')
    command = [sys.executable, osp.join(REPO, 'tools/train.py'), PIPELINE,
               '--work-dir', work_dir, '--cfg-options', 'until=rw',
               f'cam.model.decode_head.num_classes={num_classes}']
    print(f'== {family} seed {seed}: OMP_NUM_THREADS={threads} ' + ' '.join(command), flush=True)
    with open(osp.join(run_dir, 'pipeline.log'), 'a') as log:
        if not sweep_only:
            subprocess.run(command, check=True, cwd=run_dir, stdout=log,
                           stderr=subprocess.STDOUT, env=env)
        sweep = [sys.executable, osp.join(REPO, 'tools/sweep_random_walk.py'),
                 osp.join(work_dir, 'rw', 'rw_affinities'), '--data-root', data,
                 '--config', AFFINITY_CONFIG, '--workers', str(workers), *GRID]
        subprocess.run(sweep + ['--per-class', '--out', osp.join(work_dir, SWEEP_FILE)],
                       check=True, cwd=run_dir, stdout=log, stderr=subprocess.STDOUT, env=env)
        # the shipped setting again, without the CAM cores
        with open(osp.join(work_dir, SWEEP_FILE)) as file:
            shipped = json.load(file)['config']
        only = ['--alphas'] + (['--bg-scores', str(shipped['bg_score'])]
                               if shipped['bg_score'] is not None
                               else [str(shipped['alpha']), '--bg-scores'])
        subprocess.run(sweep[:5] + [*only, '--betas', str(shipped['beta']), '--iters',
                                    str(shipped['t']), '--workers', str(workers),
                                    '--core-score', 'none', '--criterion-images', '1',
                                    '--out', osp.join(work_dir, NO_GUARANTEE_FILE)],
                       check=True, cwd=run_dir, stdout=log, stderr=subprocess.STDOUT, env=env)
    return time.time() - start


def _ious(scores: dict, prefix: str = '') -> Dict[str, float]:
    """Per-class IoU of flat scores (``{prefix}IoU.{class}``)."""
    return {key[len(prefix) + 4:]: value for key, value in scores.items()
            if key.startswith(prefix + 'IoU.')}


def fixed_setting(sweep: dict, bg_score: float, beta: float, num_iters: int) -> dict:
    """The row of one constant-background setting of the sweep's grid (mIoU only: the
    grid's results have no per-class scores)."""
    for entry in sweep['results']:
        if not entry['crf'] and (entry['bg_score'], entry['beta'], entry['t']) == (
                bg_score, beta, num_iters):
            return dict(mIoU=entry['mIoU'], iou={}, collapsed=entry['collapsed'],
                        setting=f'bg {bg_score:g}, beta {beta:g}, t {num_iters}')
    raise KeyError(f'bg {bg_score}, beta {beta}, t {num_iters} is not in the sweep\'s grid')


def read_results(work_dir: str) -> Optional[Dict[str, dict]]:
    """The rows of one run: mIoU, per-class IoU and collapsed classes, by row title."""
    cam_path, sweep_path = (osp.join(work_dir, 'cam', 'cam_metrics.json'),
                            osp.join(work_dir, SWEEP_FILE))
    no_cores_path = osp.join(work_dir, NO_GUARANTEE_FILE)
    if not all(osp.isfile(path) for path in (cam_path, sweep_path, no_cores_path)):
        return None
    with open(cam_path) as file:
        cam = json.load(file)
    with open(sweep_path) as file:
        sweep = json.load(file)
    with open(no_cores_path) as file:
        no_cores = json.load(file)

    def walk(entry: dict) -> dict:
        iou = {name: values['IoU'] for name, values in entry['scores']['per_class'].items()}
        bg = entry['bg_score']
        bg = '/'.join(f'{score:g}' for score in bg) if isinstance(bg, list) else bg
        return dict(mIoU=entry['mIoU'], iou=iou,
                    collapsed=entry['collapsed'],
                    setting=f'bg {bg}, beta {entry["beta"]:g}, t {entry["t"]}')

    return {
        'CAM, bg of the config': dict(mIoU=cam['mIoU'], iou=_ious(cam)),
        'CAM, best bg (GT)': dict(mIoU=cam['best_mIoU'], iou=_ious(cam, 'best/'),
                                  setting=f'bg {cam["best_bg_threshold"]}'),
        'walk, shipped defaults': walk(sweep['config']),
        'walk, shipped, no CAM cores': walk(no_cores['best']),
        'walk, fixed bg 0.6, beta 16, t 16': fixed_setting(sweep, 0.6, 16.0, 16),
        'walk, chosen without GT': walk(sweep['chosen']),
        'walk, chosen without GT, bg per class': walk(sweep['chosen_per_class']),
        'walk, best of the grid (GT)': walk(sweep['best']),
    }


def mean_std(values: List[float]) -> str:
    """``mean ± std`` (sample standard deviation) of the values."""
    if len(values) < 2:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def report(runs: Dict[str, Dict[int, Dict[str, dict]]], chosen_on: List[str]) -> str:
    """Markdown: one table row per family (mean ± std over seeds), then the goals."""
    titles = list(next(iter(next(iter(runs.values())).values())))
    head = ['family', *titles, 'walk - best CAM', 'GT-free - best walk',
            'smallest class change, CAM (config bg) -> walk', 'collapsed (walk)']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + ' --- |' * len(head)]
    goals = []
    for family, seeds in runs.items():
        results = list(seeds.values())
        cells = [family + (' (defaults chosen on it)' if family in chosen_on else '')]
        cells += [mean_std([r[t]['mIoU'] for r in results]) for t in titles]
        gain = [r['walk, shipped defaults']['mIoU'] - r['CAM, best bg (GT)']['mIoU']
                for r in results]
        choice = [r['walk, chosen without GT']['mIoU'] - r['walk, best of the grid (GT)']['mIoU']
                  for r in results]
        worst = []
        for r in results:
            cam, shipped = r['CAM, bg of the config']['iou'], r['walk, shipped defaults']['iou']
            changes = {name: shipped[name] - cam[name] for name in shipped if name in cam}
            name = min(changes, key=changes.get)
            worst.append((name, changes[name]))
        collapsed = sorted({c for r in results for c in r['walk, shipped defaults']['collapsed']})
        cells += [mean_std(gain), mean_std(choice),
                  ', '.join(f'{name} {change:+.2f}' for name, change in worst),
                  ', '.join(collapsed) or 'none']
        lines.append('| ' + ' | '.join(cells) + ' |')
        if family not in chosen_on:
            goals.append((family, min(gain) >= GOAL_GAIN,
                          min(c for _, c in worst) >= -GOAL_LOSS, min(choice) >= -GOAL_CHOICE))
    if goals:
        lines += ['', f'goals on the families the defaults were not chosen on (walk - best CAM '
                  f'>= {GOAL_GAIN:g}, no class loses more than {GOAL_LOSS:g} IoU against the '
                  f'CAM labels, GT-free choice within {GOAL_CHOICE:g} of the best walk):', '',
                  '| family | gain | no class lost | GT-free choice |', '| --- | --- | --- | --- |']
        lines += [f'| {family} | ' + ' | '.join('met' if ok else 'MISSED' for ok in oks) + ' |'
                  for family, *oks in goals]
    lines += ['', 'walk settings (shipped / shipped without CAM cores / chosen without GT / '
              'best of the grid):', '']
    for family, seeds in runs.items():
        for seed, r in seeds.items():
            lines.append(f'- {family} seed {seed}: ' + ' / '.join(
                r[t]['setting'] for t in titles if t.startswith('walk')) +
                f'; best CAM {r["CAM, best bg (GT)"]["setting"]}')
    return '\n'.join(lines) + '\n'


def per_class(runs: Dict[str, Dict[int, Dict[str, dict]]]) -> str:
    """Markdown: the per-class IoU of every run."""
    lines = []
    for family, seeds in runs.items():
        for seed, r in seeds.items():
            titles = list(r)
            lines += ['', f'per-class IoU, {family} seed {seed}:', '',
                      '| class | ' + ' | '.join(titles) + ' |', '|' + ' --- |' * (len(titles) + 1)]
            for name in r[titles[0]]['iou']:
                lines.append(f'| {name} | ' + ' | '.join(
                    f'{r[t]["iou"].get(name, float("nan")):.2f}' for t in titles) + ' |')
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None) -> None:
    """Run every family and seed, then print the tables."""
    args = parse_args(argv)
    work_dir = osp.abspath(args.work_dir)
    runs: Dict[str, Dict[int, Dict[str, dict]]] = {}
    for family in args.families:
        for seed in args.seeds:
            run_dir = osp.join(work_dir, family, f'seed{seed}')
            if not args.report_only:
                seconds = run_one(family, seed, run_dir, args.threads, args.workers,
                                  args.sweep_only)
                print(f'== {family} seed {seed}: {seconds:.0f} s', flush=True)
            results = read_results(osp.join(run_dir, 'work_dirs', 'demo'))
            if results is None:
                print(f'== {family} seed {seed}: no results in {run_dir}', flush=True)
                continue
            runs.setdefault(family, {})[seed] = results
    if not runs:
        raise FileNotFoundError(f'no results under {work_dir}')
    print(report(runs, args.chosen_on) + per_class(runs), end='')


if __name__ == '__main__':
    main()
