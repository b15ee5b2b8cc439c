"""Run the PSA pipeline on the built-in demo dataset (what `make demo` calls).

Generates the demo dataset in ``data/demo`` if it is missing, then runs the
demo PSA pipeline config (``tools/train.py PIPELINE``): CAM classifier and
CAMs, affinity labels, AffinityNet with the random walk, DeepLabV3+ on the
random-walk pseudo labels, and the tables of ``tools/leaderboard.py``,
all under ``work_dirs/demo``. Finished steps are skipped, so a rerun after an
interruption goes on where it stopped. Extra arguments go to ``tools/train.py``
(e.g. ``--cfg-options seg.train_cfg.max_iters=200``).

The figures are reproducible: every random draw is seeded (the configs'
``randomness.seed``, mmengine seeds each data-loader worker from it), and the
pipeline runs with a fixed number of intra-op threads, ``DEMO_THREADS`` (2),
since the order in which threads add up floating-point sums changes the
last bits of a result and 40 CAM epochs amplify them. Two runs on one
machine print the same figures, whatever else runs on it; another CPU or
another torch build may differ. ``OMP_NUM_THREADS`` set in the environment
wins (its value is printed).
"""
import os
import os.path as osp
import subprocess
import sys
import time

DEMO_THREADS = 2
"""Intra-op threads of the pipeline process (see the module doc)."""

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PIPELINE = 'configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py'
DATA_ROOT = 'data/demo'


def run(command: list) -> None:
    """Run a command from the repository root with the demo's thread count."""
    env = dict(os.environ)
    threads = env.setdefault('OMP_NUM_THREADS', str(DEMO_THREADS))
    env.setdefault('MKL_NUM_THREADS', threads)
    print(f'$ OMP_NUM_THREADS={threads} ' + ' '.join(command), flush=True)
    subprocess.run(command, cwd=REPO, check=True, env=env)


def main() -> None:
    """Generate the data if needed, run the pipeline, report the wall time."""
    start = time.time()
    if not osp.isfile(osp.join(REPO, DATA_ROOT, 'meta.json')):
        run([sys.executable, 'tools/generate_demo_data.py', DATA_ROOT])
    run([sys.executable, 'tools/train.py', PIPELINE] + sys.argv[1:])
    print(f'\ndemo finished in {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
