# PASCAL VOC 2012 + SBD for AffinityNet. Training reads the affinity-label
# scores of train_aug (10,582 images), written once from the CAM stage's CAMs
# by tools/make_affinity_labels.py; the random walk (test loop) propagates the
# CAMs of train (1,464 images) and scores the pseudo labels against
# SegmentationClassAug. The leaf config names those inputs (data_prefix
# cam_path and affinity_path).
_base_ = ['./voc12aug.py']
crop_size = (448, 448)
train_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='LoadAffinityScores'),
    dict(
        type='RandomColorJitter',
        brightness=0.3,
        contrast=0.3,
        saturation=0.3,
        hue=0.1),
    # as PSA, crop before normalising: black padding (normalised to
    # -mean / std), score padding 0 (no score -> neutral label)
    dict(
        type='RandomCropPad',
        crop_size=crop_size,
        img_pad_val=0,
        seg_pad_val=dict(affinity_scores_low=0, affinity_scores_high=0)),
    dict(type='SegFieldsRandomFlip', prob=0.5),
    dict(type='AffinityLabelFromScores', stride=8),
    dict(type='PackWSSSInputs'),
]
test_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='LoadWSSSAnnotations'),
    dict(type='LoadCAMs'),
    dict(type='PackWSSSInputs'),
]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_evaluator = dict(type='PseudoLabelMetric')
