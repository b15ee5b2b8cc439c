"""Tests of SavePseudoLabelHook (writing, skipping, scoring) and RandomWalkHook."""
import json
from concurrent.futures import Future
from pathlib import Path
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch
from mmengine.dataset import DefaultSampler
from mmengine.structures import PixelData
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from PIL import Image
from torch.utils.data import DataLoader

from mmwsss.engine import RandomWalkHook, SavePseudoLabelHook
from mmwsss.reporting.per_class_table import per_class_document
from mmwsss.utils import read_label_png


def _runner(work_dir: Path, demo_root: Path) -> MagicMock:
    dataset = DATASETS.build(dict(
        type='WSSSDataset', data_root=str(demo_root),
        ann_file='ImageSets/Segmentation/train.txt', img_label_file='image_labels.json',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
        pipeline=[]))
    runner = MagicMock()
    runner.work_dir = str(work_dir)
    runner.test_loop.dataloader = DataLoader(
        dataset, batch_size=2, sampler=DefaultSampler(dataset, shuffle=False),
        collate_fn=list)
    return runner


def _sample(info: dict, label: np.ndarray) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_id=info['img_id'], img_path=info['img_path']))
    sample.pred_sem_seg = PixelData(data=torch.from_numpy(label.astype(np.int64))[None])
    sample.pred_crf_sem_seg = PixelData(data=torch.zeros_like(sample.pred_sem_seg.data))
    height, width = label.shape
    sample.pred_affinity = PixelData(data=torch.rand(1, -(-height // 8), -(-width // 8)))
    return sample


def test_skips_written_images_and_scores_all(tmp_path: Path, demo_root: Path) -> None:
    runner = _runner(tmp_path, demo_root)
    dataset = runner.test_loop.dataloader.dataset
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    gt = {info['img_id']: read_label_png(info['seg_map_path']) for info in infos}
    for info in infos[:5]:  # an earlier, interrupted run wrote both folders
        for folder in ('rw', 'rw_crf'):
            (tmp_path / folder).mkdir(exist_ok=True)
            Image.fromarray(gt[info['img_id']]).save(tmp_path / folder / f'{info["img_id"]}.png')
    (tmp_path / 'rw' / f'{infos[5]["img_id"]}.png').write_bytes(b'')  # only one folder
    hook = SavePseudoLabelHook(
        label_dirs=dict(pred_sem_seg='rw', pred_crf_sem_seg='rw_crf'), skip_existing=True,
        metrics_files=dict(pred_sem_seg='rw_metrics.json', pred_crf_sem_seg='rw_crf_metrics.json'),
        overlay_dir='overlays', affinity_dir='affinity')
    hook.before_test(runner)
    loader = runner.test_loop.dataloader
    remaining = [loader.dataset.get_data_info(i)['img_id'] for i in range(len(loader.dataset))]
    assert remaining == [info['img_id'] for info in infos[5:]]
    assert loader.batch_size == 2 and len(loader) == 10
    for batch_idx, batch in enumerate(loader):
        outputs = [_sample(info, gt[info['img_id']]) for info in batch]
        hook.after_test_iter(runner, batch_idx, batch, outputs)
    hook.after_test_epoch(runner, metrics={})
    metrics = json.loads((tmp_path / 'rw_metrics.json').read_text())
    crf_metrics = json.loads((tmp_path / 'rw_crf_metrics.json').read_text())
    assert metrics['num_images'] == crf_metrics['num_images'] == len(infos) == 24
    assert metrics['mIoU'] == metrics['IoU.background'] == 100.0
    assert crf_metrics['mIoU'] < 100.0
    assert (tmp_path / 'rw_crf_metrics_per_class.md').read_text() == per_class_document(
        crf_metrics, 'Per-class scores (%) of rw_crf_metrics.json')
    assert '| mean | 100.00 | 100.00 | 100.00 |' in (
        tmp_path / 'rw_metrics_per_class.md').read_text()
    label = np.array(Image.open(tmp_path / 'rw' / f'{infos[7]["img_id"]}.png'))
    np.testing.assert_array_equal(label, gt[infos[7]['img_id']])
    assert Image.open(tmp_path / 'rw' / f'{infos[7]["img_id"]}.png').mode == 'P'
    picture = Image.open(tmp_path / 'affinity' / f'{infos[7]["img_id"]}.jpg')
    assert picture.size == (2 * label.shape[1], label.shape[0])
    assert len(list((tmp_path / 'overlays').iterdir())) == 19


def test_deferred_labels_are_written_once_done(tmp_path: Path, demo_root: Path) -> None:
    """A field holding a Future (the CRF pool's labels) is written when it is done."""
    runner = _runner(tmp_path, demo_root)
    hook = SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='rw', pred_crf_sem_seg='rw_crf'),
                               metrics_files=dict(pred_crf_sem_seg='rw_crf_metrics.json'))
    hook.before_test(runner)
    futures = []
    for batch_idx, batch in enumerate(runner.test_loop.dataloader):
        outputs = []
        for info in batch:
            label = read_label_png(info['seg_map_path'])
            sample = _sample(info, label)
            future = Future()
            if batch_idx % 2 == 0:
                future.set_result(label)
            sample.set_field(future, 'pred_crf_sem_seg', field_type='data')
            futures.append((future, label))
            outputs.append(sample)
        hook.after_test_iter(runner, batch_idx, batch, outputs)
        written = len(list((tmp_path / 'rw_crf').glob('*.png')))
        assert written == sum(future.done() for future, _ in futures)
    for future, label in futures:
        if not future.done():
            future.set_result(label)
    hook.after_test_epoch(runner, metrics={})
    metrics = json.loads((tmp_path / 'rw_crf_metrics.json').read_text())
    assert metrics['num_images'] == 24 and metrics['mIoU'] == 100.0
    assert not (tmp_path / 'rw_metrics.json').exists()


def test_metrics_files_name_label_fields() -> None:
    with pytest.raises(ValueError, match=r"fields \['pred_crf_sem_seg'\] are not in label_dirs"):
        SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='rw'),
                            metrics_files=dict(pred_crf_sem_seg='rw_crf_metrics.json'))


def test_nothing_to_skip_keeps_the_loader(tmp_path: Path, demo_root: Path) -> None:
    runner = _runner(tmp_path, demo_root)
    loader = runner.test_loop.dataloader
    SavePseudoLabelHook(skip_existing=True).before_test(runner)
    assert runner.test_loop.dataloader is loader


def test_random_walk_hook_runs_the_test_loop() -> None:
    runner = MagicMock()
    RandomWalkHook().after_train(runner)
    runner.test.assert_called_once_with()
