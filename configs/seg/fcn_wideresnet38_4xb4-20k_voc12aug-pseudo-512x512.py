# PSA's segmentation backbone, the wide ResNet-38 (output stride 8, ImageNet
# weights converted with tools/convert_weights.py mxnet, BatchNorm frozen as in
# PSA), with a simple FCN head (one 3x3 conv, 512 channels, dilation 12, then
# the classifier), on VOC train_aug pseudo labels; compare with PSA's ResNet-38 row.
_base_ = [
    '../_base_/datasets/voc12aug_seg.py', '../_base_/seg_runtime.py',
    '../_base_/schedules/seg_sgd_poly_20k.py'
]
crop_size = (512, 512)
# MMSeg's recipe batch over all processes (4 GPUs x 4): each of N processes
# loads 16 / N images (mmwsss.utils.load_config)
total_batch_size = 16
auto_scale_lr = dict(enable=False, base_batch_size=16)
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='WideResNet38',
        widen_factor=1.0,
        out_indices=(2, ),
        norm_eval=True,
        frozen_stages=1,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrained/resnet38_ilsvrc-cls_rna-a1.pth')),
    decode_head=dict(
        type='FCNHead',
        in_channels=4096,
        in_index=0,
        channels=512,
        num_convs=1,
        kernel_size=3,
        dilation=12,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=21,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
