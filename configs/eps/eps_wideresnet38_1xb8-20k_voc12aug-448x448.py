# EPS on VOC 2012 (train_aug) with saliency maps, official hyper-parameters:
# total batch 8 (1 GPU x 8, or 8 / N on N processes), 20k iterations, crop
# 448, SGD lr 0.01 with the official momentum 5e-4 and poly decay, tau 0.4,
# lambda 0.5. Testing writes CAMs in the CAM stage's format (cams/{id}.npz)
# and CAM-only pseudo labels for the VOC train images.
_base_ = [
    '../_base_/models/eps_wideresnet38.py',
    '../_base_/datasets/voc12aug_eps.py', '../_base_/cam_runtime.py',
    '../_base_/schedules/eps_sgd_poly_20k.py'
]
# the recipe's batch over all processes (see the CAM config)
total_batch_size = 8
auto_scale_lr = dict(enable=False, base_batch_size=8)
# the official loader drops the last incomplete batch of each pass
train_dataloader = dict(drop_last=True)
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=5000))
