# What every demo pipeline ends with: DeepLabV3+ (narrow ResNet-38, started from
# the pipeline's classifier, input `classifier`) trained on the pipeline's
# pseudo labels (input `pseudo_labels`), both set by the child, then the
# per-stage table. Stage config paths are relative to the child pipeline, which
# lives in a folder beside this one's parent (configs/psa/, configs/eps/).
stages = dict(
    seg=dict(
        config='../seg/deeplabv3plus_wideresnet38-w0.125_1xb16-1k_demo-pseudo-112x112.py',
        steps=['train', 'test'],
        cfg_options={
            'train_dataloader.dataset.data_prefix.seg_map_path': '{pseudo_labels}',
            'model.backbone.init_cfg.checkpoint': '{classifier}',
        }))
# the tables at the end name the dataset and each stage's initialisation as the
# run recorded them (pipeline_summary.json)
leaderboard = dict()
