# MS COCO 2014 for EPS: 80 object classes + background. Expected layout:
#   {data_root}/train2014/*.jpg
#   {data_root}/SegmentationClass/train2014/*.png  class-index masks: 0 background,
#       1..80 in the order of `classes` below (COCO category ids sorted), 255 ignore
#   {data_root}/SaliencyMaps/train2014/*.png      saliency maps (e.g. PFAN's)
#   {data_root}/ImageSets/train.txt              image ids, one per line
#   {data_root}/image_labels.json                {image_id: [class values 1..80]}
# tools/prepare_coco.py writes all but the images and saliency maps from the
# official instances_train2014.json. Image-level labels are read from
# image_labels.json (the annotated categories); with img_label_file='' they
# are derived from the masks instead.
# Official EPS COCO script: long side uniform in [256, 448], crop 321.
_base_ = ['./voc12aug_eps.py']
data_root = 'data/coco2014'
crop_size = (321, 321)
metainfo = dict(
    classes=(
        'background', 'person', 'bicycle', 'car', 'motorcycle',
        'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
        'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird',
        'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear',
        'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie',
        'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
        'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
        'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife',
        'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
        'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake',
        'chair', 'couch', 'potted plant', 'bed', 'dining table', 'toilet',
        'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
        'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book',
        'clock', 'vase', 'scissors', 'teddy bear', 'hair drier',
        'toothbrush'),
    # PASCAL VOC's colour map extended to 81 entries
    palette=[
        [0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128],
        [0, 128, 128], [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
        [64, 0, 128], [192, 0, 128], [64, 128, 128], [192, 128, 128], [0, 64, 0], [128, 64, 0],
        [0, 192, 0], [128, 192, 0], [0, 64, 128], [128, 64, 128], [0, 192, 128], [128, 192, 128],
        [64, 64, 0], [192, 64, 0], [64, 192, 0], [192, 192, 0], [64, 64, 128], [192, 64, 128],
        [64, 192, 128], [192, 192, 128], [0, 0, 64], [128, 0, 64], [0, 128, 64], [128, 128, 64],
        [0, 0, 192], [128, 0, 192], [0, 128, 192], [128, 128, 192], [64, 0, 64], [192, 0, 64],
        [64, 128, 64], [192, 128, 64], [64, 0, 192], [192, 0, 192], [64, 128, 192], [192, 128, 192],
        [0, 64, 64], [128, 64, 64], [0, 192, 64], [128, 192, 64], [0, 64, 192], [128, 64, 192],
        [0, 192, 192], [128, 192, 192], [64, 64, 64], [192, 64, 64], [64, 192, 64], [192, 192, 64],
        [64, 64, 192], [192, 64, 192], [64, 192, 192], [192, 192, 192], [32, 0, 0], [160, 0, 0],
        [32, 128, 0], [160, 128, 0], [32, 0, 128], [160, 0, 128], [32, 128, 128], [160, 128, 128],
        [96, 0, 0], [224, 0, 0], [96, 128, 0], [224, 128, 0], [96, 0, 128], [224, 0, 128],
        [96, 128, 128], [224, 128, 128], [32, 64, 0]
    ])
# the VOC EPS pipeline at COCO's scale
coco_scale = dict(
    RandomResize=dict(scale=(448, 448), ratio_range=(256 / 448, 1.0)),
    RandomCropPad=dict(crop_size=crop_size))
train_pipeline = [dict(t, **coco_scale.get(t.type, {})) for t in _base_.train_pipeline]
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='ImageSets/train.txt',
        img_label_file='image_labels.json',
        data_prefix=dict(
            _delete_=True,
            img_path='train2014',
            img_label_path='SegmentationClass/train2014',
            saliency_path='SaliencyMaps/train2014'),
        pipeline=train_pipeline))
test_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='ImageSets/train.txt',
        img_label_file='image_labels.json',
        data_prefix=dict(
            img_path='train2014', seg_map_path='SegmentationClass/train2014')))
