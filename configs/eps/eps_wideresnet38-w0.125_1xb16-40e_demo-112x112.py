# EPS on the embedded demo dataset: the demo CAM config (same narrow ResNet-38,
# schedule, lr, crop, augmentation and test-time hooks) with the EPS head and
# the demo's saliency maps, so the two CAM-only pseudo labels compare fairly.
# The pipeline is the CAM demo's plus the saliency map (a test checks that).
_base_ = ['../cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py']
# the demo CAM pipeline with the saliency map, as on VOC
# (configs/_base_/datasets/voc12aug_eps.py)
saliency_changes = dict(
    RandomResize=dict(resize_type='SegFieldsResize'),
    RandomFlip=dict(type='SegFieldsRandomFlip'))
train_pipeline = [dict(t, **saliency_changes.get(t.type, {})) for t in _base_.train_pipeline]
train_pipeline.insert(1, dict(type='LoadSaliencyMap'))
# the EPS head of configs/_base_/models/eps_wideresnet38.py
model = dict(decode_head=dict(type='EPSHead', dropout_ratio=0.0, tau=0.4, lam=0.5))
train_dataloader = dict(
    dataset=dict(
        data_prefix=dict(saliency_path='SaliencyMaps'),
        pipeline=train_pipeline))
