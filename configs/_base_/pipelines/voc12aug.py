# What every PASCAL VOC 2012 pipeline ends with: DeepLabV3+ ResNet-101 trained
# on the pseudo labels of train_aug (the pipeline's input `pseudo_labels`, set
# by the child), tested on val, and the per-stage table beside the published
# one. Stage config paths are relative to the child pipeline, which lives in a
# folder beside this one's parent (configs/psa/, configs/eps/).
# The option that makes a test step write train_aug instead of train: as in
# PSA, CAMs and random walk are scored on train and computed again on
# train_aug, the training set of AffinityNet and DeepLab.
train_aug = {'test_dataloader.dataset.ann_file': 'ImageSets/Segmentation/train_aug.txt'}
stages = dict(
    seg=dict(
        config='../seg/deeplabv3plus_r101-d8_4xb4-20k_voc12aug-pseudo-512x512.py',
        steps=['train', 'test'],
        cfg_options={'train_dataloader.dataset.data_prefix.seg_map_path': '{pseudo_labels}'}))
leaderboard = dict(dataset='VOC12', pretraining='ImageNet')
