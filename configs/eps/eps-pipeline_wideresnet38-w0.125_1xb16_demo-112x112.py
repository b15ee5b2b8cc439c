# EPS then segmentation on the embedded demo dataset: the EPS classifier
# (saliency-supervised, C + 1 outputs) writes CAMs and CAM-only pseudo labels,
# DeepLabV3+ trains on those pseudo labels (no random walk; the segmentation
# stage of _base_/pipelines/demo.py).
#   python tools/train.py configs/eps/eps-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py
_base_ = ['../_base_/pipelines/demo.py']
work_dir = 'work_dirs/eps_demo'
inputs = dict(pseudo_labels='{eps}/cam_pseudo_labels', classifier='{eps.checkpoint}')
stages = dict(
    eps=dict(
        config='eps_wideresnet38-w0.125_1xb16-40e_demo-112x112.py',
        steps=['train', 'test']))
