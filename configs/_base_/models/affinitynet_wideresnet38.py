# PSA's AffinityNet: wide ResNet-38 (conv4, conv5, conv6) + affinity head
# (docs/method.md#affinitynet). The backbone starts from the ImageNet weights, as in
# PSA (not from the CAM network); BN stays frozen and conv1a/b2 are frozen.
_base_ = ['./imagenet_data_preprocessor.py']
model = dict(
    type='AffinityNet',
    backbone=dict(
        type='WideResNet38',
        widen_factor=1.0,
        out_indices=(0, 1, 2),
        norm_eval=True,
        frozen_stages=1,
        # ImageNet weights converted with tools/convert_weights.py mxnet ...
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrained/resnet38_ilsvrc-cls_rna-a1.pth')),
    decode_head=dict(
        type='AffinityHead',
        in_channels=(512, 1024, 4096),
        channels=(64, 128, 256),
        in_index=(0, 1, 2),
        radius=5,
        loss_decode=dict(type='PairAffinityLoss', loss_weight=1.0)),
    # random walk: background alpha 16, beta 8, t = 256; crf=True adds RW + dCRF
    test_cfg=dict(bg_alpha=16, beta=8, num_iters=256, stride=8, crf=False))
