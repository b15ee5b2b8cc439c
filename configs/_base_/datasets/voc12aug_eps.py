# PASCAL VOC 2012 + SBD for EPS: the CAM stage's data plus saliency maps
# ({data_root}/SaliencyMaps/{id}.png, e.g. PFAN's), which follow every
# geometric transform of the image (resize bilinear, flip, crop, zero padding).
_base_ = ['./voc12aug_cam.py']
crop_size = (448, 448)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadSaliencyMap'),
    # long side uniform in [256, 512], bicubic (saliency bilinear)
    dict(
        type='RandomResize',
        scale=(512, 512),
        ratio_range=(0.5, 1.0),
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
    # crop 448; the official code crops the normalised image and pads it with
    # 0: padding with the mean pixel (the default) normalises to exactly 0
    dict(type='RandomCropPad', crop_size=crop_size),
    dict(type='PackWSSSInputs'),
]
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_prefix=dict(saliency_path='SaliencyMaps'),
        pipeline=train_pipeline))
