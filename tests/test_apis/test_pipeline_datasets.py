"""Your own dataset: the classes declared once, every head sized from them, one
error before any training when they do not fit, and the run record the
leaderboard reads.

The end-to-end tests run the README's "Your own dataset" commands verbatim (the
data root and work dirs replaced, tiny schedules appended with --cfg-options,
never a class option) on two generated datasets: three foreground classes, and
one foreground class with images without it (its negatives), the latter also
without pixel ground truth.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from mmengine.config import Config

from mmwsss.apis.pipeline import parse_stages, read_pipeline_dataset, run_pipeline
from mmwsss.apis.pipeline_datasets import (FROM_SCRATCH, IMAGENET, PipelineDatasetError,
                                           checkpoint_origin, head_sizes, initialisation)
from mmwsss.datasets.wsss_dataset import VOC_METAINFO
from mmwsss.synthetic import DemoDatasetConfig, generate_demo_dataset, with_classes
from mmwsss.utils.checkpoint import load_local_checkpoint
from tests.conftest import REPO_ROOT, run_tool

PSA = REPO_ROOT / 'configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py'
EPS_PSA = REPO_ROOT / 'configs/eps/eps-psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py'
ENCNET = REPO_ROOT / 'configs/seg/encnet_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py'
LOADERS = ('train_dataloader', 'test_dataloader')
TINY_DATA = ['--num-train', '8', '--num-val', '2', '--min-size', '48', '--max-size', '64']


def readme_commands() -> List[str]:
    """The command lines of the README's "Your own dataset" section."""
    text = (REPO_ROOT / 'README.md').read_text()
    section = text.split('\n## Your own dataset\n', 1)[1].split('\n## ', 1)[0]
    block = re.search(r'```bash\n(.*?)```', section, re.S).group(1)
    return [line for line in block.splitlines() if line.startswith('python ')]


def tiny_options(pipeline: str) -> List[str]:
    """One epoch on tiny batches, no worker processes, for the stages of a pipeline
    up to the walk (or EPS)."""
    names = [stage.name for stage in parse_stages(Config.fromfile(pipeline))]
    options = ['stages.affinity_labels.workers=1'] if 'affinity_labels' in names else []
    for stage in set(names) & {'cam', 'eps', 'rw'}:
        options += [f'{stage}.train_cfg.max_epochs=1', f'{stage}.train_dataloader.batch_size=4']
        options += [f'{stage}.{loader}.{key}' for loader in LOADERS
                    for key in ('num_workers=0', 'persistent_workers=False')]
    if set(names) & {'cam', 'eps'}:
        options.append(f'{"cam" if "cam" in names else "eps"}.model.test_cfg.scales=[1.0]')
    options.append('until=rw' if 'rw' in names else 'until=eps')
    return options


def run_readme_command(line: str, data_root: Path, work_dirs: Path,
                       check: bool = True):
    """A README command with the data root and work dirs replaced; train commands
    get the tiny options (and nothing about classes)."""
    command = [sys.executable if part == 'python' else
               part.replace('data/my_dataset', str(data_root)).replace(
                   'work_dirs/', f'{work_dirs}/') for part in shlex.split(line)]
    if command[1] == 'tools/train.py':
        command += [option for option in tiny_options(command[2])
                    if option.split('=')[0] not in line]
    assert not any('num_classes' in part or part.startswith('classes=') for part in command)
    if check:
        return run_tool(command)
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1'),
                          timeout=600)


@pytest.fixture(scope='module')
def datasets(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """Three foreground classes; one foreground class with images without it
    (and its copy without pixel ground truth)."""
    root = tmp_path_factory.mktemp('own_datasets')
    generate_demo_dataset(str(root / 'three'), config=with_classes(DemoDatasetConfig(
        num_train=8, num_val=2, min_size=48, max_size=64), ('checker', 'stripes', 'dots')))
    run_tool([sys.executable, 'tools/generate_demo_data.py', str(root / 'defects'),
              '--classes', 'defect', '--min-objects', '0', '--max-objects', '1'] + TINY_DATA)
    shutil.copytree(root / 'defects', root / 'defects_no_gt')
    shutil.rmtree(root / 'defects_no_gt' / 'SegmentationClass')
    return dict(three=root / 'three', one=root / 'defects', one_no_gt=root / 'defects_no_gt')


def test_generated_datasets(datasets: Dict[str, Path]) -> None:
    meta = json.loads((datasets['three'] / 'meta.json').read_text())
    assert meta['classes'] == ['background', 'checker', 'stripes', 'dots']
    labels = json.loads((datasets['one'] / 'image_labels.json').read_text())
    assert json.loads((datasets['one'] / 'meta.json').read_text())['classes'] == [
        'background', 'defect']
    assert set(map(tuple, labels.values())) == {(), (1, )}  # negatives and positives


def _plan(pipeline: Path, data_root: Path, **options):
    """The pipeline's dataset with ``data_root`` and other pipeline options."""
    cfg = Config.fromfile(str(pipeline))
    cfg.merge_from_dict(dict(options, data_root=str(data_root)))
    stages = parse_stages(cfg)
    return read_pipeline_dataset(str(pipeline), cfg, stages,
                                 {stage.name: {} for stage in stages}, '/tmp/w')


def test_every_head_of_every_pipeline_takes_the_dataset_classes(
        datasets: Dict[str, Path]) -> None:
    for key, fg in (('three', 3), ('one', 1)):
        psa = _plan(PSA, datasets[key])
        assert psa.name == datasets[key].name and len(psa.classes) == fg + 1
        assert psa.classes_from == str(datasets[key] / 'meta.json')
        assert psa.splits == dict(train=8, val=2)
        assert psa.first_options['cam']['model.decode_head.num_classes'] == fg
        assert {key: value for key, value in psa.first_options['seg'].items()
                if 'num_classes' in key} == {'model.decode_head.num_classes': fg + 1,
                                             'model.auxiliary_head.num_classes': fg + 1}
        assert psa.first_options['rw']['train_dataloader.dataset.data_root'] == str(
            datasets[key])
        # EncNet: decode head with its SE layer, and the auxiliary head, C + 1;
        # EPS: the C foreground classes (its convolution has C + 1 outputs)
        encnet = _plan(EPS_PSA, datasets[key], **{'stages.seg.config': str(ENCNET)})
        assert encnet.first_options['eps']['model.decode_head.num_classes'] == fg
        assert {key: value for key, value in encnet.first_options['seg'].items()
                if 'num_classes' in key} == {'model.decode_head.num_classes': fg + 1,
                                             'model.auxiliary_head.num_classes': fg + 1}


def test_classes_option_without_meta_json(datasets: Dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / 'no_meta'
    shutil.copytree(datasets['one'], root)
    (root / 'meta.json').unlink()
    plan = _plan(PSA, root, classes=['background', 'lesion'], dataset_name='clinic')
    assert plan.name == 'clinic' and plan.classes == ('background', 'lesion')
    assert plan.first_options['seg']['model.auxiliary_head.num_classes'] == 2
    assert plan.first_options['cam']['test_dataloader.dataset.metainfo']['classes'] == [
        'background', 'lesion']
    # without meta.json nor the option: the VOC classes, and the labels fit them
    assert _plan(PSA, root).classes[1] == 'aeroplane'


def test_voc_pipelines_keep_their_head_sizes() -> None:
    """The VOC configs are unchanged: the VOC classes (no meta.json) give the
    heads the sizes their configs state."""
    cam = Config.fromfile(
        str(REPO_ROOT / 'configs/cam/cam_wideresnet38_4xb4-15e_voc12aug-448x448.py'))
    assert head_sizes(cam.model, VOC_METAINFO['classes']) == {
        'model.decode_head.num_classes': cam.model.decode_head.num_classes}
    for pipeline in ('configs/eps/eps-psa-pipeline_wideresnet38_voc12aug-448x448.py', ):
        cfg = Config.fromfile(str(REPO_ROOT / pipeline))
        stages = parse_stages(cfg)
        plan = read_pipeline_dataset(pipeline, cfg, stages,
                                     {stage.name: {} for stage in stages}, '/tmp/w')
        assert plan.name == 'VOC12' and len(plan.classes) == 21
        for stage in stages:
            stage_cfg = Config.fromfile(stage.config)
            sizes = head_sizes(stage_cfg.get('model'), plan.classes)
            assert sizes == {key: value for key, value in plan.first_options[stage.name].items()
                             if key.endswith('num_classes')}
            for key, value in sizes.items():
                parts = key.split('.')[1:]
                assert stage_cfg.model[parts[0]][parts[1]] == value, (pipeline, stage.name)


def test_wrong_class_count_is_one_error_before_any_training(
        datasets: Dict[str, Path], tmp_path: Path) -> None:
    # a meta.json declaring two classes for labels that use three: the README's
    # command stops before any stage, naming the label file and the meta file
    root = tmp_path / 'three_wrong'
    shutil.copytree(datasets['three'], root)
    (root / 'meta.json').write_text('{"classes": ["background", "checker", "stripes"]}')
    result = run_readme_command(readme_commands()[1], root, tmp_path, check=False)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines()
              if re.match(r'[\w.]+Error: ', line)]
    assert errors == [f'mmwsss.apis.pipeline_datasets.PipelineDatasetError: '
                      f'{PSA.relative_to(REPO_ROOT)}: the dataset does not fit the pipeline '
                      '(nothing was run):']
    assert re.search(f"- {root}/image_labels.json: image 'train_\\d+': class values "
                     r'\[3\] not in 1\.\.2', result.stderr)
    assert f'2 foreground (checker, stripes), come from {root}/meta.json' in result.stderr
    assert not (tmp_path / 'my_psa').exists()
    # a head size set per stage that contradicts the classes: named with its option
    with pytest.raises(PipelineDatasetError) as error:
        run_pipeline(str(PSA), {'data_root': str(datasets['three']),
                                'cam.model.decode_head.num_classes': 6},
                     work_dir=str(tmp_path / 'w'))
    assert ('- cam.model.decode_head.num_classes=6 (--cfg-options '
            'cam.model.decode_head.num_classes), but the dataset has 3 foreground classes'
            in str(error.value))
    assert not (tmp_path / 'w').exists()
    # the classes option against the meta.json of the data root
    with pytest.raises(PipelineDatasetError, match=r"classes=\['background', 'a'\] "
                       r'\(pipeline option\) but .*/meta.json declares'):
        run_pipeline(str(PSA), {'data_root': str(datasets['three']),
                                'classes': ['background', 'a']}, work_dir=str(tmp_path / 'w'))
    # ground_truth=False with the segmentation stage, which validates on masks
    with pytest.raises(PipelineDatasetError, match="stage 'seg' scores its val_dataloader "
                       'with IoUMetric'):
        run_pipeline(str(PSA), {'data_root': str(datasets['three']), 'ground_truth': False},
                     work_dir=str(tmp_path / 'w'))


def _head_outputs(checkpoint: Path, key: str) -> int:
    """Output channels of a head weight in a checkpoint the run wrote."""
    return load_local_checkpoint(str(checkpoint))['state_dict'][key].shape[0]


def test_readme_commands_three_classes(datasets: Dict[str, Path], tmp_path: Path) -> None:
    check, psa, eps, _, _, leaderboard = readme_commands()
    result = run_readme_command(check, datasets['three'], tmp_path)
    assert result.stdout.rstrip().endswith('0 problems')
    run_readme_command(psa, datasets['three'], tmp_path)
    run_readme_command(eps, datasets['three'], tmp_path)
    assert _head_outputs(tmp_path / 'my_psa/cam/epoch_1.pth', 'decode_head.conv_cam.weight') == 3
    assert _head_outputs(tmp_path / 'my_eps/eps/epoch_1.pth', 'decode_head.conv_cam.weight') == 4
    summary = json.loads((tmp_path / 'my_psa/pipeline_summary.json').read_text())
    assert summary['dataset']['name'] == 'three'
    assert summary['dataset']['foreground_classes'] == 3
    assert [(s['name'], s['initialisation']) for s in summary['stages']] == [
        ('cam', FROM_SCRATCH), ('affinity_labels', None), ('rw', 'cam stage (from scratch)')]
    text = run_readme_command(leaderboard, datasets['three'], tmp_path).stdout
    assert '| ours: CAM |' in text and '| three train (8) |' in text
    assert '| no | from scratch | cam/cam_metrics.json |' in text
    assert '| cam stage (from scratch) | rw/rw_metrics.json |' in text
    assert 'VOC12 train' not in text and 'ImageNet' not in text
    assert 'the published VOC12 results are not comparable' in text


def test_readme_commands_one_class_with_negatives(datasets: Dict[str, Path],
                                                  tmp_path: Path) -> None:
    check, _, _, eps_psa, no_gt, _ = readme_commands()
    result = run_readme_command(check, datasets['one'], tmp_path)
    assert result.stdout.rstrip().endswith('0 problems')
    assert 'images without a foreground class (negatives): 4' in result.stdout
    run_readme_command(eps_psa, datasets['one'], tmp_path)
    work_dir = tmp_path / 'my_eps_psa'
    # EPS: C + 1 = 2 outputs; every stage scored against the ground truth
    assert _head_outputs(work_dir / 'eps/epoch_1.pth', 'decode_head.conv_cam.weight') == 2
    for path in ('eps/cam_metrics.json', 'rw/rw_metrics.json', 'rw/rw_crf_metrics.json'):
        metrics = json.loads((work_dir / path).read_text())
        assert set(key for key in metrics if key.startswith('IoU.')) == {
            'IoU.background', 'IoU.defect'}, path
    assert json.loads((work_dir / 'rw/rw_metrics.json').read_text())['num_images'] == 8
    survival = json.loads((work_dir / 'rw/rw_survival.json').read_text())
    assert survival['num_images'] == 8
    # without pixel ground truth, up to the walk: label survival only
    run_readme_command(no_gt, datasets['one_no_gt'], tmp_path)
    work_dir = tmp_path / 'my_eps_psa_no_gt'
    assert not list(work_dir.glob('*/*metrics.json'))
    assert len(list((work_dir / 'rw/rw_pseudo_labels').iterdir())) == 8
    assert json.loads((work_dir / 'rw/rw_survival.json').read_text())['num_images'] == 8
    assert not (work_dir / 'rw/rw_choice.json').exists()  # the fixed setting by default
    text = (work_dir / 'leaderboard.md').read_text()
    assert ('| refined pseudo labels | ours: random walk | no ground truth | 100.0 (defect) '
            '| none | defects_no_gt train (8) |') in text
    assert '| eps stage (from scratch) | rw/rw_metrics.json |' in text
    # the CAM background score chosen without ground truth (docs/own_dataset.md)
    result = run_tool([sys.executable, 'tools/eval_pseudo_labels.py', 'cams',
                       str(work_dir / 'eps/cams'), '--data-root', str(datasets['one_no_gt']),
                       '--no-gt'])
    assert 'chosen without ground truth: bg ' in result.stdout


def test_initialisation_in_words(tmp_path: Path) -> None:
    stage_dirs = dict(cam=str(tmp_path / 'cam'), rw=str(tmp_path / 'rw'))
    known = dict(cam=IMAGENET)
    assert checkpoint_origin(None, stage_dirs, known) == FROM_SCRATCH
    assert checkpoint_origin(str(tmp_path / 'cam/epoch_3.pth'), stage_dirs, known) == (
        'cam stage (ImageNet)')
    assert checkpoint_origin('pretrained/resnet38_ilsvrc-cls_rna-a1.pth', stage_dirs,
                             known) == IMAGENET
    assert checkpoint_origin('open-mmlab://resnet101_caffe', stage_dirs, known) == IMAGENET
    assert checkpoint_origin('weights/coco_deeplab.pth', stage_dirs, known) == (
        'checkpoint weights/coco_deeplab.pth')
    # a folder whose name starts like a stage's is not that stage
    assert checkpoint_origin(str(tmp_path / 'cam_old/x.pth'), stage_dirs, known).startswith(
        'checkpoint ')
    cfg = Config(dict(load_from=None, model=dict(
        backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'cam/e.pth'))),
        pretrained='open-mmlab://resnet101_v1c')))
    assert initialisation(cfg, stage_dirs, known) == 'cam stage (ImageNet)'
    cfg.model.backbone.init_cfg = None
    assert initialisation(cfg, stage_dirs, known) == IMAGENET
    cfg.model.pretrained = None
    assert initialisation(cfg, stage_dirs, known) == FROM_SCRATCH
