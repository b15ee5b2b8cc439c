"""``import mmwsss`` registers every component in MMSeg's registries."""
import ast
from typing import List, Tuple

import pytest
from mmseg.registry import (DATASETS, HOOKS, METRICS, MODELS, PARAM_SCHEDULERS,
                            TRANSFORMS)

import mmwsss  # noqa: F401
from tests.conftest import REPO_ROOT

REGISTRIES = dict(DATASETS=DATASETS, HOOKS=HOOKS, METRICS=METRICS, MODELS=MODELS,
                  PARAM_SCHEDULERS=PARAM_SCHEDULERS, TRANSFORMS=TRANSFORMS)


def _decorated_classes() -> List[Tuple[str, str, str]]:
    """``(registry, class, module)`` of every ``@REGISTRY.register_module()`` class
    in the package source."""
    found = []
    for path in sorted((REPO_ROOT / 'mmwsss').rglob('*.py')):
        module = '.'.join(path.relative_to(REPO_ROOT).with_suffix('').parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call)
                        and isinstance(decorator.func, ast.Attribute)
                        and decorator.func.attr == 'register_module'):
                    found.append((decorator.func.value.id, node.name, module))
    return found


COMPONENTS = _decorated_classes()


def test_every_kind_of_component_is_found() -> None:
    names = {name for _, name, _ in COMPONENTS}
    assert {'WSSSDataset', 'PackWSSSInputs', 'LoadSaliencyMap', 'CAMClassifier',
            'AffinityNet', 'CRFSegTTAModel', 'AffinityHead', 'PairAffinityLoss',
            'WideResNet38', 'SaveCAMHook', 'PseudoLabelMetric', 'PSAPolyLR'} <= names
    assert {registry for registry, _, _ in COMPONENTS} == set(REGISTRIES)


@pytest.mark.parametrize('registry,name,module', COMPONENTS,
                         ids=[name for _, name, _ in COMPONENTS])
def test_registered(registry: str, name: str, module: str) -> None:
    component = REGISTRIES[registry].get(name)
    assert component is not None, f'{name} not in {registry}'
    assert component.__module__ == module
