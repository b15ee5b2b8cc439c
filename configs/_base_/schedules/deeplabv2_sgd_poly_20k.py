# DeepLab-v2's VOC schedule (deeplab-pytorch configs/voc12.yaml, the Caffe
# release's solver): SGD lr 2.5e-4, momentum 0.9, weight decay 5e-4, poly lr
# (power 0.9) over 20k iterations; the classifier (decode_head) at 10x lr, its
# biases at 20x without decay (bias_lr_mult 2, bias_decay_mult 0; the ResNet
# convolutions have no biases, BatchNorm is frozen).
max_iters = 20000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(
        bias_lr_mult=2.0, bias_decay_mult=0.0, custom_keys={'decode_head': dict(lr_mult=10.0)}),
    clip_grad=None)
param_scheduler = dict(
    type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters, by_epoch=False)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
