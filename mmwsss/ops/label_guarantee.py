"""Keep every labelled class in its pseudo label: the CAM cores override the walk.

A refinement (random walk, dense CRF) may erase a class the image is labelled
with: its walked map stays peaked on a small discriminative part and falls
below the background everywhere, or a larger neighbour's map spreads over it.
The image-level label says the class is there, and the most reliable evidence
of *where* is the core of its CAM, the pixels where the normalised CAM is
close to its maximum (the CAM classifier's most confident region). The
guarantee gives each labelled class its core back:

    core_c = {p : cam_c(p) >= core_score and cam_c(p) >= cam_k(p) for every k}
    label(p) = c on core_c, the refined label elsewhere

With CAMs normalised to a maximum of 1 (:func:`~mmwsss.ops.cam.normalize_cams`)
every labelled class has a non-empty core unless another class's CAM is at
least as high at its maximum, so no labelled class vanishes; where the
refinement already keeps the core nothing changes.
"""
import torch
from torch import Tensor


def cam_cores(cams: Tensor, core_score: float) -> Tensor:
    """The CAM core of each class as one label map.

    Args:
        cams: Normalised CAMs (C, H, W) in [0, 1], zero for the classes the
            image is not labelled with.
        core_score: CAM score from which a pixel belongs to a core, in (0, 1].

    Returns:
        Long tensor (H, W): ``c`` (1..C) on the core of class ``c`` (the
        highest CAM there, at least ``core_score``; the first class on ties),
        0 elsewhere.
    """
    if cams.dim() != 3 or cams.shape[0] < 1:
        raise ValueError(f'cams must be (C, H, W) with C >= 1, got shape {tuple(cams.shape)}')
    if not 0 < core_score <= 1:
        raise ValueError(f'core_score must be in (0, 1], got {core_score}')
    best, index = cams.max(dim=0)
    return torch.where(best >= core_score, index + 1, torch.zeros_like(index))


def keep_cam_cores(label: Tensor, cams: Tensor, core_score: float = 0.9) -> Tensor:
    """Give every labelled class its CAM core in a refined label map.

    Args:
        label: Refined pseudo label (H, W) or a batch (S, H, W) of maps of the
            same image, values 0..C (255 kept where no core is).
        cams: Normalised CAMs (C, H, W) of the image (see :func:`cam_cores`).
        core_score: CAM score from which a pixel belongs to a core, in (0, 1].

    Returns:
        The label map(s) with every core pixel set to its class (a new tensor
        of the dtype and device of ``label``).
    """
    if tuple(label.shape[-2:]) != tuple(cams.shape[-2:]) or label.dim() not in (2, 3):
        raise ValueError(f'label of shape {tuple(label.shape)} does not match CAMs of shape '
                         f'{tuple(cams.shape)}: expected (H, W) or (S, H, W) with the CAMs\' '
                         'H x W')
    cores = cam_cores(cams, core_score).to(device=label.device, dtype=label.dtype)
    return torch.where(cores > 0, cores.expand_as(label), label)
