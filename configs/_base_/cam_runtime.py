# Runtime of the CAM stages (CAM classifier, EPS): the test loop writes each
# image's CAMs and CAM-only pseudo label (cams/, cam_pseudo_labels/), scores
# them with the config's PseudoLabelMetric and writes the metrics to
# {work_dir}/cam_metrics.json. ResumeWritersHook removes the temporaries a
# killed run left; with skip_written=True (the pipeline sets it) the loop
# skips the images already written, and ScorePseudoLabelsHook then scores every
# image from the files. With or without ground truth it writes the label
# survival of the CAM labels, {work_dir}/cam_survival.json (per class: the share
# of the images labelled with it whose label keeps it, pixels given to classes
# an image is not labelled with; collapsed classes are logged as warnings).
_base_ = ['./default_runtime.py']
custom_hooks = [
    dict(type='ProgressBarHook'),
    dict(type='ResumeWritersHook'),
    dict(type='SaveCAMHook'),
    dict(
        type='ScorePseudoLabelsHook',
        metric_label_dir='cam_pseudo_labels',
        metric_cam_dir='cams',
        survival_files=dict(cam_pseudo_labels='cam_survival.json')),
    dict(type='SaveMetricsHook', filename='cam_metrics.json'),
]
