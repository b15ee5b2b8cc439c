"""The CAM cores override a refined label: no labelled class vanishes."""
import pytest
import torch

from mmwsss.ops.label_guarantee import cam_cores, keep_cam_cores


def _cams() -> torch.Tensor:
    """Two of three classes present on a 2 x 4 map (class 3 absent)."""
    return torch.tensor([[[1.00, 0.95, 0.20, 0.00],
                          [0.50, 0.91, 0.10, 0.00]],
                         [[0.00, 0.96, 0.92, 1.00],
                          [0.00, 0.10, 0.89, 0.95]],
                         [[0.00, 0.00, 0.00, 0.00],
                          [0.00, 0.00, 0.00, 0.00]]])


def test_cores_hand_computed() -> None:
    # (0, 1): class 2 (0.96) beats class 1 (0.95); (1, 2): 0.89 is below 0.9
    assert cam_cores(_cams(), 0.9).tolist() == [[1, 2, 2, 2], [0, 1, 0, 2]]
    assert cam_cores(_cams(), 1.0).tolist() == [[1, 0, 0, 2], [0, 0, 0, 0]]


def test_a_vanished_class_gets_its_core_back() -> None:
    walked = torch.tensor([[2, 2, 2, 2], [0, 0, 0, 2]])  # class 1 erased by the walk
    kept = keep_cam_cores(walked, _cams(), 0.9)
    assert kept.tolist() == [[1, 2, 2, 2], [0, 1, 0, 2]]
    assert kept.dtype == walked.dtype and walked.tolist() == [[2, 2, 2, 2], [0, 0, 0, 2]]


def test_labels_that_keep_the_cores_do_not_change() -> None:
    walked = torch.tensor([[1, 2, 2, 2], [1, 1, 2, 2]])
    assert torch.equal(keep_cam_cores(walked, _cams(), 0.9), walked)
    assert torch.equal(keep_cam_cores(torch.stack([walked, walked]), _cams(), 0.9),
                       torch.stack([walked, walked]))


def test_every_present_class_survives_any_label() -> None:
    generator = torch.Generator().manual_seed(0)
    cams = torch.rand(4, 9, 11, generator=generator) * torch.tensor([1., 1., 0., 1.])[:, None, None]
    cams = cams / cams.amax(dim=(1, 2), keepdim=True).clamp_min(1e-5)
    for label in (torch.zeros(9, 11, dtype=torch.long), torch.full((9, 11), 3)):
        assert set(keep_cam_cores(label, cams, 0.9).unique().tolist()) >= {1, 2, 4}


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match='core_score'):
        cam_cores(_cams(), 0.0)
    with pytest.raises(ValueError, match='does not match'):
        keep_cam_cores(torch.zeros(3, 4, dtype=torch.long), _cams())
