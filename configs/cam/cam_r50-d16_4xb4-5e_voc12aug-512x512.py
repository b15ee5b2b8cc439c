# CAM stage in the IRNet style with an MMSeg backbone: ResNet-50 (ResNetV1c),
# output stride 16 (last stage stride 1), no dropout before pooling, all BN
# frozen, total batch 16 (4 GPUs x 4, or 16 / N on N processes), 5 epochs
# (last incomplete batch dropped), lr 0.1 (10x on the head), weight decay 1e-4,
# long side 320-640, crop 512, background score 0.15. IRNet's optimizer has
# PSA's quirk (weight decay passed as momentum): momentum 1e-4.
_base_ = [
    '../_base_/models/cam_classifier.py', '../_base_/datasets/voc12aug_cam.py',
    '../_base_/cam_runtime.py', '../_base_/schedules/cam_sgd_poly_15e.py'
]
crop_size = (512, 512)
max_epochs = 5
model = dict(
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        frozen_stages=0,
        contract_dilation=True,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')),
    decode_head=dict(in_channels=2048, dropout_ratio=0.0),
    test_cfg=dict(bg_score=0.15))
train_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(
        type='RandomResize',
        scale=(640, 640),
        ratio_range=(0.5, 1.0),
        keep_ratio=True,
        interpolation='bilinear'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCropPad', crop_size=crop_size),
    dict(type='PackWSSSInputs'),
]
total_batch_size = 16
auto_scale_lr = dict(enable=False, base_batch_size=16)
train_dataloader = dict(drop_last=True, dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=0.1, momentum=1e-4, weight_decay=1e-4))
param_scheduler = dict(end=max_epochs)
train_cfg = dict(max_epochs=max_epochs)
