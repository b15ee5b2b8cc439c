# The embedded demo dataset (tools/generate_demo_data.py) for the CAM stage:
# the VOC pipeline at the demo's scale (images are 96-160 px); training reads
# the image-level label file, inference writes CAMs for train and scores them
# against the ground-truth masks.
_base_ = ['./voc12aug_cam.py']
data_root = 'data/demo'
crop_size = (112, 112)
# The VOC pipeline with these transform arguments changed: long side uniform
# in [112, 160] (at half size the demo's small class patterns would no longer
# be resolved), crop 112, and OpenCV's bicubic resize (the VOC recipe uses
# PIL's, as the official code; the demo keeps the resize its published
# figures were made with, so they stay comparable across versions).
demo_scale = dict(
    RandomResize=dict(scale=(160, 160), ratio_range=(0.7, 1.0), backend='cv2'),
    RandomCropPad=dict(crop_size=crop_size))
train_pipeline = [dict(t, **demo_scale.get(t.type, {})) for t in _base_.train_pipeline]
train_dataloader = dict(
    batch_size=16,
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
