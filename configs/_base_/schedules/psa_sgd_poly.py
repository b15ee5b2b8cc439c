# PSA's optimizer (its PolyOptimizer, reused by IRNet and EPS), the official
# effective update (docs/method.md#optimiser):
# - SGD, weight decay 5e-4, momentum 5e-4: the official PolyOptimizer passes
#   the weight decay into SGD's momentum argument, so it trains with momentum
#   5e-4 (in effect none) while every parameter group keeps its weight decay;
#   lr 0.01 (CAM, AffinityNet and EPS: ResNet-38; PSA's README gives 0.1,
#   a VGG-16 value, see configs/psa/README.md);
# - parameter groups: backbone weights lr x1, backbone biases lr x2 without
#   decay, new layers (decode_head) lr x10 (ResNet-38 and its heads have no
#   biases, so only the x1 and x10 groups hold parameters; a head bias would
#   get x10 with decay here, not the official x20 without: the optimizer
#   parity test would fail on one); frozen parameters
#   (conv1a, b2..b2_2, every BatchNorm: see the backbone's frozen_stages and
#   norm_eval) get no gradient and are never updated;
# - poly lr, power 0.9, stepped every iteration (the schedules that extend this
#   one): PSAPolyLR, lr = base * (1 - step / max_step) ** 0.9 (mmengine's PolyLR
#   divides by max_step - 1, a schedule one step shorter than the official one).
# Momentum-0.9 variant (not the official trajectory): the same step size needs
# a tenth of the lr, e.g. --cfg-options optim_wrapper.optimizer.momentum=0.9
# optim_wrapper.optimizer.lr=0.001
# The poly schedule is one dict, not a list, so the schedules and configs that
# extend this one set only what differs (end, by_epoch, type).
param_scheduler = dict(
    type='PSAPolyLR',
    power=0.9,
    eta_min=0.0,
    by_epoch=True,
    begin=0,
    convert_to_iter_based=True)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=5e-4, weight_decay=5e-4),
    paramwise_cfg=dict(
        bias_lr_mult=2.0,
        bias_decay_mult=0.0,
        custom_keys={'decode_head': dict(lr_mult=10.0)}))
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='TestLoop')
