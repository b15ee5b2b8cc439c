"""Time and size of the report's gallery per VOC-sized image, projected to VOC train_aug.

The gallery's cost is per image: decode each file of the image's row, make its
thumbnail and score each label map against the ground truth. This benchmark
writes VOC-sized rows (the VOC rehearsal dataset: JPEG images and palette
ground truth with sides 375..500) with the columns of the demo pipeline's
report (the image, its ground truth, three label maps, two CAM pictures, one
affinity picture of twice the image's width), renders them with
:func:`~mmwsss.reporting.report.render_gallery` and prints the seconds and
bytes per image and the projection to 10,582 images (the first build; a
rerun remakes no thumbnail).

Example::

    python benchmarks/benchmark_report.py --images 60 --workers 1
"""
import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from mmwsss.datasets.wsss_dataset import VOC_METAINFO
from mmwsss.reporting.report import ImageJob, render_gallery
from mmwsss.synthetic.voc_rehearsal import VOCRehearsalConfig, generate_voc_rehearsal
from mmwsss.utils.ranges import Range, range_type

VOC_TRAIN_AUG = 10582


def main() -> None:
    """Write the rows, time the gallery, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=range_type(Range(1, integer=True)), default=60)
    parser.add_argument('--workers', type=range_type(Range(1, integer=True)), default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / 'voc'
        ids = generate_voc_rehearsal(str(root), config=VOCRehearsalConfig(
            num_train=args.images, num_sbd=0, num_val=1))['train']
        jobs = []
        for img_id in ids:
            image = root / 'JPEGImages' / f'{img_id}.jpg'
            gt = root / 'SegmentationClass' / f'{img_id}.png'
            wide = Path(folder) / f'{img_id}_affinity.jpg'
            pixels = np.asarray(Image.open(image))
            Image.fromarray(np.concatenate([pixels, pixels], axis=1)).save(wide, quality=90)
            jobs.append(ImageJob(
                img_id, str(image), str(gt),
                labels={key: str(gt) for key in ('cam', 'rw', 'rw_crf')},
                pictures={'affinity': str(wide)},
                cams={'cams': [(1, str(image)), (2, str(image))]}))
        report = Path(folder) / 'report'
        palette = np.full((256, 3), 255, np.uint8)
        palette[:21] = VOC_METAINFO['palette']
        start = time.time()
        render_gallery(jobs, str(report), VOC_METAINFO['classes'], palette,
                       workers=args.workers)
        seconds = (time.time() - start) / len(jobs)
        size = sum(path.stat().st_size for path in report.rglob('*') if path.is_file())
        files = sum(1 for path in report.rglob('*') if path.is_file())
    per_image = size / len(jobs)
    print(f'{len(jobs)} VOC-sized rows, {args.workers} worker(s), {os.cpu_count()} cores: '
          f'{1000 * seconds:.1f} ms and {per_image / 1024:.1f} KiB ({files / len(jobs):.0f} '
          'thumbnails) per image')
    print(f'projected to VOC train_aug ({VOC_TRAIN_AUG} images): '
          f'{VOC_TRAIN_AUG * seconds / 60:.1f} min, {VOC_TRAIN_AUG * per_image / 2**20:.0f} MiB '
          'of thumbnails')


if __name__ == '__main__':
    main()
