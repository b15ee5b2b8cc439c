"""MultiScaleInputEncoderDecoder (DeepLab-v2's MSC training) against a straightforward
reference written as deeplab-pytorch's MSC wrapper and training loop."""
from typing import List

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from PIL import Image

from mmwsss.apis.rehearsal import small_stage_options
from tests.conftest import REPO_ROOT

CONFIG = REPO_ROOT / 'configs/seg/deeplabv2_r101-d8_1xb10-20k_voc12aug-pseudo-321x321.py'


def tiny_model(**overrides):
    """The DeepLab-v2 config's model at 1/8 width, seeded."""
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict(dict(small_stage_options(cfg, 'unused'), **overrides))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for conv in model.decode_head.aspp:  # non-zero biases, a larger spread of scores
        torch.nn.init.normal_(conv.bias)
        torch.nn.init.normal_(conv.weight, std=0.05)
    return model


def reference_outputs(model, images: torch.Tensor) -> List[torch.Tensor]:
    """deeplab-pytorch's MSC in training mode: full, 0.5, 0.75, pixel-wise max."""
    def net(x: torch.Tensor) -> torch.Tensor:
        return model.decode_head.forward(model.backbone(x))

    logits = net(images)
    height, width = logits.shape[-2:]
    pyramid = [net(F.interpolate(images, scale_factor=p, mode='bilinear', align_corners=False))
               for p in (0.5, 0.75)]
    upsampled = [F.interpolate(p, size=(height, width), mode='bilinear', align_corners=False)
                 for p in pyramid]
    logits_max = torch.max(torch.stack([logits] + upsampled), dim=0)[0]
    return [logits] + pyramid + [logits_max]


def pil_resize_labels(labels: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """deeplab-pytorch's ``resize_labels``: PIL nearest per image."""
    return torch.from_numpy(np.stack([
        np.asarray(Image.fromarray(label.float().numpy()).resize((width, height),
                                                                  resample=Image.NEAREST))
        for label in labels]).astype(np.int64))


def batch(seed: int = 1):
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(2, 3, 37, 37, generator=generator) * 50
    labels = torch.randint(0, 21, (2, 37, 37), generator=generator)
    labels[1, 30:] = 255
    samples = [SegDataSample(gt_sem_seg=PixelData(data=label[None])) for label in labels]
    return images, labels, samples


def test_loss_equals_reference_msc_sum() -> None:
    model = tiny_model()
    model.train()
    images, labels, samples = batch()
    losses = model.loss(images, samples)
    assert list(losses) == ['decode.loss_scale1.0', 'decode.loss_scale0.5',
                            'decode.loss_scale0.75', 'decode.loss_fused']
    expected = [F.cross_entropy(logit, pil_resize_labels(labels, *logit.shape[-2:]),
                                ignore_index=255)
                for logit in reference_outputs(model, images)]
    torch.testing.assert_close(torch.stack(list(losses.values())), torch.stack(expected))
    # the four outputs differ, so each term counts
    assert len({round(loss.item(), 4) for loss in expected}) == 4
    sum(losses.values()).backward()
    assert model.decode_head.aspp[0].weight.grad.abs().sum() > 0


def test_inference_single_scale_or_fused() -> None:
    images, _, _ = batch()
    metas = [dict(img_shape=(37, 37), pad_shape=(37, 37), ori_shape=(37, 37))] * 2
    for fuse in (False, True):
        model = tiny_model(**{'model.fuse_at_test': fuse})
        model.eval()
        with torch.no_grad():
            logits = model.encode_decode(images, metas)
            reference = reference_outputs(model, images)[-1 if fuse else 0]
        expected = F.interpolate(reference, size=(37, 37), mode='bilinear',
                                 align_corners=False)
        torch.testing.assert_close(logits, expected)


def test_bad_settings_refused() -> None:
    cfg = Config.fromfile(str(CONFIG))
    with pytest.raises(ValueError, match=r'MultiScaleInputEncoderDecoder scales must be'):
        MODELS.build(dict(cfg.model, scales=[0.5, 2.0]))
    with pytest.raises(ValueError, match='auxiliary_head is not supported'):
        MODELS.build(dict(cfg.model, auxiliary_head=dict(cfg.model.decode_head)))
