"""Common base of the WSSS segmentors: a backbone, one head, checked test settings."""
from typing import ClassVar, Dict, List, Tuple

from mmseg.models.segmentors import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor

from mmwsss.utils.ranges import Rule, check_settings


class WSSSSegmentor(BaseSegmentor):
    """A backbone and a head whose ``loss`` takes the backbone features.

    Subclasses define ``DEFAULT_TEST_CFG`` and what each of its keys accepts,
    ``TEST_CFG_RULES``; ``test_cfg`` overrides its values, and an unknown key
    or a value out of range is an error naming the key (no typo or
    degenerate setting passes silently).

    Args:
        backbone: Backbone config.
        decode_head: Head config.
        data_preprocessor: ``SegDataPreProcessor`` config.
        train_cfg: Passed to the head's ``loss``.
        test_cfg: Overrides of ``DEFAULT_TEST_CFG``.
        init_cfg: Initialisation config.
    """

    DEFAULT_TEST_CFG: ClassVar[dict] = {}
    TEST_CFG_RULES: ClassVar[Dict[str, Rule]] = {}

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 data_preprocessor: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.test_cfg = check_settings(dict(self.DEFAULT_TEST_CFG, **(test_cfg or {})),
                                       self.TEST_CFG_RULES, f'{type(self).__name__} test_cfg')
        self.backbone = MODELS.build(backbone)
        self.decode_head = MODELS.build(decode_head)
        self.train_cfg = train_cfg

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Backbone features of images (B, 3, H, W)."""
        return tuple(self.backbone(inputs))

    def loss(self, inputs: Tensor, data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        """The head's losses on the backbone features."""
        return self.decode_head.loss(self.extract_feat(inputs), data_samples, self.train_cfg)
