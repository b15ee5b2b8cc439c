# What every PASCAL VOC 2012 pipeline ends with: DeepLab-v2 ResNet-101 trained
# on the pseudo labels of train_aug (the pipeline's input `pseudo_labels`, set
# by the child), tested on val, and the per-stage table beside the published
# one. Stage config paths are relative to the child pipeline, which lives in a
# folder beside this one's parent (configs/psa/, configs/eps/).
# The option that makes a test step write train_aug instead of train: as in
# PSA, CAMs and random walk are scored on train and computed again on
# train_aug, the training set of AffinityNet and DeepLab.
train_aug = {'test_dataloader.dataset.ann_file': 'ImageSets/Segmentation/train_aug.txt'}
# DeepLab-v2 ResNet-101 in the WSSS protocol (configs/seg/README.md), scored
# on val single scale (seg), multi-scale + flip (seg_tta) and multi-scale +
# flip + dense CRF (seg_tta_crf). DeepLabV3+ is a variant: set the config of
# the three stages, e.g. --cfg-options
#   stages.seg.config=../seg/deeplabv3plus_r101-d8_4xb4-20k_voc12aug-pseudo-512x512.py
#   (and stages.seg_tta.config=..., stages.seg_tta_crf.config=...)
# The test-only stages name the pseudo labels too: tools/check_dataset.py checks
# every dataloader of a stage and skips the files the pipeline writes.
seg_config = '../seg/deeplabv2_r101-d8_1xb10-20k_voc12aug-pseudo-321x321.py'
seg_options = {'train_dataloader.dataset.data_prefix.seg_map_path': '{pseudo_labels}'}
stages = dict(
    seg=dict(config=seg_config, steps=['train', 'test'], cfg_options=seg_options),
    seg_tta=dict(config=seg_config, steps=['test'], checkpoint='{seg.checkpoint}', tta=True,
                 cfg_options=seg_options),
    seg_tta_crf=dict(config=seg_config, steps=['test'], checkpoint='{seg.checkpoint}',
                     tta=True, crf=True, cfg_options=seg_options))
# Our rows name the segmentation network, as the published rows name theirs;
# with a DeepLabV3+ variant set leaderboard.networks.seg too (e.g.
# 'leaderboard.networks.seg=DeepLabV3+ ResNet-101'). The dataset and each
# stage's initialisation are those the run recorded (ImageNet here); to state
# another: 'leaderboard.pretraining.seg=COCO' (COCO-initialised DeepLab-v2).
leaderboard = dict(networks=dict(seg='DeepLab-v2 ResNet-101, MSC training'))
