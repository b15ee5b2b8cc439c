"""Tests of the random-walk sweep against one walk per setting (AffinityNet's order)."""
import pytest
import torch
import torch.nn.functional as F

from mmwsss.ops.affinity import pairwise_affinity
from mmwsss.ops.random_walk import (constant_background, random_walk_dense, random_walk_input,
                                    random_walk_scores_to_image)
from mmwsss.ops.random_walk_sweep import Background, random_walk_sweep


HEIGHT, WIDTH = 61, 93
"""An image whose 8 x 12 feature map holds radius-5 pairs (4 x 4 "from" positions)."""


def _inputs(height: int = HEIGHT, width: int = WIDTH, classes: int = 5, present=(1, 3)):
    """CAMs at the image size (zero for absent classes; random values at the
    feature resolution, upsampled, zero below 0.2) and affinities of its ceil(H / 8) x
    ceil(W / 8) feature map: smooth features, so that the pairs keep weight
    after ** beta and the walk moves the scores."""
    generator = torch.Generator().manual_seed(3)
    size = (-(-height // 8), -(-width // 8))
    cams = torch.zeros(classes, height, width)
    for index in present:
        coarse = torch.rand(1, 1, *size, generator=generator)
        cams[index] = (F.interpolate(coarse, size=(height, width), mode='bilinear',
                                     align_corners=False)[0, 0] - 0.2).clamp(min=0)
        cams[index] /= cams[index].max()
    features = 0.2 * torch.randn(1, 8, *size, generator=generator)
    affinity = pairwise_affinity(features)[0]
    assert affinity.shape == (34, 16)
    return cams, affinity


def _reference(cams, affinity, background: Background, beta: float, num_iters: int):
    """One dense walk of every channel (the official formulation), as
    AffinityNet.predict runs the walk."""
    alpha = background.value if background.kind == 'alpha' else None
    scores = random_walk_dense(random_walk_input(cams, alpha), affinity, beta, num_iters)
    scores = random_walk_scores_to_image(scores, tuple(cams.shape[-2:]))
    if background.kind == 'bg_score':
        scores = constant_background(scores, background.value)
    return scores


def test_every_setting_equals_its_own_walk() -> None:
    cams, affinity = _inputs()
    walks = list(random_walk_sweep(cams, affinity, alphas=[4, 16], betas=[8, 2],
                                   iters=[16, 4], bg_scores=[0.6, 0.3]))
    assert len(walks) == 2
    for settings, scores, channel_labels in walks:
        assert channel_labels.tolist() == [0, 2, 4]
        assert scores.shape == (8, 3, HEIGHT, WIDTH)
        assert [str(s[0]) for s in settings[:4]] == [
            'alpha 4', 'alpha 16', 'bg score 0.6', 'bg score 0.3']
        assert [s[2] for s in settings] == [4] * 4 + [16] * 4
        for setting, item in zip(settings, scores):
            expected = _reference(cams, affinity, *setting)[channel_labels]
            torch.testing.assert_close(item, expected, atol=1e-5, rtol=0)
    # the walk moves the scores, by beta and by t: the settings are told apart
    first, second = walks[0][1], walks[1][1]
    assert (first[0] - first[4]).abs().max() > 0.05  # t = 4 and 16, beta 8
    assert (first[0] - second[0]).abs().max() > 0.05  # beta 8 and 2, t = 4


def test_constant_background_settings_are_the_constant_and_classes_peak_at_one() -> None:
    cams, affinity = _inputs()
    settings, scores, _ = next(random_walk_sweep(cams, affinity, [], [8], [8],
                                                 bg_scores=[0.6]))
    assert settings == [(Background('bg_score', 0.6), 8, 8)]
    assert torch.equal(scores[0, 0], torch.full((HEIGHT, WIDTH), 0.6))
    assert torch.allclose(scores[0, 1:].amax(dim=(-2, -1)), torch.ones(2), atol=1e-4)


def test_image_without_classes_is_background() -> None:
    cams, affinity = _inputs(present=())
    settings, scores, channel_labels = next(random_walk_sweep(cams, affinity, [], [8], [4],
                                                              bg_scores=[0.5]))
    assert channel_labels.tolist() == [0] and scores.shape == (1, 1, HEIGHT, WIDTH)


def test_needs_a_background() -> None:
    cams, affinity = _inputs()
    with pytest.raises(ValueError, match='at least one alpha or one bg_score'):
        next(random_walk_sweep(cams, affinity, [], [8], [4]))


def test_per_class_background_scores_equal_their_own_walk() -> None:
    cams, affinity = _inputs()
    per_class = (0.7, 0.3, 0.5, 0.4, 0.6)  # classes 1..5; present: 2 and 4 (0.3, 0.4)
    (settings, scores, channel_labels), = random_walk_sweep(
        cams, affinity, alphas=[], betas=[8], iters=[16], bg_scores=[per_class, 0.5])
    assert settings == [(Background('bg_score', per_class), 8, 16),
                        (Background('bg_score', 0.5), 8, 16)]
    assert str(settings[0][0]) == 'bg scores per class 0.7/0.3/0.5/0.4/0.6'
    expected = _reference(cams, affinity, Background('bg_score', 0.5), 8, 16)
    expected[1:] *= 0.5 / torch.tensor(per_class)[:, None, None]
    expected[0] = 0.5  # background 1, classes n_c / b_c: 0.5 times those are [0.5, n_c 0.5 / b_c]
    torch.testing.assert_close(scores[0] * 0.5, expected[channel_labels], atol=1e-5, rtol=0)
    assert not torch.equal(scores[0].argmax(0), scores[1].argmax(0))
    with pytest.raises(ValueError, match='one score per class'):
        next(random_walk_sweep(cams, affinity, [], [8], [16], bg_scores=[(0.5, 0.5)]))
