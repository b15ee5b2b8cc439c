"""Seconds per thousand images of the data checks (tools/check_dataset.py).

Writes ``--images`` VOC-sized (500 x 375) JPEG images with palette masks and
saliency maps to a temporary folder, then times
:func:`mmwsss.datasets.dataset_check.check_jobs` on them in one process and
in ``--workers`` processes (the files stay in the page cache: this measures
decoding and checking, not the disk).

Example::

    python benchmarks/benchmark_check_dataset.py --images 1000 --workers 2
"""
import argparse
import os
import tempfile

import numpy as np
from PIL import Image

from mmwsss.datasets.dataset_check import check_jobs
from mmwsss.utils import save_label_png


def main() -> None:
    """Write the images, check them with 1 and N processes, print seconds per 1000."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=int, default=1000)
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as root:
        jobs = []
        for index in range(args.images):
            img_id = f'{index:06d}'
            image = rng.integers(0, 256, (375, 500, 3), dtype=np.uint8)
            Image.fromarray(image).save(os.path.join(root, img_id + '.jpg'), quality=90)
            mask = np.zeros((375, 500), np.uint8)
            mask[100:250, 150:400] = 1 + index % 20
            mask[99, 150:400] = 255
            save_label_png(mask, os.path.join(root, img_id + '.png'))
            Image.fromarray(mask * 10).save(os.path.join(root, img_id + '_sal.png'))
            jobs.append(dict(img_id=img_id, img_path=os.path.join(root, img_id + '.jpg'),
                             seg_map_path=os.path.join(root, img_id + '.png'),
                             img_label_mask=os.path.join(root, img_id + '.png'),
                             saliency_path=os.path.join(root, img_id + '_sal.png'),
                             num_classes=21))
        print(f'{args.images} images of 500x375 with masks and saliency maps')
        for workers in sorted({1, args.workers}):
            report = check_jobs(jobs, workers=workers, progress=False)
            assert not report.problems, report.problems[:3]
            print(f'{workers} process(es): {report.seconds:.2f} s, '
                  f'{report.seconds / args.images * 1000:.2f} s per 1000 images')


if __name__ == '__main__':
    main()
