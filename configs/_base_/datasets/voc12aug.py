# PASCAL VOC 2012 + SBD: what every VOC stage's data shares. Training reads
# train_aug (10,582 images); testing scores the 1,464 train images against
# SegmentationClassAug. Every loader (training and inference) reads the
# image-level labels of image_labels.json, which tools/prepare_voc.py writes
# from the XML annotations as the official make_cls_labels.py does (every
# object named, difficult ones included). Labels derived from the masks are an
# option: set img_label_file='' in every loader of every stage, e.g.
#   --cfg-options train_dataloader.dataset.img_label_file= \
#       test_dataloader.dataset.img_label_file=
# (and val_dataloader... for the segmentation stage); the masks are those of
# data_prefix.img_label_path (training) or seg_map_path. The stage bases
# (voc12aug_{cam,affinity,seg,eps}.py) add their pipelines, batch sizes and inputs.
dataset_type = 'WSSSDataset'
data_root = 'data/VOCdevkit/VOC2012'
img_label_file = 'image_labels.json'
train_dataloader = dict(
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/train_aug.txt',
        img_label_file=img_label_file,
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
        img_label_file=img_label_file,
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug')))
