# The embedded demo dataset (tools/generate_demo_data.py) for AffinityNet:
# the VOC pipeline at the demo's scale; the random walk runs on the 300
# training images and is scored against their masks. The leaf config names
# the CAMs and affinity-label scores it reads.
_base_ = ['./voc12aug_affinity.py']
data_root = 'data/demo'
crop_size = (112, 112)
# The VOC pipeline with a 112 crop padded with the mean pixel (which normalises
# to 0, as in the CAM stage) instead of PSA's black.
demo_scale = dict(
    RandomCropPad=dict(crop_size=crop_size, img_pad_val=(103.53, 116.28, 123.675)))
train_pipeline = [dict(t, **demo_scale.get(t.type, {})) for t in _base_.train_pipeline]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='ImageSets/Segmentation/train.txt',
        img_label_file='image_labels.json',
        data_prefix=dict(_delete_=True, img_path='JPEGImages'),
        pipeline=train_pipeline))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        img_label_file='image_labels.json',
        data_prefix=dict(seg_map_path='SegmentationClass')))
