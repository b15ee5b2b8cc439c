# Runtime shared by every mmwsss config.
default_scope = 'mmseg'
custom_imports = dict(imports=['mmwsss'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # on CPU processes mmwsss.utils.load_config starts gloo instead.
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
# No fixed name: the Runner names the visualizer (like its logger and message
# hub) after its experiment, so each stage of a pipeline, run in one process,
# gets its own, writing under its own work dir (mmengine's get_instance would
# hand a later runner the first one of a fixed name, with its folder).
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # CheckpointHook writing each file atomically: a killed save or a full disk
    # leaves no cut checkpoint under its final name
    checkpoint=dict(
        type='AtomicCheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # refuse a checkpoint that matches under half of the model (strict=False: warn)
    checkpoint_keys=dict(type='CheckpointKeysHook', min_loaded=0.5, strict=True),
    # heads' num_classes against the datasets' classes, before the first image
    num_classes_check=dict(type='NumClassesCheckHook'),
    # stop at the first NaN / infinite loss, naming the batch's images
    finite_loss=dict(type='FiniteLossHook'),
    # checkpoints carry the random generators' states: resumed runs match
    random_state=dict(type='RandomStateHook'))
# Checkpoint files that may be fully unpickled (weights_only=False), e.g. an
# official checkpoint you trust; every other file loads weights only.
trusted_checkpoints = []
