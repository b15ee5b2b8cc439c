"""Tests of ResumeWritersHook: which images it skips, the temporaries it removes."""
from pathlib import Path

from mmengine.config import Config
from PIL import Image

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
    dataset = runner.test_loop.dataloader.dataset
    ids = [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]
    for img_id in ids[:5] + ids[7:9]:  # written by an earlier, interrupted run
        for path in (f'rw/{img_id}.png', f'rw_crf/{img_id}.png', f'aff/{img_id}.npz'):
            _touch(tmp_path / path)
    _touch(tmp_path / 'rw' / f'{ids[5]}.png')  # only one of the two labels
    _touch(tmp_path / 'rw' / f'{ids[6]}.png')  # the labels, not the affinities
    _touch(tmp_path / 'rw_crf' / f'{ids[6]}.png')
    stale = [tmp_path / 'rw' / f'.{ids[9]}.x1y2.tmp.png',
             tmp_path / 'overlays' / f'.{ids[9]}.x1y2.tmp.jpg',
             tmp_path / 'aff' / 'sub' / f'.{ids[9]}.x1y2.tmp.npz']
    for path in stale:
        _touch(path)
    elsewhere = tmp_path / 'other' / f'.{ids[9]}.x1y2.tmp.png'
    _touch(elsewhere)

    runner.hooks[0].before_test(runner)
    loader = runner.test_loop.dataloader
    remaining = [loader.dataset.get_data_info(i)['img_id'] for i in range(len(loader.dataset))]
    assert remaining == ids[5:7] + ids[9:]
    assert loader.batch_size == 2 and len(loader) == 9
    assert [info['img_id'] for batch in loader for info in batch] == remaining
    assert not any(path.exists() for path in stale) and elsewhere.exists()
    assert runner.message_hub.get_info(TEST_IMG_IDS) == ids
    assert runner.message_hub.get_info(SKIPPED_IMG_IDS) == ids[:5] + ids[7:9]


def test_without_skip_written_only_removes_temporaries(tmp_path: Path,
                                                       demo_root: Path) -> None:
    writer = SaveCAMHook(cam_dir='cams', pseudo_label_dir='labels')
    runner = demo_runner(tmp_path, demo_root, [ResumeWritersHook(), writer])
    loader = runner.test_loop.dataloader
    ids = [loader.dataset.get_data_info(i)['img_id'] for i in range(len(loader.dataset))]
    _touch(tmp_path / 'cams' / f'{ids[0]}.npz')
    _touch(tmp_path / 'labels' / f'{ids[0]}.png')
    stale = tmp_path / 'cams' / f'.{ids[1]}.abc.tmp.npz'
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
