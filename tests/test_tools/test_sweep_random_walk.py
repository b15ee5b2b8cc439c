"""tools/random_walk.py stores the affinities; tools/sweep_random_walk.py re-walks them."""
import json
import sys
from pathlib import Path
from typing import List, Optional, Union

import numpy as np
import torch

from mmwsss.evaluation.segmentation_scores import confusion_matrix, segmentation_scores
from mmwsss.ops.random_walk import (channel_argmax, constant_background, random_walk,
                                    random_walk_input, random_walk_scores_to_image)
from mmwsss.utils import load_cams, read_label_png
from mmwsss.utils.walk_affinity_io import load_walk_affinity
from tests.conftest import AFFINITY_CONFIG, affinity_options, run_tool
from tests.test_tools.test_random_walk_tool import checkpoint  # noqa: F401  (fixture)


def _expected_miou(affinity_dir: Path, gt_dir: Path, classes: list, alpha: Optional[float],
                   beta: float, num_iters: int,
                   bg_score: Union[None, float, List[float]] = None) -> float:
    """mIoU of the plain random walk of the stored affinities, image by image
    (a walked background of exponent alpha, or the constant bg_score: one, or one per
    class)."""
    confusion = 0
    for path in sorted(affinity_dir.iterdir()):
        stored = load_walk_affinity(path)
        cams, _ = load_cams(stored['cam_path'], stored['num_classes'])
        scores = random_walk(random_walk_input(torch.from_numpy(cams), alpha),
                             stored['affinity'], beta, num_iters)
        scores = random_walk_scores_to_image(scores, stored['img_size'])
        if bg_score is not None:
            scores = constant_background(scores, bg_score)
        label = channel_argmax(scores).numpy()
        confusion = confusion + confusion_matrix(
            label, read_label_png(str(gt_dir / f'{path.stem}.png')), len(classes))
    return segmentation_scores(confusion, classes)['mIoU']


def test_store_then_sweep(demo_root: Path, fake_cams: Path, checkpoint: Path,  # noqa: F811
                          tmp_path: Path) -> None:
    work_dir = tmp_path / 'rw'
    run_tool([sys.executable, 'tools/random_walk.py', AFFINITY_CONFIG, str(checkpoint),
              '--work-dir', str(work_dir), '--save-affinity', '--cfg-options',
              *affinity_options(demo_root, fake_cams, tmp_path / 'unused'),
              # PSA's walked background, the one the sweep re-walks
              'model.test_cfg.bg_score=None', 'model.test_cfg.bg_alpha=1'])
    affinity_dir = work_dir / 'rw_affinities'
    files = sorted(affinity_dir.iterdir())
    assert len(files) == 24
    stored = load_walk_affinity(files[0])
    height, width = stored['feat_size']
    assert stored['img_size'][0] <= 8 * height and stored['affinity'].shape[0] == 34
    assert stored['affinity'].shape[1] == (height - 4) * (width - 8)
    assert stored['cam_path'] == str(fake_cams / f'{files[0].stem}.npz')
    assert (stored['radius'], stored['stride'], stored['num_classes']) == (5, 8, 6)

    out = tmp_path / 'sweep.json'
    result = run_tool([sys.executable, 'tools/sweep_random_walk.py', str(affinity_dir),
                       '--data-root', str(demo_root), '--alphas', '1', '2', '--bg-scores',
                       '0.6', '--betas', '8', '16', '--iters', '16', '8', '--crf-top', '1',
                       '--workers', '2', '--criterion-images', '3', '--out', str(out)])
    assert 'tuned on the ground truth' in result.stdout
    sweep = json.loads(out.read_text())
    assert 'tuned on the ground truth' in sweep['note']
    assert sweep['num_images'] == 24
    assert sweep['grid'] == dict(alphas=[1.0, 2.0], bg_scores=[0.6], betas=[8.0, 16.0],
                                 iters=[8, 16])
    plain = {(r['alpha'], r['bg_score'], r['beta'], r['t']): r['mIoU']
             for r in sweep['results'] if not r['crf']}
    with_crf = [r for r in sweep['results'] if r['crf']]
    assert len(plain) == 12 and len(with_crf) == 1
    best = max(plain, key=plain.get)
    keys = ('alpha', 'bg_score', 'beta', 't')
    assert tuple(sweep['best'][key] for key in keys) == best
    assert tuple(with_crf[0][key] for key in keys) == best
    assert (tmp_path / 'sweep.png').stat().st_size > 10000
    # the ground-truth-free choice: highest CRF agreement among the settings
    # that reject (collapse or flood) fewest classes, measured on 3 images
    assert sweep['criterion_images'] == 3
    agreement = {(r['alpha'], r['bg_score'], r['beta'], r['t']): r['crf_agreement']
                 for r in sweep['results'] if not r['crf']}
    collapsed = {(r['alpha'], r['bg_score'], r['beta'], r['t']): len(r['criterion_rejected'])
                 for r in sweep['results'] if not r['crf']}
    fewest = min(collapsed.values())
    chosen = max((s for s in agreement if collapsed[s] == fewest), key=agreement.get)
    assert tuple(sweep['chosen'][key] for key in keys) == chosen
    assert sweep['chosen']['mIoU'] == plain[chosen]
    assert all(0 < value <= 100 for value in agreement.values())
    assert set(sweep['chosen']['survival']) >= {'kept.checker', 'area_ratio.checker',
                                                'collapsed', 'unlabelled_pixels'}
    assert sweep['cam_labels'] is None  # the fake CAMs have no CAM labels beside them

    classes = json.loads((demo_root / 'meta.json').read_text())['classes']
    gt_dir = demo_root / 'SegmentationClass'
    for alpha, bg_score, beta, num_iters in [(2.0, None, 8.0, 8), (1.0, None, 16.0, 16),
                                             (None, 0.6, 16.0, 16)]:
        assert np.isclose(plain[(alpha, bg_score, beta, num_iters)],
                          _expected_miou(affinity_dir, gt_dir, classes, alpha, beta,
                                         num_iters, bg_score), atol=0.011)
    # the walk's setting (alpha 1, beta 16, t 16) on float16 affinities
    # scores as the random walk on the network's float32 ones
    metrics = json.loads((work_dir / 'rw_metrics.json').read_text())
    assert abs(plain[(1.0, None, 16.0, 16)] - metrics['mIoU']) < 0.5

    # --per-class: the chosen beta and t, each class at the score of its own highest CRF
    # agreement; a config that chooses without ground truth reports the chosen setting
    config = tmp_path / 'choosing.py'
    config.write_text(f'_base_ = [{str(Path(AFFINITY_CONFIG).resolve())!r}]\n'
                      'choose_walk_setting = True\n')
    out = tmp_path / 'per_class.json'
    run_tool([sys.executable, 'tools/sweep_random_walk.py', str(affinity_dir),
              '--data-root', str(demo_root), '--alphas', '--bg-scores', '0.3', '0.6',
              '--betas', '16', '--iters', '8', '--workers', '1', '--criterion-images', '6',
              '--config', str(config), '--core-score', 'none', '--per-class',
              '--out', str(out)])
    sweep = json.loads(out.read_text())
    chosen, per_class = sweep['chosen'], sweep['chosen_per_class']
    assert chosen['bg_score'] in (0.3, 0.6) and (chosen['beta'], chosen['t']) == (16.0, 8)
    assert (per_class['beta'], per_class['t']) == (16.0, 8)
    assert len(per_class['bg_score']) == 6 and set(per_class['bg_score']) == {0.3, 0.6}
    assert np.isclose(per_class['mIoU'], _expected_miou(
        affinity_dir, gt_dir, classes, None, 16.0, 8, per_class['bg_score']), atol=0.011)
    assert sweep['config']['bg_score'] == chosen['bg_score']
    assert sweep['config']['chooses_without_gt']
