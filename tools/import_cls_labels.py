"""Convert an official cls_labels.npy (PSA, IRNet, EPS) into image_labels.json.

The official files are pickled Python dicts (image id -> multi-hot vector over
the 20 VOC or 80 COCO classes). Loading them UNPICKLES the file, which can run
arbitrary code: convert only files from a source you trust, and confirm it with
``--allow-pickle``. The JSON written ({id: [class values 1..C]}) is what
``WSSSDataset(img_label_file=...)`` reads, without pickle.

Example::

    python tools/import_cls_labels.py psa/voc12/cls_labels.npy \
        data/VOCdevkit/VOC2012/image_labels.json --allow-pickle
"""
import argparse
import os.path as osp
import sys

import numpy as np

from mmwsss.datasets.preparation import cls_labels_to_image_labels, read_cls_labels_npy
from mmwsss.utils import save_json


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('cls_labels', help='official cls_labels.npy (a pickled dict)')
    parser.add_argument('out', help='image_labels.json to write')
    parser.add_argument('--allow-pickle', action='store_true',
                        help='confirm that the file may be unpickled (it can run code)')
    return parser.parse_args()


def main() -> None:
    """Unpickle, convert, write and print a summary."""
    args = parse_args()
    if not osp.isfile(args.cls_labels):
        sys.exit(f'file not found: {args.cls_labels}')
    if not args.allow_pickle:
        sys.exit(f'{args.cls_labels} is a pickle: loading it can run arbitrary code. '
                 'Rerun with --allow-pickle if you trust its source.')
    print(f'unpickling {args.cls_labels} (allow_pickle=True)')
    labels = cls_labels_to_image_labels(read_cls_labels_npy(args.cls_labels),
                                        args.cls_labels)
    save_json(labels, args.out)
    counts = np.bincount([v for values in labels.values() for v in values])
    empty = sum(1 for values in labels.values() if not values)
    print(f'{len(labels)} images -> {args.out} ({empty} without any class)')
    print('images per class value: ' + ', '.join(
        f'{value}: {int(count)}' for value, count in enumerate(counts) if value))


if __name__ == '__main__':
    main()
