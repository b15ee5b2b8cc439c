"""Random-walk pseudo labels from a trained AffinityNet (PSA step 4).

Runs the config's test loop on CHECKPOINT: for every image of the test dataset
the random walk propagates its CAMs (``data_prefix['cam_path']``) with the
predicted affinities. Writes ``{work_dir}/rw_pseudo_labels/{id}.png`` (and
``rw_crf_pseudo_labels`` with ``--crf``) and, when the dataset has ground
truth, their flat metrics ``{work_dir}/rw_metrics.json`` (and
``rw_crf_metrics.json``) with a per-class table beside each
(``rw_metrics_per_class.md`` ...), and with or without ground truth their
label survival against the CAM labels (``rw_survival.json``,
``rw_crf_survival.json``; when the config's hook names survival files); with
``--save-affinity`` (or a ``SaveWalkAffinityHook`` in the config) also each
image's affinities,
``{work_dir}/rw_affinities/{id}.npz``, which ``tools/sweep_random_walk.py``
re-walks for other settings without the network. Images already written are skipped
(``ResumeWritersHook(skip_written=True)``), so an interrupted run resumes; the
metrics (``ScorePseudoLabelsHook``) always cover every image. Each output folder
records the settings (config, checkpoint) it was written with: a rerun with
other settings into the same work dir is refused, naming the changed keys;
``--redo`` moves the folders to ``{work_dir}/replaced_<time>/`` and starts over.

Examples::

    python tools/random_walk.py CONFIG CHECKPOINT
    python tools/random_walk.py CONFIG CHECKPOINT --crf       # also RW + dense CRF
    python tools/random_walk.py CONFIG CHECKPOINT --save-affinity  # for tools/sweep_random_walk.py
    python tools/random_walk.py CONFIG CHECKPOINT --cfg-options model.test_cfg.beta=10 --redo
    torchrun --nproc_per_node=2 tools/random_walk.py CONFIG CHECKPOINT --launcher pytorch
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.runner import Runner

from mmwsss.engine import ResumeWritersHook
from mmwsss.utils import add_trust_checkpoint_argument, load_config, trust_checkpoints

SAVE_HOOK, SCORE_HOOK = 'SavePseudoLabelHook', 'ScorePseudoLabelsHook'
CRF_FIELD, CRF_DIR = 'pred_crf_sem_seg', 'rw_crf_pseudo_labels'
CRF_METRICS, CRF_SURVIVAL = 'rw_crf_metrics.json', 'rw_crf_survival.json'
AFFINITY_HOOK, AFFINITY_DIR = 'SaveWalkAffinityHook', 'rw_affinities'


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='AffinityNet config')
    parser.add_argument('checkpoint', help='AffinityNet checkpoint')
    parser.add_argument('--work-dir', help='folder for logs and outputs')
    parser.add_argument('--crf', action='store_true',
                        help=f'also refine the labels with the dense CRF ({CRF_DIR})')
    parser.add_argument('--save-affinity', action='store_true',
                        help=f'also store each image\'s affinities in {AFFINITY_DIR}')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. model.test_cfg.beta=10')
    parser.add_argument('--redo', action='store_true',
                        help='move the output folders to {work-dir}/replaced_<time>/ and '
                        'walk every image again (needed when the settings changed)')
    add_trust_checkpoint_argument(parser)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    """Build the runner, run the random walk and say where the results are."""
    args = parse_args()
    trust_checkpoints(args.trust_checkpoint)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    cfg.load_from = args.checkpoint
    save_hooks = [hook for hook in cfg.get('custom_hooks') or []
                  if hook.get('type') == SAVE_HOOK]
    if not save_hooks:
        raise KeyError(f'config {args.config} has no {SAVE_HOOK} in custom_hooks')
    score_hooks = [hook for hook in cfg.custom_hooks if hook.get('type') == SCORE_HOOK]
    if args.crf:
        cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {}, crf=True)
        for hook in save_hooks:
            hook['label_dirs'] = dict(hook.get('label_dirs') or {}, **{CRF_FIELD: CRF_DIR})
        for hook in score_hooks:
            if hook.get('metrics_files'):
                hook['metrics_files'] = dict(hook['metrics_files'], **{CRF_DIR: CRF_METRICS})
            if hook.get('survival_files'):
                hook['survival_files'] = dict(hook['survival_files'],
                                              **{CRF_DIR: CRF_SURVIVAL})
    if args.save_affinity and not any(hook.get('type') == AFFINITY_HOOK
                                      for hook in cfg.custom_hooks):
        cfg.custom_hooks.append(dict(type=AFFINITY_HOOK, out_dir=AFFINITY_DIR))
    ResumeWritersHook.turn_on(cfg.custom_hooks, redo=args.redo)
    runner = Runner.from_cfg(cfg)
    runner.test()
    outputs = [folder for hook in save_hooks
               for folder in (hook.get('label_dirs') or {}).values()]
    outputs += [name for hook in score_hooks for key in ('metrics_files', 'survival_files')
                for name in (hook.get(key) or {}).values()]
    for output in outputs:
        runner.logger.info(f'output: {osp.join(runner.work_dir, output)}')


if __name__ == '__main__':
    main()
