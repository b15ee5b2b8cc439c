"""Print our stage results beside the published ones as a Markdown table.

Reads ``cam/cam_metrics.json``, ``rw/rw_metrics.json``, ``rw/rw_crf_metrics.json``,
``seg/seg_metrics*.json`` (see ``mmwsss.reporting.leaderboard.STAGE_RESULT_FILES``)
from a work dir, prints the table and, for the results with per-class keys, a
per-class IoU table (one column per result), and writes both to
``{work_dir}/leaderboard.md``. The dataset (name, split sizes) and each
stage's initialisation (from scratch, ImageNet, an earlier stage's checkpoint)
are those the pipeline recorded in ``{work_dir}/pipeline_summary.json``;
published results are listed only beside a run on their dataset.

Examples::

    python tools/leaderboard.py work_dirs/psa_voc12 --networks 'seg=DeepLab-v2 ResNet-101'
    python tools/leaderboard.py work_dirs/cam_only --dataset VOC12 --pretraining ImageNet
"""
import argparse

from mmwsss.reporting.leaderboard import write_leaderboard
from mmwsss.reporting.published_results import STAGES


def main() -> None:
    """Build, print and save the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', help='work dir with cam/, rw/, seg/ results')
    parser.add_argument('--dataset',
                        help='dataset name of our splits (e.g. VOC12, demo; default: the '
                        "run record's, else 'not stated')")
    parser.add_argument('--pretraining', nargs='+',
                        help='initialisation of our networks (e.g. ImageNet, none); '
                        'STAGE=TEXT entries (stages cam, pseudo, seg) override it '
                        "for one stage (default: each stage's in the run record)")
    parser.add_argument('--networks', nargs='+', default=[], metavar='STAGE=TEXT',
                        help='our network per stage (cam, pseudo, seg), named in its rows '
                        'as the published rows name theirs')
    parser.add_argument('--out', help='Markdown file (default: {work_dir}/leaderboard.md)')
    args = parser.parse_args()
    pretraining = dict(item.split('=', 1) if '=' in item else ('default', item)
                       for item in args.pretraining) if args.pretraining else None
    unknown = set(pretraining or {}) - set(STAGES) - {'default'}
    if unknown:
        parser.error(f'--pretraining: unknown stage {sorted(unknown)}; stages: {list(STAGES)}')
    if any('=' not in item for item in args.networks):
        parser.error(f'--networks: expected STAGE=TEXT items, got {args.networks}')
    networks = dict(item.split('=', 1) for item in args.networks)
    unknown = set(networks) - set(STAGES)
    if unknown:
        parser.error(f'--networks: unknown stage {sorted(unknown)}; stages: {list(STAGES)}')
    text, out = write_leaderboard(args.work_dir, args.dataset, pretraining, args.out,
                                  networks=networks)
    print(text, end='')
    print(f'\nwritten to {out}')


if __name__ == '__main__':
    main()
