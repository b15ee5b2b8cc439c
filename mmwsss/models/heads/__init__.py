"""Heads."""
from .cam_head import CAMHead
from .eps_head import EPSHead
from .image_label_enc_head import ImageLabelEncHead, image_label_se_targets
from .affinity_head import AffinityHead
from .aspp_sum_head import ASPPSumHead

__all__ = [
    'CAMHead', 'EPSHead', 'ImageLabelEncHead', 'image_label_se_targets',
    'AffinityHead', 'ASPPSumHead'
]
