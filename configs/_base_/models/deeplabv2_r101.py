# DeepLab-v2 ResNet-101 (Chen et al., TPAMI 2018), the segmentation network of
# the WSSS protocol (EPS, SEAM, ...): Caffe-style ResNet-101 (7x7 stem, stride
# on the first 1x1 convolution of a block) at output stride 8 (layer 3
# dilation 2, layer 4 dilation 4), BatchNorm frozen at its pre-trained
# statistics and affine parameters (the reference PyTorch port,
# kazuto1011/deeplab-pytorch, trains only the convolutions), and the ASPP-sum
# classifier (ASPPSumHead: four 3x3 convolutions, rates 6/12/18/24, summed),
# trained on multi-scale inputs (MultiScaleInputEncoderDecoder, deeplab-pytorch's
# MSC: each crop also at 0.5 and 0.75, logits max-fused, the cross-entropy of
# the four outputs summed, each averaged over its non-ignored pixels).
# Input: BGR, 0..255, minus the Caffe mean pixel (deeplab-pytorch's
# configs/voc12.yaml), no std division; padded with 0 (the mean) and 255.
norm_cfg = dict(type='BN', requires_grad=False)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[104.008, 116.669, 122.675],
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=8)
model = dict(
    type='MultiScaleInputEncoderDecoder',
    scales=(0.5, 0.75),
    # deeplab-pytorch evaluates the fused logits too: fuse_at_test=True
    fuse_at_test=False,
    data_preprocessor=data_preprocessor,
    # ImageNet: the Caffe ResNet-101 of MMCV's model zoo (BGR, std 1, the same
    # layout); the COCO-pretrained DeepLab-v2 initialisation of the papers:
    # tools/convert_weights.py deeplabv2, then configs/seg/README.md
    pretrained='open-mmlab://resnet101_caffe',
    backbone=dict(
        type='ResNet',
        depth=101,
        style='caffe',
        num_stages=4,
        out_indices=(3, ),
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        contract_dilation=False,
        norm_cfg=norm_cfg,
        norm_eval=True),
    decode_head=dict(
        type='ASPPSumHead',
        in_channels=2048,
        channels=2048,  # unused: the branches end at the classes
        in_index=0,
        dilations=(6, 12, 18, 24),
        num_classes=21,
        align_corners=False,
        # nn.CrossEntropyLoss(ignore_index=255): the mean over non-ignored pixels
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
