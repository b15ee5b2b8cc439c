# EPS schedule (SPEC section 6): 20k iterations, poly lr 0.01 (power 0.9),
# weight decay 5e-4, PSA's parameter groups (new layers 10x lr, biases 2x lr
# without decay). The official optimizer is PSA's, with the same quirk (weight
# decay passed as momentum): see cam_sgd_poly_15e.py. Configs using this
# schedule log and save checkpoints by iteration (set in the config, as
# default_runtime.py owns log_processor and default_hooks).
max_iters = 20000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(
        bias_lr_mult=2.0,
        bias_decay_mult=0.0,
        custom_keys={'decode_head': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(
        type='PolyLR',
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
