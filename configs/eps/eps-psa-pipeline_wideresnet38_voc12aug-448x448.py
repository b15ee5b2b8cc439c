# EPS + PSA on PASCAL VOC 2012: EPS CAMs (scored on train, computed again on
# train_aug), then the PSA stages of _base_/pipelines/psa_voc12aug.py: affinity
# labels at alphas 4 / 32, AffinityNet and the random walk, DeepLab-v2
# ResNet-101 on the random-walk pseudo labels of train_aug.
#   tools/dist_train.sh configs/eps/eps-psa-pipeline_wideresnet38_voc12aug-448x448.py 2
# Each stage config states its recipe's total batch (CAM 16, AffinityNet 8,
# EPS 8, DeepLab-v2 10): on N processes each one loads total / N images, so
# any N dividing every total (1, 2) trains the recipe; another N is refused
# before the first stage (on 4 or 8 processes, changing the recipe: add
# seg.total_batch_size=8 seg.auto_scale_lr.enable=True, configs/seg/README.md);
# the name has no GPUs x batch part, as the stages' per-process batches differ.
_base_ = ['../_base_/pipelines/psa_voc12aug.py']
work_dir = 'work_dirs/eps_psa_voc12aug'
eps_config = 'eps_wideresnet38_1xb8-20k_voc12aug-448x448.py'
inputs = dict(cams='{eps_train_aug}/cams', cam_labels='{eps_train_aug}/cam_pseudo_labels')
stages = dict(
    eps=dict(config=eps_config, steps=['train', 'test']),
    eps_train_aug=dict(
        config=eps_config,
        steps=['test'],
        checkpoint='{eps.checkpoint}',
        cfg_options=_base_.train_aug))
