# EPS's classifier (docs/method.md#eps): PSA's wide ResNet-38 with a head of C + 1
# outputs (background last), no dropout, trained with the classification loss
# plus the saliency loss (tau 0.4; lam 0.5 for VOC, 0.9 for COCO). Inference
# aggregates the softmax foreground channels with the CAM stage's procedure
# (4 scales x flip, label mask, max normalisation, background score 0.20).
_base_ = ['./cam_wideresnet38.py']
model = dict(decode_head=dict(type='EPSHead', dropout_ratio=0.0, tau=0.4, lam=0.5))
