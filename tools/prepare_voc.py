"""Build VOC 2012 + SBD training data: ``SegmentationClassAug`` and ``train_aug.txt``.

Example::

    python tools/prepare_voc.py data/VOCdevkit/VOC2012 data/benchmark_RELEASE/dataset

Writes ``{VOC}/SegmentationClassAug/{id}.png`` (VOC-palette PNGs: VOC's own
masks, with 255 on boundaries, where VOC has one, else SBD's ``cls/{id}.mat``)
for the train_aug and val images, and ``{VOC}/ImageSets/Segmentation/train_aug.txt``
(SBD train + SBD val + VOC train, minus VOC val: 10,582 ids). Rerunning it
keeps the masks already written.
"""
import argparse

from mmwsss.datasets.preparation import prepare_voc_aug


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('voc_root', help='extracted VOCdevkit/VOC2012')
    parser.add_argument('sbd_root', help='extracted SBD benchmark_RELEASE/dataset '
                        '(cls/, train.txt, val.txt)')
    return parser.parse_args()


def main() -> None:
    """Prepare and print the counts."""
    args = parse_args()
    counts = prepare_voc_aug(args.voc_root, args.sbd_root)
    print(f'SBD train {counts["sbd_train"]}, SBD val {counts["sbd_val"]}, '
          f'VOC train {counts["voc_train"]}, VOC val {counts["voc_val"]}')
    print(f'train_aug: {counts["train_aug"]} ids -> '
          f'{args.voc_root}/ImageSets/Segmentation/train_aug.txt')
    print(f'SegmentationClassAug: {counts["from_voc"]} masks from VOC, '
          f'{counts["from_sbd"]} from SBD ({counts["written"]} written, '
          f'{counts["kept"]} already there)')


if __name__ == '__main__':
    main()
