"""Switch a config's test loop to multi-scale + flip and/or dense-CRF post-processing."""
import copy
import os.path as osp

from mmengine.config import Config

CRF_MODEL_TYPE = 'CRFSegTTAModel'


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
    single-scale prediction. The file name of every ``SaveMetricsHook`` gets the
    suffix of :func:`variant_suffix` (``seg_metrics_tta_crf.json``), so the
    variants of one work dir do not overwrite each other.

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
