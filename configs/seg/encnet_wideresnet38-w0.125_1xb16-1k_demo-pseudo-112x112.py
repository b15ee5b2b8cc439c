# EncNet with the image-level SE-loss target for one CPU in minutes on the demo
# dataset: the backbone, initialisation and schedule of the demo DeepLabV3+
# (the narrow wide ResNet-38 of the demo CAM classifier). MMSeg's
# pseudo-label histogram target: --cfg-options model.decode_head.se_target=histogram
_base_ = ['./deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='ImageLabelEncHead',
        se_target='image_labels',
        in_channels=[64, 128, 512],
        in_index=(0, 1, 2),
        channels=64,
        num_codes=32,
        use_se_loss=True,
        add_lateral=False,
        dropout_ratio=0.1,
        num_classes=7,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_se_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=0.2)))
