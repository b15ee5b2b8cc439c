# CAM stage on the embedded demo dataset, for one CPU in minutes: the same
# ResNet-38 architecture at an eighth of the width, trained from scratch
# (so BatchNorm trains and nothing is frozen), batch 16, crop 112.
# Optimiser: PSA's SGD recipe (lr 0.01, 10x on the head) assumes ImageNet
# weights; from scratch it barely moves in this budget (loss 0.76 after 6
# epochs), Adam at 1e-3 learns (0.50). The VOC configs keep the official SGD.
_base_ = [
    '../_base_/models/cam_wideresnet38.py', '../_base_/datasets/demo_cam.py',
    '../_base_/cam_runtime.py', '../_base_/schedules/cam_sgd_poly_15e.py'
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
# the hooks of cam_runtime.py, with CAM heat maps over the images (cam_overlays/)
custom_hooks = [
    dict(h, overlay_dir='cam_overlays') if h.type == 'SaveCAMHook' else h
    for h in _base_.custom_hooks
]
