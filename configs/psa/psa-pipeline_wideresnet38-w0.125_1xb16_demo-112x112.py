# The whole PSA pipeline on the embedded demo dataset, for one CPU (what
# `make demo` runs): CAM classifier (narrow ResNet-38 from scratch) and its
# CAMs, then the stages of _base_/pipelines/psa_demo.py: affinity labels
# (dense CRF), AffinityNet with the random walk after it, DeepLabV3+ on the
# random-walk pseudo labels, and the per-stage table.
#   python tools/train.py configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py
#   tools/dist_train.sh configs/psa/psa-pipeline_wideresnet38-w0.125_1xb16_demo-112x112.py 2
# Each stage is the config named here, run alone with its work dir set to
# {work_dir}/{name}; '{cam}' below is the cam stage's work dir and
# '{cam.checkpoint}' its latest checkpoint (see mmwsss/apis/pipeline.py).
_base_ = ['../_base_/pipelines/psa_demo.py']
work_dir = 'work_dirs/demo'  # where the stage configs alone also look
inputs = dict(cams='{cam}/cams', cam_labels='{cam}/cam_pseudo_labels',
              classifier='{cam.checkpoint}')
stages = dict(
    cam=dict(
        config='../cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py',
        steps=['train', 'test']))
