"""Per-image cost of mmwsss's confusion matrix against MMSeg's intersect_and_union.

``PseudoLabelMetric`` and the folder evaluation count one confusion matrix per
image (and per background threshold of the CAM sweep); their scores come from
MMSeg's ``IoUMetric.total_area_to_metrics`` on the matrix's per-class areas.
This script times :func:`mmwsss.evaluation.confusion_matrix` (one
``bincount``) and ``IoUMetric.intersect_and_union`` (three ``histc``) on the
same random VOC-sized label maps, at the default thread count and on one
thread, and checks that the areas agree.

Example::

    python benchmarks/benchmark_confusion_matrix.py --size 500x375 --classes 21
"""
import argparse
import time

import numpy as np
import torch
from mmseg.evaluation import IoUMetric

from mmwsss.evaluation import confusion_matrix


def timed(function, repeats: int) -> float:
    """Median seconds of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    """Time both on the default thread count and on one thread; print ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', default='500x375', help='WxH of the label maps')
    parser.add_argument('--classes', type=int, default=21)
    parser.add_argument('--repeats', type=int, default=50)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split('x'))
    generator = torch.Generator().manual_seed(0)
    gt = torch.randint(0, args.classes, (height, width), generator=generator)
    gt[torch.rand((height, width), generator=generator) < 0.05] = 255
    pred = torch.randint(0, args.classes, (height, width), generator=generator)
    matrix = confusion_matrix(pred, gt, args.classes)
    intersect, _, pred_area, label_area = IoUMetric.intersect_and_union(
        pred, gt, args.classes, 255)
    assert np.array_equal(np.diag(matrix), intersect.numpy())
    assert np.array_equal(matrix.sum(0), pred_area.numpy())
    assert np.array_equal(matrix.sum(1), label_area.numpy())
    default_threads = torch.get_num_threads()
    print(f'{args.size}, {args.classes} classes, median of {args.repeats} calls')
    for threads in (default_threads, 1):
        torch.set_num_threads(threads)
        ours = timed(lambda: confusion_matrix(pred, gt, args.classes), args.repeats)
        mmseg = timed(lambda: IoUMetric.intersect_and_union(pred, gt, args.classes, 255),
                      args.repeats)
        print(f'{threads} thread(s): confusion_matrix {ours * 1e3:.2f} ms, '
              f'intersect_and_union {mmseg * 1e3:.2f} ms, ratio {mmseg / ours:.2f}')
    torch.set_num_threads(default_threads)


if __name__ == '__main__':
    main()
