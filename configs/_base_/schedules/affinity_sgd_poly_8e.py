# PSA AffinityNet schedule: 8 epochs, poly lr (power 0.9), weight decay 5e-4.
# New layers get 10x lr, backbone biases 2x without decay (SPEC section 1).
# The official README trains at lr 0.1, but its optimizer passes the weight
# decay into SGD's momentum slot (the per-group weight decay still applies), so
# it is plain SGD (momentum 5e-4). mmwsss uses momentum 0.9 at lr 0.01, the
# same step size lr / (1 - momentum); to reproduce the official optimizer use
# --cfg-options optim_wrapper.optimizer.lr=0.1 optim_wrapper.optimizer.momentum=0.0005
max_epochs = 8
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
