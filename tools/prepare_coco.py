"""Build MS COCO 2014 semantic masks and image-level labels for the EPS COCO config.

Example::

    python tools/prepare_coco.py data/coco2014/annotations/instances_train2014.json \
        data/coco2014 --split train2014 --workers 8

Writes ``{root}/SegmentationClass/{split}/{id}.png`` (0 background, 1..80 in
COCO category-id order), ``{root}/ImageSets/train.txt`` (the images with at
least one annotation) and ``{root}/image_labels.json`` ({id: [values 1..80]}).
Rerunning it keeps the masks already written.
"""
import argparse

from mmwsss.datasets.preparation import prepare_coco


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('annotation_file', help='official instances_{split}.json')
    parser.add_argument('root', help='dataset root (holds {split}/*.jpg)')
    parser.add_argument('--split', default='train2014', help='train2014 or val2014')
    parser.add_argument('--workers', type=int, default=1, help='processes writing masks')
    return parser.parse_args()


def main() -> None:
    """Prepare and print the counts."""
    args = parse_args()
    counts = prepare_coco(args.annotation_file, args.root, args.split, args.workers)
    print(f'{args.split}: {counts["images"]} images, {counts["annotations"]} annotations; '
          f'{counts["labelled"]} images with labels written, {counts["unlabelled"]} '
          'without annotations left out')
    print(f'masks in {args.root}/SegmentationClass/{args.split}, labels in '
          f'{args.root}/image_labels.json')


if __name__ == '__main__':
    main()
