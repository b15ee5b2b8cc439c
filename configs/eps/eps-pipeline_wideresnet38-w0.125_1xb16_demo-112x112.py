# EPS then segmentation on the embedded demo dataset: the EPS classifier
# (saliency-supervised, C + 1 outputs) writes CAMs and CAM-only pseudo labels,
# DeepLabV3+ trains on those pseudo labels (no random walk).
#   python tools/train.py configs/eps/eps-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py
work_dir = 'work_dirs/eps_demo'
stages = [
    dict(
        name='eps',
        config='eps_wideresnet38-w0.125_1xb16-40e_demo-112x112.py',
        steps=['train', 'test']),
    dict(
        name='seg',
        config='../seg/deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py',
        steps=['train', 'test'],
        cfg_options={
            'train_dataloader.dataset.data_prefix.seg_map_path': '{eps}/cam_pseudo_labels',
            'model.backbone.init_cfg.checkpoint': '{eps.checkpoint}',
        }),
]
leaderboard = dict(
    dataset='demo', pretraining=dict(default='none', seg='demo EPS classifier'))
