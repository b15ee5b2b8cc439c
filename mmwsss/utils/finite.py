"""Refuse NaN and infinity where values enter a stage (files, network outputs, losses)."""
from typing import Union

import numpy as np
import torch


class NonFiniteError(FloatingPointError):
    """An array or a loss holds NaN or infinity."""


def check_finite(values: Union[np.ndarray, torch.Tensor], what: str) -> None:
    """Raise if ``values`` holds a NaN or an infinity.

    Args:
        values: Array or tensor, any shape.
        what: Description for the message, e.g. ``"CAMs of image '2007_000032'
            (cams/2007_000032.npz)"``.

    Raises:
        NonFiniteError: naming ``what``, the counts of NaN and infinite values
            and, for arrays of 2 or more dimensions, the index of the first one.
    """
    if isinstance(values, torch.Tensor):
        values = values.detach()
        if bool(torch.isfinite(values).all()):
            return
        values = values.float().cpu().numpy()
    else:
        values = np.asarray(values)
        if values.dtype.kind not in 'fc' or np.isfinite(values).all():
            return
    bad = ~np.isfinite(values)
    first = tuple(int(i) for i in np.argwhere(bad)[0]) if values.ndim else ()
    raise NonFiniteError(
        f'{what}: {int(np.isnan(values).sum())} NaN and {int(np.isinf(values).sum())} '
        f'infinite values of {values.size}' + (f', first at index {first}' if first else ''))
