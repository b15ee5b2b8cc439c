# EPS + PSA on PASCAL VOC 2012: EPS CAMs (scored on train, computed again on
# train_aug), affinity labels at alphas 4 / 32, AffinityNet and the random walk,
# DeepLabV3+ ResNet-101 on the random-walk pseudo labels of train_aug.
#   tools/dist_train.sh configs/eps/eps-psa-pipeline_wideresnet38_voc12aug-448x448.py 4
# Each stage config states its recipe's total batch (CAM 16, AffinityNet 8,
# EPS 8, segmentation 16): on N processes each one loads total / N images, so
# any N dividing every total (1, 2, 4, 8) trains the recipe; the name has no
# GPUs x batch part, as the stages' per-process batches differ.
work_dir = 'work_dirs/eps_psa_voc12aug'
eps_config = 'eps_wideresnet38_1xb8-20k_voc12aug-448x448.py'
affinity_config = '../psa/affinitynet_wideresnet38_1xb8-8e_voc12aug-448x448.py'
train_aug = {'test_dataloader.dataset.ann_file': 'ImageSets/Segmentation/train_aug.txt'}
affinity_inputs = {
    'train_dataloader.dataset.data_prefix.cam_path': '{eps_train_aug}/cams',
    'train_dataloader.dataset.data_prefix.affinity_path': '{affinity_labels}/scores',
    'test_dataloader.dataset.data_prefix.cam_path': '{eps_train_aug}/cams',
}
stages = [
    dict(name='eps', config=eps_config, steps=['train', 'test']),
    dict(
        name='eps_train_aug',
        config=eps_config,
        steps=['test'],
        checkpoint='{eps.checkpoint}',
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
