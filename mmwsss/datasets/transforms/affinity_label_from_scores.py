"""Affinity labels at feature resolution from cropped, flipped CRF scores."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from mmwsss.ops.affinity_labels import affinity_label_from_scores, pool_scores
from mmwsss.utils.ranges import UNIT_OPEN, Range, check_setting

from .load_affinity_scores import CLASSES_KEY, HIGH_KEY, LOW_KEY


@TRANSFORMS.register_module()
class AffinityLabelFromScores(BaseTransform):
    """Pool the score maps by ``stride`` and apply PSA's affinity-label rule.

    The last step of the official affinity-label pipeline (docs/method.md#affinity-labels):
    both score maps (already cropped and flipped with the image) are averaged
    over ``stride`` x ``stride`` blocks (448 -> 56) and
    :func:`~mmwsss.ops.affinity_labels.affinity_label_from_scores` labels each
    block: confident foreground (its class value 1..C), confident background
    (0), neutral or padding (255).

    Required keys: ``affinity_scores_low``, ``affinity_scores_high``
    (H, W, K + 1), ``affinity_classes`` (see :class:`LoadAffinityScores`);
    H and W must be multiples of ``stride``.
    Added keys: ``gt_affinity_label``, uint8 (H / stride, W / stride).
    Removed keys: the score maps and ``affinity_classes`` (also from
    ``seg_fields``).

    Args:
        stride: Output stride of the affinity features (8 for ResNet-38).
        min_score: Blocks whose best score is below this value carry no
            score (padding) and are neutral.
    """

    def __init__(self, stride: int = 8, min_score: float = 1e-5) -> None:
        self.stride = check_setting('stride', stride, Range(1, integer=True),
                                    'AffinityLabelFromScores')
        self.min_score = check_setting('min_score', min_score, UNIT_OPEN,
                                       'AffinityLabelFromScores')

    def transform(self, results: dict) -> dict:
        """Label one sample.

        Args:
            results: Pipeline results dict.

        Returns:
            ``results`` with ``gt_affinity_label``.
        """
        missing = [key for key in (LOW_KEY, HIGH_KEY, CLASSES_KEY) if key not in results]
        if missing:
            raise KeyError(f'AffinityLabelFromScores needs {missing}: put '
                           'LoadAffinityScores earlier in the pipeline')
        low = results.pop(LOW_KEY).transpose(2, 0, 1)
        high = results.pop(HIGH_KEY).transpose(2, 0, 1)
        classes = results.pop(CLASSES_KEY)
        results['seg_fields'] = [key for key in results.get('seg_fields', [])
                                 if key not in (LOW_KEY, HIGH_KEY)]
        if low.shape[1] % self.stride or low.shape[2] % self.stride:
            raise ValueError(
                f'score size {low.shape[1]}x{low.shape[2]} of '
                f'{results.get("img_path", "this sample")} is not a multiple of '
                f'stride {self.stride}: crop to a multiple of it first')
        if max(low.max(initial=0), high.max(initial=0)) > 1 + 1e-3:
            raise ValueError(
                f'affinity scores of {results.get("img_path", "this sample")} exceed 1: '
                'pad them with 0, e.g. RandomCropPad(seg_pad_val=dict('
                f'{LOW_KEY}=0, {HIGH_KEY}=0))')
        label = affinity_label_from_scores(
            pool_scores(low, self.stride), pool_scores(high, self.stride),
            self.min_score)
        labelled = label < 255
        label[labelled] = classes[label[labelled]]
        results['gt_affinity_label'] = label.astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(stride={self.stride}, min_score={self.min_score})'
