# The whole PSA pipeline on the embedded demo dataset, for one CPU (what
# `make demo` runs): CAM classifier (narrow ResNet-38 from scratch) and its
# CAMs, affinity labels (dense CRF), AffinityNet with the random walk after it,
# DeepLabV3+ on the random-walk pseudo labels, then the per-stage table.
#   python tools/train.py configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py
#   tools/dist_train.sh configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py 2
# Each stage is the config named here, run alone with its work dir set to
# {work_dir}/{name}; '{cam}' below is the cam stage's work dir and
# '{cam.checkpoint}' its latest checkpoint (see mmwsss/apis/pipeline.py).
work_dir = 'work_dirs/demo'  # where the stage configs alone also look
cam_config = '../cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'
affinity_config = 'affinitynet_wideresnet38-w0.125_1xb8-8e_demo-112x112.py'
seg_config = '../seg/deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py'
affinity_inputs = {
    'train_dataloader.dataset.data_prefix.cam_path': '{cam}/cams',
    'train_dataloader.dataset.data_prefix.affinity_path': '{affinity_labels}/scores',
    'test_dataloader.dataset.data_prefix.cam_path': '{cam}/cams',
    'model.backbone.init_cfg.checkpoint': '{cam.checkpoint}',
}
stages = [
    dict(name='cam', config=cam_config, steps=['train', 'test']),
    dict(
        name='affinity_labels',
        config=affinity_config,
        steps=['affinity_labels'],
        cfg_options=affinity_inputs),
    # AffinityNet training; its RandomWalkHook writes the pseudo labels
    dict(
        name='rw',
        config=affinity_config,
        steps=['train'],
        cfg_options=affinity_inputs),
    dict(
        name='seg',
        config=seg_config,
        steps=['train', 'test'],
        cfg_options={
            'train_dataloader.dataset.data_prefix.seg_map_path':
            '{rw}/rw_pseudo_labels',
            'model.backbone.init_cfg.checkpoint': '{cam.checkpoint}',
        }),
]
leaderboard = dict(
    dataset='demo', pretraining=dict(default='none', seg='demo CAM classifier'))
