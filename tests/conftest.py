"""Shared fixtures: a small demo dataset generated once per test session."""
from pathlib import Path

import pytest
from mmseg.utils import register_all_modules

import mmwsss  # noqa: F401  (registers mmwsss's components)
from mmwsss.datasets import DemoDatasetConfig, generate_demo_dataset

REPO_ROOT = Path(__file__).resolve().parents[1]

# Build components as a Runner would: in MMSeg's scope, with its modules registered.
register_all_modules(init_default_scope=True)


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 24 + 8 image demo dataset (seed 0)."""
    root = tmp_path_factory.mktemp('demo')
    generate_demo_dataset(str(root), seed=0,
                          config=DemoDatasetConfig(num_train=24, num_val=8))
    return root
