"""apply_test_time_options: --tta / --crf rewrite the test loop of a config."""
import pytest
from mmengine.config import Config

from mmwsss.utils import apply_test_time_options, load_config, variant_suffix
from mmwsss.utils.test_time_options import check_seg_test_cfg
from tests.conftest import REPO_ROOT

CONFIG = str(REPO_ROOT / 'configs/seg'
             / 'deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py')


def _metrics_file(cfg: Config) -> str:
    (hook, ) = [h for h in cfg.custom_hooks if h.type == 'SaveMetricsHook']
    return hook.filename


def _predictions_folder(cfg: Config) -> str:
    (hook, ) = [h for h in cfg.custom_hooks if h.type == 'SavePseudoLabelHook']
    assert hook.resumable is False  # every test run writes every image
    return hook.label_dirs['pred_sem_seg']


def test_nothing_changes_without_options() -> None:
    cfg = Config.fromfile(CONFIG)
    apply_test_time_options(cfg)
    assert cfg.model.type == 'EncoderDecoder'
    assert _metrics_file(cfg) == 'seg_metrics.json'
    assert _predictions_folder(cfg) == 'seg_predictions'


@pytest.mark.parametrize('tta, crf, wrapper', [(True, False, 'SegTTAModel'),
                                               (False, True, 'CRFSegTTAModel'),
                                               (True, True, 'CRFSegTTAModel')])
def test_wrappers_pipelines_and_metric_files(tta: bool, crf: bool, wrapper: str) -> None:
    cfg = Config.fromfile(CONFIG)
    cfg.crf_cfg = dict(num_iters=3)
    plain_pipeline = cfg.test_dataloader.dataset.pipeline
    apply_test_time_options(cfg, tta=tta, crf=crf)
    assert cfg.model.type == wrapper
    assert cfg.model.module.type == 'EncoderDecoder'
    assert cfg.test_dataloader.dataset.pipeline == (cfg.tta_pipeline if tta else plain_pipeline)
    if crf:
        assert cfg.model.crf_cfg == dict(num_iters=3)
    assert _metrics_file(cfg) == f'seg_metrics{variant_suffix(tta, crf)}.json'
    assert _predictions_folder(cfg) == f'seg_predictions{variant_suffix(tta, crf)}'
    assert variant_suffix(tta, crf) == {(True, False): '_tta', (False, True): '_crf',
                                        (True, True): '_tta_crf'}[(tta, crf)]


def test_tta_needs_a_tta_pipeline() -> None:
    cfg = Config.fromfile(CONFIG)
    cfg.tta_pipeline = None
    with pytest.raises(KeyError, match='tta_pipeline'):
        apply_test_time_options(cfg, tta=True)


@pytest.mark.parametrize('options, error, message', [
    ({'model.test_cfg.foo': 1}, KeyError, r"EncoderDecoder test_cfg: unknown keys \['foo'\]"),
    ({'model.test_cfg.mode': 'sliding'}, ValueError, "mode must be one of 'whole', 'slide'"),
    ({'model.test_cfg.mode': 'slide', 'model.test_cfg.crop_size': [112, 112],
      'model.test_cfg.stride': [0, 0]}, ValueError, r'stride must be 2 items, each an integer'),
    ({'model.test_cfg.mode': 'slide'}, KeyError, r"mode 'slide' needs \['crop_size', 'stride'\]"),
])
def test_load_config_refuses_bad_segmentation_test_cfg(options: dict, error: type,
                                                      message: str) -> None:
    with pytest.raises(error, match=message):
        load_config(CONFIG, options)


def test_segmentation_test_cfg_checked_inside_test_time_wrappers() -> None:
    model = Config.fromfile(CONFIG).model
    cfg = load_config(CONFIG, {'model.test_cfg.mode': 'slide',
                               'model.test_cfg.crop_size': [112, 112],
                               'model.test_cfg.stride': [64, 64]})
    assert cfg.model.test_cfg.stride == [64, 64]
    model.test_cfg = dict(mode='whole', strides=(8, 8))
    with pytest.raises(KeyError, match=r"unknown keys \['strides'\]"):
        check_seg_test_cfg(dict(type='CRFSegTTAModel', module=model))
    check_seg_test_cfg(dict(type='AffinityNet', test_cfg=dict(beta=8)))
    check_seg_test_cfg(dict(type='CascadeEncoderDecoder', test_cfg=dict(
        mode='whole', subdivision_steps=2, subdivision_num_points=8196, scale_factor=2)))
