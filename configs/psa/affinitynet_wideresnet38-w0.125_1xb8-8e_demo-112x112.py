# AffinityNet on the embedded demo dataset, for one CPU in minutes: ResNet-38
# at an eighth of the width, batch 8, crop 112, 8 epochs. PSA starts the
# backbone from ImageNet weights; the demo has none, so it starts from the demo
# CAM network (trained from scratch on the same images), the closest thing to
# a pre-trained backbone here; BN stays frozen at its statistics and conv1a/b2
# are frozen, as in PSA. The random walk also writes RW + dense-CRF labels,
# affinity pictures and the affinities themselves (to tune the walk with
# tools/sweep_random_walk.py).
# Demo values that differ from PSA's (configs/psa/README.md, "Demo defaults"):
# - SGD with momentum 0.9 at lr 0.1, a hundred times the VOC config's step
#   (momentum 5e-4 at lr 0.01): 300 iterations in all instead of PSA's 10,576;
# - affinity-label alphas 1 / 16 (PSA 4 / 32), see below;
# - the walk's background: a constant 0.6 after the walk (bg_score) instead
#   of PSA's background channel (1 - M) ** 16 walked with the CAMs. The walk
#   averages each class over the regions its affinities join: a class whose
#   CAM covers only a small part of its objects comes out far below 1 and
#   loses every pixel to any background channel strong enough for the demo's
#   spilling CAMs. So only the classes are walked, each is divided by its own
#   maximum afterwards (as the CAMs were before), and a pixel is background
#   where no class reaches 0.6 of its maximum: the walked maps are CAMs
#   again, smoothed, which lifts the spill around objects after the
#   re-normalisation, so they take a little more than the demo CAMs'
#   background score (0.55, where the CAM-only labels of the demo peak; PSA's
#   0.2 on VOC);
# - beta 16 (PSA 8): the demo's weaker affinities leak across boundaries at 8
#   (a spilling class then floods the background after the re-normalisation);
# - t = 16 steps (PSA 256): the feature maps are about 16 x 16 instead of
#   63 x 47, and a walk spreads over about sqrt(t) positions, so the same reach
#   takes 256 * (16 / 55) ** 2 ~ 22 steps.
_base_ = [
    '../_base_/models/affinitynet_wideresnet38.py',
    '../_base_/datasets/demo_affinity.py', '../_base_/default_runtime.py',
    '../_base_/schedules/affinity_sgd_poly_8e.py'
]
# Inputs from the demo CAM stage (tools/run_demo.py writes it to
# work_dirs/demo/cam; a pipeline sets them to its own stages): its checkpoint,
# its CAMs, its CAM-only pseudo labels (what the label survival of the walk's
# labels is measured against) and the affinity-label scores
# tools/make_affinity_labels.py writes from the CAMs.
cam_work_dir = 'work_dirs/demo/cam'
cam_checkpoint = cam_work_dir + '/epoch_40.pth'
cam_dir = cam_work_dir + '/cams'
cam_label_dir = cam_work_dir + '/cam_pseudo_labels'
# Affinity labels: confident foreground where the CRF of the scores with the
# background (1 - M) ** low_alpha says a class, confident background where
# even (1 - M) ** high_alpha wins (configs/psa/README.md, "Demo defaults").
# - low alpha 1 (PSA 4): a class is confident where its CAM M is above 0.5
#   ((1 - M) ** 1 < M); most demo classes have CAMs that spill well beyond
#   their objects (precision 30-45 % at PSA's background score 0.2), so
#   PSA's 4 (M above 0.28) would label that spill as foreground;
# - high alpha 16 (PSA 32): confident background only where every CAM is
#   below about 0.12 (PSA's 32: 0.08, which leaves much of the background
#   unlabelled); the demo's compact class (checker: CAMs on its patterned
#   part, below 0.2 on most of its body) would otherwise have its bodies
#   labelled background (about half of its pixels at high alpha 8), which
#   teaches AffinityNet to cut its objects from their parts.
affinity_label_cfg = dict(low_alpha=1, high_alpha=16)
affinity_dir = cam_work_dir + '/affinity_scores_alpha1-16'
train_dataloader = dict(
    dataset=dict(data_prefix=dict(cam_path=cam_dir, affinity_path=affinity_dir)))
test_dataloader = dict(
    dataset=dict(data_prefix=dict(cam_path=cam_dir, cam_label_path=cam_label_dir)))
model = dict(
    backbone=dict(
        widen_factor=0.125,
        init_cfg=dict(
            type='Pretrained', checkpoint=cam_checkpoint, prefix='backbone.')),
    decode_head=dict(in_channels=(64, 128, 512)),
    # crf_workers=0: the demo's CRF runs in the test loop, so a killed run has
    # written both label files of exactly the images it finished (its resume
    # test counts them); the default (None) runs it in a pool on every core
    # core_score 0.9: every labelled class keeps the core of its CAM (where its
    # CAM is the highest and at least 0.9), so the walk cannot erase it
    test_cfg=dict(bg_score=0.6, beta=16, num_iters=16, crf=True, crf_workers=0,
                  core_score=0.9))
# True: ChooseWalkSettingHook (below) replaces bg_score, beta and num_iters by
# the setting it chooses without ground truth before the walk (the highest CRF
# agreement among the settings that collapse or flood fewest labelled classes,
# on 60 images; rw_choice.json records it); in the demo pipeline:
# --cfg-options rw.choose_walk_setting=True. Off: on the dataset families it
# picked the fixed setting above (demo), about its equal (plain_body, thin,
# low_contrast: -0.06 to -0.20 mIoU), gained 1.1 on mixed and lost 8.3 on
# context, where labels spilling over the classes' uniform context regions
# agree with their CRF (configs/psa/README.md, "Without ground truth"). Its
# grid is the families benchmark's.
choose_walk_setting = False
optim_wrapper = dict(optimizer=dict(lr=0.1, momentum=0.9))
param_scheduler = dict(type='PolyLR')
default_hooks = dict(checkpoint=dict(interval=8))
custom_hooks = [
    dict(type='ProgressBarHook'),
    # a rerun walks only the images whose files are not all written yet
    dict(type='ResumeWritersHook', skip_written=True),
    dict(
        type='SavePseudoLabelHook',
        label_dirs=dict(
            pred_sem_seg='rw_pseudo_labels',
            pred_crf_sem_seg='rw_crf_pseudo_labels'),
        overlay_dir='rw_overlays',
        affinity_dir='affinity_pictures'),
    # rw_affinities/{id}.npz, for tools/sweep_random_walk.py
    dict(type='SaveWalkAffinityHook'),
    # scores against the ground truth and, with or without it, label survival
    # against the CAM labels (cam_label_path; collapses are logged warnings)
    dict(
        type='ScorePseudoLabelsHook',
        metrics_files=dict(
            rw_pseudo_labels='rw_metrics.json',
            rw_crf_pseudo_labels='rw_crf_metrics.json'),
        survival_files=dict(
            rw_pseudo_labels='rw_survival.json',
            rw_crf_pseudo_labels='rw_crf_survival.json')),
    dict(type='ChooseWalkSettingHook', bg_scores=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7), betas=(8, 16),
         iters=(8, 16, 32, 64), num_images=60),
    # the random walk: the test loop, once AffinityNet is trained
    dict(type='RunTestAfterTrainHook'),
]
