# EPS on MS COCO 2014 train with saliency maps, as the official COCO script:
# batch 16, 256,500 iterations, long side 256-448, crop 321, poly lr 0.01,
# tau 0.4, lambda 0.9. Testing writes CAMs and CAM-only pseudo labels for the
# train images (see _base_/datasets/coco14_eps.py for the expected layout).
_base_ = [
    '../_base_/models/eps_wideresnet38.py', '../_base_/datasets/coco14_eps.py',
    '../_base_/cam_runtime.py', '../_base_/schedules/eps_sgd_poly_20k.py'
]
max_iters = 256500
model = dict(decode_head=dict(num_classes=80, lam=0.9))
# the recipe's batch over all processes (each of N processes loads 16 / N)
total_batch_size = 16
auto_scale_lr = dict(enable=False, base_batch_size=16)
train_dataloader = dict(batch_size=16, drop_last=True)
param_scheduler = dict(end=max_iters)
train_cfg = dict(max_iters=max_iters)
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=25000))
