"""Tests of RunTestAfterTrainHook."""
from unittest.mock import MagicMock

from mmwsss.engine import RunTestAfterTrainHook


def test_runs_the_test_loop_after_training() -> None:
    runner = MagicMock()
    RunTestAfterTrainHook().after_train(runner)
    runner.test.assert_called_once_with()
