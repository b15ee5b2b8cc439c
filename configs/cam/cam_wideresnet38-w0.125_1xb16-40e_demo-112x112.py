# CAM stage on the embedded demo dataset, for one CPU in minutes: the same
# ResNet-38 architecture at an eighth of the width, trained from scratch
# (so BatchNorm trains and nothing is frozen), batch 16, crop 112.
# Optimiser: PSA's SGD recipe (lr 0.01, 10x on the head) assumes ImageNet
# weights; from scratch it barely moves in this budget (loss 0.76 after 6
# epochs), Adam at 1e-3 learns (0.50). The VOC configs keep the official SGD.
_base_ = [
    '../_base_/models/cam_wideresnet38.py', '../_base_/datasets/demo_cam.py',
    '../_base_/default_runtime.py', '../_base_/schedules/cam_sgd_poly_15e.py'
]
max_epochs = 40
model = dict(
    backbone=dict(
        widen_factor=0.125, norm_eval=False, frozen_stages=0, init_cfg=None),
    decode_head=dict(in_channels=512, num_classes=6))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.0))
# mmengine's poly lr (the official PSAPolyLR's schedule is one step longer)
param_scheduler = dict(type='PolyLR', end=max_epochs)
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
custom_hooks = [
    dict(type='ProgressBarHook'),
    # removes temporaries of killed runs; skip_written=True (set by the
    # pipeline) skips the images already written
    dict(type='ResumeWritersHook'),
    dict(type='SaveCAMHook', overlay_dir='cam_overlays'),
    # after a resumed loop, the metrics of all images, from the files
    dict(
        type='ScorePseudoLabelsHook',
        metric_label_dir='cam_pseudo_labels',
        metric_cam_dir='cams'),
    dict(type='SaveMetricsHook', filename='cam_metrics.json'),
]
