"""The file format of the affinities stored by the random-walk step.

One ``{img_id}.npz`` per image (no pickle), enough to re-run the random walk
without the network (``tools/sweep_random_walk.py``):

- ``affinity`` float16 (K, P): AffinityNet's pair affinities of the whole
  image's ``h x w`` feature map;
- ``feat_size`` int64 (2,): ``(h, w)``; ``img_size`` int64 (2,): ``(H, W)``;
- ``radius``, ``stride``, ``num_classes``: int64 scalars (pair radius,
  output stride, number of foreground classes C);
- ``cam_path``: str, the CAM file the walk propagated.
"""
import os
from typing import Dict, Tuple, Union

import numpy as np
import torch

from .finite import check_finite
from .io import save_npz
from .readers import read_npz

PathLike = Union[str, os.PathLike]
KEYS = ('affinity', 'feat_size', 'img_size', 'radius', 'stride', 'num_classes',
        'cam_path')


def save_walk_affinity(path: PathLike, affinity: torch.Tensor, feat_size: Tuple[int, int],
                       img_size: Tuple[int, int], radius: int, stride: int,
                       num_classes: int, cam_path: str) -> None:
    """Atomically write one image's affinities (see the module doc).

    Args:
        path: Destination ``.npz``.
        affinity: Pair affinities (K, P), stored as float16.
        feat_size: Feature map size ``(h, w)``.
        img_size: Image size ``(H, W)``.
        radius: Pair radius r.
        stride: Output stride of the features.
        num_classes: Number of foreground classes C.
        cam_path: CAM file the random walk used.
    """
    save_npz(path,
             affinity=affinity.detach().cpu().numpy().astype(np.float16),
             feat_size=np.asarray(feat_size, dtype=np.int64),
             img_size=np.asarray(img_size, dtype=np.int64),
             radius=np.int64(radius), stride=np.int64(stride),
             num_classes=np.int64(num_classes), cam_path=np.str_(cam_path))


def load_walk_affinity(path: PathLike) -> Dict[str, object]:
    """Read a file written by :func:`save_walk_affinity`.

    Returns:
        dict with ``affinity`` (float32 tensor (K, P)), ``feat_size`` and
        ``img_size`` (tuples of ints), ``radius``, ``stride``,
        ``num_classes`` (ints) and ``cam_path`` (str).
    """
    data = read_npz(path, kind='random-walk affinity file')
    missing = [key for key in KEYS if key not in data]
    if missing:
        raise KeyError(f'{path} is not a random-walk affinity file (missing {missing})')
    check_finite(data['affinity'], f'random-walk affinity file {path}')
    return dict(affinity=torch.from_numpy(data['affinity'].astype(np.float32)),
                feat_size=tuple(int(v) for v in data['feat_size']),
                img_size=tuple(int(v) for v in data['img_size']),
                radius=int(data['radius']), stride=int(data['stride']),
                num_classes=int(data['num_classes']), cam_path=str(data['cam_path']))
