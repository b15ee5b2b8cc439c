# EPS on the embedded demo dataset: the demo CAM config (same narrow ResNet-38,
# schedule, lr, crop, augmentation and test-time hooks) with the EPS head and
# the demo's saliency maps, so the two CAM-only pseudo labels compare fairly.
# The pipeline is the CAM demo's plus the saliency map (a test checks that).
_base_ = ['../cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py']
crop_size = (112, 112)
train_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='LoadSaliencyMap'),
    # long side uniform in [112, 160], bicubic (saliency bilinear)
    dict(
        type='RandomResize',
        scale=(160, 160),
        ratio_range=(0.7, 1.0),
        keep_ratio=True,
        interpolation='bicubic',
        resize_type='SegFieldsResize'),
    dict(type='SegFieldsRandomFlip', prob=0.5),
    dict(
        type='RandomColorJitter',
        brightness=0.3,
        contrast=0.3,
        saturation=0.3,
        hue=0.1),
    dict(type='RandomCropPad', crop_size=crop_size),
    dict(type='PackWSSSInputs'),
]
model = dict(
    decode_head=dict(
        _delete_=True,
        type='EPSHead',
        in_channels=512,
        num_classes=6,
        tau=0.4,
        lam=0.5))
train_dataloader = dict(
    dataset=dict(
        data_prefix=dict(saliency_path='SaliencyMaps'),
        pipeline=train_pipeline))
