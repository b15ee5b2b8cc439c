"""Published PASCAL VOC 2012 results that mmwsss compares against, as the papers report them.

Each number carries the conventions it was measured under; "not stated" marks a
convention its source does not state for that number.
"""
from dataclasses import dataclass
from typing import Tuple

STAGES = {
    'cam': 'CAM pseudo labels',
    'pseudo': 'refined pseudo labels',
    'seg': 'segmentation',
}
"""Leaderboard stage key -> title, in table order."""

VOC_TRAIN = 'VOC12 train (1,464)'
VOC_VAL = 'VOC12 val (1,449)'
VOC_TEST = 'VOC12 test (1,456)'
NOT_STATED = 'not stated'
EPS_README = 'EPS README (released checkpoint, not the paper)'
EPS_SEG_SETTINGS = 'EPS pseudo labels, deeplab-pytorch recipe'
EPS_SEG_PRETRAINING = "COCO (OAA's DeepLab init, EPS issue 4)"


@dataclass(frozen=True)
class Result:
    """One mIoU (percent) and the conventions it was measured under.

    Attributes:
        stage: Key of :data:`STAGES`.
        method: Method and model, e.g. ``'PSA ResNet-38 (README)'``.
        miou: mIoU in percent.
        split: Evaluation split (pseudo labels: against SegmentationClassAug,
            ignoring 255).
        settings: Background threshold / CAM alphas / supervision.
        crf: Dense-CRF post-processing.
        pretraining: Initialisation of the network that produced the number.
        source: Where the number comes from.
        decimals: Decimals the number is published with.
    """

    stage: str
    method: str
    miou: float
    split: str
    settings: str
    crf: str
    pretraining: str
    source: str
    decimals: int = 1


PUBLISHED_RESULTS: Tuple[Result, ...] = (
    Result('cam', 'PSA ResNet-38 CAM', 47.7, VOC_TRAIN, 'bg score 0.20', 'no',
           'ImageNet', 'PSA README'),
    Result('cam', 'PSA ResNet-38 CAM', 48.0, VOC_TRAIN, NOT_STATED, 'no', 'ImageNet',
           'PSA paper (CVPR 2018)'),
    Result('cam', 'IRNet ResNet-50 CAM', 48.3, VOC_TRAIN, 'bg score 0.15', 'no',
           'ImageNet', 'IRNet paper (CVPR 2019)'),
    Result('cam', 'EPS baseline CAM', 47.05, VOC_TRAIN, NOT_STATED, 'no', 'ImageNet',
           EPS_README, decimals=2),
    Result('pseudo', 'PSA random walk', 61.0, VOC_TRAIN, 'alphas 4/16/32', 'no',
           'ImageNet', 'PSA README'),
    Result('pseudo', 'PSA random walk', 58.1, VOC_TRAIN, 'alphas 4/16/24', 'no',
           'ImageNet', 'PSA paper (CVPR 2018)'),
    Result('pseudo', 'PSA random walk + dCRF', 59.7, VOC_TRAIN, 'alphas 4/16/24',
           'yes', 'ImageNet', 'PSA paper (CVPR 2018)'),
    Result('pseudo', 'IRNet labels (ResNet-50)', 66.5, VOC_TRAIN,
           'boundary random walk, bg 0.25', 'no', 'ImageNet', 'IRNet paper (CVPR 2019)'),
    Result('pseudo', 'EPS (ResNet-38 + PFAN saliency)', 69.22, VOC_TRAIN,
           'saliency, bg score 0.20', 'no', 'ImageNet',
           EPS_README, decimals=2),
    Result('seg', 'PSA DeepLab', 58.4, VOC_VAL, 'PSA pseudo labels', NOT_STATED,
           'ImageNet', 'PSA paper (CVPR 2018)'),
    Result('seg', 'PSA DeepLab', 60.5, VOC_TEST, 'PSA pseudo labels', NOT_STATED,
           'ImageNet', 'PSA paper (CVPR 2018)'),
    Result('seg', 'PSA ResNet-38', 61.7, VOC_VAL, 'PSA pseudo labels', NOT_STATED,
           'ImageNet', 'PSA paper (CVPR 2018)'),
    Result('seg', 'PSA ResNet-38', 63.7, VOC_TEST, 'PSA pseudo labels', NOT_STATED,
           'ImageNet', 'PSA paper (CVPR 2018)'),
    Result('seg', 'IRNet DeepLab ResNet-50', 63.5, VOC_VAL, 'IRNet pseudo labels',
           NOT_STATED, 'ImageNet', 'IRNet paper (CVPR 2019)'),
    Result('seg', 'IRNet DeepLab ResNet-50', 64.8, VOC_TEST, 'IRNet pseudo labels',
           NOT_STATED, 'ImageNet', 'IRNet paper (CVPR 2019)'),
    # the EPS paper's own numbers (the network the README releases is not the
    # paper's, EPS issue 10); DeepLab-v2 trained with deeplab-pytorch (EPS issue 10) from OAA's
    # ResNet-101 initialisation, which the authors take to be COCO-pretrained (EPS
    # issue 4); the README gives DeepLab-v2's dCRF settings but no number states
    # its CRF. The paper's own pseudo-label mIoU is not in this table (no source
    # checked for it).
    Result('seg', 'EPS DeepLab-v2 ResNet-101', 70.9, VOC_VAL, EPS_SEG_SETTINGS,
           NOT_STATED, EPS_SEG_PRETRAINING, 'EPS paper (CVPR 2021)'),
    Result('seg', 'EPS DeepLab-v2 ResNet-101', 70.8, VOC_TEST, EPS_SEG_SETTINGS,
           NOT_STATED, EPS_SEG_PRETRAINING, 'EPS paper (CVPR 2021)'),
    Result('seg', 'EncNet ResNet-101', 85.9, VOC_TEST, 'full supervision', NOT_STATED,
           'ImageNet + COCO', 'EncNet paper (CVPR 2018)'),
)
"""Every published number with its conventions."""
