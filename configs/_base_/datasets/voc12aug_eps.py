# PASCAL VOC 2012 + SBD for EPS: the CAM stage's data plus saliency maps
# ({data_root}/SaliencyMaps/{id}.png, e.g. PFAN's), which follow every
# geometric transform of the image (resize with PIL's bicubic as the image, as
# the official code, flip, crop, zero padding).
_base_ = ['./voc12aug_cam.py']
# The CAM pipeline with the saliency map loaded after the image and carried
# through resize (PIL bicubic, uint8 as the official 'L' image) and flip; the
# crop pads it with 0.
saliency_changes = dict(
    RandomResize=dict(
        resize_type='SegFieldsResize', field_interpolation=dict(gt_saliency='bicubic')),
    RandomFlip=dict(type='SegFieldsRandomFlip'))
train_pipeline = [dict(t, **saliency_changes.get(t.type, {})) for t in _base_.train_pipeline]
train_pipeline.insert(1, dict(type='LoadSaliencyMap'))
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_prefix=dict(saliency_path='SaliencyMaps'),
        pipeline=train_pipeline))
