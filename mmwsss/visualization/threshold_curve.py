"""Plot of pseudo-label mIoU against the background threshold."""
import os
from typing import Mapping, Union

from matplotlib.figure import Figure

from mmwsss.utils.io import atomic_path


def plot_threshold_curve(curve: Mapping[float, float],
                         path: Union[str, os.PathLike]) -> None:
    """Atomically write a PNG plot of mIoU (%) against the background score.

    Args:
        curve: Background threshold -> mIoU in percent.
        path: Destination ``.png``.
    """
    figure = Figure(figsize=(5, 3.5))
    axes = figure.subplots()
    axes.plot(list(curve), list(curve.values()), marker='o')
    axes.set_xlabel('background score')
    axes.set_ylabel('mIoU (%)')
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=100, format='png')
