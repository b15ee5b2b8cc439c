# EncNet on ResNet-50-D8 trained on VOC train_aug pseudo labels, with the
# SE-loss target taken from the true image-level labels (ImageLabelEncHead);
# MMSeg's pseudo-label histogram target: --cfg-options model.decode_head.se_target=histogram
_base_ = [
    'mmseg::_base_/models/encnet_r50-d8.py', '../_base_/datasets/voc12aug_seg.py',
    '../_base_/seg_runtime.py', '../_base_/schedules/seg_sgd_poly_20k.py'
]
crop_size = (512, 512)
# MMSeg's recipe batch over all processes (4 GPUs x 4): each of N processes
# loads 16 / N images (mmwsss.utils.load_config)
total_batch_size = 16
auto_scale_lr = dict(enable=False, base_batch_size=16)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(
        type='ImageLabelEncHead', se_target='image_labels', num_classes=21),
    auxiliary_head=dict(num_classes=21))
