# EPS + PSA on the embedded demo dataset: EPS CAMs instead of the CAM stage's,
# then the stages of _base_/pipelines/psa_demo.py (the demo PSA pipeline's
# stages and values): affinity labels, AffinityNet with the random walk, and
# DeepLabV3+ on the random-walk pseudo labels.
#   python tools/train.py configs/eps/eps-psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py
_base_ = ['../_base_/pipelines/psa_demo.py']
work_dir = 'work_dirs/eps_psa_demo'
inputs = dict(cams='{eps}/cams', cam_labels='{eps}/cam_pseudo_labels',
              classifier='{eps.checkpoint}')
stages = dict(
    eps=dict(
        config='eps_wideresnet38-w0.125_1xb16-40e_demo-112x112.py',
        steps=['train', 'test']))
