"""Switch a config's test loop to multi-scale + flip and/or dense-CRF post-processing,
and check the test settings of MMSeg's segmentors."""
import copy
import os.path as osp
from typing import Mapping

from mmengine.config import Config

from .ranges import Each, OneOf, Range, check_settings

CRF_MODEL_TYPE = 'CRFSegTTAModel'

SEG_MODEL_TYPES = ('EncoderDecoder', 'MultiScaleInputEncoderDecoder')
"""MMSeg segmentors (and mmwsss's subclass of ``EncoderDecoder``) whose
``test_cfg`` :func:`check_seg_test_cfg` checks (not
``CascadeEncoderDecoder``: its heads read keys of their own, PointRend's
``subdivision_steps`` ...)."""

TTA_MODEL_TYPES = ('SegTTAModel', CRF_MODEL_TYPE)
"""Test-time wrappers: the segmentor they wrap is their ``module``."""

SEG_TEST_CFG_RULES = dict(
    mode=OneOf(('whole', 'slide')),
    crop_size=Each(Range(1, integer=True), length=2),
    stride=Each(Range(1, integer=True), length=2))
"""What MMSeg's ``EncoderDecoder`` reads from its ``test_cfg``."""


def check_seg_test_cfg(model: Mapping) -> None:
    """Refuse unknown keys and bad values in the ``test_cfg`` of an MMSeg segmentor.

    MMSeg's ``EncoderDecoder`` reads ``mode`` (``'whole'`` or ``'slide'``)
    and, for ``'slide'``, ``crop_size`` and ``stride`` (two positive
    integers each) and silently ignores any other key; here an unknown key
    (a typo), a zero stride or a slide without its crop is an error naming
    the key. Other model types (mmwsss's own
    check their settings when built) pass; a test-time wrapper's
    ``module`` is checked.

    Args:
        model: A model config (``cfg.model``).

    Raises:
        KeyError: unknown key, or ``mode='slide'`` without ``crop_size`` or
            ``stride``.
        ValueError: a value out of range (see
            :func:`~mmwsss.utils.ranges.check_settings`).
    """
    if model.get('type') in TTA_MODEL_TYPES and isinstance(model.get('module'), Mapping):
        model = model['module']
    if model.get('type') not in SEG_MODEL_TYPES:
        return
    where = f'{model["type"]} test_cfg'
    test_cfg = check_settings(model.get('test_cfg'), SEG_TEST_CFG_RULES, where)
    missing = [key for key in ('crop_size', 'stride') if key not in test_cfg]
    if test_cfg.get('mode') == 'slide' and missing:
        raise KeyError(f'{where}: mode \'slide\' needs {missing}')


def variant_suffix(tta: bool, crf: bool) -> str:
    """File-name suffix of a test-time variant: '', '_tta', '_crf' or '_tta_crf'."""
    return ('_tta' if tta else '') + ('_crf' if crf else '')


def apply_test_time_options(cfg: Config, tta: bool = False, crf: bool = False) -> None:
    """Configure the test loop for MMSeg test-time augmentation and/or a dense CRF.

    As MMSeg's ``tools/test.py --tta``: with ``tta`` the test pipeline becomes
    ``cfg.tta_pipeline`` and the model is wrapped in ``cfg.tta_model`` (MMSeg's
    ``SegTTAModel`` by default). With ``crf`` the wrapper is
    :class:`mmwsss.models.segmentors.CRFSegTTAModel` with ``cfg.crf_cfg`` (the
    dense-CRF settings, PSA's when absent); without ``tta`` it refines the
    single-scale prediction. The file name of every ``SaveMetricsHook``, and the
    label folders of every ``SavePseudoLabelHook`` with ``resumable=False``
    (the predictions the metrics are computed from), get the suffix of
    :func:`variant_suffix` (``seg_metrics_tta_crf.json``,
    ``seg_predictions_tta_crf/``), so the variants of one work dir do not
    overwrite each other.

    Args:
        cfg: Config to modify in place.
        tta: Use multi-scale + flip test-time augmentation.
        crf: Refine the predictions with a dense CRF.

    Raises:
        KeyError: ``tta`` is set but the config has no ``tta_pipeline``.
    """
    if not (tta or crf):
        return
    if tta:
        if not cfg.get('tta_pipeline'):
            raise KeyError(f'config {cfg.filename} has no tta_pipeline (needed for --tta)')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        wrapper = copy.deepcopy(cfg.get('tta_model') or dict(type='SegTTAModel'))
    else:
        wrapper = dict(type=CRF_MODEL_TYPE)
    if crf:
        wrapper['type'] = CRF_MODEL_TYPE
        wrapper['crf_cfg'] = copy.deepcopy(cfg.get('crf_cfg') or {})
    wrapper['module'] = cfg.model
    cfg.model = wrapper
    suffix = variant_suffix(tta, crf)
    for hook in cfg.get('custom_hooks') or []:
        if hook.get('type') == 'SaveMetricsHook':
            stem, ext = osp.splitext(hook.get('filename', 'test_metrics.json'))
            hook['filename'] = stem + suffix + ext
        if hook.get('type') == 'SavePseudoLabelHook' and hook.get('resumable') is False:
            hook['label_dirs'] = {field: folder + suffix
                                  for field, folder in hook['label_dirs'].items()}
