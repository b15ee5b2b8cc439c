"""The pipeline runner: option routing, templates, and a tiny PSA pipeline end to end.

The end-to-end runs use the demo PSA pipeline on the 24-image test dataset with
one epoch / two iterations per training stage and learning rate 0 with frozen
BatchNorm statistics: DDP cannot reproduce single-process weights bit for bit
(each rank sees other batches and random augmentations, and sums gradients in
another order), so freezing the weights isolates what the tests check, the
pipeline's plumbing: DDP training runs, sharded inference, the affinity labels
and the random walk write the same files, and rank 0 gathers the same metrics.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List

import pytest
import torch.distributed as dist
from mmengine.config import Config

from mmwsss.apis.pipeline import (StageOutputs, _images_without_labels, fill_templates,
                                  git_commit, init_distributed, parse_stages, pipeline_fields,
                                  split_cfg_options, stages_until, template_fields)
from tests.conftest import REPO_ROOT, free_port, read_strict_json

PIPELINE = REPO_ROOT / 'configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def test_split_cfg_options_routes_by_stage_name() -> None:
    pipeline, stages = split_cfg_options(
        {'cam.train_cfg.max_epochs': 1, 'work_dir': 'w', 'seg.model.a': 2, 'cam': 3},
        ['cam', 'seg', 'rw'])
    assert pipeline == {'work_dir': 'w', 'cam': 3}
    assert stages == {'cam': {'train_cfg.max_epochs': 1}, 'seg': {'model.a': 2}, 'rw': {}}


def test_fill_templates_resolves_work_dirs_and_checkpoints(tmp_path: Path) -> None:
    cam = StageOutputs('cam', str(tmp_path / 'cam'))
    fields = {'work_dir': str(tmp_path), 'cam': cam}
    value = {'a': '{cam}/cams', 'b': ['{work_dir}/x', 3], 'c': ('{cam}', )}
    assert fill_templates(value, fields) == {
        'a': f'{tmp_path}/cam/cams', 'b': [f'{tmp_path}/x', 3], 'c': (f'{tmp_path}/cam', )}
    with pytest.raises(FileNotFoundError, match="stage 'cam' has no checkpoint"):
        fill_templates('{cam.checkpoint}', fields)
    (tmp_path / 'cam').mkdir()
    (tmp_path / 'cam' / 'last_checkpoint').write_text('/x/epoch_3.pth\n')
    assert fill_templates('{cam.checkpoint}', fields) == '/x/epoch_3.pth'
    with pytest.raises(KeyError, match='names .*seg'):
        fill_templates('{seg}/labels', fields)


def _pipeline(tmp_path: Path, stages: dict, **keys) -> Config:
    path = tmp_path / 'pipeline.py'
    path.write_text(''.join(f'{key} = {value!r}\n'
                            for key, value in dict(keys, stages=stages).items()))
    return Config.fromfile(str(path))


def test_stages_until_keeps_the_stages_up_to_the_named_one() -> None:
    stages = parse_stages(Config.fromfile(str(PIPELINE)))
    assert [s.name for s in stages_until(stages, 'rw', 'p.py')] == [
        'cam', 'affinity_labels', 'rw']
    assert stages_until(stages, None, 'p.py') == stages
    with pytest.raises(ValueError, match=r"p.py: until='segm' names no stage"):
        stages_until(stages, 'segm', 'p.py')


def test_git_commit_of_a_checkout_and_outside_one(tmp_path: Path) -> None:
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=REPO_ROOT, capture_output=True,
                          text=True)
    if head.returncode:
        pytest.skip('the tests do not run from a git checkout')
    assert re.fullmatch('[0-9a-f]{40}', git_commit(str(REPO_ROOT / 'configs')))
    assert git_commit(str(REPO_ROOT)) == head.stdout.strip()
    outside = tmp_path / 'not_a_checkout'
    outside.mkdir()
    assert git_commit(str(outside)) is None


def test_images_without_labels_counts_the_dataset_ids() -> None:
    loader = SimpleNamespace(dataset=SimpleNamespace(empty_label_ids=['a', 'b']))
    assert _images_without_labels(loader) == 2
    assert _images_without_labels(SimpleNamespace(dataset=[])) == 0  # no such attribute


def test_init_distributed_without_a_launcher_starts_nothing() -> None:
    init_distributed('none')
    assert not dist.is_initialized()


def test_parse_stages_resolves_configs_and_rejects_bad_stages(tmp_path: Path) -> None:
    stages = parse_stages(Config.fromfile(str(PIPELINE)))
    assert [s.name for s in stages] == ['cam', 'affinity_labels', 'rw', 'seg']
    assert [s.steps for s in stages] == [('train', 'test'), ('affinity_labels', ),
                                         ('train', ), ('train', 'test')]
    assert all(os.path.isfile(s.config) for s in stages)
    config = str(REPO_ROOT / 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py')
    good = dict(config=config, steps=['train'])
    for bad, message in (
            ({}, 'stages is empty'),
            ([dict(good, name='cam')], 'stages must be a dict'),
            (dict(cam=dict(steps=['train'])), "stages.cam has no 'config'"),
            (dict(cam=dict(good, steps=['fit'])), 'steps'),
            ({'a-b': good}, 'Python identifier'),
            (dict(inputs=good), 'Python identifier other than work_dir and inputs'),
            (dict(cam=dict(good, lr=1)), 'unknown keys'),
            (dict(cam=dict(good, config='nowhere.py')), 'config not found'),
            (dict(cam=dict(good, checkpoint='{seg.checkpoint}')), r"names \['seg'\]"),
            (dict(a=dict(good, checkpoint='{b.checkpoint}'),
                  b=dict(good, checkpoint='{a.checkpoint}')), 'cycle')):
        with pytest.raises((ValueError, FileNotFoundError), match=message):
            parse_stages(_pipeline(tmp_path, bad))
    with pytest.raises(ValueError, match=r"inputs.cams = '\{rw\}/cams' names \['rw'\]"):
        parse_stages(_pipeline(tmp_path, dict(cam=good), inputs=dict(cams='{rw}/cams')))
    with pytest.raises(ValueError, match='inputs.cam: the name'):
        parse_stages(_pipeline(tmp_path, dict(cam=good), inputs=dict(cam='{cam}/cams')))


def test_stages_run_after_the_stages_they_name_else_in_written_order(
        tmp_path: Path) -> None:
    config = str(REPO_ROOT / 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py')
    # as a child pipeline merged into its base: the base's stages come first
    stages = dict(
        seg=dict(config=config, steps=['train'], cfg_options={'a': '{labels}'}),
        rw=dict(config=config, steps=['train'], cfg_options={'a': '{cams}', 'b': ['{x}']}),
        x=dict(config=config, steps=['test'], checkpoint='{cam.checkpoint}'),
        unrelated=dict(config=config, steps=['train'], cfg_options={'a': '{work_dir}/y'}),
        cam=dict(config=config, steps=['train']))
    cfg = _pipeline(tmp_path, stages, inputs=dict(cams='{cam}/cams', labels='{rw}/labels'))
    assert [stage.name for stage in parse_stages(cfg)] == [
        'unrelated', 'cam', 'x', 'rw', 'seg']


def test_inputs_are_filled_when_a_stage_option_is(tmp_path: Path) -> None:
    config = str(REPO_ROOT / 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py')
    cfg = _pipeline(tmp_path, dict(cam=dict(config=config, steps=['train'])),
                    inputs=dict(cams='{cam}/cams', classifier='{cam.checkpoint}'))
    fields = pipeline_fields(cfg, str(tmp_path), parse_stages(cfg))
    assert fill_templates({'a': '{cams}'}, fields) == {'a': f'{tmp_path}/cam/cams'}
    with pytest.raises(FileNotFoundError, match="stage 'cam' has no checkpoint"):
        fill_templates('{classifier}', fields)
    (tmp_path / 'cam').mkdir()
    (tmp_path / 'cam' / 'last_checkpoint').write_text('/x/epoch_3.pth\n')
    assert fill_templates('{classifier}', fields) == '/x/epoch_3.pth'


def test_template_fields_names_the_first_part_of_each_field() -> None:
    assert template_fields(['{cam.checkpoint}', ('{work_dir}/x', 3),
                            {'k': '{a}{b[0]}'}, 'plain']) == {'cam', 'work_dir', 'a', 'b'}


def tiny_options(demo_root: Path) -> List[str]:
    """``--cfg-options`` for the demo PSA pipeline on the test dataset (see module doc)."""
    loaders = dict(cam=LOADERS[::2], affinity_labels=LOADERS[::2], rw=LOADERS[::2],
                   seg=LOADERS)
    options = []
    for stage, names in loaders.items():
        options += [f'{stage}.{loader}.dataset.data_root={demo_root}' for loader in names]
        if stage != 'affinity_labels':
            options += [f'{stage}.{loader}.{key}' for loader in names
                        for key in ('num_workers=0', 'persistent_workers=False')]
            options.append(f'{stage}.optim_wrapper.optimizer.lr=0')
            options.append(f'{stage}.default_hooks.logger.interval=1')
    return options + [
        'cam.train_cfg.max_epochs=1', 'cam.model.backbone.norm_eval=True',
        'cam.train_dataloader.batch_size=8', 'cam.model.test_cfg.scales=[1.0,0.5]',
        'rw.train_cfg.max_epochs=1', 'rw.choose_walk_setting=False',
        'seg.train_cfg.max_iters=2', 'seg.train_cfg.val_interval=1000',
        'seg.default_hooks.checkpoint.interval=2', 'seg.train_dataloader.batch_size=4',
        'seg.model.backbone.norm_eval=True', 'seg.model.decode_head.norm_cfg.momentum=0',
        'seg.model.auxiliary_head.norm_cfg.momentum=0']


def run_pipeline_command(pipeline: Path, work_dir: Path, demo_root: Path, nproc: int = 1,
                         check: bool = True) -> subprocess.CompletedProcess:
    """``tools/train.py PIPELINE`` (under torchrun with ``nproc`` > 1), one thread each."""
    command = ['tools/train.py', str(pipeline), '--work-dir', str(work_dir),
               '--cfg-options'] + tiny_options(demo_root)
    if nproc > 1:
        command = ['-m', 'torch.distributed.run', f'--nproc_per_node={nproc}',
                   f'--master_port={free_port()}'] + command + ['--launcher', 'pytorch']
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    result = subprocess.run([sys.executable] + command, cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    if check:
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


def _files(folder: Path) -> Dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


OUTPUTS = ('cam/cam_pseudo_labels', 'cam/cams', 'affinity_labels/scores',
           'rw/rw_pseudo_labels', 'rw/rw_crf_pseudo_labels')
METRICS = ('cam/cam_metrics.json', 'rw/rw_metrics.json', 'seg/seg_metrics.json')


@pytest.fixture(scope='module')
def one_process_run(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny pipeline, uninterrupted, in one process."""
    work_dir = tmp_path_factory.mktemp('pipeline_one')
    result = run_pipeline_command(PIPELINE, work_dir, demo_root)
    assert '| ours: random walk |' in result.stdout  # the leaderboard table
    assert '| missing |' not in result.stdout
    # the per-class IoU table: a column per result, CAM at both bg scores
    assert "| class | ours: CAM; bg score of the config's test_cfg;" in result.stdout
    assert '; rw/rw_crf_metrics.json | ours: segmentation;' in result.stdout
    return work_dir


def test_pipeline_writes_every_stage_and_a_summary(one_process_run: Path) -> None:
    for folder in OUTPUTS:
        assert len(list((one_process_run / folder).iterdir())) == 24, folder
    summary = json.loads((one_process_run / 'pipeline_summary.json').read_text())
    assert [s['name'] for s in summary['stages']] == ['cam', 'affinity_labels', 'rw', 'seg']
    assert summary['world_size'] == 1 and summary['finished']
    assert len(summary['git_commit'] or '') in (0, 40)
    cam, _, rw, seg = summary['stages']
    assert set(cam['seconds']) == {'train', 'test'} and cam['skipped'] == []
    assert cam['images_without_labels'] == {'train': 0, 'test': 0}
    assert 'max_epochs=1' in cam['resolved_config']['train']
    assert rw['cfg_options']['train_dataloader.dataset.data_prefix.cam_path'] == str(
        one_process_run / 'cam' / 'cams')
    assert rw['metrics']['rw_metrics.json']['num_images'] == 24
    assert rw['metrics']['rw_crf_metrics.json']['num_images'] == 24
    # recorded on CPU (torch 2.13, seeded, one thread); lr 0: the initial weights
    mious = {name: metrics['mIoU'] for stage in summary['stages']
             for name, metrics in stage['metrics'].items()}
    assert mious == pytest.approx({'cam_metrics.json': 9.34, 'rw_metrics.json': 14.56,
                                   'rw_crf_metrics.json': 22.17,
                                   'seg_metrics.json': 1.15}, abs=0.5)
    leaderboard = (one_process_run / 'leaderboard.md').read_text()
    assert '## Per-class IoU of our results (%)' in leaderboard
    # label survival of every pseudo-label folder, the walk's against the CAM labels
    assert rw['cfg_options']['test_dataloader.dataset.data_prefix.cam_label_path'] == str(
        one_process_run / 'cam' / 'cam_pseudo_labels')
    for path in ('cam/cam_survival.json', 'rw/rw_survival.json', 'rw/rw_crf_survival.json'):
        survival = json.loads((one_process_run / path).read_text())
        assert survival['num_images'] == 24, path
        assert (survival['reference_dir'] is None) == path.startswith('cam/'), path
    assert '| mIoU | min kept (%) | collapsed |' in leaderboard
    assert '## Label survival of our pseudo labels' in leaderboard


def test_every_json_file_is_strict_json(one_process_run: Path) -> None:
    """Metrics, sweeps, done markers, settings records, the summary: no NaN."""
    written = [path for path in one_process_run.rglob('*.json')
               if 'vis_data' not in path.parts]  # mmengine's own JSON-lines logs
    names = {path.name for path in written}
    assert {'cam_metrics.json', 'cam_metrics_sweep.json', 'rw_metrics.json',
            'seg_metrics.json', 'done_train.json', 'pipeline_summary.json'} <= names
    for path in written:
        read_strict_json(path)


def test_each_stage_logs_under_its_own_work_dir(one_process_run: Path) -> None:
    # one process runs every stage: each runner must get its own visualizer and
    # logger (a fixed visualizer name gave later stages the first one's folder)
    iterations = dict(cam=3, rw=3, seg=2)  # 24 images, batch 8; 2 iterations
    for stage, count in iterations.items():
        scalars = list((one_process_run / stage).glob('*/vis_data/scalars.json'))
        assert len(scalars) == 1, (stage, scalars)
        records = [json.loads(line) for line in scalars[0].read_text().splitlines()]
        assert [r['step'] for r in records if 'loss' in r] == list(range(1, count + 1))
        train_logs = [path for path in (one_process_run / stage).glob('*/*.log')
                      if '(train)' in path.read_text()]
        assert len(train_logs) == 1, (stage, train_logs)


def test_sigkill_in_the_random_walk_then_rerun(one_process_run: Path, demo_root: Path,
                                               tmp_path: Path) -> None:
    # the demo pipeline with a random-walk stage that kills itself after 5 images
    cfg = Config.fromfile(str(PIPELINE))
    stages = {name: dict(stage) for name, stage in cfg.stages.items()}
    affinity_config = REPO_ROOT / 'configs/psa' / stages['rw']['config']
    hooks = Config.fromfile(str(affinity_config)).custom_hooks + [dict(
        type='SIGKILLOnceHook', flag_file=str(tmp_path / 'killed'), after_iters=5)]
    kill_config = tmp_path / 'affinitynet_sigkill.py'
    kill_config.write_text(
        f'_base_ = [{str(affinity_config)!r}]\n'
        "custom_imports = dict(imports=['mmwsss', 'tests.test_engine.sigkill_hook'], "
        'allow_failed_imports=False)\n'
        f'custom_hooks = {hooks!r}\n')
    for stage in stages.values():
        stage['config'] = str((REPO_ROOT / 'configs/psa' / stage['config']).resolve())
    stages['rw']['config'] = str(kill_config)
    pipeline = tmp_path / 'pipeline.py'
    pipeline.write_text(f'inputs = {cfg.inputs!r}\nstages = {stages!r}\n'
                        f'leaderboard = {cfg.leaderboard!r}\n')
    work_dir = tmp_path / 'work'

    killed = run_pipeline_command(pipeline, work_dir, demo_root, check=False)
    assert killed.returncode == -9, killed.stdout[-3000:] + killed.stderr[-3000:]
    assert len(list((work_dir / 'rw' / 'rw_pseudo_labels').iterdir())) == 5
    assert not (work_dir / 'rw' / 'done_train.json').exists()
    finished = {path: path.stat().st_mtime_ns for path in (
        work_dir / 'cam' / 'epoch_1.pth', work_dir / 'cam' / 'done_test.json',
        work_dir / 'affinity_labels' / 'done_affinity_labels.json',
        work_dir / 'rw' / 'epoch_1.pth')}

    rerun = run_pipeline_command(pipeline, work_dir, demo_root)
    for step in ('cam: train', 'cam: test', 'affinity_labels: affinity_labels'):
        assert f'== {step} done' in rerun.stdout
    assert {path: path.stat().st_mtime_ns for path in finished} == finished
    assert '5 of 24 images already have' in rerun.stdout + rerun.stderr
    for folder in OUTPUTS:
        assert _files(work_dir / folder) == _files(one_process_run / folder), folder
    summary = json.loads((work_dir / 'pipeline_summary.json').read_text())
    assert [s['skipped'] for s in summary['stages']] == [
        ['train', 'test'], ['affinity_labels'], [], []]
    assert set(summary['stages'][0]['resolved_config']) == {'train', 'test'}
    rw_metrics = json.loads((work_dir / 'rw/rw_metrics.json').read_text())
    assert rw_metrics == json.loads((one_process_run / 'rw/rw_metrics.json').read_text())


def test_two_processes_match_one(one_process_run: Path, demo_root: Path,
                                 tmp_path: Path) -> None:
    run_pipeline_command(PIPELINE, tmp_path, demo_root, nproc=2)
    for folder in OUTPUTS:
        assert _files(tmp_path / folder) == _files(one_process_run / folder), folder
    for name in METRICS:
        assert (json.loads((tmp_path / name).read_text())
                == json.loads((one_process_run / name).read_text())), name
    summary = json.loads((tmp_path / 'pipeline_summary.json').read_text())
    assert summary['world_size'] == 2
