"""Write the browsable report of a run: ``{work_dir}/report/index.html``.

Works for a pipeline's work dir (every stage: the leaderboard, step times,
resolved configs, per-class scores and label survival, and a gallery of every
image with its CAMs, pseudo labels and segmentation, sortable by per-image
mIoU) and for a single stage's work dir. The folder is self-contained: open
``index.html`` in a browser, from the file system, offline. A rerun only
remakes the thumbnails whose source changed. See
:mod:`mmwsss.reporting.report`.

Examples::

    python tools/report.py work_dirs/demo
    python tools/report.py work_dirs/psa_voc12 --workers 8
    python tools/report.py work_dirs/demo/rw
"""
import argparse
import os
import time

from mmwsss.reporting.report import THUMB_SIZE, write_report
from mmwsss.utils.ranges import Range, range_type


def main() -> None:
    """Write the report and print where it is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', help="a pipeline's or a single stage's work dir")
    parser.add_argument('--workers', type=range_type(Range(1, integer=True)),
                        default=min(8, os.cpu_count() or 1),
                        help='processes making the thumbnails (default: the cores, '
                        'at most 8)')
    parser.add_argument('--thumb-size', type=range_type(Range(16, integer=True)),
                        default=THUMB_SIZE,
                        help=f'longest side of a thumbnail in pixels (default {THUMB_SIZE})')
    args = parser.parse_args()
    start = time.time()
    index = write_report(args.work_dir, size=args.thumb_size, workers=args.workers)
    print(f'report written in {time.time() - start:.1f} s: {index}')


if __name__ == '__main__':
    main()
