# DeepLabV3+ for one CPU in minutes on the demo dataset, trained on the demo
# pseudo labels. Backbone: the narrow wide ResNet-38 of the demo CAM stage,
# initialised from that classifier (trained on the image-level labels only; the
# demo's stand-in for ImageNet weights: from scratch this network does not learn
# the classes in a CPU budget). Its levels all have stride 8, so the low-level
# branch of DeepLabV3+ reads conv4 at stride 8. Batch 16, crop 112, 1k
# iterations, Adam. Pseudo labels:
#   --cfg-options \
#   train_dataloader.dataset.data_prefix.seg_map_path=$PWD/work_dirs/demo/rw/rw_pseudo_labels
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py', '../_base_/datasets/demo_seg.py',
    '../_base_/seg_runtime.py', '../_base_/schedules/seg_sgd_poly_20k.py'
]
crop_size = (112, 112)
max_iters = 1000
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='WideResNet38',
        widen_factor=0.125,
        out_indices=(0, 1, 2),
        norm_eval=False,
        frozen_stages=0,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/demo/cam/epoch_40.pth',
            prefix='backbone.')),
    decode_head=dict(
        in_channels=512,
        in_index=2,
        channels=64,
        dilations=(1, 3, 6, 9),
        c1_in_channels=64,
        c1_channels=12,
        num_classes=7,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=128, in_index=1, channels=32, num_classes=7, norm_cfg=norm_cfg))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.0))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
# The test predictions as label PNGs, {work_dir}/seg_predictions/{img_id}.png
# (the run report's segmentation column), every image on every test run
# (resumable=False: a rerun skips none, so seg_metrics.json covers all of val);
# tools/test.py --tta / --crf write seg_predictions_tta/ ... instead.
custom_hooks = _base_.custom_hooks + [
    dict(
        type='SavePseudoLabelHook',
        label_dirs=dict(pred_sem_seg='seg_predictions'),
        resumable=False)
]
