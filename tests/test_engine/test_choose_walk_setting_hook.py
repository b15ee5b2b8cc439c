"""ChooseWalkSettingHook: the walk's setting chosen from the images alone."""
import json
from pathlib import Path
from unittest.mock import MagicMock, patch

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import get_priority
from mmseg.registry import DATASETS, MODELS

from mmwsss.engine.hooks import ChooseWalkSettingHook, ResumeWritersHook
from mmwsss.evaluation.label_survival import survival_metrics
from mmwsss.evaluation.label_criterion import (SettingTotals, WalkGrid,
                                               choose_class_bg_scores, choose_setting,
                                               crf_agreement, criterion_subset,
                                               rejected_classes, score_walk_settings)
from mmwsss.utils import load_cams, read_image
from tests.conftest import AFFINITY_CONFIG


def _runner(work_dir: Path, demo_root: Path, fake_cams: Path) -> MagicMock:
    cfg = Config.fromfile(AFFINITY_CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model, backbone=dict(cfg.model.backbone, init_cfg=None)))
    model.eval()
    dataset = DATASETS.build(dict(
        cfg.test_dataloader.dataset, data_root=str(demo_root),
        data_prefix=dict(cfg.test_dataloader.dataset.data_prefix, cam_path=str(fake_cams))))
    runner = MagicMock()
    runner.model, runner.work_dir = model, str(work_dir)
    runner.cfg = Config(dict(choose_walk_setting=True, model=dict(test_cfg=cfg.model.test_cfg)))
    runner.test_dataloader.dataset = dataset
    runner.logger = MMLogger.get_instance('choose_walk_test')
    return runner


def test_choice_equals_the_criterion_of_the_grid(demo_root: Path, fake_cams: Path,
                                                 tmp_path: Path) -> None:
    runner = _runner(tmp_path, demo_root, fake_cams)
    model, dataset = runner.model, runner.test_dataloader.dataset
    hook = ChooseWalkSettingHook(bg_scores=[0.3, 0.6], betas=[16], iters=[0, 8],
                                 num_images=4)
    hook.before_test(runner)

    # the reference: the same images, walked and scored directly
    grid = WalkGrid((), [0.3, 0.6], [16.0], [0, 8])
    totals = {}
    for index in criterion_subset(len(dataset), 4):
        info = dataset.get_data_info(index)
        item = dataset[index]
        data = model.data_preprocessor(dict(inputs=[item['inputs']],
                                            data_samples=[item['data_samples']]), False)
        height, width = item['data_samples'].metainfo['img_shape'][:2]
        with torch.no_grad():
            affinity, _ = model.image_affinity(data['inputs'][0][:, :height, :width])
        assert affinity.shape[1] > 0  # pairs: the walk does something
        cams, _ = load_cams(info['cam_path'], 6)
        for setting, result in score_walk_settings(
                torch.from_numpy(cams), affinity, grid,
                image=np.ascontiguousarray(read_image(info['img_path'], channel_order='rgb')),
                agreement=True).items():
            totals.setdefault(setting, SettingTotals.zeros(6)).add(result)
    classes = dataset.metainfo['classes']
    agreement = {s: crf_agreement(t.agreement) for s, t in totals.items()}
    collapsed = {s: len(rejected_classes(survival_metrics(t.survival, classes)))
                 for s, t in totals.items()}
    background, beta, num_iters = choose_setting(agreement, collapsed)
    assert (model.test_cfg['bg_score'], model.test_cfg['beta'],
            model.test_cfg['num_iters']) == (background.value, beta, num_iters)
    # the run's config (what the output folders' settings records name) says so too
    assert runner.cfg.model.test_cfg == dict(model.test_cfg)
    # t = 0 is no walk: the agreements differ from those of t = 8
    assert len(set(agreement.values())) > 1

    record = json.loads((tmp_path / 'rw_choice.json').read_text())
    assert record['chosen'] == dict(bg_score=background.value, beta=beta, t=num_iters)
    assert len(record['results']) == 4 and len(record['img_ids']) == 4

    # one background score per class: each class's own among the grid's at that beta and t
    per_class = ChooseWalkSettingHook(bg_scores=[0.3, 0.6], betas=[16], iters=[0, 8],
                                      num_images=4, per_class=True)
    per_class.before_test(runner)
    survival = {s: survival_metrics(t.survival, classes) for s, t in totals.items()}
    same_walk = [s for s in totals if s[1:] == (beta, num_iters)]
    expected = choose_class_bg_scores({s[0].value: totals[s].agreement for s in same_walk},
                                      {s[0].value: survival[s] for s in same_walk}, classes,
                                      background.value)
    assert model.test_cfg['bg_score'] == list(expected) and len(expected) == 6
    assert set(expected) == {0.3, 0.6}  # a class takes its own score
    record = json.loads((tmp_path / 'rw_choice.json').read_text())
    assert record['chosen']['bg_score'] == list(expected)
    assert record['one_bg_score'] == background.value and record['per_class']
    hook.before_test(runner)  # the one-background grid again: chosen anew, not read

    # a rerun reads the recorded choice instead of walking again
    model.test_cfg.update(bg_score=0.5, beta=2.0, num_iters=1)
    with patch('mmwsss.engine.hooks.choose_walk_setting_hook.score_walk_settings',
               side_effect=AssertionError('walked again')):
        hook.before_test(runner)
    assert (model.test_cfg['bg_score'], model.test_cfg['beta'],
            model.test_cfg['num_iters']) == (background.value, beta, num_iters)
    # another grid is chosen anew
    with patch('mmwsss.engine.hooks.choose_walk_setting_hook.score_walk_settings',
               side_effect=AssertionError('walked again')), \
            pytest.raises(AssertionError, match='walked again'):
        ChooseWalkSettingHook(bg_scores=[0.5], betas=[16], iters=[8],
                              num_images=4).before_test(runner)


def test_chooses_before_the_output_folders_are_claimed() -> None:
    """Before ResumeWritersHook: the whole dataset is criterion, the claim records
    the chosen setting."""
    assert (get_priority(ChooseWalkSettingHook.priority)
            < get_priority(ResumeWritersHook.priority))


def test_off_unless_the_config_asks(tmp_path: Path) -> None:
    runner = MagicMock()
    runner.cfg = dict()
    ChooseWalkSettingHook().before_test(runner)
    assert not runner.model.method_calls and not (tmp_path / 'rw_choice.json').exists()


def test_bad_grids_are_refused() -> None:
    with pytest.raises(ValueError, match='bg_scores'):
        ChooseWalkSettingHook(bg_scores=[1.2])
    with pytest.raises(ValueError, match='at least one'):
        ChooseWalkSettingHook(betas=[])
    with pytest.raises(ValueError, match='num_images'):
        ChooseWalkSettingHook(num_images=0)


def test_criterion_subset() -> None:
    assert criterion_subset(10, 3) == [0, 4, 9] or criterion_subset(10, 3) == [0, 5, 9]
    assert criterion_subset(3, 5) == [0, 1, 2]
    assert criterion_subset(7, 1) == [0]
    assert criterion_subset(100, 60)[-1] == 99 and len(criterion_subset(100, 60)) == 60
