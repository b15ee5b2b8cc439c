"""Tests of the radius pairs and the pair labels."""
import pytest
import torch

from mmwsss.ops.pair_indices import (extract_pair_labels, from_grid_size,
                                     pair_indices, radius_offsets)

OFFSETS_R5 = [
    (0, 1), (0, 2), (0, 3), (0, 4),
    (1, -4), (1, -3), (1, -2), (1, -1), (1, 0), (1, 1), (1, 2), (1, 3), (1, 4),
    (2, -4), (2, -3), (2, -2), (2, -1), (2, 0), (2, 1), (2, 2), (2, 3), (2, 4),
    (3, -3), (3, -2), (3, -1), (3, 0), (3, 1), (3, 2), (3, 3),
    (4, -2), (4, -1), (4, 0), (4, 1), (4, 2),
]


def naive_pairs(height, width, radius):
    """(from, to) flat index pairs by explicit loops over the pixels."""
    margin = radius - 1
    offsets = radius_offsets(radius)
    pairs = [[] for _ in offsets]
    for y in range(0, height - margin):
        for x in range(margin, width - margin):
            for k, (dy, dx) in enumerate(offsets):
                pairs[k].append((y * width + x, (y + dy) * width + x + dx))
    return pairs


def test_radius_offsets():
    assert radius_offsets(5) == OFFSETS_R5
    assert radius_offsets() == OFFSETS_R5
    assert len(OFFSETS_R5) == 34
    assert radius_offsets(2) == [(0, 1), (1, -1), (1, 0), (1, 1)]
    with pytest.raises(ValueError):
        radius_offsets(1)


def test_offsets_cover_half_disc_once():
    """Each offset's negation is absent, and with it the whole disc is covered."""
    offsets = set(OFFSETS_R5)
    mirrored = {(-dy, -dx) for dy, dx in offsets}
    assert not offsets & mirrored
    disc = {(dy, dx) for dy in range(-4, 5) for dx in range(-4, 5)
            if 0 < dy * dy + dx * dx < 25}
    assert offsets | mirrored == disc


def test_pair_indices_56():
    index_from, index_to = pair_indices(56, 56)
    assert from_grid_size(56, 56) == (52, 48)
    assert index_from.shape == (2496, )
    assert index_to.shape == (34, 2496)
    assert index_from.dtype == torch.long
    assert index_from[0].item() == 4
    assert index_from[-1].item() == 51 * 56 + 51
    assert index_to[0, 0].item() == 5  # offset (0, 1)
    assert index_to[-1, -1].item() == 55 * 56 + 53  # offset (4, 2)
    y_from, x_from = index_from // 56, index_from % 56
    y_to, x_to = index_to // 56, index_to % 56
    for k, (dy, dx) in enumerate(OFFSETS_R5):
        assert torch.equal(y_to[k] - y_from, torch.full_like(y_from, dy))
        assert torch.equal(x_to[k] - x_from, torch.full_like(x_from, dx))


def test_pair_indices_hand_example():
    index_from, index_to = pair_indices(3, 4, radius=2)
    assert index_from.tolist() == [1, 2, 5, 6]
    assert index_to.tolist() == [
        [2, 3, 6, 7],  # (0, 1)
        [4, 5, 8, 9],  # (1, -1)
        [5, 6, 9, 10],  # (1, 0)
        [6, 7, 10, 11],  # (1, 1)
    ]


@pytest.mark.parametrize('size,radius', [((7, 11), 5), ((6, 9), 3), ((12, 13), 5)])
def test_pair_indices_match_naive_loops(size, radius):
    index_from, index_to = pair_indices(*size, radius)
    pairs = naive_pairs(*size, radius)
    got = [list(zip(index_from.tolist(), row)) for row in index_to.tolist()]
    assert got == pairs


def test_no_duplicate_pairs():
    """Each unordered pair of distinct pixels appears at most once."""
    index_from, index_to = pair_indices(12, 13)
    source = index_from.expand_as(index_to).reshape(-1)
    target = index_to.reshape(-1)
    assert (source != target).all()
    unordered = torch.stack([torch.minimum(source, target),
                             torch.maximum(source, target)], 1)
    assert torch.unique(unordered, dim=0).shape[0] == target.numel()


@pytest.mark.parametrize('size', [(4, 20), (20, 8), (0, 0), (3, 3)])
def test_pair_indices_too_small(size):
    index_from, index_to = pair_indices(*size)
    assert index_from.shape == (0, )
    assert index_to.shape == (34, 0)
    bg_pos, fg_pos, neg = extract_pair_labels(torch.zeros(2, *size, dtype=torch.long))
    assert bg_pos.shape == fg_pos.shape == neg.shape == (2, 34, 0)


def test_pair_indices_device():
    index_from, index_to = pair_indices(9, 9, device='cpu')
    assert index_from.device.type == index_to.device.type == 'cpu'


def test_extract_pair_labels_hand_example():
    label = torch.tensor([[[0, 0, 1, 1],
                           [0, 255, 1, 2],
                           [0, 255, 2, 2]]])
    bg_pos, fg_pos, neg = extract_pair_labels(label, radius=2)
    # from labels [0, 1, 255, 1]; rows are offsets (0,1), (1,-1), (1,0), (1,1).
    assert bg_pos.dtype == torch.float32
    assert bg_pos[0].tolist() == [[0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert fg_pos[0].tolist() == [[0, 1, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    assert neg[0].tolist() == [[1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1], [1, 1, 0, 1]]


def test_extract_pair_labels_match_naive_loops():
    generator = torch.Generator().manual_seed(0)
    label = torch.randint(0, 4, (2, 9, 12), generator=generator)
    label[torch.rand(label.shape, generator=generator) < 0.2] = 255
    bg_pos, fg_pos, neg = extract_pair_labels(label)
    flat = label.reshape(2, -1).tolist()
    for k, pairs in enumerate(naive_pairs(9, 12, 5)):
        for p, (i, j) in enumerate(pairs):
            for b in range(2):
                a, c = flat[b][i], flat[b][j]
                valid = a < 255 and c < 255
                assert bg_pos[b, k, p] == float(a == c == 0)
                assert fg_pos[b, k, p] == float(a == c and a != 0 and valid)
                assert neg[b, k, p] == float(a != c and valid)
    # The three masks are disjoint.
    assert ((bg_pos + fg_pos + neg) <= 1).all()


def test_extract_pair_labels_rejects_unbatched():
    with pytest.raises(ValueError):
        extract_pair_labels(torch.zeros(9, 12, dtype=torch.long))
