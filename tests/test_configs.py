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
