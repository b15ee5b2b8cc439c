"""The command-line tools refuse numeric options out of range, naming the option and range."""
import importlib.util
import sys
from types import ModuleType
from typing import List

import pytest

from tests.conftest import REPO_ROOT


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _refused(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, tool: str,
             argv: List[str]) -> str:
    """Parse ``argv`` with the tool's parser; return argparse's error message."""
    module = _tool(tool)
    monkeypatch.setattr(sys, 'argv', [tool] + argv)
    with pytest.raises(SystemExit) as exit_info:
        module.parse_args(argv) if tool == 'sweep_random_walk' else module.parse_args()
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize('value', ['1.5', '-1', 'nan', '0', '1'])
def test_eval_pseudo_labels_thresholds(capsys, monkeypatch, value: str) -> None:
    err = _refused(capsys, monkeypatch, 'eval_pseudo_labels',
                   ['cams', 'x', '--data-root', 'd', '--thresholds', '0.3', value])
    assert f"argument --thresholds: '{value}' is not a number in (0, 1)" in err


@pytest.mark.parametrize('option, value, accepted', [
    ('--betas', '0', 'a number in (0, inf)'), ('--betas', '-1', 'a number in (0, inf)'),
    ('--alphas', '-1', 'a number in (0, inf)'), ('--alphas', '0', 'a number in (0, inf)'),
    ('--bg-scores', '1.5', 'a number in (0, 1)'), ('--iters', '-8', 'an integer in [0, inf)'),
    ('--iters', '2.5', 'an integer in [0, inf)'), ('--workers', '0', 'an integer in [1, inf)'),
    ('--crf-top', '-2', 'an integer in [-1, inf)'),
])
def test_sweep_random_walk_grid(capsys, monkeypatch, option: str, value: str,
                                accepted: str) -> None:
    err = _refused(capsys, monkeypatch, 'sweep_random_walk',
                   ['dir', '--data-root', 'd', option, value])
    assert f"argument {option}: '{value}' is not {accepted}" in err


def test_sweep_random_walk_accepts_its_documented_grid() -> None:
    args = _tool('sweep_random_walk').parse_args(
        ['dir', '--data-root', 'd', '--alphas', '--bg-scores', '0.5', '0.6', '--betas', '8',
         '--iters', '0', '16', '--crf-top', '-1'])
    assert (args.alphas, args.bg_scores, args.betas, args.iters) == ([], [0.5, 0.6], [8.0],
                                                                     [0, 16])


@pytest.mark.parametrize('tool, argv, message', [
    ('make_affinity_labels', ['c.py', '--workers', '0'], "'0' is not an integer in [1, inf)"),
    ('check_dataset', ['c.py', '--workers', '-1'], "'-1' is not an integer in [1, inf)"),
    ('check_dataset', ['c.py', '--max-listed', '-1'], "'-1' is not an integer in [0, inf)"),
])
def test_worker_counts(capsys, monkeypatch, tool: str, argv: List[str], message: str) -> None:
    assert message in _refused(capsys, monkeypatch, tool, argv)
