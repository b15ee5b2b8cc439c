"""ImageLabelEncHead: the SE-loss target comes from the image-level labels."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.decode_heads import EncHead
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmwsss.models.heads import ImageLabelEncHead, image_label_se_targets

NUM_CLASSES = 5  # background + 4


def _sample(mask: torch.Tensor, img_labels) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_shape=tuple(mask.shape),
                                         pad_shape=tuple(mask.shape)))
    sample.gt_sem_seg = PixelData(data=mask[None].long())
    sample.gt_img_labels = torch.tensor(img_labels, dtype=torch.float32)
    return sample


def _hand_made_batch() -> list:
    """Two images whose pseudo labels disagree with their image-level labels.

    Image 0: labels {1, 3}; the pseudo label shows background, class 1, a
    wrong class 2 and ignored pixels, and misses class 3.
    Image 1: label {2}; the pseudo label is class 2 everywhere (no background).
    """
    mask0 = torch.zeros(8, 8, dtype=torch.long)
    mask0[:4, :4] = 1
    mask0[4:, 4:] = 2
    mask0[0, 7] = 255
    mask1 = torch.full((8, 8), 2, dtype=torch.long)
    return [_sample(mask0, [1, 0, 1, 0]), _sample(mask1, [0, 1, 0, 0])]


def _head(**kwargs) -> ImageLabelEncHead:
    cfg = dict(type='ImageLabelEncHead', in_channels=[4, 8], in_index=(0, 1), channels=8,
               num_codes=4, num_classes=NUM_CLASSES, norm_cfg=dict(type='BN'),
               dropout_ratio=0.0)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_se_target_equals_image_labels_with_background() -> None:
    samples = _hand_made_batch()
    targets = image_label_se_targets(samples, NUM_CLASSES)
    assert targets.tolist() == [[1, 1, 0, 1, 0], [1, 0, 1, 0, 0]]
    masks = torch.stack([s.gt_sem_seg.data for s in samples])
    histogram = EncHead._convert_to_onehot_labels(masks, NUM_CLASSES)
    assert histogram.tolist() == [[1, 1, 1, 0, 0], [0, 0, 1, 0, 0]]


@pytest.mark.parametrize('se_target, expected', [
    ('image_labels', [[1, 1, 0, 1, 0], [1, 0, 1, 0, 0]]),
    ('histogram', [[1, 1, 1, 0, 0], [0, 0, 1, 0, 0]]),
])
def test_loss_se_uses_the_chosen_target(se_target: str, expected: list) -> None:
    head = _head(se_target=se_target)
    samples = _hand_made_batch()
    seg_logits = torch.zeros(2, NUM_CLASSES, 8, 8)
    se_logits = torch.tensor([[2.0, -1.0, 0.5, 0.0, -3.0], [0.3, 1.0, -2.0, 4.0, 0.0]])
    losses = head.loss_by_feat((seg_logits, se_logits), samples)
    target = torch.tensor(expected, dtype=torch.float)
    reference = 0.2 * F.binary_cross_entropy_with_logits(se_logits, target)
    torch.testing.assert_close(losses['loss_se'], reference)
    # pixel loss on the pseudo labels: log(5) at the 127 of 128 pixels not ignored
    # (MMSeg averages over every pixel, avg_non_ignore=False)
    masks = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    pixel = F.cross_entropy(seg_logits, masks, ignore_index=255, reduction='sum') / masks.numel()
    torch.testing.assert_close(losses['loss_ce'], pixel)


def test_losses_on_tiny_inputs() -> None:
    torch.manual_seed(0)
    head = _head()
    inputs = (torch.rand(2, 4, 8, 8), torch.rand(2, 8, 8, 8))
    losses = head.loss(inputs, _hand_made_batch(), train_cfg=dict())
    assert set(losses) == {'loss_ce', 'loss_se', 'acc_seg'}
    total = losses['loss_ce'] + losses['loss_se']
    assert torch.isfinite(total)
    total.backward()
    assert head.se_layer.weight.grad.abs().sum() > 0
    metas = [dict(img_shape=(8, 8), pad_shape=(8, 8))] * 2
    head.eval()
    assert head.predict(inputs, metas, test_cfg=dict()).shape == (2, NUM_CLASSES, 8, 8)


def test_one_foreground_class() -> None:
    """C = 1 (defect / no defect): K = 2 outputs, an image without the class has
    the SE target [1, 0] (background only) and its pixels are all background."""
    defect = torch.zeros(8, 8, dtype=torch.long)
    defect[2:5, 2:5] = 1
    samples = [_sample(defect, [1]), _sample(torch.zeros(8, 8, dtype=torch.long), [0])]
    assert image_label_se_targets(samples, 2).tolist() == [[1, 1], [1, 0]]
    head = _head(num_classes=2)
    seg_logits = torch.zeros(2, 2, 8, 8)
    se_logits = torch.tensor([[1.0, -1.0], [0.5, 2.0]])
    losses = head.loss_by_feat((seg_logits, se_logits), samples)
    target = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    torch.testing.assert_close(
        losses['loss_se'], 0.2 * F.binary_cross_entropy_with_logits(se_logits, target))
    torch.testing.assert_close(losses['loss_ce'], torch.log(torch.tensor(2.0)))
    head.eval()
    inputs = (torch.rand(2, 4, 8, 8), torch.rand(2, 8, 8, 8))
    metas = [dict(img_shape=(8, 8), pad_shape=(8, 8))] * 2
    assert head.predict(inputs, metas, test_cfg=dict()).shape == (2, 2, 8, 8)


def test_without_se_loss_only_pixel_loss() -> None:
    head = _head(use_se_loss=False)
    losses = head.loss((torch.rand(2, 4, 8, 8), torch.rand(2, 8, 8, 8)),
                       _hand_made_batch(), train_cfg=dict())
    assert set(losses) == {'loss_ce', 'acc_seg'}


def test_errors_name_the_problem() -> None:
    samples = _hand_made_batch()
    del samples[1].gt_img_labels
    with pytest.raises(KeyError, match='PackWSSSInputs'):
        image_label_se_targets(samples, NUM_CLASSES)
    with pytest.raises(ValueError, match='4 classes'):
        image_label_se_targets(_hand_made_batch(), NUM_CLASSES + 1)
    with pytest.raises(ValueError, match='se_target'):
        _head(se_target='pseudo')


def test_registered_name_leaves_mmseg_enc_head_alone() -> None:
    assert MODELS.get('ImageLabelEncHead') is ImageLabelEncHead
    assert MODELS.get('EncHead') is EncHead
