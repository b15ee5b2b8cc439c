"""Store each image's AffinityNet affinities during the random walk, for re-walking."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmwsss.utils.walk_affinity_io import save_walk_affinity

from .sample_writer_hook import SampleWriterHook


@HOOKS.register_module()
class SaveWalkAffinityHook(SampleWriterHook):
    """Write ``{out_dir}/{img_id}.npz``: the affinities the random walk used.

    Each file holds the float16 (K, P) affinities of ``AffinityNet.predict``
    (``pred_pair_affinity``), the feature and image sizes, the radius, stride
    and number of classes, and the CAM file the walk propagated (see
    :mod:`mmwsss.utils.walk_affinity_io`), so that
    ``tools/sweep_random_walk.py`` re-runs the walk for other settings
    without the network. Files are written atomically, before the label
    files of :class:`SavePseudoLabelHook` (higher priority), so every image
    whose labels exist also has its affinities. An image is written
    (:meth:`is_written`) once its file exists.

    Args:
        out_dir: Folder of the files (relative: under the runner's work dir).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, out_dir: str = 'rw_affinities') -> None:
        self.out_dir = out_dir
        self._cam_paths: Dict[str, str] = {}
        self._num_classes = 0
        self._radius = 0
        self._stride = 0

    def output_dirs(self) -> List[str]:
        """The folder this hook writes into (relative to the work dir)."""
        return [self.out_dir]

    def is_written(self, work_dir: str, img_id: str) -> bool:
        """Whether the affinity file of an image exists."""
        return osp.isfile(osp.join(work_dir, self.out_dir, f'{img_id}.npz'))

    def before_test(self, runner) -> None:
        """Remember each image's CAM file and the model's radius and stride."""
        dataset = runner.test_loop.dataloader.dataset
        self._cam_paths = {}
        for index in range(len(dataset)):
            info = dataset.get_data_info(index)
            if 'cam_path' not in info:
                raise KeyError(f'image {info.get("img_id")} has no cam_path: set '
                               "data_prefix['cam_path'] in the test dataset config")
            self._cam_paths[info['img_id']] = info['cam_path']
        self._num_classes = len(dataset.metainfo['classes']) - 1
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._radius = model.decode_head.radius
        self._stride = model.test_cfg['stride']

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        """Write the affinities of the samples of one batch."""
        for sample in outputs or []:
            img_id = sample.metainfo['img_id']
            if 'pred_pair_affinity' not in sample or 'pred_rw_scores' not in sample:
                raise KeyError(f'sample {img_id} has no pred_pair_affinity / '
                               'pred_rw_scores: SaveWalkAffinityHook needs AffinityNet')
            save_walk_affinity(
                osp.join(runner.work_dir, self.out_dir, f'{img_id}.npz'),
                sample.pred_pair_affinity,
                tuple(sample.pred_rw_scores.data.shape[-2:]),
                tuple(sample.metainfo['img_shape'][:2]), self._radius, self._stride,
                self._num_classes, self._cam_paths[img_id])
