"""Check every dataset a config (or a pipeline config, all its stages) reads.

Run it on a new data root before training: it reports, per dataset, split
ids and label-file keys that are not plain file names, repeated ids, missing
or unreadable images, masks and saliency maps (read as the data pipeline reads
them: corrupt or truncated files, images over the pixel limit, label maps that
are not 8-bit), mask values outside the classes, image / mask / saliency size
mismatches, image-level labels that are not lists of class values, images
missing from the label file, the number of images per class and of images
without a foreground class (the classifier's negatives, not a problem); it never
stops at a bad file, and exits with status 1 if it found any problem. Folders
written by a pipeline's own stages (CAMs, pseudo labels) are not checked.

Examples::

    python tools/check_dataset.py configs/psa/psa-pipeline_wideresnet38_voc12aug-448x448.py
    python tools/check_dataset.py configs/eps/eps_wideresnet38_1xb16-256k_coco14-321x321.py \
        --workers 16 --data-root /data/coco2014
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Any, Dict, List, Optional, Tuple

from mmengine.config import Config, ConfigDict, DictAction
from mmseg.registry import DATASETS
from mmseg.utils import register_all_modules

import mmwsss  # noqa: F401  (registers mmwsss's components)
from mmwsss.datasets.dataset_check import PROBLEM_KINDS, check_jobs, dataset_jobs
from mmwsss.apis.pipeline import (fill_templates, is_pipeline_config, parse_stages,
                                  pipeline_fields, read_pipeline_dataset, split_cfg_options)
from mmwsss.apis.pipeline_datasets import (PipelineDatasetError, PlannedStageOutputs,
                                           dataset_options)
from mmwsss.utils import load_config, save_json
from mmwsss.utils.ranges import Range, range_type

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='stage or pipeline config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys (STAGE.key=value for a pipeline stage)')
    parser.add_argument('--data-root', help='check this data root instead of the '
                        "datasets' own data_root (every dataset; for a pipeline, its "
                        'option data_root)')
    parser.add_argument('--workers', type=range_type(Range(1, integer=True)),
                        default=min(8, os.cpu_count() or 1),
                        help='processes checking images')
    parser.add_argument('--max-listed', type=range_type(Range(0, integer=True)), default=20,
                        help='problems listed per kind and dataset (all go to --out)')
    parser.add_argument('--out', help='JSON file for the full report')
    return parser.parse_args()


def stage_configs(path: str, options: Optional[Dict[str, Any]]
                  ) -> Tuple[List[Tuple[str, Config]], List[str], List[str]]:
    """(stage name, resolved config) pairs of a config, the folders its stages
    write and the pipeline's dataset problems (each a message).

    A pipeline's stages get the datasets the pipeline gives them (its options
    ``data_root``, ``classes``, ``ground_truth``; see
    :mod:`mmwsss.apis.pipeline_datasets`).
    """
    cfg = Config.fromfile(path)
    if not is_pipeline_config(cfg):
        return [('', load_config(path, options))], [], []
    pipeline_options, stage_options = split_cfg_options(
        options, [stage.name for stage in parse_stages(cfg)])
    cfg.merge_from_dict(pipeline_options)
    stages = parse_stages(cfg)
    work_dir = osp.abspath(cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(path))[0]))
    fields = pipeline_fields(cfg, work_dir, stages, PlannedStageOutputs)
    problems = []
    try:
        planned = read_pipeline_dataset(path, cfg, stages, stage_options, work_dir)
        wrap = planned.stage_options
    except PipelineDatasetError as error:
        problems.append(str(error))
        classes = cfg.get('classes')

        def wrap(name: str, stage_opts: Dict[str, Any]) -> Dict[str, Any]:
            stage = next(stage for stage in stages if stage.name == name)
            first = dataset_options(Config.fromfile(stage.config), cfg.get('data_root'),
                                    tuple(classes) if classes else None)
            return dict(first, **stage_opts)
    configs = []
    for stage in stages:
        stage_opts = fill_templates(stage.cfg_options, fields)
        stage_opts.update(stage_options[stage.name])
        configs.append((stage.name, load_config(stage.config, wrap(stage.name, stage_opts))))
    return configs, [work_dir], problems


def build_lazy(cfg: ConfigDict):
    """Build a dataset without reading its split (no file checks, no pipeline)."""
    cfg = cfg.copy()
    cfg.update(pipeline=[], lazy_init=True)
    if cfg.get('type') == 'WSSSDataset':
        cfg['check_files'] = False
    return DATASETS.build(cfg)


def print_report(users: List[str], dataset, report, notes: List[str],
                 max_listed: int) -> None:
    """Print one dataset's table, listed problems and class histogram."""
    print(f'\n=== {dataset.data_root} : {osp.relpath(dataset.ann_file, dataset.data_root)}'
          f' ({", ".join(users)})')
    per_thousand = report.seconds / max(report.num_images, 1) * 1000
    print(f'{report.num_images} images checked in {report.seconds:.1f} s '
          f'({per_thousand:.2f} s per 1000 images)')
    for note in notes:
        print(f'  note: {note}')
    print('| files checked | count |\n| --- | --- |')
    for kind, count in sorted(report.files.items()):
        print(f'| {kind} | {count} |')
    print('| problem | count |\n| --- | --- |')
    counts = {kind: 0 for kind in PROBLEM_KINDS}
    for kind, _, _ in report.problems:
        counts[kind] += 1
    for kind in PROBLEM_KINDS:
        print(f'| {kind} | {counts[kind]} |')
    for kind in PROBLEM_KINDS:
        listed = [p for p in report.problems if p[0] == kind]
        for _, path, detail in listed[:max_listed]:
            print(f'  {kind}: {path}: {detail}')
        if len(listed) > max_listed:
            print(f'  {kind}: ... {len(listed) - max_listed} more (see --out)')
    classes = dataset.metainfo['classes']
    print('images per class: ' + ', '.join(
        f'{classes[v] if v < len(classes) else v}: {report.class_images.get(v, 0)}'
        for v in range(1, len(classes))))
    print(f'images without a foreground class (negatives): {report.negatives}')


def main() -> None:
    """Build the datasets, check them, print the tables; exit 1 on problems."""
    args = parse_args()
    register_all_modules(init_default_scope=True)
    if not osp.isfile(args.config):
        sys.exit(f'config not found: {args.config}')
    options = dict(args.cfg_options or {})
    if args.data_root and is_pipeline_config(Config.fromfile(args.config)):
        options['data_root'] = args.data_root  # the pipeline option: classes, heads too
    configs, skip_dirs, pipeline_problems = stage_configs(args.config, options)
    groups: Dict[str, dict] = {}
    total_problems, full = len(pipeline_problems), []
    for problem in pipeline_problems:
        print(f'\n=== {problem}')
        full.append(dict(users=['pipeline'], error=problem))
    for stage, cfg in configs:
        for loader in LOADERS:
            if not (cfg.get(loader) and cfg[loader].get('dataset')):
                continue
            if args.data_root:
                cfg[loader].dataset.data_root = args.data_root
            user = f'{stage}.{loader}' if stage else loader
            dataset = build_lazy(cfg[loader].dataset)
            try:
                jobs, notes, problems = dataset_jobs(dataset, skip_dirs)
            except Exception as error:  # noqa: B902  (reported, never raised)
                key = f'{type(error).__name__}: {error}'
                group = groups.setdefault(key, dict(error=key, users=[]))
            else:
                # datasets reading the same files are checked once
                key = json.dumps([jobs, problems], sort_keys=True)
                group = groups.setdefault(key, dict(dataset=dataset, jobs=jobs, notes=[],
                                                    problems=problems, users=[]))
                group['notes'] += [note for note in notes if note not in group['notes']]
            group['users'].append(user)
    for group in groups.values():
        users = group['users']
        if 'error' in group:
            print(f'\n=== {", ".join(users)}: {group["error"]}')
            total_problems += 1
            full.append(dict(users=users, error=group['error']))
            continue
        dataset = group['dataset']
        report = check_jobs(group['jobs'], workers=args.workers, desc=', '.join(users)[:40],
                            problems=group['problems'])
        print_report(users, dataset, report, group['notes'], args.max_listed)
        total_problems += len(report.problems)
        full.append(dict(users=users, data_root=dataset.data_root,
                         ann_file=dataset.ann_file, images=report.num_images,
                         seconds=round(report.seconds, 2), notes=group['notes'],
                         problems=[dict(kind=k, file=f, detail=d)
                                   for k, f, d in report.problems],
                         images_per_class={str(k): v for k, v in
                                           sorted(report.class_images.items())},
                         negatives=report.negatives))
    if args.out:
        save_json(full, args.out)
    print(f'\n{len(groups)} datasets, {total_problems} problems'
          + (f' (full report: {args.out})' if args.out else ''))
    sys.exit(1 if total_problems else 0)


if __name__ == '__main__':
    main()
