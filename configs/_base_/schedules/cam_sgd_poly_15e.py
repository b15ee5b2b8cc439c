# PSA CAM schedule: 15 epochs, poly lr (power 0.9), weight decay 5e-4.
# ResNet-38 trains at lr 0.01 (the README's 0.1 is for VGG-16). New layers get
# 10x lr, backbone biases 2x without decay (SPEC section 1).
# Official quirk: PSA's optimizer passes the weight decay into SGD's momentum
# slot (its parameter groups still set the weight decay), so it trains with
# momentum 5e-4, i.e. effectively without momentum. mmwsss uses momentum 0.9;
# to reproduce the quirk use --cfg-options optim_wrapper.optimizer.momentum=0.0005
max_epochs = 15
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
