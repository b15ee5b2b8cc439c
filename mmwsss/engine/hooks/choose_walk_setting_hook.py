"""Choose the random walk's setting without ground truth before the walk."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmwsss.evaluation.label_survival import survival_metrics
from mmwsss.evaluation.label_criterion import (SettingTotals, WalkGrid,
                                               choose_setting, class_bg_setting,
                                               crf_agreement, criterion_subset,
                                               rejected_classes, score_walk_settings)
from mmwsss.utils import read_image, read_json_object, read_label_png, save_json

CHOICE_FILE = 'rw_choice.json'
"""What the hook chose and why, under the work dir."""


@HOOKS.register_module()
class ChooseWalkSettingHook(Hook):
    """Set AffinityNet's walk (background score, beta, t) from the images alone.

    Before the test loop (the random walk), on ``num_images`` images evenly
    spaced over the test dataset, the trained network's affinities are walked
    with every setting of the grid and the labels are scored without ground
    truth (:mod:`~mmwsss.evaluation.label_criterion`: the CRF agreement among
    the settings that collapse the fewest labelled classes, label survival
    against the CAM labels of ``data_prefix['cam_label_path']`` when the
    dataset names them). The chosen setting replaces ``bg_score``, ``beta``
    and ``num_iters`` of the model's ``test_cfg`` for the whole loop, and
    ``{work_dir}/rw_choice.json`` records the grid's scores and the choice.
    With ``per_class`` each class then takes its own background
    score among ``bg_scores`` at the chosen beta and t
    (:func:`~mmwsss.evaluation.label_criterion.choose_class_bg_scores`), and
    ``bg_score`` becomes that list of C scores.
    A rerun with the same grid and images reads the choice from that file
    (the network is the same: the stage's checkpoint), so a resumed walk
    uses the setting its first images were walked with.

    The hook runs before :class:`ResumeWritersHook` (priority ``VERY_HIGH``):
    it chooses on the whole dataset, not on the images a resumed loop has
    left, and the setting it writes into the run's config (``runner.cfg``
    ``model.test_cfg``) is what the settings records of the output folders
    name, the setting the walk used.

    The main process chooses, the others receive the choice. The hook acts
    only when the config sets ``choose_walk_setting = True`` (the AffinityNet
    configs list the hook and leave it off: ``--cfg-options
    choose_walk_setting=True``, in a pipeline ``rw.choose_walk_setting=True``).

    Args:
        bg_scores: Constant background scores of the grid.
        betas: Affinity exponents.
        iters: Numbers of steps t.
        num_images: Images the criterion is measured on.
        per_class: Choose one background score per class (off: on the demo
            families the per-class CRF agreement picked too low a background
            for classes that spill, see configs/psa/README.md).
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 bg_scores: Sequence[float] = (0.4, 0.5, 0.6, 0.7),
                 betas: Sequence[float] = (8, 16),
                 iters: Sequence[int] = (8, 16, 32, 64),
                 num_images: int = 60,
                 per_class: bool = False) -> None:
        if not bg_scores or not betas or not iters:
            raise ValueError('ChooseWalkSettingHook needs at least one bg_score, beta and t')
        if any(not 0 < score < 1 for score in bg_scores):
            raise ValueError(f'ChooseWalkSettingHook bg_scores must be in (0, 1), got '
                             f'{list(bg_scores)}')
        if any(beta <= 0 for beta in betas) or any(t < 0 for t in iters) or num_images < 1:
            raise ValueError('ChooseWalkSettingHook needs betas > 0, iters >= 0 and '
                             f'num_images >= 1, got {list(betas)}, {list(iters)}, {num_images}')
        self.grid = WalkGrid((), [float(s) for s in bg_scores], [float(b) for b in betas],
                             sorted(int(t) for t in iters))
        self.num_images = num_images
        self.per_class = per_class

    def before_test(self, runner) -> None:
        """Choose the setting and set it on the model and in the run's config (when
        the config asks)."""
        if not runner.cfg.get('choose_walk_setting', False):
            return
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        choice: List[Optional[Dict[str, float]]] = [None]
        if is_main_process():
            choice[0] = self._choose(runner, model)
        broadcast_object_list(choice)
        chosen = dict(bg_score=choice[0]['bg_score'], beta=choice[0]['beta'],
                      num_iters=choice[0]['t'])
        model.test_cfg.update(chosen)
        runner.cfg['model']['test_cfg'] = dict(runner.cfg['model'].get('test_cfg') or {},
                                               **chosen)

    def _choose(self, runner, model) -> Dict[str, float]:
        """Read the recorded choice of this grid, or make and record it."""
        dataset = runner.test_dataloader.dataset
        indices = criterion_subset(len(dataset), self.num_images)
        img_ids = [osp.splitext(osp.basename(dataset.get_data_info(i)['img_path']))[0]
                   for i in indices]
        path = osp.join(runner.work_dir, CHOICE_FILE)
        # as read back from JSON (lists, not tuples)
        recorded = json.loads(json.dumps(dict(grid=self.grid._asdict(), img_ids=img_ids,
                                              core_score=model.test_cfg.get('core_score'),
                                              per_class=self.per_class)))
        if osp.isfile(path):
            previous = read_json_object(path, 'walk-setting choice')
            if all(previous.get(key) == value for key, value in recorded.items()):
                runner.logger.info(f'walk setting chosen before (read from {path}): '
                                   f'{previous["chosen"]}')
                return previous['chosen']
        totals: Dict = {}
        reference_dir = dataset.data_prefix.get('cam_label_path')
        for index in indices:
            item = dataset[index]
            data = runner.model.data_preprocessor(
                dict(inputs=[item['inputs']], data_samples=[item['data_samples']]), False)
            sample = data['data_samples'][0]
            height, width = sample.metainfo['img_shape'][:2]
            with torch.no_grad():
                affinity, _ = model.image_affinity(data['inputs'][0][:, :height, :width])
            img_path = sample.metainfo['img_path']
            img_id = osp.splitext(osp.basename(img_path))[0]
            ref_path = (osp.join(reference_dir, f'{img_id}.png') if reference_dir else None)
            results = score_walk_settings(
                sample.gt_cams.data.float().cpu(), affinity.float().cpu(), self.grid,
                model.decode_head.radius, model.test_cfg['stride'],
                image=np.ascontiguousarray(read_image(img_path, channel_order='rgb')),
                reference=read_label_png(ref_path) if ref_path and osp.isfile(ref_path)
                else None, agreement=True, core_score=model.test_cfg.get('core_score'))
            num_classes = sample.gt_cams.data.shape[0]
            for setting, result in results.items():
                totals.setdefault(setting, SettingTotals.zeros(num_classes)).add(result)
        classes = list(dataset.metainfo['classes'])
        survival = {s: survival_metrics(t.survival, classes) for s, t in totals.items()}
        agreement = {s: crf_agreement(t.agreement) for s, t in totals.items()}
        chosen = choose_setting(agreement,
                                {s: len(rejected_classes(survival[s])) for s in totals})
        as_dict = dict(bg_score=chosen[0].value, beta=chosen[1], t=chosen[2])
        per_class = class_bg_setting(chosen, totals, survival, classes) if self.per_class \
            else None
        if per_class is not None:
            as_dict['bg_score'] = list(per_class[0].value)
        save_json(dict(recorded, chosen=as_dict, one_bg_score=chosen[0].value, results=[
            dict(bg_score=s[0].value, beta=s[1], t=s[2], crf_agreement=agreement[s],
                 collapsed=survival[s]['collapsed'],
                 rejected=rejected_classes(survival[s])) for s in totals]), path)
        runner.logger.info(
            f'walk setting chosen without ground truth on {len(indices)} images: '
            f'bg score {as_dict["bg_score"]}, beta {as_dict["beta"]:g}, t {as_dict["t"]} '
            f'(one background: {chosen[0].value}, CRF agreement {agreement[chosen]:.2f}, '
            'collapsed: '
            f'{", ".join(survival[chosen]["collapsed"]) or "none"}); written to {path}')
        return as_dict
