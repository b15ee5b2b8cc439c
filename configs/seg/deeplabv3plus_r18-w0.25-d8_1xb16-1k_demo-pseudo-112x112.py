# DeepLabV3+ for one CPU in minutes on the demo dataset: a quarter-width
# ResNetV1c-18-D8 (16 to 128 channels) trained from scratch (BN, no
# pretraining), batch 16, crop 112, 1k iterations, on the demo pseudo labels:
#   --cfg-options train_dataloader.dataset.data_prefix.seg_map_path=$PWD/work_dirs/demo/rw/pseudo_labels
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py', '../_base_/datasets/demo_seg.py',
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
        in_channels=128,
        channels=64,
        dilations=(1, 3, 6, 9),
        c1_in_channels=16,
        c1_channels=12,
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
