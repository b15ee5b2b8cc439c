"""Heads' num_classes are checked against the dataset's classes before training."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from mmseg.registry import MODELS

from mmwsss.engine.hooks.num_classes_check_hook import check_num_classes
from mmwsss.synthetic import DEMO_CLASSES
from tests.conftest import REPO_ROOT

CAM = 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'
SEG = 'configs/seg/deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py'


def _model(config: str, **options):
    cfg = Config.fromfile(str(REPO_ROOT / config))
    cfg.merge_from_dict(options)
    return MODELS.build(cfg.model)


def test_cam_head_counts_foreground_classes() -> None:
    assert len(DEMO_CLASSES) == 7
    check_num_classes(_model(CAM), DEMO_CLASSES, 'the demo')
    with pytest.raises(ValueError, match=r'model\.decode_head\.num_classes is 7.*7 classes'
                       r".*foreground classes only.*set model\.decode_head\.num_classes=6"):
        check_num_classes(_model(CAM, **{'model.decode_head.num_classes': 7}), DEMO_CLASSES,
                          'the demo')


def test_seg_heads_count_background() -> None:
    check_num_classes(_model(SEG), DEMO_CLASSES, 'the demo')
    with pytest.raises(ValueError, match=r'model\.auxiliary_head\.num_classes is 21.*'
                       r'background included.*num_classes=7'):
        check_num_classes(_model(SEG, **{'model.auxiliary_head.num_classes': 21}),
                          DEMO_CLASSES, 'the demo')


def test_runner_refuses_before_the_first_iteration(demo_root: Path, tmp_path: Path) -> None:
    cfg = Config.fromfile(str(REPO_ROOT / CAM))
    cfg.merge_from_dict({
        'work_dir': str(tmp_path), 'model.decode_head.num_classes': 21,
        'train_dataloader.dataset.data_root': str(demo_root),
        'train_dataloader.num_workers': 0, 'train_dataloader.persistent_workers': False})
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=r'model\.decode_head\.num_classes is 21, but the '
                       r'train dataset has 7 classes'):
        runner.train()
    assert not list(tmp_path.glob('*.pth'))
