# PASCAL VOC 2012 + SBD for the CAM stage. Training reads images and
# image-level labels of train_aug (10,582 images); inference writes CAMs for
# the 1,464 train images and scores them against SegmentationClassAug.
_base_ = ['./voc12aug.py']
crop_size = (448, 448)
train_pipeline = [
    dict(type='LoadWSSSImage'),
    # long side uniform in [256, 512], PIL's bicubic as the official code
    # (antialiased when shrinking; cv2's bicubic is not)
    dict(
        type='RandomResize',
        scale=(512, 512),
        ratio_range=(0.5, 1.0),
        keep_ratio=True,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
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
test_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='LoadWSSSAnnotations'),
    dict(type='PackWSSSInputs'),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_evaluator = dict(
    type='PseudoLabelMetric',
    bg_thresholds=[round(0.05 * i, 2) for i in range(1, 20)])
