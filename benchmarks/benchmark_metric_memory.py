"""Peak memory of PseudoLabelMetric against the number of images it scores.

Each run scores N tiny images (8 x 8 pixels, 21 classes, the 19 background
thresholds of the VOC CAM configs, so every image adds 20 confusion matrices
of 21 x 21) in a fresh subprocess, and reports the peak of the memory traced by
``tracemalloc`` (numpy arrays included) while scoring, and the peak resident
set size of the process. The metric keeps running sums, so both stay flat;
the baseline beside them is what keeping every image's matrices (as the
metric did before) would hold: N x 20 x 21 x 21 int64.

The projection for the real datasets follows from the same arithmetic.

Example::

    python benchmarks/benchmark_metric_memory.py --images 2000 20000
"""
import argparse
import json
import resource
import subprocess
import sys
import tracemalloc
from typing import Dict, List

import torch

NUM_CLASSES = 21
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]
SIZE = 8
BATCH = 8

DATASETS = (
    # name, images scored in one test loop, classes with background
    ('VOC train_aug (CAM / EPS inference)', 10582, 21),
    ('COCO 2014 train (EPS inference, coco14_eps.py)', 82783, 81),
)


def per_image_bytes(num_classes: int, num_thresholds: int) -> int:
    """Bytes of one image's int64 confusion matrices (pseudo label + sweep)."""
    return (1 + num_thresholds) * num_classes**2 * 8


def score(num_images: int) -> Dict[str, float]:
    """Score ``num_images`` random tiny images; measure the peak memory.

    Returns:
        ``traced_peak_mib`` (tracemalloc peak while scoring), ``rss_peak_mib``
        (the process's peak resident set size) and the resulting ``mIoU``.
    """
    from mmwsss.evaluation import PseudoLabelMetric
    metric = PseudoLabelMetric(bg_thresholds=THRESHOLDS)
    metric.dataset_meta = dict(classes=tuple(f'c{i}' for i in range(NUM_CLASSES)))
    generator = torch.Generator().manual_seed(0)
    tracemalloc.start()
    for start in range(0, num_images, BATCH):
        batch = []
        for _ in range(min(BATCH, num_images - start)):
            gt = torch.randint(0, NUM_CLASSES, (1, SIZE, SIZE), generator=generator)
            batch.append(dict(
                gt_sem_seg=dict(data=gt),
                pred_sem_seg=dict(data=torch.randint(0, NUM_CLASSES, (1, SIZE, SIZE),
                                                     generator=generator)),
                pred_cams=dict(data=torch.rand(NUM_CLASSES - 1, SIZE, SIZE,
                                               generator=generator))))
        metric.process({}, batch)
    metrics = metric.evaluate(num_images)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return dict(traced_peak_mib=peak / 2**20, rss_peak_mib=rss_kib / 2**10,
                mIoU=metrics['mIoU'])


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=int, nargs='+', default=[2000, 20000],
                        help='numbers of images to score, one subprocess each')
    parser.add_argument('--child', type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    """Run each size in a subprocess and print the table and the projection."""
    args = parse_args()
    if args.child is not None:
        print(json.dumps(score(args.child)))
        return
    rows: List[Dict[str, float]] = []
    for num_images in args.images:
        result = subprocess.run([sys.executable, __file__, '--child', str(num_images)],
                                capture_output=True, text=True, check=True)
        rows.append(dict(json.loads(result.stdout.strip().splitlines()[-1]),
                         images=num_images))
    per_image = per_image_bytes(NUM_CLASSES, len(THRESHOLDS))
    print(f'{"images":>8} {"traced peak MiB":>16} {"RSS peak MiB":>13} '
          f'{"per-image storage MiB":>22}')
    for row in rows:
        print(f'{row["images"]:>8} {row["traced_peak_mib"]:>16.2f} {row["rss_peak_mib"]:>13.1f} '
              f'{row["images"] * per_image / 2**20:>22.1f}')
    first, last = rows[0], rows[-1]
    print(f'traced peak, {last["images"]} vs {first["images"]} images: '
          f'{last["traced_peak_mib"] / first["traced_peak_mib"]:.3f}x; RSS peak: '
          f'{last["rss_peak_mib"] / first["rss_peak_mib"]:.3f}x')
    print('\nprojection, 19 thresholds (state now: 2 x 20 matrices per rank; before: '
          '20 per image):')
    for name, images, classes in DATASETS:
        state = 2 * per_image_bytes(classes, len(THRESHOLDS))
        before = images * per_image_bytes(classes, len(THRESHOLDS))
        print(f'  {name}: {images} images, {classes} classes: {state / 2**20:.2f} MiB '
              f'(per-image storage: {before / 2**30:.1f} GiB)')
    print(f'mIoU of the random labels (sanity): {[round(r["mIoU"], 2) for r in rows]}')


if __name__ == '__main__':
    main()
