"""A mocked runner over the 24 demo train images, for the tests of the writers."""
from pathlib import Path
from typing import List
from unittest.mock import MagicMock

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import DefaultSampler
from mmengine.logging import MessageHub
from mmengine.structures import PixelData
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from torch.utils.data import DataLoader


def demo_runner(work_dir: Path, demo_root: Path, hooks: List) -> MagicMock:
    """A runner whose test loader has the demo train set in batches of 2 (and a
    small config, as the settings its writers' folders are claimed for)."""
    dataset = DATASETS.build(dict(
        type='WSSSDataset', data_root=str(demo_root),
        ann_file='ImageSets/Segmentation/train.txt', img_label_file='image_labels.json',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
        pipeline=[]))
    runner = MagicMock()
    runner.work_dir = str(work_dir)
    runner.cfg = Config(dict(model=dict(type='AffinityNet', test_cfg=dict(beta=8)),
                             load_from='affinitynet.pth'))
    runner.hooks = hooks
    runner.message_hub = MessageHub(f'hooks_{id(runner)}')
    runner.test_loop.dataloader = DataLoader(
        dataset, batch_size=2, sampler=DefaultSampler(dataset, shuffle=False),
        collate_fn=list)
    runner.test_dataloader = runner.test_loop.dataloader
    return runner


def label_sample(info: dict, label: np.ndarray) -> SegDataSample:
    """A random-walk sample: ``label`` as pred_sem_seg, zeros as pred_crf_sem_seg."""
    sample = SegDataSample(metainfo=dict(img_id=info['img_id'], img_path=info['img_path']))
    sample.pred_sem_seg = PixelData(data=torch.from_numpy(label.astype(np.int64))[None])
    sample.pred_crf_sem_seg = PixelData(data=torch.zeros_like(sample.pred_sem_seg.data))
    height, width = label.shape
    sample.pred_affinity = PixelData(data=torch.rand(1, -(-height // 8), -(-width // 8)))
    return sample
