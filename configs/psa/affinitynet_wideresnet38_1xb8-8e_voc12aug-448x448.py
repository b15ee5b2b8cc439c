# PSA's AffinityNet on VOC 2012 (train_aug), official hyper-parameters: total
# batch 8 (1 GPU x 8, or 8 / N on N processes), crop 448, 8 epochs of
# floor(10582 / 8) = 1322 iterations, SGD lr 0.01 (ResNet-38: the official
# README's 0.1 is for VGG-16, configs/psa/README.md) with the official momentum
# 5e-4 and poly decay, weight decay 5e-4, radius 5; affinity labels from the
# CAM stage at alphas 4 / 32; random walk alpha 16, beta 8, t 256.
# After training, RunTestAfterTrainHook runs the random walk (the test loop)
# on VOC train.
_base_ = [
    '../_base_/models/affinitynet_wideresnet38.py',
    '../_base_/datasets/voc12aug_affinity.py', '../_base_/default_runtime.py',
    '../_base_/schedules/affinity_sgd_poly_8e.py'
]
# Inputs from the CAM stage, relative to the current directory (a pipeline
# sets them to its own stages): the CAMs of train_aug, their CAM-only pseudo
# labels (what the label survival of the walk's labels is measured against)
# and the affinity-label scores that tools/make_affinity_labels.py writes from
# the CAMs with these alphas (official 4 / 32; the paper's 24 is an option:
# write it to another folder, e.g. affinity_scores_alpha4-24).
cam_work_dir = 'work_dirs/cam_wideresnet38_4xb4-15e_voc12aug-448x448'
cam_dir = cam_work_dir + '/cams'
cam_label_dir = cam_work_dir + '/cam_pseudo_labels'
affinity_label_cfg = dict(low_alpha=4, high_alpha=32)
affinity_dir = cam_work_dir + '/affinity_scores_alpha4-32'
# the recipe's batch over all processes (see the CAM config)
total_batch_size = 8
auto_scale_lr = dict(enable=False, base_batch_size=8)
# the official loader drops the last incomplete batch of each epoch
train_dataloader = dict(
    drop_last=True,
    dataset=dict(data_prefix=dict(cam_path=cam_dir, affinity_path=affinity_dir)))
test_dataloader = dict(
    dataset=dict(data_prefix=dict(cam_path=cam_dir, cam_label_path=cam_label_dir)))
custom_hooks = [
    dict(type='ProgressBarHook'),
    dict(type='ResumeWritersHook', skip_written=True),
    dict(
        type='SavePseudoLabelHook',
        label_dirs=dict(pred_sem_seg='rw_pseudo_labels')),
    dict(
        type='ScorePseudoLabelsHook',
        metrics_files=dict(rw_pseudo_labels='rw_metrics.json'),
        survival_files=dict(rw_pseudo_labels='rw_survival.json')),
    dict(type='RunTestAfterTrainHook'),
]
