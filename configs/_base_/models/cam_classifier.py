# A classification network whose CAMs give the pseudo labels (docs/method.md#cam):
# CAMClassifier + CAM head, PSA's multi-scale + flip inference and background
# score. The backbone, and the head's input channels and dropout, come from the
# config that extends this one (cam_wideresnet38.py, or a config's own backbone).
_base_ = ['./imagenet_data_preprocessor.py']
model = dict(
    type='CAMClassifier',
    decode_head=dict(type='CAMHead', num_classes=20),
    test_cfg=dict(scales=(1.0, 0.5, 1.5, 2.0), flip=True, bg_score=0.2))
