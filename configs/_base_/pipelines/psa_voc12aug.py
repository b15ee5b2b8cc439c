# PSA after the CAMs on PASCAL VOC 2012: affinity labels at alphas 4 / 32 from
# the CAMs of train_aug (the pipeline's input `cams`, set by the child with the
# stages that write them), AffinityNet and the random walk (alpha 16, beta 8,
# t 256) on train (scored) and train_aug (written for DeepLab), both with their
# label survival against the CAM-only labels (input `cam_labels`), then the
# segmentation stage of voc12aug.py on the train_aug random-walk labels.
_base_ = ['./voc12aug.py']
affinity_config = '../psa/affinitynet_wideresnet38_1xb8-8e_voc12aug-448x448.py'
affinity_inputs = {
    'train_dataloader.dataset.data_prefix.cam_path': '{cams}',
    'train_dataloader.dataset.data_prefix.affinity_path': '{affinity_labels}/scores',
    'test_dataloader.dataset.data_prefix.cam_path': '{cams}',
    'test_dataloader.dataset.data_prefix.cam_label_path': '{cam_labels}',
}
inputs = dict(pseudo_labels='{rw_train_aug}/rw_pseudo_labels')
stages = dict(
    affinity_labels=dict(
        config=affinity_config, steps=['affinity_labels'], cfg_options=affinity_inputs),
    rw=dict(config=affinity_config, steps=['train'], cfg_options=affinity_inputs),
    rw_train_aug=dict(
        config=affinity_config,
        steps=['test'],
        checkpoint='{rw.checkpoint}',
        cfg_options=dict(affinity_inputs, **_base_.train_aug)))
