"""Every config under configs/ loads and builds; every pipeline's stages resolve."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS, HOOKS, METRICS, MODELS, PARAM_SCHEDULERS, TRANSFORMS

import mmwsss  # noqa: F401
from mmwsss.apis.pipeline import is_pipeline_config, parse_stages
from tests.conftest import REPO_ROOT

CONFIGS = sorted(p for p in (REPO_ROOT / 'configs').rglob('*.py')
                 if '_base_' not in p.parts)


def test_configs_found() -> None:
    assert len(CONFIGS) > 0


def _pipelines(cfg: Config):
    """Yield every data pipeline in the config's dataloaders."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader:
            dataset = loader['dataset']
            assert DATASETS.get(dataset['type']) is not None, dataset['type']
            yield dataset.get('pipeline', [])


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_config_builds(path: Path) -> None:
    cfg = Config.fromfile(str(path))
    if is_pipeline_config(cfg):
        stages = parse_stages(cfg)
        assert stages and all(Path(stage.config) in CONFIGS for stage in stages)
        return
    assert cfg.get('custom_imports', {}).get('imports') == ['mmwsss']
    # checkpoints are written atomically (a killed save leaves no cut file)
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    if 'model' in cfg:
        model = MODELS.build(cfg.model)
        assert sum(p.numel() for p in model.parameters()) > 0
    for pipeline in _pipelines(cfg):
        for transform in pipeline:
            assert TRANSFORMS.get(transform['type']) is not None, transform['type']
    hooks = list(cfg.get('custom_hooks', [])) + list(cfg.get('default_hooks', {}).values())
    assert cfg.get('default_hooks')
    for hook in filter(None, hooks):  # a default hook set to None is switched off
        assert HOOKS.get(hook['type']) is not None, hook['type']
    for key in ('val_evaluator', 'test_evaluator'):
        evaluators = cfg.get(key) or []
        for evaluator in [evaluators] if isinstance(evaluators, dict) else evaluators:
            assert METRICS.get(evaluator['type']) is not None, evaluator['type']
    schedulers = cfg.get('param_scheduler') or []
    for scheduler in [schedulers] if isinstance(schedulers, dict) else schedulers:
        assert PARAM_SCHEDULERS.get(scheduler['type']) is not None, scheduler['type']


def test_demo_walk_choice_grid_is_the_families_benchmark_grid() -> None:
    """The demo AffinityNet config's choice without ground truth (off by default) uses
    the grid benchmarks/benchmark_families.py sweeps, so the benchmark's "chosen
    without GT" row is what choose_walk_setting=True walks with."""
    from benchmarks.benchmark_families import GRID
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/psa/'
                              'affinitynet_wideresnet38-w0.125_1xb8-8e_demo-112x112.py'))
    assert cfg.choose_walk_setting is False
    hook, = [hook for hook in cfg.custom_hooks if hook['type'] == 'ChooseWalkSettingHook']
    assert not hook.get('per_class', False)

    def values(flag: str) -> list:
        start = GRID.index(flag) + 1
        end = next((i for i in range(start, len(GRID)) if GRID[i].startswith('--')), len(GRID))
        return [float(value) for value in GRID[start:end]]

    assert values('--alphas') == []
    assert [float(v) for v in hook['bg_scores']] == values('--bg-scores')
    assert [float(v) for v in hook['betas']] == values('--betas')
    assert [float(v) for v in hook['iters']] == values('--iters')
