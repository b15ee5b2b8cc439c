# PSA's AffinityNet on VOC 2012 (train_aug), official hyper-parameters: total
# batch 8 (1 GPU x 8, or 8 / N on N processes), crop 448, 8 epochs of
# floor(10582 / 8) = 1322 iterations, SGD lr 0.1 with the official momentum
# 5e-4 and poly decay, weight decay 5e-4, radius 5; affinity labels from the
# CAM stage at alphas 4 / 32; random walk alpha 16, beta 8, t 256.
# After training, RunTestAfterTrainHook runs the random walk (the test loop)
# on VOC train.
_base_ = [
    '../_base_/models/affinitynet_wideresnet38.py',
    '../_base_/datasets/voc12aug_affinity.py', '../_base_/default_runtime.py',
    '../_base_/schedules/affinity_sgd_poly_8e.py'
]
# the recipe's batch over all processes (see the CAM config)
total_batch_size = 8
auto_scale_lr = dict(enable=False, base_batch_size=8)
# the official loader drops the last incomplete batch of each epoch
train_dataloader = dict(drop_last=True)
custom_hooks = [
    dict(type='ProgressBarHook'),
    dict(type='ResumeWritersHook', skip_written=True),
    dict(
        type='SavePseudoLabelHook',
        label_dirs=dict(pred_sem_seg='rw_pseudo_labels')),
    dict(
        type='ScorePseudoLabelsHook',
        metrics_files=dict(rw_pseudo_labels='rw_metrics.json')),
    dict(type='RunTestAfterTrainHook'),
]
