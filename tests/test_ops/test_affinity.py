"""Tests of the pairwise feature affinities."""
import math

import pytest
import torch

from mmwsss.ops.affinity import mean_neighbour_affinity, pairwise_affinity
from mmwsss.ops.pair_indices import pair_indices, radius_offsets


def test_hand_computed_values():
    # Radius 2 on a 2 x 3 map: a single "from" pixel (0, 1) and the offsets
    # (0, 1), (1, -1), (1, 0), (1, 1).
    features = torch.zeros(1, 2, 2, 3)
    features[0, :, 0, 2] = torch.tensor([1.0, 3.0])  # to of offset (0, 1)
    features[0, :, 1, 0] = torch.tensor([-2.0, 2.0])  # to of offset (1, -1)
    affinity = pairwise_affinity(features, radius=2)
    assert affinity.shape == (1, 4, 1)
    # mean |(0, 0) - (1, 3)| = 2 and mean |(0, 0) - (-2, 2)| = 2.
    expected = torch.tensor([math.exp(-2.0), math.exp(-2.0), 1.0, 1.0])
    torch.testing.assert_close(affinity[0, :, 0], expected)


def test_matches_naive_loops():
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(2, 3, 7, 11, generator=generator)
    affinity = pairwise_affinity(features)
    assert affinity.shape == (2, 34, 3 * 3)
    offsets = radius_offsets(5)
    for b in range(2):
        p = 0
        for y in range(0, 7 - 4):
            for x in range(4, 11 - 4):
                for k, (dy, dx) in enumerate(offsets):
                    distance = sum(
                        abs(features[b, c, y, x].item() -
                            features[b, c, y + dy, x + dx].item())
                        for c in range(3)) / 3
                    assert affinity[b, k, p].item() == pytest.approx(
                        math.exp(-distance), rel=1e-5)
                p += 1


def test_matches_gather_with_pair_indices():
    generator = torch.Generator().manual_seed(1)
    features = torch.randn(2, 5, 12, 14, generator=generator)
    index_from, index_to = pair_indices(12, 14)
    flat = features.flatten(2)
    source = flat[:, :, index_from].unsqueeze(2)
    target = flat[:, :, index_to]
    expected = torch.exp(-(source - target).abs().mean(1))
    torch.testing.assert_close(pairwise_affinity(features), expected)


def test_range_gradient_and_dtype():
    features = torch.randn(1, 4, 10, 10, dtype=torch.float64, requires_grad=True)
    affinity = pairwise_affinity(features)
    assert affinity.dtype == torch.float64
    assert (affinity > 0).all() and (affinity <= 1).all()
    affinity.sum().backward()
    assert features.grad is not None and torch.isfinite(features.grad).all()
    constant = pairwise_affinity(torch.ones(1, 4, 10, 10))
    assert torch.equal(constant, torch.ones_like(constant))


def test_too_small_map():
    affinity = pairwise_affinity(torch.randn(2, 3, 4, 20))
    assert affinity.shape == (2, 34, 0)


def test_rejects_wrong_rank():
    with pytest.raises(ValueError):
        pairwise_affinity(torch.randn(3, 10, 10))


def test_mean_neighbour_affinity_matches_loops():
    generator = torch.Generator().manual_seed(3)
    features = torch.randn(2, 3, 7, 10, generator=generator)
    affinity = pairwise_affinity(features)
    means = mean_neighbour_affinity(affinity, 7, 10)
    assert means.shape == (2, 7, 10)
    index_from, index_to = pair_indices(7, 10)
    for b in range(2):
        sums, counts = torch.zeros(70), torch.zeros(70)
        for k in range(index_to.shape[0]):
            for p in range(index_from.shape[0]):
                for node in (index_from[p], index_to[k, p]):
                    sums[node] += affinity[b, k, p]
                    counts[node] += 1
        expected = torch.where(counts > 0, sums / counts.clamp(min=1), torch.tensor(1.0))
        torch.testing.assert_close(means[b].reshape(-1), expected)
    # the first radius - 1 positions of row 0 belong to no pair
    assert (counts.view(7, 10)[0, :4] == 0).all() and (means[:, 0, :4] == 1).all()
    assert mean_neighbour_affinity(affinity[0], 7, 10).shape == (7, 10)
    filled = mean_neighbour_affinity(affinity, 7, 10, fill=0.25)
    unpaired = counts.view(7, 10) == 0
    assert torch.equal(filled, torch.where(unpaired, torch.tensor(0.25), means))
