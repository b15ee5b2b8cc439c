"""Tests of the random-walk sweep against one walk per setting (AffinityNet's order)."""
import pytest
import torch

from mmwsss.ops.affinity import pairwise_affinity
from mmwsss.ops.random_walk import (constant_background, random_walk, random_walk_input,
                                    random_walk_scores_to_image)
from mmwsss.ops.random_walk_sweep import Background, random_walk_sweep


def _inputs(height: int = 37, width: int = 45, classes: int = 5, present=(1, 3)):
    """CAMs at the image size (zero for absent classes) and affinities of its
    ceil(H / 8) x ceil(W / 8) feature map."""
    generator = torch.Generator().manual_seed(3)
    cams = torch.zeros(classes, height, width)
    for index in present:
        cams[index] = torch.rand(height, width, generator=generator)
        cams[index] /= cams[index].max()
    features = torch.randn(1, 8, -(-height // 8), -(-width // 8), generator=generator)
    return cams, pairwise_affinity(features)[0]


def _reference(cams, affinity, background: Background, beta: float, num_iters: int):
    """One walk of every channel, as AffinityNet.predict runs it."""
    alpha = background.value if background.kind == 'alpha' else None
    scores = random_walk(random_walk_input(cams, alpha), affinity, beta, num_iters)
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
        assert scores.shape == (8, 3, 37, 45)
        assert [str(s[0]) for s in settings[:4]] == [
            'alpha 4', 'alpha 16', 'bg score 0.6', 'bg score 0.3']
        assert [s[2] for s in settings] == [4] * 4 + [16] * 4
        for setting, item in zip(settings, scores):
            expected = _reference(cams, affinity, *setting)[channel_labels]
            torch.testing.assert_close(item, expected, atol=1e-4, rtol=0)


def test_constant_background_settings_are_the_constant_and_classes_peak_at_one() -> None:
    cams, affinity = _inputs()
    settings, scores, _ = next(random_walk_sweep(cams, affinity, [], [8], [8],
                                                 bg_scores=[0.6]))
    assert settings == [(Background('bg_score', 0.6), 8, 8)]
    assert torch.equal(scores[0, 0], torch.full((37, 45), 0.6))
    assert torch.allclose(scores[0, 1:].amax(dim=(-2, -1)), torch.ones(2), atol=1e-4)


def test_image_without_classes_is_background() -> None:
    cams, affinity = _inputs(present=())
    settings, scores, channel_labels = next(random_walk_sweep(cams, affinity, [], [8], [4],
                                                              bg_scores=[0.5]))
    assert channel_labels.tolist() == [0] and scores.shape == (1, 1, 37, 45)


def test_needs_a_background() -> None:
    cams, affinity = _inputs()
    with pytest.raises(ValueError, match='at least one alpha or one bg_score'):
        next(random_walk_sweep(cams, affinity, [], [8], [4]))
