"""Per-class Markdown tables of the flat metrics every mmwsss stage writes.

The flat format (see
:func:`~mmwsss.evaluation.metrics.pseudo_label_metric.pseudo_label_metrics`)
holds ``mIoU``, ``mPrecision``, ``mRecall``, ``aAcc`` and, per class,
``IoU.{class}``, ``Precision.{class}``, ``Recall.{class}`` (percent); the
same keys may come again under a prefix (``best/IoU.{class}`` ...: the CAM
scores at the best background threshold of the sweep).
"""
import os.path as osp
from typing import Dict, Mapping, Optional, Tuple

from mmwsss.utils import atomic_path

SCORES = ('IoU', 'Precision', 'Recall')
"""Per-class scores of a table, in column order."""

BEST_PREFIX = 'best/'
"""Key prefix of the scores at the best background threshold of a CAM sweep."""


def score_value(value: object) -> float:
    """A score of a metrics file as a float: ``null`` (an undefined score, as
    :func:`~mmwsss.utils.io.save_json` writes NaN) is NaN."""
    return float('nan') if value is None else float(value)


def per_class_scores(metrics: Mapping[str, object],
                     prefix: str = '') -> Dict[str, Dict[str, float]]:
    """The per-class scores of flat metrics, in the metrics' class order.

    Args:
        metrics: Flat metrics (``{prefix}IoU.{class}`` ... keys).
        prefix: Key prefix of the scores (``''`` or :data:`BEST_PREFIX`).

    Returns:
        ``{class: {'IoU': ..., 'Precision': ..., 'Recall': ...}}``, one entry
        per ``{prefix}IoU.{class}`` key, in key order; empty when there is none
        (e.g. the metrics of mmseg's ``IoUMetric``).

    Raises:
        KeyError: a class has an IoU but no precision or recall.
        ValueError: a score is not a number (the message names its key).
    """
    iou_prefix = f'{prefix}IoU.'
    scores = {}
    for key in metrics:
        if not key.startswith(iou_prefix):
            continue
        name = key[len(iou_prefix):]
        scores[name] = {}
        for score in SCORES:
            full_key = f'{prefix}{score}.{name}'
            if full_key not in metrics:
                raise KeyError(f'metrics have {key!r} but no {full_key!r}')
            try:
                scores[name][score] = score_value(metrics[full_key])
            except (TypeError, ValueError) as error:
                raise ValueError(f'metrics key {full_key!r} must be a number, got '
                                 f'{metrics[full_key]!r}') from error
    return scores


def per_class_survival(metrics: Mapping[str, object]
                       ) -> Dict[str, Tuple[Optional[float], Optional[float]]]:
    """Kept share and area ratio per class of label-survival metrics.

    Args:
        metrics: The flat metrics of
            :func:`~mmwsss.evaluation.label_survival.survival_metrics`
            (``kept.{class}``, ``area_ratio.{class}``; None where unknown).

    Returns:
        ``{class: (kept, area_ratio)}`` in key order, kept in 0..1.

    Raises:
        KeyError: a class has a kept share but no area ratio.
    """
    survival = {}
    for key, kept in metrics.items():
        if not key.startswith('kept.'):
            continue
        name = key[len('kept.'):]
        if f'area_ratio.{name}' not in metrics:
            raise KeyError(f"survival metrics have {key!r} but no 'area_ratio.{name}'")
        ratio = metrics[f'area_ratio.{name}']
        survival[name] = (None if kept is None else float(kept),
                          None if ratio is None else float(ratio))
    return survival


def per_class_markdown(metrics: Mapping[str, object], prefix: str = '') -> str:
    """Markdown table of the per-class scores and their means.

    Header ``| class | IoU | Precision | Recall |``, one row per class in the
    metrics' order (background first), values with 2 decimals, and a last
    row ``| mean | {mIoU} | {mPrecision} | {mRecall} |``.

    Args:
        metrics: Flat metrics with per-class keys and ``{prefix}mIoU``,
            ``{prefix}mPrecision``, ``{prefix}mRecall``.
        prefix: Key prefix of the scores (``''`` or :data:`BEST_PREFIX`).

    Returns:
        The table, one line per row, ending with a newline.

    Raises:
        KeyError: no per-class keys with this prefix, or a mean is missing.
    """
    scores = per_class_scores(metrics, prefix)
    if not scores:
        raise KeyError(f'metrics have no {prefix}IoU.{{class}} keys')
    means = []
    for score in SCORES:
        key = f'{prefix}m{score}'
        if key not in metrics:
            raise KeyError(f'metrics have no {key!r}')
        means.append(score_value(metrics[key]))
    lines = ['| class | ' + ' | '.join(SCORES) + ' |', '|' + ' --- |' * (len(SCORES) + 1)]
    rows = [(name, [values[score] for score in SCORES]) for name, values in scores.items()]
    rows.append(('mean', means))
    lines += [f'| {name} | ' + ' | '.join(f'{value:.2f}' for value in values) + ' |'
              for name, values in rows]
    return '\n'.join(lines) + '\n'


def per_class_document(metrics: Mapping[str, object], title: str) -> str:
    """The Markdown text of a ``*_per_class.md`` file.

    Args:
        metrics: Flat metrics with per-class keys; with ``best_bg_threshold``
            and ``best/`` keys (a CAM sweep) a second table gives the scores
            at that threshold.
        title: Heading of the document (e.g. the metrics file's name).

    Returns:
        ``# {title}``, the table of the metrics and, for a sweep, a section
        ``## Best background threshold {t:.2f} ...`` with its table.
    """
    text = f'# {title}\n\n' + per_class_markdown(metrics)
    if per_class_scores(metrics, BEST_PREFIX) and 'best_bg_threshold' in metrics:
        text += (f'\n## Best background threshold {float(metrics["best_bg_threshold"]):.2f}'
                 ' (tuned on the ground truth)\n\n'
                 + per_class_markdown(metrics, BEST_PREFIX))
    return text


def write_per_class_table(metrics: Mapping[str, object],
                          json_path: str) -> Optional[str]:
    """Write ``{json stem}_per_class.md`` beside a metrics JSON (atomically).

    Args:
        metrics: The flat metrics written to ``json_path``.
        json_path: The metrics JSON file.

    Returns:
        The Markdown file written, or None when the metrics hold no per-class
        keys (nothing is written).
    """
    if not per_class_scores(metrics):
        return None
    out = osp.splitext(json_path)[0] + '_per_class.md'
    text = per_class_document(metrics, f'Per-class scores (%) of {osp.basename(json_path)}')
    with atomic_path(out) as tmp:
        tmp.write_text(text)
    return out
