"""Write the affinity-label scores (dense CRF on the CAMs) of an AffinityNet config.

Reads the training dataset of the config (its ``cam_path`` folder, written by
the CAM stage, and its ``affinity_path`` folder, written here) and the alphas
of ``affinity_label_cfg``. Images already written are skipped; hidden
temporary files that a killed run left in the output folder are removed first
(by rank 0, when the ranks share a process group or there is one rank). The
settings the scores were made with are recorded beside the folder
(``.{folder}.mmwsss-settings.json``): a rerun with other alphas, CAMs or images
is refused, naming the changed keys; ``--redo`` moves the folder to
``replaced_<time>/`` beside it and writes every image again.

Examples::

    python tools/make_affinity_labels.py configs/psa/<config>.py --workers 8
    # several processes (e.g. machines sharing a disk): each writes its share
    torchrun --nproc_per_node=4 tools/make_affinity_labels.py CONFIG --launcher pytorch
"""
import argparse
import os

from mmengine.config import DictAction

from mmwsss.apis.affinity_labels import affinity_labels_from_config
from mmwsss.utils import load_config
from mmwsss.utils.ranges import Range, range_type


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='AffinityNet config')
    parser.add_argument('--workers', type=range_type(Range(1, integer=True)), default=None,
                        help='CRF processes per rank (default: the cores over the ranks)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. affinity_label_cfg.high_alpha=24')
    parser.add_argument('--redo', action='store_true',
                        help='move an existing output folder to replaced_<time>/ beside it '
                        'and write every image again (needed when the settings changed)')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='pytorch: also start a (gloo) process group, so rank 0 '
                        'reports once every rank is done')
    return parser.parse_args()


def main() -> None:
    """Build the image list from the config and write the scores."""
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, launcher=args.launcher)
    # ranks come from torchrun's RANK / WORLD_SIZE, with or without --launcher
    jobs, written = affinity_labels_from_config(cfg, num_workers=args.workers,
                                                redo=args.redo)
    out_dir = os.path.dirname(jobs[0].out_path) if jobs else '-'
    print(f'rank {os.environ.get("RANK", 0)}: wrote {written} files; {len(jobs)} images '
          f'in {out_dir}')


if __name__ == '__main__':
    main()
