# PSA CAM schedule: the official optimizer (psa_sgd_poly.py) at lr 0.01
# (ResNet-38; the official README's 0.1 is for VGG-16), poly lr over 15 epochs.
# The official max_step is 15 x floor(10582 / 16) = 9915 (its data loader drops
# the last incomplete batch): the VOC CAM config sets drop_last=True and a
# total batch of 16, so the iteration count is the same on 1, 2, 4 or 8 processes.
_base_ = ['./psa_sgd_poly.py']
max_epochs = 15
param_scheduler = dict(end=max_epochs)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
