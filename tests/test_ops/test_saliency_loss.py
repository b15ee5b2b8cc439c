import pytest
import torch
import torch.nn.functional as F

from mmwsss.ops.saliency_loss import eps_saliency_loss, saliency_overlap

# One image, 4 classes + background (last channel), 2x2 CAM. Probabilities per pixel
# (row-major), channels (A, B, C, D, bg):
#   p0 = (0.60, 0.10, 0.05, 0.15, 0.10)  A > 0.5
#   p1 = (0.70, 0.05, 0.05, 0.10, 0.10)  A > 0.5
#   p2 = (0.10, 0.55, 0.05, 0.20, 0.10)  B > 0.5
#   p3 = (0.05, 0.05, 0.80, 0.05, 0.05)  C > 0.5
# Labels: A, B, D present, C absent. D never exceeds 0.5.
PROBS = torch.tensor([
    [0.60, 0.10, 0.05, 0.15, 0.10],
    [0.70, 0.05, 0.05, 0.10, 0.10],
    [0.10, 0.55, 0.05, 0.20, 0.10],
    [0.05, 0.05, 0.80, 0.05, 0.05],
], dtype=torch.float64).t().reshape(1, 5, 2, 2)
LABELS = torch.tensor([[1.0, 1.0, 0.0, 1.0]])


def _saliency_4x4() -> torch.Tensor:
    """A 4x4 saliency map whose nearest 2x2 resize takes the top-left of each block,
    giving S = [[0.9, 0.3], [0.2, 0.6]]."""
    saliency = torch.full((1, 1, 4, 4), 0.45, dtype=torch.float64)
    saliency[0, 0, 0, 0] = 0.9
    saliency[0, 0, 0, 2] = 0.3
    saliency[0, 0, 2, 0] = 0.2
    saliency[0, 0, 2, 2] = 0.6
    return saliency


def test_saliency_loss_hand_computed():
    logits = PROBS.log()  # softmax(log p) = p
    loss, overlap = eps_saliency_loss(
        logits, _saliency_4x4(), LABELS, tau=0.4, lam=0.5, return_overlap=True)
    # round(S) = [1, 0, 0, 1]; the 1e-4 is added at each of the 4 pixels.
    # O_A: round(P_A) = [1, 1, 0, 0] -> 1 / (2 + 4e-4) = 0.49990 > 0.4: foreground.
    # O_B: round(P_B) = [0, 0, 1, 0] -> 0 / (1 + 4e-4) = 0: background.
    # O_C: round(P_C) = [0, 0, 0, 1] -> 1 / (1 + 4e-4), but C is absent: no set.
    # O_D: round(P_D) = [0, 0, 0, 0] -> 0 / (0 + 4e-4) = 0: background.
    expected_overlap = torch.tensor([[1 / 2.0004, 0.0, 1 / 1.0004, 0.0]],
                                    dtype=torch.float64)
    assert torch.allclose(overlap, expected_overlap, rtol=1e-12, atol=0)
    # M_fg = P_A            = [0.60, 0.70, 0.10, 0.05]
    # M_bg = P_bg + P_B + P_D = [0.35, 0.25, 0.85, 0.15]
    # S_hat = 0.5 * M_fg + 0.5 * (1 - M_bg)
    #       = [0.30 + 0.325, 0.35 + 0.375, 0.05 + 0.075, 0.025 + 0.425]
    #       = [0.625, 0.725, 0.125, 0.45]
    # S_hat - S = [-0.275, 0.425, -0.075, -0.15]
    # loss = (0.075625 + 0.180625 + 0.005625 + 0.0225) / 4 = 0.284375 / 4
    assert loss.item() == pytest.approx(0.07109375, abs=1e-12)


def test_saliency_loss_hand_computed_lambda_and_tau():
    logits = PROBS.log()
    # lam = 0.9: S_hat = 0.9 * M_fg + 0.1 * (1 - M_bg)
    #   = [0.540 + 0.065, 0.630 + 0.075, 0.090 + 0.015, 0.045 + 0.085]
    #   = [0.605, 0.705, 0.105, 0.130]
    # S_hat - S = [-0.295, 0.405, -0.095, -0.47]
    # loss = (0.087025 + 0.164025 + 0.009025 + 0.2209) / 4 = 0.480975 / 4
    loss = eps_saliency_loss(logits, _saliency_4x4(), LABELS, tau=0.4, lam=0.9)
    assert loss.item() == pytest.approx(0.12024375, abs=1e-12)
    # tau between 1 / 2.0004 = 0.499900 and 1 / 2.0001 = 0.499975: A is foreground
    # only if the 1e-4 were added once instead of at every pixel. With the 1e-4 per
    # pixel, O_A <= tau and A joins the background:
    # M_fg = 0, M_bg = P_bg + P_A + P_B + P_D = [0.95, 0.95, 0.95, 0.20]
    # S_hat = 0.5 * (1 - M_bg) = [0.025, 0.025, 0.025, 0.40]
    # S_hat - S = [-0.875, -0.275, -0.175, -0.20]
    # loss = (0.765625 + 0.075625 + 0.030625 + 0.04) / 4 = 0.911875 / 4
    loss = eps_saliency_loss(logits, _saliency_4x4(), LABELS, tau=0.49995, lam=0.5)
    assert loss.item() == pytest.approx(0.22796875, abs=1e-12)


def test_saliency_overlap_rounds_half_to_even():
    probs = torch.tensor([[[[0.5, 0.51]]]])
    saliency = torch.tensor([[[[0.5, 0.5]]]])
    # round(0.5) = 0, round(0.51) = 1; round(S) = [0, 0]: 0 / (1 + 2e-4)
    assert saliency_overlap(probs, saliency).tolist() == [[0.0]]
    saliency = torch.tensor([[[[0.9, 0.7]]]])
    # round(P) = [0, 1], round(S) = [1, 1]: 1 / (1 + 2e-4)
    assert saliency_overlap(probs, saliency).item() == pytest.approx(1 / 1.0002)


def _loop_reference(logits, saliency, labels, tau, lam):
    """Per-image, per-class implementation of the EPS saliency loss."""
    batch, channels, height, width = logits.shape
    num_classes = channels - 1
    total = 0.0
    for b in range(batch):
        sal = F.interpolate(saliency[b:b + 1], size=(height, width), mode='nearest')[0, 0]
        probs = torch.softmax(logits[b], dim=0)
        fg_map = torch.zeros(height, width, dtype=logits.dtype)
        bg_map = probs[num_classes].clone()
        for c in range(num_classes):
            if labels[b, c] == 0:
                continue
            rounded = torch.round(probs[c].detach())
            ratio = (rounded * torch.round(sal)).sum() / (rounded.sum() + 1e-4 * height * width)
            if ratio > tau:
                fg_map = fg_map + probs[c]
            else:
                bg_map = bg_map + probs[c]
        pred = lam * fg_map + (1 - lam) * (1 - bg_map)
        total = total + ((pred - sal)**2).sum()
    return total / (batch * height * width)


@pytest.mark.parametrize('tau,lam', [(0.4, 0.5), (0.5, 0.9)])
def test_saliency_loss_matches_loop_reference(tau, lam):
    generator = torch.Generator().manual_seed(0)
    batch, num_classes = 3, 5
    logits = (3 * torch.randn(batch, num_classes + 1, 6, 7, generator=generator,
                              dtype=torch.float64)).requires_grad_()
    saliency = torch.rand(batch, 1, 24, 28, generator=generator, dtype=torch.float64)
    labels = (torch.rand(batch, num_classes, generator=generator) > 0.4).double()
    labels[0] = 0  # an image without foreground class
    loss = eps_saliency_loss(logits, saliency, labels, tau=tau, lam=lam)
    (grad, ) = torch.autograd.grad(loss, logits)
    reference = _loop_reference(logits, saliency, labels, tau, lam)
    (ref_grad, ) = torch.autograd.grad(reference, logits)
    assert loss.item() == pytest.approx(reference.item(), rel=1e-12)
    assert torch.allclose(grad, ref_grad, rtol=1e-10, atol=1e-14)
    assert grad.abs().sum() > 0


def test_saliency_loss_float32_saliency_and_shape_check():
    logits = torch.randn(2, 4, 3, 3)
    saliency = torch.rand(2, 1, 3, 3)
    labels = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    loss = eps_saliency_loss(logits, saliency, labels)
    assert loss.dim() == 0 and loss.dtype == torch.float32
    with pytest.raises(ValueError):
        eps_saliency_loss(logits, saliency, labels[:, :2])
