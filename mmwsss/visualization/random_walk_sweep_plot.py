"""Picture of a random-walk settings sweep: mIoU over the (background, beta, t) grid."""
import os
from typing import Mapping, Optional, Sequence, Union

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mmwsss.ops.random_walk_sweep import Background, Setting
from mmwsss.utils.io import atomic_path



def plot_random_walk_sweep(miou: Mapping[Setting, float],
                           backgrounds: Sequence[Background],
                           betas: Sequence[float],
                           iters: Sequence[int],
                           path: Union[str, os.PathLike],
                           crf_miou: Optional[Mapping[Setting, float]] = None,
                           title: str = '',
                           agreement: Optional[Mapping[Setting, float]] = None,
                           chosen: Optional[Setting] = None) -> None:
    """Atomically write a PNG: one heat map (background x t) of the mIoU per beta.

    Each cell shows the mIoU (%), the CRF agreement (the ground-truth-free
    criterion, see :mod:`~mmwsss.evaluation.label_criterion`) and, where the
    CRF was scored, the RW + CRF mIoU below it; the best setting without the
    CRF is framed in red, the best with the CRF in blue, the setting chosen
    without ground truth in orange. Without ground truth, pass the CRF
    agreement as ``miou`` (the colours then show it) and no ``agreement``.

    Args:
        miou: ``(background, beta, t)`` -> mIoU without the CRF (or the value
            shown), for the whole grid.
        backgrounds: Walked (alpha) and constant backgrounds (rows).
        betas: Affinity exponents (one panel each).
        iters: Numbers of steps (columns).
        path: Destination ``.png``.
        crf_miou: ``(background, beta, t)`` -> mIoU with the CRF, for some settings.
        title: Figure title.
        agreement: ``(background, beta, t)`` -> CRF agreement, for the whole grid.
        chosen: The setting chosen without ground truth.
    """
    crf_miou = dict(crf_miou or {})
    agreement = dict(agreement or {})
    values = np.array([[[miou[(background, beta, t)] for t in iters] for background in backgrounds]
                       for beta in betas])
    best = max(miou, key=miou.get)
    best_crf = max(crf_miou, key=crf_miou.get) if crf_miou else None
    # rows are labelled on the first panel only; the layout makes room for
    # the labels and the title
    figure = Figure(figsize=(2.4 + 0.9 * len(iters) * len(betas),
                             1.6 + (0.75 if agreement else 0.55) * len(backgrounds)), layout='constrained')
    axes_list = np.atleast_1d(figure.subplots(1, len(betas), squeeze=False)[0])
    for panel, (axes, beta) in enumerate(zip(axes_list, betas)):
        image = axes.imshow(values[panel], vmin=values.min(), vmax=values.max(),
                            cmap='viridis', aspect='auto')
        for row, background in enumerate(backgrounds):
            for col, num_iters in enumerate(iters):
                setting = (background, beta, num_iters)
                text = f'{miou[setting]:.1f}'
                if setting in agreement:
                    text += f'\nagr {agreement[setting]:.1f}'
                if setting in crf_miou:
                    text += f'\n+CRF {crf_miou[setting]:.1f}'
                axes.text(col, row, text, ha='center', va='center', fontsize=7,
                          color='white' if values[panel, row, col] < values.mean() else 'black')
                for marked, colour in ((best, 'red'), (best_crf, 'blue'),
                                       (chosen, 'orange')):
                    if setting == marked:
                        axes.add_patch(Rectangle((col - 0.47, row - 0.47), 0.94, 0.94,
                                                 fill=False, edgecolor=colour, linewidth=2.5))
        axes.set_xticks(range(len(iters)), [str(t) for t in iters])
        axes.set_yticks(range(len(backgrounds)),
                        [str(b) for b in backgrounds] if panel == 0 else [])
        axes.set_xlabel('t (steps)')
        if panel == 0:
            axes.set_ylabel('background')
        axes.set_title(f'beta {beta:g}', fontsize=9)
    figure.colorbar(image, ax=list(axes_list), label='mIoU (%)', shrink=0.9)
    figure.suptitle(title, fontsize=9, wrap=True)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=100, format='png')
