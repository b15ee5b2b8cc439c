"""Run the PSA pipeline on the built-in demo dataset (what `make demo` calls).

Generates the demo dataset in ``data/demo`` if it is missing, then runs the
demo PSA pipeline config (``tools/train.py PIPELINE``): CAM classifier and
CAMs, affinity labels, AffinityNet with the random walk, DeepLabV3+ on the
random-walk pseudo labels, and the tables of ``tools/leaderboard.py``,
all under ``work_dirs/demo``. Finished steps are skipped, so a rerun after an
interruption goes on where it stopped. Extra arguments go to ``tools/train.py``
(e.g. ``--cfg-options seg.train_cfg.max_iters=200``).
"""
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PIPELINE = 'configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py'
DATA_ROOT = 'data/demo'


def run(command: list) -> None:
    """Run a command from the repository root, failing loudly."""
    print('$ ' + ' '.join(command), flush=True)
    subprocess.run(command, cwd=REPO, check=True)


def main() -> None:
    """Generate the data if needed, run the pipeline, report the wall time."""
    start = time.time()
    if not osp.isfile(osp.join(REPO, DATA_ROOT, 'meta.json')):
        run([sys.executable, 'tools/generate_demo_data.py', DATA_ROOT])
    run([sys.executable, 'tools/train.py', PIPELINE] + sys.argv[1:])
    print(f'\ndemo finished in {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
