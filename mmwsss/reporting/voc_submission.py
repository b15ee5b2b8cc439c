"""Predictions in the PASCAL VOC 2012 evaluation-server layout."""
import os
import os.path as osp
import tarfile
from typing import Optional, Sequence

import numpy as np

from mmwsss.utils import read_label_png
from mmwsss.utils.io import atomic_path, save_label_png

SUBMISSION_SUBDIR = osp.join('results', 'VOC2012', 'Segmentation', '{competition}_test_cls')
"""Folder of the result PNGs inside the archive (``comp5``: VOC data only,
``comp6``: other data allowed, e.g. ImageNet pretraining)."""


def write_voc_submission(pred_dir: str,
                         out_dir: str,
                         num_classes: int = 21,
                         competition: str = 'comp6',
                         image_ids: Optional[Sequence[str]] = None) -> str:
    """Write label maps as the VOC server expects them and archive them.

    Each ``{pred_dir}/{id}.png`` (raw label values, e.g. written by MMSeg's
    ``IoUMetric`` with ``format_only=True``) becomes an indexed PNG with the VOC
    palette at ``{out_dir}/results/VOC2012/Segmentation/{competition}_test_cls/{id}.png``;
    the ``results`` folder is archived as ``{out_dir}/results.tar.gz`` (the file
    to upload).

    Args:
        pred_dir: Folder of label PNGs, values 0..num_classes-1.
        out_dir: Output folder.
        num_classes: Number of classes K (background included; 21 for VOC).
        competition: ``comp5`` or ``comp6``.
        image_ids: Ids that must all have a prediction (the test split);
            default: every PNG of ``pred_dir``.

    Returns:
        Path of the ``.tar.gz`` archive.

    Raises:
        FileNotFoundError: ``pred_dir`` is missing, empty, or lacks an id of
            ``image_ids``.
        ValueError: a label map has a value >= ``num_classes`` or ``competition``
            is unknown.
    """
    if competition not in ('comp5', 'comp6'):
        raise ValueError(f'competition must be comp5 or comp6, got {competition!r}')
    if not osp.isdir(pred_dir):
        raise FileNotFoundError(f'prediction folder not found: {pred_dir}')
    if image_ids is None:
        image_ids = sorted(osp.splitext(name)[0] for name in os.listdir(pred_dir)
                           if name.endswith('.png'))
    if not image_ids:
        raise FileNotFoundError(f'no predictions (.png) in {pred_dir}')
    missing = [i for i in image_ids if not osp.isfile(osp.join(pred_dir, f'{i}.png'))]
    if missing:
        raise FileNotFoundError(f'{len(missing)} predictions missing in {pred_dir}, '
                                f'e.g. {missing[0]}.png')
    subdir = SUBMISSION_SUBDIR.format(competition=competition)
    for image_id in image_ids:
        path = osp.join(pred_dir, f'{image_id}.png')
        label = read_label_png(path)
        if label.ndim != 2 or int(label.max()) >= num_classes:
            raise ValueError(f'{path}: expected a 2-D label map with values '
                             f'0..{num_classes - 1}, got shape {label.shape}, '
                             f'max {int(label.max())}')
        save_label_png(label.astype(np.uint8), osp.join(out_dir, subdir, f'{image_id}.png'))
    archive = osp.join(out_dir, 'results.tar.gz')
    with atomic_path(archive) as tmp:
        with tarfile.open(tmp, 'w:gz') as tar:
            for image_id in image_ids:
                name = osp.join(subdir, f'{image_id}.png')
                tar.add(osp.join(out_dir, name), arcname=name)
    return archive
