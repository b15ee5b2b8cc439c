# The whole PSA pipeline on PASCAL VOC 2012 with the official stage configs:
# ResNet-38 CAMs (scored on train, computed again on train_aug), then the PSA
# stages of _base_/pipelines/psa_voc12aug.py: affinity labels at alphas 4 / 32,
# AffinityNet and the random walk (alpha 16, beta 8, t 256), DeepLab-v2
# ResNet-101 on the random-walk pseudo labels, and the per-stage table beside
# the published one.
#   tools/dist_train.sh configs/psa/psa-pipeline_wideresnet38_voc12aug-448x448.py 2
# Each stage config states its recipe's total batch (CAM 16, AffinityNet 8,
# EPS 8, DeepLab-v2 10): on N processes each one loads total / N images, so
# any N dividing every total (1, 2) trains the recipe; another N is refused
# before the first stage (on 4 or 8 processes, changing the recipe: add
# seg.total_batch_size=8 seg.auto_scale_lr.enable=True, configs/seg/README.md);
# the name has no GPUs x batch part, as the stages' per-process batches differ.
# The ResNet-38 stages start from the converted ImageNet weights
# (configs/cam/README.md). '{cam}' is the cam stage's work dir,
# '{cam.checkpoint}' its latest checkpoint (see mmwsss/apis/pipeline.py).
_base_ = ['../_base_/pipelines/psa_voc12aug.py']
work_dir = 'work_dirs/psa_voc12aug'
cam_config = '../cam/cam_wideresnet38_4xb4-15e_voc12aug-448x448.py'
inputs = dict(cams='{cam_train_aug}/cams', cam_labels='{cam_train_aug}/cam_pseudo_labels')
stages = dict(
    cam=dict(config=cam_config, steps=['train', 'test']),
    cam_train_aug=dict(
        config=cam_config,
        steps=['test'],
        checkpoint='{cam.checkpoint}',
        cfg_options=_base_.train_aug))
