"""Write the synthetic demo dataset (VOC layout) used by the demo and the tests.

Example::

    python tools/generate_demo_data.py data/demo --seed 0
"""
import argparse
import json

from mmwsss.synthetic import DemoDatasetConfig, generate_demo_dataset


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    defaults = DemoDatasetConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', nargs='?', default='data/demo',
                        help='output folder (default: data/demo)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=defaults.num_train)
    parser.add_argument('--num-val', type=int, default=defaults.num_val)
    return parser.parse_args()


def main() -> None:
    """Generate the dataset and print its statistics."""
    args = parse_args()
    config = DemoDatasetConfig(num_train=args.num_train, num_val=args.num_val)
    meta = generate_demo_dataset(args.out_dir, seed=args.seed, config=config)
    print(json.dumps(meta['statistics'], indent=2))
    print(f'demo dataset written to {args.out_dir}')


if __name__ == '__main__':
    main()
