# PSA's classification network: wide ResNet-38 + CAM head (docs/method.md#cam).
_base_ = ['./cam_classifier.py']
model = dict(
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
    decode_head=dict(in_channels=4096, dropout_ratio=0.5))
