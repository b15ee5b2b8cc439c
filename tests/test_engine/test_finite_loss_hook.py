"""FiniteLossHook stops at a NaN loss naming the iteration and the batch's images."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmseg.structures import SegDataSample

from mmwsss.engine.hooks import FiniteLossHook
from mmwsss.utils import NonFiniteError
from tests.conftest import REPO_ROOT


def _batch() -> dict:
    samples = [SegDataSample(metainfo=dict(img_id='2007_000032')),
               SegDataSample(metainfo=dict(img_path='/data/JPEGImages/2007_000039.jpg'))]
    return dict(inputs=[], data_samples=samples)


def test_nan_loss_names_iteration_and_images() -> None:
    hook, runner = FiniteLossHook(), SimpleNamespace(iter=41, epoch=2)
    finite = dict(loss=torch.tensor(0.5), loss_cls=torch.tensor(0.5), acc=torch.tensor(1.0))
    hook.after_train_iter(runner, 3, _batch(), finite)
    broken = dict(finite, loss=torch.tensor(float('nan')), loss_cls=torch.tensor(float('inf')))
    with pytest.raises(NonFiniteError, match=r"non-finite training loss at iteration 42 "
                       r"\(epoch 3, batch 4\): loss=nan, loss_cls=inf; images of the batch: "
                       r"\['2007_000032', '2007_000039'\]"):
        hook.after_train_iter(runner, 3, _batch(), broken)
    hook.after_train_iter(runner, 3, _batch(), dict(finite, acc=torch.tensor(float('nan'))))


def test_every_runtime_enables_the_hook() -> None:
    for name in ('default_runtime.py', 'seg_runtime.py'):
        hooks = Config.fromfile(str(REPO_ROOT / 'configs/_base_' / name)).default_hooks
        assert hooks.finite_loss.type == 'FiniteLossHook'
        assert hooks.random_state.type == 'RandomStateHook'
