# Runtime of the segmentation stage: iteration-based logging and checkpoints
# (MMSeg's schedules), MMSeg's test-time augmentation wrapper, and the test
# metrics written to {work_dir}/seg_metrics.json (tools/test.py --tta / --crf
# write seg_metrics_tta.json, seg_metrics_crf.json, seg_metrics_tta_crf.json).
# Dense-CRF settings for --crf: crf_cfg = dict(...) (keyword arguments of
# mmwsss.ops.crf.dense_crf; PSA's when absent).
_base_ = ['./default_runtime.py']
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='AtomicCheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=2))
tta_model = dict(type='SegTTAModel')
custom_hooks = [
    dict(type='ProgressBarHook'),
    dict(type='SaveMetricsHook', filename='seg_metrics.json'),
]
