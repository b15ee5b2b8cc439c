# DeepLabV3+ (MMSeg's DepthwiseSeparableASPPHead) on ResNet-50-D8, trained on
# VOC train_aug pseudo labels, evaluated on val: MMSeg's voc12aug recipe
# (ImageNet ResNetV1c, batch 16 over 4 GPUs, 20k iterations, crop 512).
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/voc12aug_seg.py', '../_base_/seg_runtime.py',
    '../_base_/schedules/seg_sgd_poly_20k.py'
]
crop_size = (512, 512)
# MMSeg's recipe batch over all processes (4 GPUs x 4): each of N processes
# loads 16 / N images (mmwsss.utils.load_config)
total_batch_size = 16
auto_scale_lr = dict(enable=False, base_batch_size=16)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21))
