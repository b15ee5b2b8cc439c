# PSA after the CAMs on the demo dataset: affinity labels from the pipeline's
# CAMs (input `cams`), AffinityNet (started from the classifier, input
# `classifier`) and the random walk after its training (its label survival
# measured against the CAM-only labels, input `cam_labels`), then the
# segmentation stage of demo.py on the random-walk labels.
_base_ = ['./demo.py']
affinity_config = '../psa/affinitynet_wideresnet38-w0.125_1xb8-8e_demo-112x112.py'
affinity_inputs = {
    'train_dataloader.dataset.data_prefix.cam_path': '{cams}',
    'train_dataloader.dataset.data_prefix.affinity_path': '{affinity_labels}/scores',
    'test_dataloader.dataset.data_prefix.cam_path': '{cams}',
    'test_dataloader.dataset.data_prefix.cam_label_path': '{cam_labels}',
    'model.backbone.init_cfg.checkpoint': '{classifier}',
}
inputs = dict(pseudo_labels='{rw}/rw_pseudo_labels')
stages = dict(
    affinity_labels=dict(
        config=affinity_config, steps=['affinity_labels'], cfg_options=affinity_inputs),
    rw=dict(config=affinity_config, steps=['train'], cfg_options=affinity_inputs))
