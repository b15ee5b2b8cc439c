# A classification network whose CAMs give the pseudo labels (docs/method.md#cam):
# CAMClassifier + CAM head, PSA's multi-scale + flip inference and background
# score. The backbone, and the head's input channels and dropout, come from the
# config that extends this one (cam_wideresnet38.py, or a config's own backbone).
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=8)
model = dict(
    type='CAMClassifier',
    data_preprocessor=data_preprocessor,
    decode_head=dict(type='CAMHead', num_classes=20),
    test_cfg=dict(scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_score=0.2))
