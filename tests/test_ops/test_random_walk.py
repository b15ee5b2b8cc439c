"""Tests of the sparse random walk against the dense official formulation."""
import pytest
import torch

from mmwsss.ops.affinity import pairwise_affinity
from mmwsss.ops.pair_indices import pair_indices
from mmwsss.ops.random_walk import (affinity_graph, affinity_matrix_dense, channel_argmax,
                                    channel_chunks, constant_background, propagate, random_walk,
                                    random_walk_dense, random_walk_input,
                                    random_walk_scores_to_image, random_walk_to_label,
                                    random_walk_transition)

SIZES = [(7, 9), (12, 12), (5, 17)]


def make_inputs(height, width, channels=4, seed=0, dtype=torch.float32):
    """Random scores in [0, 1] and affinities of random features."""
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(1, 8, height, width, generator=generator, dtype=dtype)
    affinity = pairwise_affinity(features)[0]
    cams = torch.rand(channels, height, width, generator=generator, dtype=dtype)
    return cams, affinity


def make_segmented_inputs(height, width, channels=21, seed=0, num_segments=6):
    """Scores in [0, 1] and affinities like AffinityNet's: features constant per
    region (random Voronoi cells) plus a little noise, so affinities are close
    to 1 inside a region and close to 0 across its boundary."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.rand(num_segments, 2, generator=generator) * torch.tensor([height, width])
    rows, cols = torch.meshgrid(torch.arange(height), torch.arange(width), indexing='ij')
    positions = torch.stack([rows, cols], dim=-1).float().view(-1, 1, 2)
    segments = (positions - centres).pow(2).sum(-1).argmin(-1).view(height, width)
    embedding = 2 * torch.randn(num_segments, 16, generator=generator)
    features = embedding[segments].permute(2, 0, 1)[None]
    features = features + 0.05 * torch.randn(features.shape, generator=generator)
    affinity = pairwise_affinity(features)[0]
    cams = torch.rand(channels, height, width, generator=generator)
    return cams, affinity


def degrees(affinity, height, width, beta):
    """Column sums of A = W ** beta, shape (h * w,)."""
    indices, values = affinity_graph(affinity, height, width)
    return values.new_zeros(height * width).index_add_(0, indices[1], values.pow(beta))


# Rounding error of a float32 walk on scores in [0, 1]: every step is a convex
# average (T's columns sum to 1), so it cannot amplify earlier errors; it only
# adds a few units in the last place (ulp(1) = 2**-23). The error therefore
# grows at most linearly with t, and steadily where each step rounds the same
# way (nearly diagonal T, as with these random features). We allow 4 ulps of
# 1.0 per step: 1.2e-4 after t = 256. Measured over 40 seeds and 5 map sizes:
# up to 7.7e-5 off the float64 walk (sparse or dense, t = 256), 7.1e-5 between
# the float32 sparse and dense walks, 6.1e-5 drift of a constant map.


def float32_atol(num_iters):
    """Absolute tolerance of a float32 walk of ``num_iters`` steps."""
    return 1e-6 + 2**-21 * num_iters


FLOAT32_ATOL = float32_atol(256)


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('num_iters', [1, 2, 256])
def test_sparse_matches_dense_float32(size, num_iters):
    cams, affinity = make_inputs(*size)
    sparse = random_walk(cams, affinity, beta=8.0, num_iters=num_iters)
    dense = random_walk_dense(cams, affinity, beta=8.0, num_iters=num_iters)
    assert sparse.shape == dense.shape == cams.shape
    assert sparse.dtype == dense.dtype == torch.float32
    torch.testing.assert_close(sparse, dense, rtol=0, atol=float32_atol(num_iters))


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('num_iters', [1, 2, 256])
def test_sparse_matches_dense_float64(size, num_iters):
    cams, affinity = make_inputs(*size, dtype=torch.float64)
    dense = random_walk_dense(cams, affinity, num_iters=num_iters)
    assert dense.dtype == torch.float64
    torch.testing.assert_close(random_walk(cams, affinity, num_iters=num_iters), dense,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize('size', SIZES)
def test_float32_close_to_float64(size):
    cams, affinity = make_inputs(*size, dtype=torch.float64)
    exact = random_walk(cams, affinity)
    sparse32 = random_walk(cams.float(), affinity.float())
    assert sparse32.dtype == torch.float32
    torch.testing.assert_close(sparse32.double(), exact, rtol=0, atol=FLOAT32_ATOL)
    dense32 = random_walk_dense(cams.float(), affinity.float())
    torch.testing.assert_close(dense32.double(), exact, rtol=0, atol=FLOAT32_ATOL)


def test_uniform_random_affinities():
    """Affinities spread over [0, 1] (most edges vanish after ** 8)."""
    generator = torch.Generator().manual_seed(3)
    cams = torch.rand(21, 12, 12, generator=generator)
    affinity = torch.rand(34, 8 * 4, generator=generator)
    torch.testing.assert_close(random_walk(cams, affinity),
                               random_walk_dense(cams, affinity), rtol=0, atol=FLOAT32_ATOL)


@pytest.mark.parametrize('num_threads', [1, 2])
def test_segmented_affinities_match_dense_on_any_thread_count(num_threads):
    """AffinityNet-like affinities, 21 channels, t = 256, 1 and 2 torch threads.

    float64: the scores of both walks agree to 1e-12. float32: identical
    labels; the scores agree within the float32 bound (both float32 walks are
    2-3e-5 off the float64 walk here, the dense one as much as the sparse one).
    Every thread count gives the same bits and keeps the torch thread count.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        cams, affinity = make_segmented_inputs(20, 30)
        assert 0.2 < (affinity > 0.5).float().mean() < 0.95
        exact = random_walk_dense(cams.double(), affinity.double())
        torch.testing.assert_close(random_walk(cams.double(), affinity.double()), exact,
                                   rtol=0, atol=1e-12)
        sparse = random_walk(cams, affinity)
        dense = random_walk_dense(cams, affinity)
        assert torch.equal(sparse.argmax(0), dense.argmax(0))
        assert torch.equal(sparse.argmax(0), exact.argmax(0))
        torch.testing.assert_close(sparse, dense, rtol=0, atol=FLOAT32_ATOL)
        torch.testing.assert_close(sparse.double(), exact, rtol=0, atol=FLOAT32_ATOL)
        assert torch.get_num_threads() == num_threads
        torch.set_num_threads(1)
        assert torch.equal(random_walk(cams, affinity), sparse)
    finally:
        torch.set_num_threads(previous)


def test_channel_chunks_and_propagate():
    assert channel_chunks(1) == (1, 4)
    assert channel_chunks(7) == (1, 8)
    assert channel_chunks(16) == (1, 16)
    assert channel_chunks(21) == (2, 12)
    assert channel_chunks(40) == (3, 16)
    cams, affinity = make_segmented_inputs(12, 14, channels=21, seed=4)
    transition_t = random_walk_transition(affinity, 12, 14, beta=8.0)
    assert transition_t.layout == torch.sparse_csr
    assert transition_t.crow_indices().dtype == torch.int32
    scores = cams.permute(1, 2, 0).reshape(12 * 14, 21)
    walked = propagate(transition_t, scores, 10)
    expected = scores
    for _ in range(10):
        expected = transition_t.to_dense() @ expected
    torch.testing.assert_close(walked, expected, rtol=0, atol=float32_atol(10))
    # Steps compose; the input is not modified; any worker count, same bits.
    assert torch.equal(propagate(transition_t, propagate(transition_t, scores, 4), 6),
                       walked)
    assert torch.equal(scores, cams.permute(1, 2, 0).reshape(12 * 14, 21))
    for num_threads in (1, 2, 3):
        assert torch.equal(propagate(transition_t, scores, 10, num_threads), walked)
    assert torch.equal(propagate(transition_t, scores, 0), scores)


def test_affinity_matrix_is_symmetric_with_unit_diagonal():
    _, affinity = make_inputs(7, 9)
    matrix = affinity_matrix_dense(affinity, 7, 9)
    assert matrix.shape == (63, 63)
    assert torch.equal(matrix, matrix.t())
    assert torch.equal(matrix.diagonal(), torch.ones(63))
    index_from, index_to = pair_indices(7, 9)
    assert torch.equal(matrix[index_from, index_to], affinity)
    # 2 K P pair entries plus the diagonal, nothing else.
    assert torch.count_nonzero(matrix).item() == 2 * affinity.numel() + 63


def test_affinity_graph_of_a_batch_is_block_diagonal():
    _, affinity_a = make_inputs(7, 10, seed=1)
    _, affinity_b = make_inputs(7, 10, seed=2)
    indices, values = affinity_graph(torch.stack([affinity_a, affinity_b]), 7, 10)
    assert indices.shape == (2, 2 * (2 * 34 * 6 + 70))
    matrix = torch.sparse_coo_tensor(indices, values, (140, 140),
                                     check_invariants=True).to_dense()
    expected = torch.block_diag(affinity_matrix_dense(affinity_a, 7, 10),
                                affinity_matrix_dense(affinity_b, 7, 10))
    assert torch.equal(matrix, expected)


def test_channel_argmax_takes_the_first_maximum():
    scores = torch.tensor([[[0.5, 0.2, 0.3, 0.1]], [[0.5, 0.7, 0.3, 0.1]],
                           [[0.1, 0.7, 0.3, 0.4]]])
    assert channel_argmax(scores).tolist() == [[0, 1, 0, 2]]
    random = torch.rand(2, 5, 3, 4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(channel_argmax(random), random.argmax(dim=1))


def test_affinity_graph_has_no_duplicates():
    _, affinity = make_inputs(12, 12)
    indices, values = affinity_graph(affinity, 12, 12)
    assert indices.shape == (2, 2 * 34 * 32 + 144)
    assert values.shape == (2 * 34 * 32 + 144, )
    coalesced = torch.sparse_coo_tensor(
        indices, values, (144, 144), check_invariants=True).coalesce()
    assert coalesced.indices().shape[1] == indices.shape[1]
    torch.testing.assert_close(coalesced.to_dense(), affinity_matrix_dense(affinity, 12, 12))


def test_transition_columns_sum_to_one():
    _, affinity = make_inputs(12, 12, dtype=torch.float64)
    matrix = affinity_matrix_dense(affinity, 12, 12).pow(8.0)
    transition = matrix / matrix.sum(0, keepdim=True)
    torch.testing.assert_close(transition.sum(0), torch.ones(144, dtype=torch.float64))
    # The sparse walk applies exactly this matrix: one step from the unit vectors.
    identity = torch.eye(144, dtype=torch.float64).view(144, 12, 12)
    torch.testing.assert_close(random_walk(identity, affinity, num_iters=1).view(144, 144),
                               transition)


def test_constant_map_stays_constant():
    _, affinity = make_inputs(12, 12, dtype=torch.float64)
    cams = torch.full((3, 12, 12), 0.7, dtype=torch.float64)
    torch.testing.assert_close(random_walk(cams, affinity), cams, rtol=0, atol=1e-12)
    torch.testing.assert_close(random_walk(cams.float(), affinity.float()), cams.float(),
                               rtol=0, atol=FLOAT32_ATOL)


def test_scores_stay_within_input_range():
    cams, affinity = make_inputs(7, 9)
    result = random_walk(cams, affinity, num_iters=3)
    low = cams.flatten(1).min(1).values.view(-1, 1, 1)
    high = cams.flatten(1).max(1).values.view(-1, 1, 1)
    assert (result >= low - 1e-6).all() and (result <= high + 1e-6).all()


def test_degree_weighted_sum_is_preserved():
    """v @ T with T = A D^-1 and A symmetric keeps sum_j v_j d_j, not sum_j v_j."""
    cams, affinity = make_inputs(12, 12, dtype=torch.float64)
    degree = degrees(affinity, 12, 12, beta=8.0).view(12, 12)
    for num_iters in (1, 5, 256):
        result = random_walk(cams, affinity, num_iters=num_iters)
        torch.testing.assert_close((result * degree).sum((1, 2)),
                                   (cams * degree).sum((1, 2)), rtol=1e-12, atol=0)
    plain_change = (result.sum((1, 2)) - cams.sum((1, 2))).abs()
    assert (plain_change > 1e-3).all()


def test_batched_channels_and_items():
    cams_a, affinity_a = make_inputs(7, 9, channels=21, seed=1)
    cams_b, affinity_b = make_inputs(7, 9, channels=21, seed=2)
    cams = torch.stack([cams_a, cams_b])
    affinity = torch.stack([affinity_a, affinity_b])
    batched = random_walk(cams, affinity, num_iters=16)
    assert batched.shape == (2, 21, 7, 9)
    torch.testing.assert_close(batched[0], random_walk(cams_a, affinity_a, num_iters=16))
    torch.testing.assert_close(batched[1], random_walk(cams_b, affinity_b, num_iters=16))
    torch.testing.assert_close(batched, random_walk_dense(cams, affinity, num_iters=16),
                               rtol=0, atol=float32_atol(16))
    # An unbatched map accepts the (1, K, P) output of pairwise_affinity.
    torch.testing.assert_close(random_walk(cams_a, affinity_a[None], num_iters=16),
                               batched[0])
    # Channels are walked independently.
    single = random_walk(cams_a[5:6], affinity_a, num_iters=16)
    torch.testing.assert_close(single[0], batched[0, 5])


@pytest.mark.parametrize('beta', [1.0, 2.0, 16.0])
def test_other_beta_matches_dense(beta):
    cams, affinity = make_inputs(7, 10, dtype=torch.float64)
    sparse = random_walk(cams, affinity, beta=beta, num_iters=4)
    torch.testing.assert_close(sparse, random_walk_dense(cams, affinity, beta=beta, num_iters=4),
                               rtol=0, atol=1e-12)
    assert (sparse - random_walk(cams, affinity, num_iters=4)).abs().max() > 1e-3


def test_other_radius_matches_dense():
    generator = torch.Generator().manual_seed(7)
    cams = torch.rand(3, 7, 9, generator=generator)
    affinity = pairwise_affinity(0.3 * torch.randn(1, 8, 7, 9, generator=generator), radius=3)
    assert affinity.shape == (1, 12, 5 * 5)
    sparse = random_walk(cams, affinity, num_iters=8, radius=3)
    torch.testing.assert_close(sparse, random_walk_dense(cams, affinity, num_iters=8, radius=3),
                               rtol=0, atol=float32_atol(8))
    assert (sparse - cams).abs().max() > 0.1


def test_map_without_pairs_is_unchanged():
    cams = torch.rand(3, 4, 20)
    affinity = torch.rand(34, 0)
    torch.testing.assert_close(random_walk(cams, affinity), cams)
    torch.testing.assert_close(random_walk_dense(cams, affinity), cams)


def test_zero_iterations_and_argument_checks():
    cams, affinity = make_inputs(7, 9)
    torch.testing.assert_close(random_walk(cams, affinity, num_iters=0), cams)
    with pytest.raises(ValueError, match='power of two'):
        random_walk_dense(cams, affinity, num_iters=3)
    with pytest.raises(ValueError):
        random_walk(cams, affinity[:, :-1])
    with pytest.raises(ValueError):
        random_walk(cams, affinity, num_iters=-1)
    with pytest.raises(ValueError):
        random_walk(cams[None].expand(2, -1, -1, -1), affinity[None])


def test_large_map_stays_sparse():
    """N = 32,768 (a 2048 x 1024 image): a dense T alone would need 4 GiB.

    The top-left 12 x 16 block holds the affinities of a 12 x 16 map and is
    cut off from the rest (its other pairs have affinity 0): the walk there
    equals the dense walk of the small map. A constant map stays constant.
    """
    height, width, crop_height, crop_width = 256, 128, 12, 16
    generator = torch.Generator().manual_seed(5)
    cams = torch.rand(2, height, width, generator=generator)
    crop_cams, crop_affinity = make_segmented_inputs(crop_height, crop_width, channels=2,
                                                     seed=6)
    cams[:, :crop_height, :crop_width] = crop_cams
    affinity = torch.rand(34, 252 * 120, generator=generator)
    index_from, index_to = pair_indices(height, width)
    from_in_crop = (index_from // width < crop_height) & (index_from % width < crop_width)
    to_in_crop = (index_to // width < crop_height) & (index_to % width < crop_width)
    affinity[from_in_crop | to_in_crop] = 0
    # the small map's "from" positions (rows 0..7, columns 4..7) in the large one
    rows, cols = torch.meshgrid(torch.arange(crop_height - 4), torch.arange(4, crop_width - 4),
                                indexing='ij')
    affinity[:, (rows * (width - 8) + cols - 4).reshape(-1)] = crop_affinity
    result = random_walk(cams, affinity, num_iters=4)
    assert result.shape == cams.shape
    expected = random_walk_dense(crop_cams, crop_affinity, num_iters=4)
    assert (expected - crop_cams).abs().max() > 0.1  # the walk moves the scores
    torch.testing.assert_close(result[:, :crop_height, :crop_width], expected, rtol=0,
                               atol=float32_atol(4))
    assert (result[:, crop_height:] - cams[:, crop_height:]).abs().max() > 0.1
    constant = random_walk(torch.full((1, height, width), 0.3), affinity, num_iters=4)
    torch.testing.assert_close(constant, torch.full((1, height, width), 0.3), rtol=0,
                               atol=float32_atol(4))


def test_random_walk_input():
    cams = torch.zeros(2, 10, 12)
    cams[0, :8, :8] = 0.5
    cams[1, 8:, :] = 1.0
    scores = random_walk_input(cams, alpha=2.0)
    assert scores.shape == (3, 2, 2)
    # Background (1 - max) ** 2: 0.25 on the 0.5 block, 0 under class 2, 1 elsewhere;
    # the padding (rows 10..15, columns 12..15) counts as 0 in the 8 x 8 means.
    expected_background = torch.tensor([[0.25, 32 / 64], [0.0, 0.0]])
    torch.testing.assert_close(scores[0], expected_background)
    torch.testing.assert_close(scores[1], torch.tensor([[0.5, 0.0], [0.0, 0.0]]))
    torch.testing.assert_close(scores[2], torch.tensor([[0.0, 0.0], [16 / 64, 8 / 64]]))
    # No class present: the background is 1 over the image.
    empty = random_walk_input(torch.zeros(1, 16, 8))
    torch.testing.assert_close(empty, torch.cat([torch.ones(1, 2, 1), torch.zeros(1, 2, 1)]))


def test_other_stride():
    """Stride 4: 4 x 4 block means of the zero-padded stack in, upsampling by 4 out."""
    cams = torch.rand(2, 10, 7, generator=torch.Generator().manual_seed(1))
    scores = random_walk_input(cams, alpha=2.0, stride=4)
    assert scores.shape == (3, 3, 2)
    stack = torch.cat([(1 - cams.amax(0, keepdim=True)) ** 2, cams])
    padded = torch.zeros(3, 12, 8)
    padded[:, :10, :7] = stack
    torch.testing.assert_close(scores, padded.view(3, 3, 4, 2, 4).mean((2, 4)))
    upsampled = torch.nn.functional.interpolate(scores[None], size=(12, 8), mode='bilinear',
                                                align_corners=False)[0, :, :10, :7]
    torch.testing.assert_close(random_walk_scores_to_image(scores, (10, 7), stride=4),
                               upsampled)
    assert torch.equal(random_walk_to_label(scores, (10, 7), stride=4), upsampled.argmax(0))


def test_random_walk_to_label():
    scores = torch.zeros(3, 2, 2)
    scores[0] = 0.5
    scores[2, 1, 1] = 1.0
    label = random_walk_to_label(scores, (13, 10))
    assert label.shape == (13, 10)
    assert label.dtype == torch.long
    # Padded size 16 x 16: class 2 wins around the centre of the bottom-right
    # cell (bilinear, align_corners=False), background elsewhere.
    assert label[12, 9].item() == 2
    assert label[0, 0].item() == 0
    assert set(label.unique().tolist()) == {0, 2}
    upsampled = torch.nn.functional.interpolate(
        scores[None], size=(16, 16), mode='bilinear', align_corners=False)[0]
    assert torch.equal(label, upsampled.argmax(0)[:13, :10])
    with pytest.raises(ValueError):
        random_walk_to_label(scores, (17, 10))


def test_pipeline_shapes():
    """Image 61 x 93 -> scores 8 x 12 -> walk -> label 61 x 93, equal to the
    dense walk's label where its top two scores are apart."""
    generator = torch.Generator().manual_seed(4)
    cams = torch.rand(20, 61, 93, generator=generator)
    cams[3:] = 0
    scores = random_walk_input(cams, alpha=16.0)
    assert scores.shape == (21, 8, 12)
    features = 0.2 * torch.randn(1, 16, 8, 12, generator=generator)
    affinity = pairwise_affinity(features)
    assert affinity.shape == (1, 34, 4 * 4)
    walked = random_walk(scores, affinity, num_iters=8)
    dense = random_walk_dense(scores, affinity, num_iters=8)
    torch.testing.assert_close(walked, dense, rtol=0, atol=float32_atol(8))
    assert (walked - scores).abs().max() > 0.05
    label = random_walk_to_label(walked, (61, 93))
    assert label.shape == (61, 93)
    expected = random_walk_scores_to_image(dense, (61, 93))
    top2 = expected.topk(2, dim=0).values
    clear = top2[0] - top2[1] > 1e-4
    assert clear.float().mean() > 0.99
    assert torch.equal(label[clear], expected.argmax(0)[clear])
    assert label.max().item() <= 3


def test_scores_to_image_is_the_label_before_argmax():
    scores = torch.rand(3, 4, 5, generator=torch.Generator().manual_seed(0))
    image_scores = random_walk_scores_to_image(scores, (30, 33))
    assert image_scores.shape == (3, 30, 33)
    assert torch.equal(image_scores.argmax(0), random_walk_to_label(scores, (30, 33)))
    full = torch.nn.functional.interpolate(scores[None], size=(32, 40), mode='bilinear',
                                           align_corners=False)[0]
    torch.testing.assert_close(image_scores, full[:, :30, :33])
    with pytest.raises(ValueError, match='do not match'):
        random_walk_scores_to_image(scores, (40, 33))


def test_constant_background_renormalises_each_class_and_sets_the_background():
    scores = torch.tensor([[[9.0, 9.0]], [[0.2, 0.1]], [[0.0, 0.0]], [[0.5, 2.0]]])
    out = constant_background(scores, 0.5)
    assert torch.equal(out[0], torch.full((1, 2), 0.5))
    assert torch.allclose(out[1], torch.tensor([[1.0, 0.5]]), atol=1e-4)
    assert torch.equal(out[2], torch.zeros(1, 2))  # absent class stays zero
    assert torch.allclose(out[3], torch.tensor([[0.25, 1.0]]), atol=1e-4)
    assert channel_argmax(out).tolist() == [[1, 3]]
    assert torch.equal(constant_background(scores, 0.3)[0], torch.full((1, 2), 0.3))
    batch = constant_background(torch.stack([scores, scores * 2]), 0.5)
    assert torch.allclose(batch[0], out) and torch.allclose(batch[1], out, atol=1e-4)
    with pytest.raises(ValueError, match='C >= 1'):
        constant_background(torch.zeros(1, 2, 2), 0.5)


def test_constant_background_per_class_scores():
    scores = torch.tensor([[[9.0, 9.0, 9.0]], [[0.2, 0.1, 0.05]], [[0.0, 0.0, 0.0]],
                           [[0.5, 2.0, 0.5]]])
    # classes normalised: 1 [1, .5, .25], 3 [.25, 1, .25]; one background per class
    out = constant_background(scores, [0.2, 0.5, 0.3])
    assert torch.equal(out[0], torch.ones(1, 3))
    assert torch.allclose(out[1], torch.tensor([[5.0, 2.5, 1.25]]), atol=1e-3)
    assert torch.equal(out[2], torch.zeros(1, 3))
    assert torch.allclose(out[3], torch.tensor([[0.25, 1.0, 0.25]]) / 0.3, atol=1e-3)
    # pixel 2: class 1 at 0.25 >= its 0.2, class 3 at 0.25 < its 0.3
    assert channel_argmax(out).tolist() == [[1, 3, 1]]
    # one score per class equal to one score: the same labels and CRF probabilities
    same = constant_background(scores, [0.5] * 3)
    single = constant_background(scores, 0.5)
    assert torch.equal(channel_argmax(same), channel_argmax(single))
    torch.testing.assert_close(same / same.sum(0), single / single.sum(0))
    with pytest.raises(ValueError, match='2 background scores for 3 classes'):
        constant_background(scores, [0.5, 0.5])


def test_random_walk_input_without_alpha_walks_the_classes_only():
    cams = torch.rand(3, 16, 16)
    with_alpha = random_walk_input(cams, 4.0, stride=8)
    without = random_walk_input(cams, None, stride=8)
    assert torch.equal(without[0], torch.zeros(2, 2))
    assert torch.equal(without[1:], with_alpha[1:])
