"""Tests of SavePseudoLabelHook: the files it writes, deferred labels."""
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmwsss.engine import SavePseudoLabelHook
from mmwsss.utils import read_label_png
from tests.test_engine.hook_runner import demo_runner, label_sample


def test_writes_labels_overlays_and_affinity_pictures(tmp_path: Path,
                                                      demo_root: Path) -> None:
    hook = SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='rw', pred_crf_sem_seg='rw_crf'),
                               overlay_dir='overlays', affinity_dir='affinity')
    runner = demo_runner(tmp_path, demo_root, [hook])
    batch = next(iter(runner.test_loop.dataloader))
    labels = [read_label_png(info['seg_map_path']) for info in batch]
    hook.after_test_iter(runner, 0, batch, [label_sample(info, label)
                                           for info, label in zip(batch, labels)])
    hook.after_test_epoch(runner, metrics={})
    ids = [info['img_id'] for info in batch]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'affinity', 'overlays', 'rw', 'rw_crf']
    for folder, ext in (('rw', 'png'), ('rw_crf', 'png'), ('overlays', 'jpg'),
                        ('affinity', 'jpg')):
        assert sorted(p.name for p in (tmp_path / folder).iterdir()) == [
            f'{img_id}.{ext}' for img_id in ids], folder
    for img_id, label in zip(ids, labels):
        png = Image.open(tmp_path / 'rw' / f'{img_id}.png')
        assert png.mode == 'P'
        np.testing.assert_array_equal(np.array(png), label)
        assert not np.array(Image.open(tmp_path / 'rw_crf' / f'{img_id}.png')).any()
        picture = Image.open(tmp_path / 'affinity' / f'{img_id}.jpg')
        assert picture.size == (2 * label.shape[1], label.shape[0])
        assert hook.is_written(str(tmp_path), img_id)
    assert not hook.is_written(str(tmp_path), 'train_00023')
    (tmp_path / 'rw_crf' / f'{ids[0]}.png').unlink()
    assert not hook.is_written(str(tmp_path), ids[0])
    assert hook.output_dirs() == ['rw', 'rw_crf', 'overlays', 'affinity']


def test_deferred_labels_are_written_once_done(tmp_path: Path, demo_root: Path) -> None:
    """A field holding a Future (the CRF pool's labels) is written when it is done."""
    hook = SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='rw', pred_crf_sem_seg='rw_crf'))
    runner = demo_runner(tmp_path, demo_root, [hook])
    futures = []
    for batch_idx, batch in enumerate(runner.test_loop.dataloader):
        outputs = []
        for info in batch:
            label = read_label_png(info['seg_map_path'])
            sample = label_sample(info, label)
            future = Future()
            if batch_idx % 2 == 0:
                future.set_result(label)
            sample.set_field(future, 'pred_crf_sem_seg', field_type='data')
            futures.append((future, label, info['img_id']))
            outputs.append(sample)
        hook.after_test_iter(runner, batch_idx, batch, outputs)
        written = len(list((tmp_path / 'rw_crf').glob('*.png')))
        assert written == sum(future.done() for future, _, _ in futures)
    for future, label, _ in futures:
        if not future.done():
            future.set_result(label)
    hook.after_test_epoch(runner, metrics={})
    assert len(futures) == 24
    for _, label, img_id in futures:
        np.testing.assert_array_equal(
            read_label_png(str(tmp_path / 'rw_crf' / f'{img_id}.png')), label)


def test_needs_a_label_field() -> None:
    with pytest.raises(ValueError, match='needs at least one field in label_dirs'):
        SavePseudoLabelHook(label_dirs={})
