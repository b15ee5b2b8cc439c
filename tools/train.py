"""Train a model (or run a stage, or a whole pipeline) from an mmengine config.

A pipeline config (one with ``stages``, see :mod:`mmwsss.apis.pipeline`)
runs its stages in order under one work dir, skipping finished steps;
``--cfg-options STAGE.key=value`` reaches one stage.

A config with ``total_batch_size`` (every VOC stage config) trains at that batch
over all processes: each of N processes loads ``total_batch_size / N`` images
(see :func:`mmwsss.utils.config.resolve_batch_size`); the log states it.

Examples::

    python tools/train.py configs/cam/<config>.py
    python tools/train.py configs/psa/psa-pipeline_<...>.py --cfg-options cam.train_cfg.max_epochs=2
    python tools/train.py CONFIG --work-dir work_dirs/x --cfg-options train_cfg.max_epochs=2
    tools/dist_train.sh CONFIG 4        # torchrun, --launcher pytorch
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmwsss.apis.pipeline import is_pipeline_config, run_pipeline
from mmwsss.utils import add_trust_checkpoint_argument, load_config, trust_checkpoints


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Train with an mmwsss config')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='folder for logs, checkpoints and outputs')
    parser.add_argument('--resume', action='store_true',
                        help='resume from the latest checkpoint in the work dir '
                        '(pipelines always resume)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. train_cfg.max_epochs=2')
    add_trust_checkpoint_argument(parser)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    """Build the runner and train, or run the pipeline."""
    args = parse_args()
    trust_checkpoints(args.trust_checkpoint)
    if osp.isfile(args.config) and is_pipeline_config(Config.fromfile(args.config)):
        run_pipeline(args.config, args.cfg_options, args.work_dir, args.launcher)
        return
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher,
                      train=True)
    if args.resume:
        cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
