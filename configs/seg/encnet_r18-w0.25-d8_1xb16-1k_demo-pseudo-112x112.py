# EncNet with the image-level SE-loss target for one CPU in minutes on the demo
# dataset (same backbone and schedule as the demo DeepLabV3+). MMSeg's
# histogram target: --cfg-options model.decode_head.se_target=histogram
_base_ = [
    'mmseg::_base_/models/encnet_r50-d8.py', '../_base_/datasets/demo_seg.py',
    '../_base_/seg_runtime.py', '../_base_/schedules/seg_sgd_poly_20k.py'
]
crop_size = (112, 112)
max_iters = 1000
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        depth=18, stem_channels=16, base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(
        type='ImageLabelEncHead',
        se_target='image_labels',
        in_channels=[32, 64, 128],
        channels=64,
        num_classes=7,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=64, channels=32, num_classes=7, norm_cfg=norm_cfg))
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
