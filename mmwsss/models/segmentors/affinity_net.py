"""AffinityNet: pixel affinities learnt from CAM-derived labels, and the random walk."""
import ctypes
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import List, Optional, Sequence, Set, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import get_world_size
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from mmwsss.models.segmentors.wsss_segmentor import WSSSSegmentor
from mmwsss.ops.affinity import mean_neighbour_affinity
from mmwsss.ops.crf import crf_refine_label
from mmwsss.ops.label_guarantee import keep_cam_cores
from mmwsss.ops.random_walk import (channel_argmax, constant_background, random_walk,
                                    random_walk_input, random_walk_scores_to_image)
from mmwsss.utils.finite import check_finite
from mmwsss.utils.ranges import POSITIVE, UNIT_OPEN, Each, Either, Flag, Range
from mmwsss.utils.readers import read_image


@MODELS.register_module()
class AffinityNet(WSSSSegmentor):
    """AffinityNet of PSA: backbone + :class:`AffinityHead` (docs/method.md#affinitynet).

    ``loss`` trains the affinities on ``gt_affinity_label`` (labels at the
    feature resolution, from ``AffinityLabelFromScores``) with the pair loss.

    ``predict`` synthesises pseudo labels by a random walk: for each image
    (any size; ``gt_cams`` (C, H, W) from ``LoadCAMs`` in the test pipeline)

    1. the normalised image is zero-padded bottom/right to a multiple of
       ``stride`` (zero = the ImageNet mean, as the official code pads the
       normalised tensor; ``SegDataPreProcessor`` pads nothing at test time
       without a ``test_cfg``) and the affinities (K, P) of its features are
       computed, single scale, no flip;
    2. :func:`~mmwsss.ops.random_walk.random_walk_input` builds the (C + 1)
       scores (background ``(1 - max_c CAM) ** bg_alpha``) at the feature
       resolution, :func:`~mmwsss.ops.random_walk.random_walk` propagates
       them (``A = W ** beta``, ``num_iters`` sparse steps), and the result
       is upsampled bilinearly to the padded size, cropped and labelled by
       argmax. With ``test_cfg['bg_score']`` set, only the classes are
       walked; after upsampling each class is divided by its maximum and
       the background is that constant
       (:func:`~mmwsss.ops.random_walk.constant_background`).

    Fields set on each sample:

    - ``pred_sem_seg``: (1, H, W) random-walk pseudo label, values 0..C;
    - ``pred_crf_sem_seg``: (1, H, W) the same refined by the dense CRF on the
      image read from ``img_path`` (only with ``test_cfg['crf']``). With
      ``crf_workers`` > 0 the CRF runs in a pool of that many processes while
      the next images are walked, and the field is a
      :class:`concurrent.futures.Future` of the (H, W) label array
      (``SavePseudoLabelHook`` writes it once done);
    - ``pred_rw_scores``: (C + 1, h, w) propagated scores at the feature
      resolution;
    - ``pred_affinity``: (1, h, w) each position's mean affinity to its
      radius neighbours (low next to boundaries), for pictures;
    - ``pred_pair_affinity``: the (K, P) pair affinities the walk used (a
      tensor field, stored by ``SaveWalkAffinityHook`` for re-walking).

    Args:
        backbone: Backbone config (levels at one output stride, e.g.
            ``WideResNet38`` with ``out_indices=(0, 1, 2)``).
        decode_head: :class:`AffinityHead` config.
        data_preprocessor: ``SegDataPreProcessor`` config.
        train_cfg: Unused, for the segmentor contract.
        test_cfg: ``bg_alpha`` (16, positive), ``bg_score`` (None: PSA's
            background channel of ``bg_alpha``; a number in (0, 1): the
            constant background of re-normalised walked classes), ``beta``
            (8, positive), ``num_iters`` (t = 256, an integer >= 0),
            ``stride`` (the backbone's output stride, 8, an integer >= 1),
            ``crf`` (False), ``crf_workers`` (None: every core, shared by
            the ranks of the node, ``cpu_count // world_size``; 0: the CRF
            runs in this process, synchronously) and ``core_score`` (None:
            off; a score in (0, 1]: every labelled class keeps the core of its
            CAM, the pixels where its CAM is the largest and at least that
            score, in both label maps, see :mod:`~mmwsss.ops.label_guarantee`).
            Other keys and values out of these ranges are refused.
        init_cfg: Initialisation config.
    """

    DEFAULT_TEST_CFG = dict(bg_alpha=16.0, bg_score=None, beta=8.0, num_iters=256,
                            stride=8, crf=False, crf_workers=None, core_score=None)
    """Random-walk settings of PSA (docs/method.md#random-walk); ``crf`` adds the
    "+dCRF" labels."""
    TEST_CFG_RULES = dict(
        bg_alpha=POSITIVE, bg_score=Either((UNIT_OPEN._replace(optional=True), Each(UNIT_OPEN))),
        beta=POSITIVE,
        num_iters=Range(0, integer=True), stride=Range(1, integer=True), crf=Flag(),
        crf_workers=Range(0, integer=True, optional=True),
        core_score=Range(0, 1, low_open=True, optional=True))

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Affinity features (B, D, h, w)."""
        return self.decode_head(self.extract_feat(inputs))

    def _forward(self, inputs: Tensor,
                 data_samples: Optional[List[SegDataSample]] = None) -> Tensor:
        """Affinity features (B, D, h, w) (``tensor`` mode)."""
        return self.encode_decode(inputs, [])

    def image_affinity(self, img: Tensor) -> Tuple[Tensor, Tuple[int, int]]:
        """Affinities of one whole image, zero-padded to a multiple of the stride.

        Args:
            img: Normalised image (3, H, W), preprocessor padding removed.

        Returns:
            Affinities (K, P) of the h x w feature map and ``(h, w)``,
            ``h = ceil(H / stride)``, ``w = ceil(W / stride)``.
        """
        stride = self.test_cfg['stride']
        height, width = img.shape[-2:]
        padded = F.pad(img, (0, -width % stride, 0, -height % stride))
        feats = self.extract_feat(padded[None])
        feat_size = tuple(feats[self.decode_head.in_index[0]].shape[-2:])
        expected = (-(-height // stride), -(-width // stride))
        if feat_size != expected:
            raise ValueError(f'features of size {feat_size} for an image of size '
                             f'{(height, width)}: test_cfg stride {stride} is not the '
                             'backbone\'s output stride')
        return self.decode_head.affinity(feats)[0], feat_size

    def predict(self, inputs: Tensor,
                data_samples: Optional[Sequence[SegDataSample]] = None
                ) -> List[SegDataSample]:
        """Random-walk pseudo labels (see the class doc)."""
        if data_samples is None:
            raise ValueError('AffinityNet.predict needs data samples with gt_cams')
        cfg = self.test_cfg
        for img, sample in zip(inputs, data_samples):
            if 'gt_cams' not in sample:
                raise KeyError(f'no gt_cams for {sample.metainfo.get("img_path")}: put '
                               'LoadCAMs in the test pipeline')
            height, width = sample.metainfo['img_shape'][:2]
            cams = sample.gt_cams.data.to(img)
            if tuple(cams.shape[-2:]) != (height, width):
                raise ValueError(f'CAMs of size {tuple(cams.shape[-2:])} for the image '
                                 f'{sample.metainfo.get("img_path")} of size {(height, width)}')
            img_id = sample.metainfo.get('img_id', sample.metainfo.get('img_path'))
            check_finite(cams, f'CAMs of image {img_id!r} (random-walk input)')
            affinity, (feat_height, feat_width) = self.image_affinity(
                img[:, :height, :width])
            check_finite(affinity, f'affinities predicted for image {img_id!r} '
                         '(random-walk input)')
            bg_score = cfg.get('bg_score')
            alpha = cfg['bg_alpha'] if bg_score is None else None
            if isinstance(bg_score, (list, tuple)) and len(bg_score) != cams.shape[0]:
                raise ValueError(f'AffinityNet test_cfg bg_score has {len(bg_score)} scores '
                                 f'(one per class), the CAMs of {img_id!r} {cams.shape[0]} '
                                 'classes')
            scores = random_walk(
                random_walk_input(cams, alpha, cfg['stride']), affinity,
                beta=cfg['beta'], num_iters=cfg['num_iters'],
                radius=self.decode_head.radius)
            image_scores = random_walk_scores_to_image(scores, (height, width),
                                                       cfg['stride'])
            if bg_score is not None:
                image_scores = constant_background(image_scores, bg_score)
            label = channel_argmax(image_scores)
            if cfg['core_score'] is not None:
                label = keep_cam_cores(label, cams, cfg['core_score'])
            sample.pred_sem_seg = PixelData(data=label[None])
            sample.pred_rw_scores = PixelData(data=scores)
            sample.pred_affinity = PixelData(data=mean_neighbour_affinity(
                affinity, feat_height, feat_width, self.decode_head.radius)[None])
            sample.set_field(affinity, 'pred_pair_affinity', field_type='data')
            if cfg['crf']:
                self._set_crf_label(
                    sample, image_scores.cpu().numpy(),
                    None if cfg['core_score'] is None else cams.cpu().numpy())
        return list(data_samples)

    def _set_crf_label(self, sample: SegDataSample, image_scores: np.ndarray,
                       cams: Optional[np.ndarray]) -> None:
        """Set ``pred_crf_sem_seg``: now, or as a future of the CRF pool.

        With ``cams`` (the test_cfg ``core_score`` set) the CRF label keeps the
        CAM cores too.

        At most two images per worker wait in the pool, so a walk faster
        than the CRF does not pile up score maps.
        """
        pool = self._crf_pool()
        img_path = sample.metainfo['img_path']
        if pool is None:
            label = torch.from_numpy(crf_label_of_image(img_path, image_scores, cams,
                                                        self.test_cfg['core_score']))
            sample.pred_crf_sem_seg = PixelData(data=label[None])
            return
        pending: Set[Future] = self._crf_pending
        while len(pending) >= self._crf_max_pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            pending.difference_update(done)
        future = pool.submit(crf_label_of_image, img_path, image_scores, cams,
                             self.test_cfg['core_score'])
        pending.add(future)
        future.add_done_callback(pending.discard)
        sample.set_field(future, 'pred_crf_sem_seg', field_type='data')

    def _crf_pool(self) -> Optional[ProcessPoolExecutor]:
        """The CRF process pool (started on first use), or None for no pool."""
        workers = self.test_cfg.get('crf_workers')
        if workers is None:
            workers = max((os.cpu_count() or 1) // get_world_size(), 1)
        if workers == 0:
            return None
        if getattr(self, '_crf_executor', None) is None:
            self._crf_executor = ProcessPoolExecutor(
                workers, mp_context=get_context('spawn'), initializer=_end_with_parent,
                initargs=(os.getpid(), ))
            self._crf_pending: Set[Future] = set()
            self._crf_max_pending = 2 * workers
        return self._crf_executor


def _end_with_parent(parent_pid: int) -> None:
    """CRF pool initializer: end the worker when its parent process ends.

    A parent killed with SIGKILL cannot shut its pool down; on Linux the
    kernel then kills the workers (``PR_SET_PDEATHSIG``), so no orphan keeps
    running or holds the parent's output pipes.
    """
    if sys.platform.startswith('linux'):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(0)


def crf_label_of_image(img_path: str, image_scores: np.ndarray,
                       cams: Optional[np.ndarray] = None,
                       core_score: Optional[float] = None) -> np.ndarray:
    """Dense-CRF refinement of random-walk scores on the original image.

    Args:
        img_path: Image file, read as RGB.
        image_scores: Random-walk scores (C + 1, H, W) at the image size.
        cams: Normalised CAMs (C, H, W) whose cores the label keeps
            (:func:`~mmwsss.ops.label_guarantee.keep_cam_cores`), or None.
        core_score: The cores' CAM score (with ``cams``).

    Returns:
        int64 label map (H, W).
    """
    image = read_image(img_path, channel_order='rgb')
    if image.shape[:2] != tuple(image_scores.shape[-2:]):
        raise ValueError(f'{img_path} is {image.shape[:2]}, the random-walk scores '
                         f'{tuple(image_scores.shape[-2:])}: the CRF needs the test '
                         'pipeline to keep the original size')
    label = crf_refine_label(image, image_scores)
    if cams is None:
        return label
    return keep_cam_cores(torch.from_numpy(label), torch.from_numpy(cams), core_score).numpy()
