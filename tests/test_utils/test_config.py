"""Batch semantics: a VOC stage config's total batch is split over the processes."""
from pathlib import Path

import pytest
from mmengine.config import Config

from mmwsss.engine.hooks.batch_info_hook import batch_info_line
from mmwsss.apis import pipeline
from mmwsss.apis.pipeline import is_pipeline_config
from mmwsss.utils import check_batch_split, launcher_world_size, load_config, resolve_batch_size
from mmwsss.utils.config import sync_bn_to_bn
from tests.conftest import REPO_ROOT

CAM = 'configs/cam/cam_wideresnet38_4xb4-15e_voc12aug-448x448.py'
DEMO_CAM = 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'
# the official recipes' total batch (PSA, IRNet, EPS; MMSeg's 4 GPUs x 4)
RECIPE_TOTAL = {'cam_': 16, 'affinitynet_': 8, 'eps_': 8, 'deeplabv3plus_': 16,
                'deeplabv2_': 10, 'encnet_': 16, 'fcn_': 16}
VOC_STAGE_CONFIGS = sorted(
    path for path in (REPO_ROOT / 'configs').rglob('*voc12aug*.py')
    if '_base_' not in path.parts and not is_pipeline_config(Config.fromfile(str(path))))


def test_every_voc_stage_config_states_its_recipe_total() -> None:
    assert len(VOC_STAGE_CONFIGS) == 10
    for path in VOC_STAGE_CONFIGS:
        cfg = Config.fromfile(str(path))
        (total, ) = [t for prefix, t in RECIPE_TOTAL.items() if path.name.startswith(prefix)]
        assert cfg.total_batch_size == total, path.name
        assert cfg.auto_scale_lr == dict(enable=False, base_batch_size=total), path.name
        # the name's GPUs x batch (MMSeg's convention) is one split of the total
        gpus, batch = path.name.split('_')[2].split('-')[0].split('xb')
        assert int(gpus) * int(batch) == total, path.name


@pytest.mark.parametrize('world_size, per_process', [(1, 16), (2, 8), (4, 4), (8, 2),
                                                     (16, 1)])
def test_total_batch_is_split_over_processes(world_size: int, per_process: int) -> None:
    cfg = Config.fromfile(str(REPO_ROOT / CAM))
    resolve_batch_size(cfg, world_size)
    assert cfg.train_dataloader.batch_size == per_process
    assert cfg.total_batch_size == 16


@pytest.mark.parametrize('world_size', [3, 5, 32])
def test_indivisible_total_is_refused(world_size: int) -> None:
    cfg = Config.fromfile(str(REPO_ROOT / CAM))
    with pytest.raises(ValueError, match=(
            rf'cam_wideresnet38_4xb4-15e_voc12aug-448x448.py: the total batch 16 '
            rf'\(total_batch_size\) cannot be split evenly over {world_size} processes')):
        resolve_batch_size(cfg, world_size)


def test_deeplabv2_total_10_names_the_process_counts_that_keep_it() -> None:
    path = str(REPO_ROOT / 'configs/seg/deeplabv2_r101-d8_1xb10-20k_voc12aug-pseudo-321x321.py')
    for world_size in (1, 2, 5, 10):
        check_batch_split(path, None, world_size)
    for world_size in (4, 8):
        with pytest.raises(ValueError, match=(
                rf'deeplabv2_r101-d8_1xb10-20k_voc12aug-pseudo-321x321.py: the total batch 10 '
                rf'\(total_batch_size\) cannot be split evenly over {world_size} processes; '
                r'run it on 1, 2, 5, 10 processes, or set another total_batch_size')):
            check_batch_split(path, None, world_size)
    # the documented ways for 4 or 8 processes: another total, or a per-process batch
    check_batch_split(path, {'total_batch_size': 8, 'auto_scale_lr.enable': True}, 4)
    check_batch_split(path, {'train_dataloader.batch_size': 2}, 8)


def test_pipeline_refuses_a_process_count_before_its_first_stage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, 'get_world_size', lambda: 4)
    with pytest.raises(ValueError, match='total batch 10 .* cannot be split evenly over 4'):
        pipeline.run_pipeline(
            str(REPO_ROOT / 'configs/psa/psa-pipeline_wideresnet38_voc12aug-448x448.py'),
            work_dir=str(tmp_path / 'work'))
    assert not (tmp_path / 'work').exists()  # nothing ran
    # with the segmentation stage's total changed, 4 processes pass the check
    # (the CAM stage, 16, and AffinityNet, 8, split over 4)
    options = {'seg.total_batch_size': 8, 'seg.auto_scale_lr.enable': True, 'until': 'seg'}
    monkeypatch.setattr(pipeline, 'pipeline_fields', _stop_after_the_check)
    with pytest.raises(RuntimeError, match='checked'):
        pipeline.run_pipeline(
            str(REPO_ROOT / 'configs/psa/psa-pipeline_wideresnet38_voc12aug-448x448.py'),
            options, work_dir=str(tmp_path / 'work'))


def _stop_after_the_check(*args, **kwargs):
    raise RuntimeError('checked')


def test_bad_total_and_explicit_per_process_batch() -> None:
    cfg = Config.fromfile(str(REPO_ROOT / CAM))
    cfg.total_batch_size = 0
    with pytest.raises(ValueError, match='positive integer, got 0'):
        resolve_batch_size(cfg, 1)
    cfg = Config.fromfile(str(REPO_ROOT / CAM))
    cfg.train_dataloader.batch_size = 2
    resolve_batch_size(cfg, 4, per_process_given=True)
    assert cfg.train_dataloader.batch_size == 2 and cfg.total_batch_size == 8


def test_configs_without_total_keep_the_per_process_batch() -> None:
    cfg = Config.fromfile(str(REPO_ROOT / DEMO_CAM))
    assert 'total_batch_size' not in cfg
    resolve_batch_size(cfg, 4)
    assert cfg.train_dataloader.batch_size == 16


def test_world_size_of_each_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('WORLD_SIZE', '4')
    monkeypatch.setenv('SLURM_NTASKS', '8')
    assert launcher_world_size('none') == 1
    assert launcher_world_size('pytorch') == 4
    assert launcher_world_size('slurm') == 8
    monkeypatch.delenv('OMPI_COMM_WORLD_SIZE', raising=False)
    with pytest.raises(RuntimeError, match='OMPI_COMM_WORLD_SIZE is not set'):
        launcher_world_size('mpi')
    with pytest.raises(ValueError, match='unknown launcher'):
        launcher_world_size('ssh')


def test_load_config_splits_the_batch_and_adds_the_log_hook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('SLURM_NTASKS', '2')
    cfg = load_config(str(REPO_ROOT / CAM), work_dir=str(tmp_path), launcher='slurm',
                      train=True)
    assert cfg.train_dataloader.batch_size == 8
    assert [h.type for h in cfg.custom_hooks].count('BatchInfoHook') == 1
    cfg = load_config(str(REPO_ROOT / CAM), {'train_dataloader.batch_size': 4},
                      work_dir=str(tmp_path), launcher='slurm', train=True)
    assert cfg.train_dataloader.batch_size == 4 and cfg.total_batch_size == 8
    # inference (tools/test.py, a pipeline's test step) runs on any process count
    monkeypatch.setenv('SLURM_NTASKS', '3')
    cfg = load_config(str(REPO_ROOT / CAM), work_dir=str(tmp_path), launcher='slurm')
    assert 'BatchInfoHook' not in [h.type for h in cfg.custom_hooks]
    with pytest.raises(ValueError, match='over 3 processes'):
        load_config(str(REPO_ROOT / CAM), work_dir=str(tmp_path), launcher='slurm',
                    train=True)


def test_batch_info_line() -> None:
    assert batch_info_line(4, 4, 0.01, 9915, epochs=15) == (
        'total batch 16 = 4 processes x 4 per process, lr 0.01, 9915 iterations '
        '(15 epochs x 661)')
    assert batch_info_line(1, 8, 0.01, 20000) == (
        'total batch 8 = 1 process x 8 per process, lr 0.01, 20000 iterations')


def test_sync_bn_becomes_bn_for_cpu_processes() -> None:
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs/seg/deeplabv3plus_r101-d8_4xb4-20k_voc12aug-pseudo-512x512.py'))
    assert cfg.model.decode_head.norm_cfg.type == 'SyncBN'
    model = sync_bn_to_bn(cfg.model)
    for part in ('backbone', 'decode_head', 'auxiliary_head'):
        assert model[part].norm_cfg == dict(type='BN', requires_grad=True), part
    assert model.backbone.depth == 101 and cfg.model.backbone.norm_cfg.type == 'SyncBN'
    assert sync_bn_to_bn([dict(type='SyncBN'), (dict(a=dict(type='GN')), )]) == [
        dict(type='BN'), (dict(a=dict(type='GN')), )]
