# The whole PSA pipeline on PASCAL VOC 2012 with the official stage configs:
# ResNet-38 CAMs, affinity labels at alphas 4 / 32, AffinityNet and the random
# walk (alpha 16, beta 8, t 256), DeepLabV3+ ResNet-101 on the random-walk
# pseudo labels, then the per-stage table beside the published one.
#   tools/dist_train.sh configs/psa/psa-pipeline_wideresnet38_voc12aug-448x448.py 4
# Each stage config states its recipe's total batch (CAM 16, AffinityNet 8,
# EPS 8, segmentation 16): on N processes each one loads total / N images, so
# any N dividing every total (1, 2, 4, 8) trains the recipe; the name has no
# GPUs x batch part, as the stages' per-process batches differ.
# As in PSA, CAMs and random walk are scored on train (stages cam and rw) and
# computed again on train_aug, the training set of AffinityNet and DeepLab
# (stages cam_train_aug and rw_train_aug). The ResNet-38 stages start from the
# converted ImageNet weights (configs/cam/README.md). '{cam}' is the cam stage's
# work dir, '{cam.checkpoint}' its latest checkpoint.
work_dir = 'work_dirs/psa_voc12aug'
cam_config = '../cam/cam_wideresnet38_4xb4-15e_voc12aug-448x448.py'
affinity_config = 'affinitynet_wideresnet38_1xb8-8e_voc12aug-448x448.py'
train_aug = {'test_dataloader.dataset.ann_file': 'ImageSets/Segmentation/train_aug.txt'}
affinity_inputs = {
    'train_dataloader.dataset.data_prefix.cam_path': '{cam_train_aug}/cams',
    'train_dataloader.dataset.data_prefix.affinity_path': '{affinity_labels}/scores',
    'test_dataloader.dataset.data_prefix.cam_path': '{cam_train_aug}/cams',
}
stages = [
    dict(name='cam', config=cam_config, steps=['train', 'test']),
    dict(
        name='cam_train_aug',
        config=cam_config,
        steps=['test'],
        checkpoint='{cam.checkpoint}',
        cfg_options=train_aug),
    dict(
        name='affinity_labels',
        config=affinity_config,
        steps=['affinity_labels'],
        cfg_options=affinity_inputs),
    dict(name='rw', config=affinity_config, steps=['train'], cfg_options=affinity_inputs),
    dict(
        name='rw_train_aug',
        config=affinity_config,
        steps=['test'],
        checkpoint='{rw.checkpoint}',
        cfg_options=dict(affinity_inputs, **train_aug)),
    dict(
        name='seg',
        config='../seg/deeplabv3plus_r101-d8_4xb4-20k_voc12aug-pseudo-512x512.py',
        steps=['train', 'test'],
        cfg_options={
            'train_dataloader.dataset.data_prefix.seg_map_path':
            '{rw_train_aug}/rw_pseudo_labels'
        }),
]
leaderboard = dict(dataset='VOC12', pretraining='ImageNet')
