"""Tests of AffinityHead (shapes, PSA initialisation, official names) and PairAffinityLoss."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmwsss.models import AffinityHead, AffinityNet, PairAffinityLoss
from mmwsss.models.backbones import convert_official_checkpoint
from mmwsss.ops.pair_indices import extract_pair_labels
from mmwsss.ops.pair_loss import pair_affinity_loss


@pytest.fixture(autouse=True, scope='module')
def single_thread():
    """Run these tiny convolutions on one thread (OpenMP contention on shared CPUs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_shapes_and_parameter_names() -> None:
    head = AffinityHead(in_channels=(8, 16, 32), channels=(4, 8, 12), in_index=(1, 2, 3))
    names = {name: tuple(p.shape) for name, p in head.named_parameters()}
    assert names == {'conv_f8_3.weight': (4, 8, 1, 1), 'conv_f8_4.weight': (8, 16, 1, 1),
                     'conv_f8_5.weight': (12, 32, 1, 1), 'conv_f9.weight': (24, 24, 1, 1)}
    inputs = [torch.randn(2, c, 9, 11) for c in (3, 8, 16, 32)]
    features = head(inputs)
    assert features.shape == (2, 24, 9, 11) and (features > -1).all()  # ELU
    assert head.affinity(inputs).shape == (2, 34, (9 - 4) * (11 - 8))
    with pytest.raises(ValueError, match='one spatial size'):
        head([inputs[0], inputs[1], inputs[2], torch.randn(2, 32, 5, 5)])
    with pytest.raises(ValueError, match='in_channels'):
        AffinityHead(in_channels=(8, 16))


def test_features_and_affinities_equal_the_formula() -> None:
    """f9 = elu(W9 [elu(W8_3 x3); elu(W8_4 x4); elu(W8_5 x5)]), 1x1 convolutions
    without bias; affinity exp(-mean_c |f_i - f_j|) of the radius pairs."""
    torch.manual_seed(0)
    head = AffinityHead(in_channels=(3, 4, 5), channels=(2, 3, 4), in_index=(2, 0, 1))
    head.init_weights()
    generator = torch.Generator().manual_seed(1)
    inputs = [torch.randn(2, c, 6, 10, generator=generator) for c in (4, 5, 3)]
    levels = (inputs[2], inputs[0], inputs[1])  # in_index (2, 0, 1)
    weights = [head.conv_f8_3.weight, head.conv_f8_4.weight, head.conv_f8_5.weight]
    branches = [F.elu(F.conv2d(level, weight)) for level, weight in zip(levels, weights)]
    expected = F.elu(F.conv2d(torch.cat(branches, dim=1), head.conv_f9.weight))
    with torch.no_grad():
        features = head(inputs)
        affinity = head.affinity(inputs)
    assert features.shape == (2, 9, 6, 10)
    torch.testing.assert_close(features, expected)
    assert (features < 0).any()  # the ELU's negative side is reached
    # pair (from (0, 4), offset (1, -2)) = offset index 4 + 2, "from" position 0
    pair = torch.exp(-(expected[:, :, 1, 2] - expected[:, :, 0, 4]).abs().mean(dim=1))
    torch.testing.assert_close(affinity[:, 6, 0], pair)
    assert affinity.shape == (2, 34, 2 * 2)
    head.radius = 3  # 12 offsets; "from" positions rows 0..3, columns 2..7
    assert head.affinity(inputs).shape == (2, 12, 4 * 6)


def test_loss_terms_equal_the_ops() -> None:
    torch.manual_seed(0)
    head = AffinityHead(in_channels=(3, 4, 5), channels=(2, 3, 4))
    generator = torch.Generator().manual_seed(2)
    inputs = [torch.randn(1, c, 7, 10, generator=generator) for c in (3, 4, 5)]
    labels = torch.tensor([0, 1, 2, 255])[torch.randint(0, 4, (1, 7, 10), generator=generator)]
    sample = SegDataSample()
    sample.gt_affinity_label = PixelData(data=labels)
    losses = head.loss(inputs, [sample])
    expected = pair_affinity_loss(head.affinity(inputs), *extract_pair_labels(labels))
    assert len({expected[key].item() for key in ('bg', 'fg', 'neg')}) == 3
    torch.testing.assert_close(losses['loss_aff'], expected['total'])
    for key in ('bg', 'fg', 'neg'):
        torch.testing.assert_close(losses[f'aff_{key}'], expected[key])


def test_psa_initialisation() -> None:
    torch.manual_seed(0)
    head = AffinityHead()
    head.init_weights()
    for name, fan_in in (('conv_f8_3', 512), ('conv_f8_4', 1024), ('conv_f8_5', 4096)):
        std = getattr(head, name).weight.std().item()
        assert std == pytest.approx(math.sqrt(2 / fan_in), rel=0.05), name
    bound = 4 * math.sqrt(6 / (448 + 448))
    weight = head.conv_f9.weight
    assert weight.abs().max() <= bound
    assert weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_loads_converted_official_checkpoint() -> None:
    model = AffinityNet(
        backbone=dict(type='WideResNet38', widen_factor=0.0625, init_cfg=None),
        decode_head=dict(type='AffinityHead', in_channels=(32, 64, 256)))
    official = {key[len('backbone.'):]: (torch.randn_like(value)
                                         if value.is_floating_point() else value.clone())
                for key, value in model.state_dict().items() if key.startswith('backbone.')}
    for name in ('f8_3', 'f8_4', 'f8_5', 'f9'):
        official[f'{name}.weight'] = torch.randn_like(
            getattr(model.decode_head, f'conv_{name}').weight)
    model.load_state_dict(convert_official_checkpoint(official), strict=True)
    assert torch.equal(model.decode_head.conv_f9.weight, official['f9.weight'])
    assert torch.equal(model.backbone.b5.conv_branch2a.weight, official['b5.conv_branch2a.weight'])


def test_pair_affinity_loss_equals_the_op() -> None:
    generator = torch.Generator().manual_seed(0)
    affinity = torch.rand(2, 34, 12, generator=generator, requires_grad=True)
    masks = [(torch.rand(2, 34, 12, generator=generator) > 0.6).float() for _ in range(3)]
    losses = PairAffinityLoss(loss_weight=2.0)(affinity, *masks)
    expected = pair_affinity_loss(affinity, *masks)
    assert set(losses) == {'loss_aff', 'aff_bg', 'aff_fg', 'aff_neg'}
    torch.testing.assert_close(losses['loss_aff'], 2 * expected['total'])
    for key in ('bg', 'fg', 'neg'):
        torch.testing.assert_close(losses[f'aff_{key}'], expected[key])
        assert not losses[f'aff_{key}'].requires_grad
    losses['loss_aff'].backward()
    assert affinity.grad is not None
    with pytest.raises(ValueError, match='loss_'):
        PairAffinityLoss(loss_name='aff')
    with pytest.raises(ValueError, match='must not contain'):
        PairAffinityLoss(log_prefix='loss_')


def test_radius_out_of_range_is_refused() -> None:
    for radius in (1, 0, 2.5):
        with pytest.raises(ValueError, match=r'AffinityHead: radius must be an integer in '
                           r'\[2, inf\)'):
            AffinityHead(radius=radius)
