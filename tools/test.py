"""Run a config's test loop (evaluation, CAM inference, pseudo labels) on a checkpoint.

The folders of per-image outputs (CAMs, pseudo labels) record the settings
they were written with; a run with other settings into the same work dir is
refused, naming the changed keys, unless ``--redo`` moves them aside first.

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --tta --crf   # multi-scale + flip, dense CRF
    tools/dist_test.sh CONFIG CHECKPOINT 4
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.runner import Runner

from mmwsss.engine import ResumeWritersHook
from mmwsss.utils import (add_trust_checkpoint_argument, apply_test_time_options,
                          load_config, trust_checkpoints)


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Test with an mmwsss config')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='folder for logs and outputs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys')
    parser.add_argument('--tta', action='store_true',
                        help='multi-scale + flip test-time augmentation (tta_pipeline)')
    parser.add_argument('--crf', action='store_true',
                        help='refine the predictions with a dense CRF (crf_cfg)')
    add_trust_checkpoint_argument(parser)
    parser.add_argument('--redo', action='store_true',
                        help='move the folders of per-image outputs (CAMs, labels) to '
                        '{work-dir}/replaced_<time>/ and write every image again (needed '
                        'when they were made with other settings)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    """Build the runner and test."""
    args = parse_args()
    trust_checkpoints(args.trust_checkpoint)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    cfg.load_from = args.checkpoint
    apply_test_time_options(cfg, tta=args.tta, crf=args.crf)
    ResumeWritersHook.turn_on(cfg.get('custom_hooks') or [], skip_written=False,
                              redo=args.redo)
    runner = Runner.from_cfg(cfg)
    runner.test()


if __name__ == '__main__':
    main()
