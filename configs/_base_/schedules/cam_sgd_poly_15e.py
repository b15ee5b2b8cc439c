# PSA CAM schedule, the official optimizer's effective update:
# - SGD at lr 0.01 (ResNet-38; the official README's 0.1 is for VGG-16),
#   weight decay 5e-4, momentum 5e-4: the official PolyOptimizer passes the
#   weight decay into SGD's momentum argument, so it trains with momentum 5e-4
#   (in effect none) while every parameter group keeps its weight decay;
# - parameter groups: backbone weights lr x1, backbone biases lr x2 without
#   decay, new layers (decode_head) lr x10 (ResNet-38 and its heads have no
#   biases, so only the x1 and x10 groups hold parameters; a head bias would
#   get x10 with decay here, not the official x20 without: the optimizer
#   parity test would fail on one); frozen parameters
#   (conv1a, b2..b2_2, every BatchNorm: see the backbone's frozen_stages and
#   norm_eval) get no gradient and are never updated;
# - poly lr, power 0.9, stepped every iteration over 15 epochs: PSAPolyLR,
#   lr = 0.01 * (1 - step / max_step) ** 0.9 (mmengine's PolyLR divides by
#   max_step - 1, a schedule one step shorter than the official one).
# The official max_step is 15 x floor(10582 / 16) = 9915 (its data loader drops
# the last incomplete batch): the VOC CAM config sets drop_last=True and a
# total batch of 16, so the iteration count is the same on 1, 2, 4 or 8 processes.
# Momentum-0.9 variant (not the official trajectory): the same step size needs
# lr / 10, i.e. --cfg-options optim_wrapper.optimizer.momentum=0.9
# optim_wrapper.optimizer.lr=0.001
max_epochs = 15
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=5e-4, weight_decay=5e-4),
    paramwise_cfg=dict(
        bias_lr_mult=2.0,
        bias_decay_mult=0.0,
        custom_keys={'decode_head': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(
        type='PSAPolyLR',
        power=0.9,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='TestLoop')
