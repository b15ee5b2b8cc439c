"""Persist the metrics of a test loop as JSON (and the threshold curve as a plot)."""
import os.path as osp
from typing import Dict, Optional

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmwsss.evaluation.metrics.pseudo_label_metric import SWEEP_PREFIX
from mmwsss.reporting.per_class_table import write_per_class_table
from mmwsss.utils import save_json
from mmwsss.visualization import plot_threshold_curve


@HOOKS.register_module()
class SaveMetricsHook(Hook):
    """Write the test metrics to ``{work_dir}/{filename}`` on the main process.

    When the metrics hold a background-threshold sweep (``sweep/mIoU@t`` keys of
    :class:`PseudoLabelMetric`), the curve is also saved as JSON and as a PNG
    plot next to it (``{stem}_sweep.json``, ``{stem}_sweep.png``). When they
    hold per-class keys (``IoU.{class}`` ...), their table is written beside
    the JSON as ``{stem}_per_class.md``, with a second table at the best
    background threshold for a sweep (see
    :func:`~mmwsss.reporting.per_class_table.per_class_document`).

    Args:
        filename: JSON file name, relative to the work dir.
    """

    priority = 'LOW'

    def __init__(self, filename: str = 'test_metrics.json') -> None:
        self.filename = filename

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        """Save the metrics (main process only)."""
        if not is_main_process() or not metrics:
            return
        path = osp.join(runner.work_dir, self.filename)
        # MMSeg's IoUMetric returns numpy scalars, which JSON cannot hold; str()
        # gives a float32 its shortest decimal (69.17, not 69.16999816894531)
        metrics = {key: float(str(value)) if isinstance(value, np.floating)
                   else value.item() if isinstance(value, np.generic) else value
                   for key, value in metrics.items()}
        save_json(metrics, path)
        table = write_per_class_table(metrics, path)
        if table:
            runner.logger.info(f'per-class table written to {table}')
        curve = {float(key[len(SWEEP_PREFIX):]): value
                 for key, value in metrics.items() if key.startswith(SWEEP_PREFIX)}
        if curve:
            stem = osp.splitext(path)[0]
            save_json(dict(thresholds=list(curve), mIoU=list(curve.values()),
                           best_bg_threshold=metrics.get('best_bg_threshold'),
                           best_mIoU=metrics.get('best_mIoU')), f'{stem}_sweep.json')
            plot_threshold_curve(curve, f"{stem}_sweep.png")
        runner.logger.info(f'metrics written to {path}')

