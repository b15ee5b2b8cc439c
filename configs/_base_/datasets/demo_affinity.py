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
# Affinity labels: confident foreground where the CRF of the scores with the
# background (1 - M) ** low_alpha says a class, confident background where
# even (1 - M) ** high_alpha wins (configs/psa/README.md, "Demo defaults").
# - low alpha 1 (PSA 4): a class is confident where its CAM M is above 0.5
#   ((1 - M) ** 1 < M); most demo classes have CAMs that spill well beyond
#   their objects (precision 30-45 % at PSA's background score 0.2), so
#   PSA's 4 (M above 0.28) would label that spill as foreground;
# - high alpha 16 (PSA 32): confident background only where every CAM is
#   below about 0.12 (PSA's 32: 0.08, which leaves much of the background
#   unlabelled); the demo's compact class (checker: CAMs on its patterned
#   part, below 0.2 on most of its body) would otherwise have its bodies
#   labelled background (about half of its pixels at high alpha 8), which teaches
#   AffinityNet to cut its objects from their parts.
affinity_label_cfg = dict(low_alpha=1, high_alpha=16)
affinity_dir = cam_work_dir + '/affinity_scores_alpha1-16'
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
