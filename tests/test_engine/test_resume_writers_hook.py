"""Tests of ResumeWritersHook: which images it skips, the temporaries it removes."""
from pathlib import Path

import pytest
from mmengine.config import Config
from PIL import Image

from mmwsss.apis.done_marker import StaleOutputsError, output_settings
from mmwsss.engine import (ResumeWritersHook, SaveCAMHook, SavePseudoLabelHook,
                           SaveWalkAffinityHook)
from mmwsss.engine.hooks.resume_writers_hook import SKIPPED_IMG_IDS, TEST_IMG_IDS
from tests.test_engine.hook_runner import demo_runner


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'')


def test_skips_the_images_every_writer_wrote(tmp_path: Path, demo_root: Path) -> None:
    labels = SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='rw', pred_crf_sem_seg='rw_crf'),
                                 overlay_dir='overlays')
    affinities = SaveWalkAffinityHook(out_dir='aff')
    runner = demo_runner(tmp_path, demo_root, [ResumeWritersHook(True), labels, affinities])
    runner.hooks[0].before_test(runner)  # the first run claims the folders
    dataset = runner.test_loop.dataloader.dataset
    ids = [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]
    for img_id in ids[:5] + ids[7:9]:  # written by an earlier, interrupted run
        for path in (f'rw/{img_id}.png', f'rw_crf/{img_id}.png', f'aff/{img_id}.npz'):
            _touch(tmp_path / path)
    _touch(tmp_path / 'rw' / f'{ids[5]}.png')  # only one of the two labels
    _touch(tmp_path / 'rw' / f'{ids[6]}.png')  # the labels, not the affinities
    _touch(tmp_path / 'rw_crf' / f'{ids[6]}.png')
    stale = [tmp_path / 'rw' / f'.{ids[9]}.mmwsss-x1y2x1y2.tmp.png',
             tmp_path / 'overlays' / f'.{ids[9]}.mmwsss-x1y2x1y2.tmp.jpg',
             tmp_path / 'aff' / f'.{ids[9]}.mmwsss-x1y2x1y2.tmp.npz']
    for path in stale:
        _touch(path)
    # not in a writer's folder: another folder, a subfolder, a user's file
    elsewhere = [tmp_path / 'other' / f'.{ids[9]}.mmwsss-x1y2x1y2.tmp.png',
                 tmp_path / 'aff' / 'sub' / f'.{ids[9]}.mmwsss-x1y2x1y2.tmp.npz',
                 tmp_path / 'rw' / '.notes.tmp.png']
    for path in elsewhere:
        _touch(path)

    runner.hooks[0].before_test(runner)
    loader = runner.test_loop.dataloader
    remaining = [loader.dataset.get_data_info(i)['img_id'] for i in range(len(loader.dataset))]
    assert remaining == ids[5:7] + ids[9:]
    assert loader.batch_size == 2 and len(loader) == 9
    assert [info['img_id'] for batch in loader for info in batch] == remaining
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in elsewhere)
    assert runner.message_hub.get_info(TEST_IMG_IDS) == ids
    assert runner.message_hub.get_info(SKIPPED_IMG_IDS) == ids[:5] + ids[7:9]



def test_a_writer_that_is_not_resumable_makes_the_loop_run_on_every_image(
        tmp_path: Path, demo_root: Path) -> None:
    predictions = SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='pred'), resumable=False)
    labels = SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='rw'))
    runner = demo_runner(tmp_path, demo_root, [ResumeWritersHook(True), labels, predictions])
    dataset = runner.test_loop.dataloader.dataset
    ids = [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]
    runner.hooks[0].before_test(runner)  # the first run claims the folders
    for img_id in ids:  # every file of that run
        _touch(tmp_path / 'rw' / f'{img_id}.png')
        _touch(tmp_path / 'pred' / f'{img_id}.png')
    assert labels.is_written(str(tmp_path), ids[0])
    assert not predictions.is_written(str(tmp_path), ids[0])
    runner.hooks[0].before_test(runner)
    assert runner.message_hub.get_info(SKIPPED_IMG_IDS) == []
    assert len(runner.test_loop.dataloader.dataset) == len(ids) == 24

def test_without_skip_written_only_removes_temporaries(tmp_path: Path,
                                                       demo_root: Path) -> None:
    writer = SaveCAMHook(cam_dir='cams', pseudo_label_dir='labels')
    runner = demo_runner(tmp_path, demo_root, [ResumeWritersHook(), writer])
    runner.hooks[0].before_test(runner)  # the first run claims the folders
    loader = runner.test_loop.dataloader
    ids = [loader.dataset.get_data_info(i)['img_id'] for i in range(len(loader.dataset))]
    _touch(tmp_path / 'cams' / f'{ids[0]}.npz')
    _touch(tmp_path / 'labels' / f'{ids[0]}.png')
    stale = tmp_path / 'cams' / f'.{ids[1]}.mmwsss-abcabcab.tmp.npz'
    _touch(stale)
    runner.hooks[0].before_test(runner)
    assert runner.test_loop.dataloader is loader and not stale.exists()
    assert runner.message_hub.get_info(SKIPPED_IMG_IDS) == []

    # with skip_written: only the image with both files is left out
    _touch(tmp_path / 'cams' / f'{ids[1]}.npz')
    ResumeWritersHook(skip_written=True).before_test(runner)
    assert len(runner.test_loop.dataloader.dataset) == 23
    assert runner.message_hub.get_info(SKIPPED_IMG_IDS) == [ids[0]]


def test_every_image_written_gives_an_empty_loop(tmp_path: Path, demo_root: Path) -> None:
    writer = SavePseudoLabelHook()
    runner = demo_runner(tmp_path, demo_root, [ResumeWritersHook(True), writer])
    runner.hooks[0].before_test(runner)  # the first run claims the folders
    dataset = runner.test_loop.dataloader.dataset
    for index in range(len(dataset)):
        image = Image.new('P', (4, 4))
        (tmp_path / 'pseudo_labels').mkdir(exist_ok=True)
        image.save(tmp_path / 'pseudo_labels' / f'{dataset.get_data_info(index)["img_id"]}.png')
    runner.hooks[0].before_test(runner)
    assert len(runner.test_loop.dataloader) == 0
    assert len(runner.message_hub.get_info(SKIPPED_IMG_IDS)) == 24


def test_turn_on_sets_or_adds_the_hook_when_there_are_writers() -> None:
    cfg = Config(dict(custom_hooks=[dict(type='ProgressBarHook'),
                                    dict(type='SaveCAMHook')]))
    ResumeWritersHook.turn_on(cfg.custom_hooks)
    assert cfg.custom_hooks[-1] == dict(type='ResumeWritersHook', skip_written=True)
    cfg = Config(dict(custom_hooks=[dict(type='ResumeWritersHook'),
                                    dict(type=SavePseudoLabelHook)]))
    ResumeWritersHook.turn_on(cfg.custom_hooks)
    assert cfg.custom_hooks == [dict(type='ResumeWritersHook', skip_written=True),
                                dict(type=SavePseudoLabelHook)]
    hooks = [dict(type='SaveMetricsHook'), dict(type='NotRegisteredHook')]
    ResumeWritersHook.turn_on(hooks)
    assert hooks == [dict(type='SaveMetricsHook'), dict(type='NotRegisteredHook')]


def test_refuses_to_mix_settings_unless_redo(tmp_path: Path, demo_root: Path) -> None:
    """Files of another beta (or of no record) are never skipped as if they were ours."""
    writer = SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='rw'))
    runner = demo_runner(tmp_path, demo_root, [ResumeWritersHook(True), writer])
    ids = [runner.test_loop.dataloader.dataset.get_data_info(i)['img_id'] for i in range(24)]
    runner.hooks[0].before_test(runner)
    _touch(tmp_path / 'rw' / f'{ids[0]}.png')
    runner.cfg.model.test_cfg.beta = 2
    with pytest.raises(StaleOutputsError, match=r'(?s)rw holds files made with other '
                       r'settings.*model\.test_cfg\.beta: 8 -> 2.*--redo'):
        runner.hooks[0].before_test(runner)
    assert runner.message_hub.get_info(SKIPPED_IMG_IDS) == []  # nothing skipped

    # files nobody recorded (by hand, an older version): refused as well
    (tmp_path / '.rw.mmwsss-settings.json').unlink()
    with pytest.raises(StaleOutputsError, match=r'rw holds 1 files .* but no '):
        runner.hooks[0].before_test(runner)

    # redo: the old folder moves aside whole, the run starts over and resumes after
    ResumeWritersHook(skip_written=True, redo=True).before_test(runner)
    moved = list(tmp_path.glob(f'replaced_*/rw/{ids[0]}.png'))
    assert len(moved) == 1 and not (tmp_path / 'rw' / f'{ids[0]}.png').exists()
    assert len(runner.test_loop.dataloader.dataset) == 24
    _touch(tmp_path / 'rw' / f'{ids[0]}.png')
    runner.hooks[0].before_test(runner)  # same settings: resumes
    assert runner.message_hub.get_info(SKIPPED_IMG_IDS) == [ids[0]]


def test_output_settings_leave_out_what_does_not_change_outputs() -> None:
    cfg = Config(dict(model=dict(test_cfg=dict(beta=8)), load_from='a.pth', resume=True,
                      work_dir='w', test_dataloader=dict(batch_size=2, num_workers=4,
                                                         dataset=dict(data_root='d')),
                      custom_hooks=[dict(type='ProgressBarHook'),
                                    dict(type='ResumeWritersHook', skip_written=True),
                                    dict(type=ResumeWritersHook, redo=True),
                                    dict(type='SavePseudoLabelHook', overlay_dir='o')]))
    assert output_settings(cfg) == {
        'model.test_cfg.beta': '8', 'load_from': '"a.pth"',
        'test_dataloader.dataset.data_root': '"d"',
        'custom_hooks.0.type': '"SavePseudoLabelHook"', 'custom_hooks.0.overlay_dir': '"o"'}
