# PSA AffinityNet schedule, the official optimizer's effective update:
# SGD at lr 0.1, weight decay 5e-4, momentum 5e-4 (the official PolyOptimizer
# passes the weight decay into SGD's momentum argument: in effect no momentum),
# backbone weights lr x1, backbone biases lr x2 without decay, the affinity
# head (decode_head) lr x10; poly lr (PSAPolyLR), power 0.9, stepped every
# iteration over 8 epochs. The official max_step is 8 x floor(10582 / 8) = 10576 (last
# incomplete batch dropped): the VOC AffinityNet config sets drop_last=True and
# a total batch of 8. See cam_sgd_poly_15e.py for the parameter groups.
# Momentum-0.9 variant (not the official trajectory): --cfg-options
# optim_wrapper.optimizer.momentum=0.9 optim_wrapper.optimizer.lr=0.01
max_epochs = 8
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=5e-4, weight_decay=5e-4),
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
