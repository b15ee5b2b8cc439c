# DeepLab-v2 ResNet-101 in the WSSS protocol (EPS, SEAM, ...), trained on the
# train_aug pseudo labels, evaluated on val: single scale (seg_metrics.json),
# multi-scale + flip (tools/test.py --tta) and + dense CRF (--tta --crf). The
# recipe's values and their sources: configs/seg/README.md.
_base_ = [
    '../_base_/models/deeplabv2_r101.py', '../_base_/datasets/voc12aug_seg.py',
    '../_base_/seg_runtime.py', '../_base_/schedules/deeplabv2_sgd_poly_20k.py'
]
crop_size = (321, 321)
# batch 5 with 2 accumulated iterations in the reference (ITER_SIZE 2): a
# total batch of 10 over all processes
total_batch_size = 10
auto_scale_lr = dict(enable=False, base_batch_size=10)
model = dict(data_preprocessor=dict(size=crop_size, size_divisor=None))
# training: random scale 0.5..1.5 of VOC's long side (500; the reference draws
# the factor from {0.5, 0.75, 1, 1.25, 1.5} of each image), a 321 crop padded
# with the mean pixel and 255 (the data preprocessor pads to crop_size), flip
train_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='LoadWSSSAnnotations'),
    dict(type='RandomResize', scale=(500, 500), ratio_range=(0.5, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackWSSSInputs'),
]
# testing at the original size (scale_factor 1: no resize)
test_pipeline = [
    dict(type='LoadWSSSImage'),
    dict(type='Resize', scale_factor=1.0, keep_ratio=True),
    dict(type='LoadWSSSAnnotations'),
    dict(type='PackWSSSInputs'),
]
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5]
# the VOC test-time augmentation with DeepLab-v2's scales
tta_pipeline = [
    _base_.tta_pipeline[0],
    dict(_base_.tta_pipeline[1],
         transforms=[[dict(type='Resize', scale_factor=r, keep_ratio=True) for r in img_ratios]] +
         _base_.tta_pipeline[1].transforms[1:])
]
# the dense CRF of DeepLab-v2 (deeplab-pytorch configs/voc12.yaml: 10
# iterations, POS_W 3, POS_XY_STD 1, BI_W 4, BI_XY_STD 67, BI_RGB_STD 3)
crf_cfg = dict(num_iters=10, gauss_sxy=1, gauss_compat=3, bilateral_sxy=67,
               bilateral_srgb=3, bilateral_compat=4)
train_dataloader = dict(batch_size=5, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
