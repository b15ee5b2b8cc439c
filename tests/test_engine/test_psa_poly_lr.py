"""PSAPolyLR: the official poly lr over exactly ``end - begin`` steps."""
import pytest
import torch
from mmengine.optim import PolyLR

from mmwsss.engine.schedulers import PSAPolyLR


def _lrs(scheduler_type, steps: int) -> list:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = scheduler_type(optimizer, power=0.9, eta_min=0, begin=0, end=steps,
                               by_epoch=False)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        scheduler.step()
    return lrs


def test_lr_of_every_step_is_the_official_one() -> None:
    official = [0.1 * (1 - step / 4) ** 0.9 for step in range(4)]
    assert _lrs(PSAPolyLR, 4) == pytest.approx(official, rel=1e-12)
    # mmengine's PolyLR reaches 0 at the last step: (1 - step / 3) ** 0.9
    assert _lrs(PolyLR, 4) == pytest.approx(
        [0.1 * (1 - step / 3) ** 0.9 for step in range(4)], rel=1e-12, abs=1e-15)


def test_epoch_based_config_converts_to_iterations() -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    scheduler = PSAPolyLR.build_iter_from_epoch(optimizer, power=0.9, begin=0, end=15,
                                                epoch_length=661)
    assert (scheduler.begin, scheduler.end, scheduler.total_iters) == (0, 9915, 9915)
