# EPS + PSA on the embedded demo dataset: EPS CAMs instead of the CAM stage's,
# then affinity labels, AffinityNet with the random walk, and DeepLabV3+ on the
# random-walk pseudo labels (the demo PSA pipeline's stages and values).
#   python tools/train.py configs/eps/eps-psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py
work_dir = 'work_dirs/eps_psa_demo'
affinity_config = '../psa/affinitynet_wideresnet38-w0.125_1xb8-8e_demo-112x112.py'
affinity_inputs = {
    'train_dataloader.dataset.data_prefix.cam_path': '{eps}/cams',
    'train_dataloader.dataset.data_prefix.affinity_path': '{affinity_labels}/scores',
    'test_dataloader.dataset.data_prefix.cam_path': '{eps}/cams',
    'model.backbone.init_cfg.checkpoint': '{eps.checkpoint}',
}
stages = [
    dict(
        name='eps',
        config='eps_wideresnet38-w0.125_1xb16-40e_demo-112x112.py',
        steps=['train', 'test']),
    dict(
        name='affinity_labels',
        config=affinity_config,
        steps=['affinity_labels'],
        cfg_options=affinity_inputs),
    dict(name='rw', config=affinity_config, steps=['train'], cfg_options=affinity_inputs),
    dict(
        name='seg',
        config='../seg/deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py',
        steps=['train', 'test'],
        cfg_options={
            'train_dataloader.dataset.data_prefix.seg_map_path': '{rw}/rw_pseudo_labels',
            'model.backbone.init_cfg.checkpoint': '{eps.checkpoint}',
        }),
]
leaderboard = dict(
    dataset='demo', pretraining=dict(default='none', seg='demo EPS classifier'))
