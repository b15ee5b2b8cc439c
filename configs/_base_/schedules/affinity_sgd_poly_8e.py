# PSA AffinityNet schedule: the official optimizer (psa_sgd_poly.py) at lr 0.01
# (ResNet-38; the official README's 0.1 is for VGG-16, see configs/psa/README.md),
# the affinity head (decode_head) at x10; poly lr over 8 epochs. The official
# max_step is 8 x floor(10582 / 8) = 10576 (last incomplete batch dropped): the
# VOC AffinityNet config sets drop_last=True and a total batch of 8.
# Momentum-0.9 variant (not the official trajectory): --cfg-options
# optim_wrapper.optimizer.momentum=0.9 optim_wrapper.optimizer.lr=0.001
_base_ = ['./psa_sgd_poly.py']
max_epochs = 8
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = dict(end=max_epochs)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
