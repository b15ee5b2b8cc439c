# PASCAL VOC 2012 + SBD for the segmentation stage. The model trains on the
# pseudo labels of an earlier stage for train_aug (10,582 images; one
# {id}.png per image, values 0..20) with MMSeg's VOC augmentation, while the
# image-level labels stay the true ones (image_labels.json, see voc12aug.py),
# and is evaluated on val (1,449 images) against the ground truth.
# Point seg_map_path at the pseudo labels (relative to data_root, or absolute):
#   --cfg-options \
#   train_dataloader.dataset.data_prefix.seg_map_path=$PWD/work_dirs/x/rw/rw_pseudo_labels
_base_ = ['./voc12aug.py']
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='LoadWSSSAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackWSSSInputs'),
]
test_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    # annotations after Resize: predictions are scored at the original size
    dict(type='LoadWSSSAnnotations'),
    dict(type='PackWSSSInputs'),
]
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
tta_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale_factor=r, keep_ratio=True) for r in img_ratios],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadWSSSAnnotations')],
            [dict(type='PackWSSSInputs')],
        ])
]
train_dataloader = dict(
    batch_size=4,
    sampler=dict(type='InfiniteSampler'),
    dataset=dict(data_prefix=dict(seg_map_path='pseudo_labels'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type={{_base_.dataset_type}},
        data_root={{_base_.data_root}},
        ann_file='ImageSets/Segmentation/val.txt',
        img_label_file={{_base_.img_label_file}},
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# validation during training: mmseg's IoUMetric; the test loop (seg_metrics*.json):
# the flat metrics of every mmwsss stage, with per-class IoU, precision and
# recall (same mIoU as IoUMetric)
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = dict(type='PseudoLabelMetric')
