# PSA's CAM network on VOC 2012 (train_aug), official hyper-parameters:
# total batch 16 (4 GPUs x 4, or 16 / N on N processes), crop 448, 15 epochs
# of floor(10582 / 16) = 661 iterations, SGD lr 0.01 with the official
# momentum 5e-4 and poly decay, frozen BN, conv1a and b2 (see the schedule).
_base_ = [
    '../_base_/models/cam_wideresnet38.py',
    '../_base_/datasets/voc12aug_cam.py', '../_base_/cam_runtime.py',
    '../_base_/schedules/cam_sgd_poly_15e.py'
]
# the recipe's batch over all processes: each of N processes loads 16 / N
# images (mmwsss.utils.load_config); auto_scale_lr scales the lr linearly when
# enabled and total_batch_size is changed
total_batch_size = 16
auto_scale_lr = dict(enable=False, base_batch_size=16)
# the official loader drops the last incomplete batch of each epoch
train_dataloader = dict(drop_last=True)
