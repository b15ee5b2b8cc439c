"""Build VOC 2012 + SBD data: ``SegmentationClassAug``, ``train_aug.txt``, ``image_labels.json``.

Example::

    python tools/prepare_voc.py data/VOCdevkit/VOC2012 data/benchmark_RELEASE/dataset \
        --test-root data/VOC2012test/VOCdevkit/VOC2012

Writes ``{VOC}/SegmentationClassAug/{id}.png`` (VOC-palette PNGs: VOC's own
masks, with 255 on boundaries, where VOC has one, else SBD's ``cls/{id}.mat``)
for the train_aug and val images, ``{VOC}/ImageSets/Segmentation/train_aug.txt``
(SBD train + SBD val + VOC train, minus VOC val: 10,582 ids) and
``{VOC}/image_labels.json``, the image-level labels of the same images from the
XML annotations (``Annotations/{id}.xml``, every object named, difficult ones
included, as PSA's ``make_cls_labels.py``), which every VOC config reads; it
prints how many images' XML labels differ from those of their masks. With
``--test-root`` (the extracted VOC 2012 test archive) it also copies the test
images into ``{VOC}/JPEGImages`` and writes ``ImageSets/Segmentation/test.txt``
(1,456 ids), the input of ``tools/voc_test_submission.py``. Rerunning it keeps
the masks and images already written.
"""
import argparse

from mmwsss.datasets.preparation import TEST_SIZE, prepare_voc_aug, prepare_voc_test


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('voc_root', help='extracted VOCdevkit/VOC2012')
    parser.add_argument('sbd_root', help='extracted SBD benchmark_RELEASE/dataset '
                        '(cls/, train.txt, val.txt)')
    parser.add_argument('--test-root', help='VOCdevkit/VOC2012 of the extracted VOC 2012 '
                        'test archive (JPEGImages, ImageSets/Segmentation/test.txt); may be '
                        'voc_root itself')
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
    print(f'image_labels.json: {counts["image_labels"]} images from the XML annotations; '
          f'{counts["labels_differ"]} differ from the labels of their masks')
    if args.test_root:
        test = prepare_voc_test(args.voc_root, args.test_root)
        print(f'test: {test["test"]} ids (VOC 2012: {TEST_SIZE}) -> '
              f'{args.voc_root}/ImageSets/Segmentation/test.txt; images {test["copied"]} '
              f'copied, {test["kept"]} already there')


if __name__ == '__main__':
    main()
