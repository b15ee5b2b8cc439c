# EPS then segmentation on PASCAL VOC 2012: the official EPS classifier, its
# CAMs and pseudo labels (background score 0.20) scored on train and written
# for train_aug, DeepLabV3+ ResNet-101 trained on the train_aug pseudo labels.
#   tools/dist_train.sh configs/eps/eps-pipeline_wideresnet38_voc12aug-448x448.py 4
# Each stage config states its recipe's total batch (CAM 16, AffinityNet 8,
# EPS 8, segmentation 16): on N processes each one loads total / N images, so
# any N dividing every total (1, 2, 4, 8) trains the recipe; the name has no
# GPUs x batch part, as the stages' per-process batches differ.
work_dir = 'work_dirs/eps_voc12aug'
eps_config = 'eps_wideresnet38_1xb8-20k_voc12aug-448x448.py'
stages = [
    dict(name='eps', config=eps_config, steps=['train', 'test']),
    dict(
        name='eps_train_aug',
        config=eps_config,
        steps=['test'],
        checkpoint='{eps.checkpoint}',
        cfg_options={
            'test_dataloader.dataset.ann_file': 'ImageSets/Segmentation/train_aug.txt'
        }),
    dict(
        name='seg',
        config='../seg/deeplabv3plus_r101-d8_4xb4-20k_voc12aug-pseudo-512x512.py',
        steps=['train', 'test'],
        cfg_options={
            'train_dataloader.dataset.data_prefix.seg_map_path':
            '{eps_train_aug}/cam_pseudo_labels'
        }),
]
leaderboard = dict(dataset='VOC12', pretraining='ImageNet')
