# The embedded demo dataset (tools/generate_demo_data.py) for AffinityNet:
# the VOC pipeline at the demo's scale. The CAMs come from the demo CAM stage
# (tools/run_demo.py writes them to work_dirs/demo/cam); the affinity-label
# scores are written next to them by tools/make_affinity_labels.py; the random
# walk runs on the 300 training images and is scored against their masks.
_base_ = ['./voc12aug_affinity.py']
data_root = 'data/demo'
crop_size = (112, 112)
cam_work_dir = 'work_dirs/demo/cam'
cam_dir = cam_work_dir + '/cams'
# The demo CAMs are broader than PSA's VOC CAMs (best constant background score
# 0.55 instead of 0.2), so the alphas are rescaled to them: with low alpha 1 the
# background (1 - M) ** 1 beats a CAM M below 0.5 (PSA's 4: below 0.28), with
# high alpha 8 below 0.2 (PSA's 32: below 0.08). See configs/psa/README.md.
affinity_label_cfg = dict(low_alpha=1, high_alpha=8)
affinity_dir = cam_work_dir + '/affinity_scores_alpha1-8'
train_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='LoadAffinityScores'),
    dict(
        type='RandomColorJitter',
        brightness=0.3,
        contrast=0.3,
        saturation=0.3,
        hue=0.1),
    dict(
        type='RandomCropPad',
        crop_size=crop_size,
        seg_pad_val=dict(affinity_scores_low=0, affinity_scores_high=0)),
    dict(type='SegFieldsRandomFlip', prob=0.5),
    dict(type='AffinityLabelFromScores', stride=8),
    dict(type='PackWSSSInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='ImageSets/Segmentation/train.txt',
        img_label_file='image_labels.json',
        data_prefix=dict(
            _delete_=True,
            img_path='JPEGImages',
            cam_path=cam_dir,
            affinity_path=affinity_dir),
        pipeline=train_pipeline))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        img_label_file='image_labels.json',
        data_prefix=dict(
            _delete_=True,
            img_path='JPEGImages',
            seg_map_path='SegmentationClass',
            cam_path=cam_dir)))
