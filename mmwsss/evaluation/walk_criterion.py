"""Choose pseudo-label settings without ground truth.

Two measurements that need only the images, their image-level labels and the
maps the trained networks produced:

- **CRF agreement** (:func:`crf_agreement`): the mean IoU of a label map
  against its own dense-CRF refinement (the CRF of the scores it was the
  argmax of, PSA's "+ dCRF" step). The CRF moves label boundaries onto the
  image's colour edges: labels that spill past an object's edge into the
  background, or stop short of it inside the object, are changed by the CRF;
  labels whose boundaries already follow the edges are not. Too low a
  background score spills, too high a one shrinks objects, too many walk
  steps or too small a beta smear across edges: each lowers the agreement.
  Averaging the IoU over classes (not pixels) makes small classes count.
- **Label survival** (:mod:`~mmwsss.evaluation.label_survival`): a setting
  that makes a labelled class collapse (kept in under half of its images, or
  under a quarter of its CAM-label area) is only chosen when every setting
  does; edges alone cannot see that a class vanished (a discriminative part
  has sharp edges of its own).

:func:`choose_setting` takes the setting of highest agreement among those
with the fewest collapsed classes.
"""
from typing import Hashable, Mapping, TypeVar

import numpy as np

S = TypeVar('S', bound=Hashable)


def crf_agreement(confusion: np.ndarray) -> float:
    """Mean IoU (%) of labels against their CRF refinement.

    Args:
        confusion: (n, n) counts summed over images, rows the CRF-refined
            labels, columns the labels before the CRF.

    Returns:
        The mean over the labels present in either (a row or column sum above
        zero) of ``diag / (row + column - diag)``, in percent; 100 for an
        empty matrix.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f'confusion must be a square matrix, got shape {confusion.shape}')
    diag = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - diag
    present = union > 0
    if not present.any():
        return 100.0
    return float(100 * np.mean(diag[present] / union[present]))


def choose_setting(agreement: Mapping[S, float], collapsed: Mapping[S, int]) -> S:
    """The setting of highest CRF agreement among those that collapse fewest classes.

    Args:
        agreement: Setting -> CRF agreement (:func:`crf_agreement`).
        collapsed: Setting -> number of collapsed classes (every setting of
            ``agreement`` must be a key).

    Returns:
        The chosen setting (the first in ``agreement``'s order on ties).
    """
    if not agreement:
        raise ValueError('no setting to choose from')
    missing = [setting for setting in agreement if setting not in collapsed]
    if missing:
        raise KeyError(f'no collapse count for the settings {missing}')
    fewest = min(collapsed[setting] for setting in agreement)
    candidates = [setting for setting in agreement if collapsed[setting] == fewest]
    return max(candidates, key=lambda setting: agreement[setting])
