# EPS then segmentation on PASCAL VOC 2012: the official EPS classifier, its
# CAMs and pseudo labels (background score 0.20) scored on train and written
# for train_aug, then DeepLab-v2 ResNet-101 trained on the train_aug pseudo
# labels (the segmentation stage of _base_/pipelines/voc12aug.py).
#   tools/dist_train.sh configs/eps/eps-pipeline_wideresnet38_voc12aug-448x448.py 2
# Each stage config states its recipe's total batch (EPS 8, DeepLab-v2 10):
# on N processes each one loads total / N images, so any N dividing both
# (1, 2) trains the recipe; another N is refused before the first stage (on 4
# or 8 processes, changing the recipe: add seg.total_batch_size=8
# seg.auto_scale_lr.enable=True, configs/seg/README.md).
_base_ = ['../_base_/pipelines/voc12aug.py']
work_dir = 'work_dirs/eps_voc12aug'
eps_config = 'eps_wideresnet38_1xb8-20k_voc12aug-448x448.py'
inputs = dict(pseudo_labels='{eps_train_aug}/cam_pseudo_labels')
stages = dict(
    eps=dict(config=eps_config, steps=['train', 'test']),
    eps_train_aug=dict(
        config=eps_config,
        steps=['test'],
        checkpoint='{eps.checkpoint}',
        cfg_options=_base_.train_aug))
