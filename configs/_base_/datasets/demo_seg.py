# The embedded demo dataset (tools/generate_demo_data.py) for the segmentation
# stage: train on pseudo labels of the 300 train images (true image-level
# labels from image_labels.json), evaluate on the 100 val images against
# SegmentationClass. The VOC recipe at the demo's scale (images 96-160 px).
# Point seg_map_path at the pseudo labels (relative to data_root, or absolute);
# seg_map_path=SegmentationClass trains on the ground truth instead.
_base_ = ['./voc12aug_seg.py']
data_root = 'data/demo'
crop_size = (112, 112)
# The VOC pipelines at the demo's scale: training rescales to [96, 192] and
# crops 112; testing keeps the images' sizes; TTA at these ratios.
demo_scale = dict(
    RandomResize=dict(scale=(128, 128), ratio_range=(0.75, 1.5)),
    RandomCrop=dict(crop_size=crop_size))
train_pipeline = [dict(t, **demo_scale.get(t.type, {})) for t in _base_.train_pipeline]
test_pipeline = [t for t in _base_.test_pipeline if t.type != 'Resize']
img_ratios = [0.75, 1.0, 1.25, 1.5]
tta_pipeline = [
    _base_.tta_pipeline[0],
    dict(
        _base_.tta_pipeline[1],
        transforms=[[dict(type='Resize', scale_factor=r, keep_ratio=True) for r in img_ratios],
                    *_base_.tta_pipeline[1].transforms[1:]])
]
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='ImageSets/Segmentation/train.txt',
        img_label_file='image_labels.json',
        data_prefix=dict(_delete_=True, img_path='JPEGImages', seg_map_path='pseudo_labels'),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
