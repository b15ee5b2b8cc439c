# PSA's classification network: wide ResNet-38 + CAM head (docs/method.md#cam).
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=8)
model = dict(
    type='CAMClassifier',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='WideResNet38',
        widen_factor=1.0,
        out_indices=(2, ),
        norm_eval=True,
        frozen_stages=1,
        # ImageNet weights converted with tools/convert_weights.py mxnet ...
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrained/resnet38_ilsvrc-cls_rna-a1.pth')),
    decode_head=dict(
        type='CAMHead', in_channels=4096, num_classes=20, dropout_ratio=0.5),
    test_cfg=dict(scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_score=0.2))
