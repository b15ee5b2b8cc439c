"""Tests of the AffinityNet pair loss."""
import math

import pytest
import torch

from mmwsss.ops.pair_loss import pair_affinity_loss


def hand_example(dtype=torch.float64):
    affinity = torch.tensor([[[0.5, 0.25], [1.0, 0.0]],
                             [[0.9, 0.1], [0.2, 0.6]]], dtype=dtype)
    bg_pos = torch.tensor([[[1, 0], [0, 0]], [[0, 0], [0, 0]]], dtype=dtype)
    fg_pos = torch.tensor([[[0, 1], [1, 0]], [[0, 0], [0, 0]]], dtype=dtype)
    neg = torch.tensor([[[0, 0], [0, 1]], [[0, 1], [1, 0]]], dtype=dtype)
    return affinity, bg_pos, fg_pos, neg


def test_hand_computed_values():
    losses = pair_affinity_loss(*hand_example())
    assert set(losses) == {'bg', 'fg', 'neg', 'total'}
    eps = 1e-5
    # Sums over the whole batch (both items), each divided by its count + eps.
    bg = -math.log(0.5 + eps) / (1 + eps)
    fg = (-math.log(0.25 + eps) - math.log(1.0 + eps)) / (2 + eps)
    neg = (-math.log(1 + eps - 0.0) - math.log(1 + eps - 0.1) -
           math.log(1 + eps - 0.2)) / (3 + eps)
    assert losses['bg'].item() == pytest.approx(bg, rel=1e-12)
    assert losses['fg'].item() == pytest.approx(fg, rel=1e-12)
    assert losses['neg'].item() == pytest.approx(neg, rel=1e-12)
    assert losses['total'].item() == pytest.approx(bg / 4 + fg / 4 + neg / 2, rel=1e-12)
    assert losses['bg'].item() == pytest.approx(0.6931202495574471, rel=1e-12)
    assert losses['fg'].item() == pytest.approx(0.6931187153913574, rel=1e-12)
    assert losses['neg'].item() == pytest.approx(0.1094897870509687, rel=1e-12)
    assert losses['total'].item() == pytest.approx(0.40130463476268546, rel=1e-12)


def test_epsilons_keep_extremes_finite():
    affinity = torch.tensor([[[0.0, 1.0]]], dtype=torch.float64, requires_grad=True)
    positive = torch.tensor([[[1.0, 0.0]]], dtype=torch.float64)
    negative = torch.tensor([[[0.0, 1.0]]], dtype=torch.float64)
    losses = pair_affinity_loss(affinity, positive, positive, negative)
    # -log(0 + 1e-5) / (1 + 1e-5) for both positives and -log(1 + 1e-5 - 1) for the negative.
    expected = -math.log(1e-5) / (1 + 1e-5)
    for key in ('bg', 'fg', 'neg'):
        assert losses[key].item() == pytest.approx(expected, rel=1e-9)
    losses['total'].backward()
    assert torch.isfinite(affinity.grad).all()
    # float32 rounds 1 + 1e-5, but stays finite and close.
    losses32 = pair_affinity_loss(affinity.detach().float(), positive.float(),
                                  positive.float(), negative.float())
    assert losses32['neg'].item() == pytest.approx(expected, rel=1e-3)
    # A perfect negative (W = 0) gives -log(1 + 1e-5), slightly below zero.
    zero = torch.zeros(1, 1, 1, dtype=torch.float64)
    perfect = pair_affinity_loss(zero, zero, zero, torch.ones_like(zero))
    assert perfect['neg'].item() == pytest.approx(-math.log(1 + 1e-5) / (1 + 1e-5), rel=1e-9)


def test_empty_masks_give_zero():
    affinity = torch.rand(2, 34, 10, requires_grad=True)
    zeros = torch.zeros(2, 34, 10)
    losses = pair_affinity_loss(affinity, zeros, zeros, zeros)
    for value in losses.values():
        assert value.item() == 0.0
    losses['total'].backward()
    assert torch.equal(affinity.grad, torch.zeros_like(affinity))


def test_rejects_mismatched_shapes():
    affinity = torch.rand(2, 34, 10)
    with pytest.raises(ValueError):
        pair_affinity_loss(affinity, torch.zeros(2, 34, 9), torch.zeros(2, 34, 10),
                           torch.zeros(2, 34, 10))


def _random_batch(batch: int = 4) -> tuple:
    """Affinities and disjoint pair masks (batch, 3, 5) with counts that differ per item."""
    generator = torch.Generator().manual_seed(0)
    affinity = torch.rand(batch, 3, 5, generator=generator, dtype=torch.float64)
    kind = torch.randint(0, 4, (batch, 3, 5), generator=generator)  # 3: unlabelled
    kind[:2][kind[:2] == 1] = 0  # the first half has no fg pairs: counts differ per rank
    return (affinity, ) + tuple((kind == k).double() for k in range(3))


def _ddp_worker(rank: int, world_size: int, port: int, out: str) -> None:
    """One gloo process: the pair loss of its half of :func:`_random_batch`."""
    torch.distributed.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                                         rank=rank, world_size=world_size)
    try:
        affinity, *masks = (t.chunk(world_size)[rank] for t in _random_batch())
        affinity.requires_grad_(True)
        terms = pair_affinity_loss(affinity, *masks, global_batch=True)
        local = pair_affinity_loss(affinity.detach(), *masks)
        terms['total'].backward()
        torch.save({'terms': {k: v.detach() for k, v in terms.items()},
                    'local': local, 'grad': affinity.grad}, f'{out}/rank{rank}.pt')
    finally:
        torch.distributed.destroy_process_group()


def test_global_batch_under_ddp_equals_one_process(tmp_path):
    """2 gloo processes, half the batch each: the mean of their losses and their
    gradients averaged as DDP does equal the one-process loss of the whole batch."""
    from tests.conftest import free_port
    # forked, the processes start with the modules already imported
    torch.multiprocessing.start_processes(_ddp_worker, args=(2, free_port(), str(tmp_path)),
                                          nprocs=2, start_method='fork')
    ranks = [torch.load(tmp_path / f'rank{r}.pt', weights_only=True) for r in range(2)]
    affinity, *masks = _random_batch()
    affinity.requires_grad_(True)
    whole = pair_affinity_loss(affinity, *masks)
    whole['total'].backward()
    for key in ('bg', 'fg', 'neg', 'total'):
        mean = (ranks[0]['terms'][key] + ranks[1]['terms'][key]) / 2
        assert mean.item() == pytest.approx(whole[key].item(), rel=1e-12), key
    # DDP averages the gradients: each rank's share of the batch moves by grad / 2
    ddp_grad = torch.cat([ranks[0]['grad'], ranks[1]['grad']]) / 2
    torch.testing.assert_close(ddp_grad, affinity.grad, rtol=1e-12, atol=0)
    # normalising each half alone (the previous behaviour) is another loss
    local_mean = (ranks[0]['local']['fg'] + ranks[1]['local']['fg']) / 2
    assert local_mean.item() != pytest.approx(whole['fg'].item(), rel=1e-3)
    # without a process group, global_batch changes nothing
    assert pair_affinity_loss(affinity, *masks, global_batch=True)['total'].item() == \
        whole['total'].item()
