# PSA's CAM network on VOC 2012 (train_aug), official hyper-parameters:
# batch 16 over 4 GPUs, crop 448, 15 epochs, poly lr 0.01, frozen BN.
_base_ = [
    '../_base_/models/cam_wideresnet38.py',
    '../_base_/datasets/voc12aug_cam.py', '../_base_/default_runtime.py',
    '../_base_/schedules/cam_sgd_poly_15e.py'
]
custom_hooks = [
    dict(type='ProgressBarHook'),
    dict(type='SaveCAMHook'),
    dict(type='SaveMetricsHook', filename='cam_metrics.json'),
]
