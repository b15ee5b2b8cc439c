"""Write a small synthetic dataset in the PASCAL VOC 2012 + SBD layout (a rehearsal).

The VOC configs run on it unchanged with ``data_root`` pointed at it, e.g. to
check a machine and the whole VOC pipeline before downloading VOC::

    python tools/generate_voc_rehearsal.py data/voc_rehearsal --num-train 8
    python tools/train.py configs/psa/psa-pipeline_wideresnet38_voc12aug-448x448.py \\
        --cfg-options cam.train_dataloader.dataset.data_root=data/voc_rehearsal ...

(tests/test_apis/test_rehearsal.py lists every option a tiny run needs).
"""
import argparse

from mmwsss.synthetic import VOCRehearsalConfig, generate_voc_rehearsal


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    defaults = VOCRehearsalConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', nargs='?', default='data/voc_rehearsal',
                        help='output folder, the data_root (default: data/voc_rehearsal)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=defaults.num_train,
                        help='VOC train images (also in train_aug)')
    parser.add_argument('--num-sbd', type=int, default=defaults.num_sbd,
                        help='images only in train_aug')
    parser.add_argument('--num-val', type=int, default=defaults.num_val)
    parser.add_argument('--num-test', type=int, default=defaults.num_test,
                        help='test images (JPEGs and test.txt only)')
    return parser.parse_args()


def main() -> None:
    """Generate the dataset and print the size of each split."""
    args = parse_args()
    config = VOCRehearsalConfig(num_train=args.num_train, num_sbd=args.num_sbd,
                                num_val=args.num_val, num_test=args.num_test)
    lists = generate_voc_rehearsal(args.out_dir, seed=args.seed, config=config)
    sizes = ', '.join(f'{name} {len(ids)}' for name, ids in lists.items())
    print(f'VOC rehearsal dataset written to {args.out_dir}: {sizes}')


if __name__ == '__main__':
    main()
