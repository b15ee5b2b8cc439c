"""Every tool that loads a checkpoint accepts the --trust-checkpoint its refusal names."""
import importlib.util
import sys

import pytest

from mmwsss.utils.checkpoint import TRUSTING_TOOLS
from tests.conftest import REPO_ROOT

LOADS_CHECKPOINTS = ('load_from', 'load_local_checkpoint', 'load_checkpoint', 'Runner')
"""What a tool's source mentions when it loads a checkpoint."""


def _help(tool: str, monkeypatch: pytest.MonkeyPatch, capsys) -> str:
    """The ``--help`` text of a tool, from its own ``main`` in this process."""
    spec = importlib.util.spec_from_file_location(f'tool_{tool[6:-3]}', REPO_ROOT / tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, 'argv', [tool, '--help'])
    with pytest.raises(SystemExit):
        module.main()
    return capsys.readouterr().out


def test_the_tools_named_in_the_refusal_are_those_that_load_checkpoints() -> None:
    loading = sorted(f'tools/{path.name}' for path in (REPO_ROOT / 'tools').glob('*.py')
                     if any(word in path.read_text() for word in LOADS_CHECKPOINTS))
    assert loading == sorted(TRUSTING_TOOLS)


@pytest.mark.parametrize('tool', TRUSTING_TOOLS)
def test_tool_accepts_trust_checkpoint(tool: str, monkeypatch: pytest.MonkeyPatch,
                                       capsys) -> None:
    assert '--trust-checkpoint FILE' in _help(tool, monkeypatch, capsys)
