"""Predict the PASCAL VOC 2012 test set and pack it for the evaluation server.

Runs the config's test loop on a split without ground truth through MMSeg's
``IoUMetric`` (``format_only=True``), then writes the indexed VOC-palette PNGs
to ``results/VOC2012/Segmentation/comp6_test_cls/`` and archives them as
``results.tar.gz`` in the output folder.

Examples::

    python tools/voc_test_submission.py CONFIG CHECKPOINT
    python tools/voc_test_submission.py CONFIG CHECKPOINT --tta --crf \\
        --out-dir work_dirs/voc_test_tta_crf
"""
import argparse
import copy
import os
import os.path as osp
from typing import Any

from mmengine.config import DictAction
from mmengine.dist import is_main_process
from mmengine.runner import Runner
from mmseg.registry import DATASETS

from mmwsss.engine import is_sample_writer
from mmwsss.reporting.voc_submission import write_voc_submission
from mmwsss.utils import (add_trust_checkpoint_argument, apply_test_time_options, load_config,
                          read_id_list, trust_checkpoints, variant_suffix)


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Pack VOC test-set predictions')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--split', default='ImageSets/Segmentation/test.txt',
                        help='split file, relative to the data root')
    parser.add_argument('--data-root', help='data root (default: the test dataset\'s)')
    parser.add_argument('--out-dir', help='output folder (default: '
                        'work_dirs/{config}/voc_test{_tta}{_crf})')
    parser.add_argument('--competition', choices=['comp5', 'comp6'], default='comp6',
                        help='comp5: VOC data only; comp6: other data (pretraining)')
    parser.add_argument('--tta', action='store_true', help='multi-scale + flip')
    parser.add_argument('--crf', action='store_true', help='dense-CRF post-processing')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    add_trust_checkpoint_argument(parser)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def without_annotations(pipeline: Any) -> Any:
    """A test pipeline for images without ground truth.

    Drops the annotation loaders (``LoadWSSSAnnotations``, ``LoadAnnotations``)
    and packs with MMSeg's ``PackSegInputs`` (the
    test split has no image-level labels for ``PackWSSSInputs``), also inside
    ``TestTimeAug``'s transform lists.

    Args:
        pipeline: List of transform dicts (or a nested ``TestTimeAug`` list).

    Returns:
        The modified copy.
    """
    result = []
    for step in pipeline:
        if isinstance(step, (list, tuple)):
            step = without_annotations(step)
            if step:
                result.append(step)
            continue
        step = copy.deepcopy(dict(step))
        if step['type'] in ('LoadWSSSAnnotations', 'LoadAnnotations'):
            continue
        if step['type'] == 'PackWSSSInputs':
            step = dict(type='PackSegInputs')
        if step['type'] == 'TestTimeAug':
            step['transforms'] = without_annotations(step['transforms'])
        result.append(step)
    return result


def main() -> None:
    """Predict the split, then write and archive the submission."""
    args = parse_args()
    trust_checkpoints(args.trust_checkpoint)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    out_dir = args.out_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0],
        'voc_test' + variant_suffix(args.tta, args.crf))
    cfg = load_config(args.config, args.cfg_options, out_dir, args.launcher)
    cfg.load_from = args.checkpoint
    apply_test_time_options(cfg, tta=args.tta, crf=args.crf)
    dataset = cfg.test_dataloader.dataset
    data_root = args.data_root or dataset.data_root
    metainfo = DATASETS.build(
        dict(copy.deepcopy(dataset), data_root=data_root, pipeline=[],
             lazy_init=True)).metainfo
    # bad or repeated ids are refused before anything is written
    image_ids = read_id_list(osp.join(data_root, args.split))
    cfg.test_dataloader.dataset = dict(
        type='BaseSegDataset',
        data_root=data_root,
        ann_file=args.split,
        data_prefix=dict(img_path=dataset.data_prefix.get('img_path', 'JPEGImages')),
        img_suffix='.jpg',
        metainfo=dict(classes=metainfo['classes'], palette=metainfo['palette']),
        pipeline=without_annotations(dataset.pipeline))
    pred_dir = osp.join(osp.abspath(out_dir), 'predictions')
    cfg.test_evaluator = dict(type='IoUMetric', format_only=True, output_dir=pred_dir)
    # the predictions are the evaluator's: no per-image writers of the config
    # (they need the img_id of the config's dataset)
    cfg.custom_hooks = [hook for hook in cfg.get('custom_hooks') or []
                        if not is_sample_writer(hook.get('type'))]
    runner = Runner.from_cfg(cfg)
    runner.test()
    if is_main_process():
        archive = write_voc_submission(pred_dir, out_dir, len(metainfo['classes']),
                                       args.competition, image_ids)
        print(f'{len(image_ids)} predictions archived in {archive}')


if __name__ == '__main__':
    main()
