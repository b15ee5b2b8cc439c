# EPS schedule: the official optimizer (psa_sgd_poly.py) at lr 0.01, the
# classifier (decode_head) at x10; poly lr every iteration over 20k iterations
# (the official max_step).
# Configs using this schedule log and save checkpoints by iteration (set in
# the config, as default_runtime.py owns log_processor and default_hooks).
_base_ = ['./psa_sgd_poly.py']
max_iters = 20000
param_scheduler = dict(by_epoch=False, end=max_iters, convert_to_iter_based=False)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
