"""``import mmwsss`` registers every component in MMSeg's registries."""
import pytest
from mmseg.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS

import mmwsss  # noqa: F401

EXPECTED = {
    DATASETS: ['WSSSDataset'],
    TRANSFORMS: ['LoadSaliencyMap', 'PackWSSSInputs'],
    MODELS: [],
    HOOKS: [],
    METRICS: [],
}


@pytest.mark.parametrize('registry,name', [(registry, name)
                                           for registry, names in EXPECTED.items()
                                           for name in names])
def test_registered(registry, name: str) -> None:
    assert registry.get(name) is not None, f'{name} not in {registry.name}'
    assert registry.get(name).__module__.startswith('mmwsss.')
