# PASCAL VOC 2012 + SBD: what every VOC stage's data shares. Training reads
# train_aug (10,582 images) with the image-level labels derived from
# SegmentationClassAug; testing scores the 1,464 train images against
# SegmentationClassAug. The stage bases (voc12aug_{cam,affinity,seg}.py) add
# their pipelines, batch sizes and inputs.
dataset_type = 'WSSSDataset'
data_root = 'data/VOCdevkit/VOC2012'
train_dataloader = dict(
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/train_aug.txt',
        data_prefix=dict(img_path='JPEGImages', img_label_path='SegmentationClassAug')))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/train.txt',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug')))
