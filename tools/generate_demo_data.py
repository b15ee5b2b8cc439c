"""Write the synthetic demo dataset (VOC layout) used by the demo and the tests.

Example::

    python tools/generate_demo_data.py data/demo --seed 0
    python tools/generate_demo_data.py data/demo_thin --family thin
    python tools/generate_demo_data.py --list-families
    python tools/generate_demo_data.py data/defects --classes defect \
        --min-objects 0 --max-objects 1

``--classes`` replaces the family's foreground classes (one class: a
one-class dataset; with ``--min-objects 0`` some images hold no object, the
negatives); ``--min-size`` / ``--max-size`` set the image sides.
"""
import argparse
import json
from dataclasses import fields

from mmwsss.synthetic import FAMILIES, family_config, generate_demo_dataset, with_classes


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    defaults = FAMILIES['demo']
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', nargs='?', default='data/demo',
                        help='output folder (default: data/demo)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--family', default='demo', choices=sorted(FAMILIES),
                        help='design of the dataset (default: demo; see --list-families)')
    parser.add_argument('--num-train', type=int, default=defaults.num_train)
    parser.add_argument('--num-val', type=int, default=defaults.num_val)
    parser.add_argument('--classes', nargs='+', metavar='NAME',
                        help="foreground class names instead of the family's "
                        '(background is added first)')
    parser.add_argument('--min-objects', type=int, default=None,
                        help='fewest objects per image (0: some images hold none)')
    parser.add_argument('--max-objects', type=int, default=None,
                        help='most objects per image')
    parser.add_argument('--min-size', type=int, default=None, help='smallest image side (px)')
    parser.add_argument('--max-size', type=int, default=None, help='largest image side (px)')
    parser.add_argument('--list-families', action='store_true',
                        help='print each family with what it changes from demo, and exit')
    return parser.parse_args()


def describe_families() -> str:
    """One line per family: its foreground class count and its fields that differ from demo."""
    demo = FAMILIES['demo']
    lines = []
    for name, config in FAMILIES.items():
        changes = ', '.join(
            f'{field.name}={getattr(config, field.name)!r}' for field in fields(config)
            if field.name not in ('family', 'classes')
            and getattr(config, field.name) != getattr(demo, field.name))
        lines.append(f'{name}: {len(config.classes) - 1} classes '
                     f'({", ".join(config.classes[1:])}); {changes or "the default design"}')
    return '\n'.join(lines)


def main() -> None:
    """Generate the dataset and print its statistics."""
    args = parse_args()
    if args.list_families:
        print(describe_families())
        return
    overrides = {name: getattr(args, name) for name in (
        'num_train', 'num_val', 'min_objects', 'max_objects', 'min_size', 'max_size')
                 if getattr(args, name) is not None}
    config = family_config(args.family, **overrides)
    if args.classes:
        config = with_classes(config, args.classes)
    meta = generate_demo_dataset(args.out_dir, seed=args.seed, config=config)
    print(json.dumps(meta['statistics'], indent=2))
    print(f'{args.family} dataset written to {args.out_dir}')


if __name__ == '__main__':
    main()
