# The data preprocessor of the ImageNet-initialised stage networks: RGB,
# ImageNet mean and std (docs/method.md#backbone), images padded to a multiple
# of the output stride 8 with 0, label maps with 255.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=8)
model = dict(data_preprocessor=data_preprocessor)
