# EPS schedule (PSA's optimizer, the official effective update): SGD at lr
# 0.01, weight decay 5e-4, momentum 5e-4 (the official PolyOptimizer passes the
# weight decay into SGD's momentum argument: in effect no momentum), backbone
# weights lr x1, backbone biases lr x2 without decay, the classifier
# (decode_head) lr x10; poly lr (PSAPolyLR), power 0.9, every iteration over 20k
# iterations (the official max_step). See cam_sgd_poly_15e.py for the groups.
# Configs using this schedule log and save checkpoints by iteration (set in
# the config, as default_runtime.py owns log_processor and default_hooks).
# Momentum-0.9 variant (not the official trajectory): --cfg-options
# optim_wrapper.optimizer.momentum=0.9 optim_wrapper.optimizer.lr=0.001
max_iters = 20000
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
        by_epoch=False,
        begin=0,
        end=max_iters)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='TestLoop')
