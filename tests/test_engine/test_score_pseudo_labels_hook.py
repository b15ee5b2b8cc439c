"""Tests of ScorePseudoLabelsHook: label folders to JSON; the metric after a resume;
label survival without ground truth."""
import json
from pathlib import Path
from typing import Tuple

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmwsss.engine import (ResumeWritersHook, SaveCAMHook, SavePseudoLabelHook,
                           ScorePseudoLabelsHook)
from mmwsss.evaluation.folder_evaluation import evaluate_label_folder
from mmwsss.evaluation.label_survival import label_folder_survival
from mmwsss.evaluation.metrics.pseudo_label_metric import PseudoLabelMetric
from mmwsss.reporting.per_class_table import per_class_document
from mmwsss.utils import read_label_png, save_label_png
from tests.test_engine.hook_runner import demo_runner


def _noisy(label: np.ndarray, seed: int) -> np.ndarray:
    """``label`` with a random quarter of its pixels set to class 1."""
    noisy = label.copy()
    noisy[np.random.default_rng(seed).random(label.shape) < 0.25] = 1
    return noisy


def test_label_folders_are_scored_over_every_image(tmp_path: Path, demo_root: Path) -> None:
    hook = ScorePseudoLabelsHook(metrics_files=dict(rw='rw_metrics.json',
                                                    rw_crf='out/rw_crf_metrics.json'))
    writer = SavePseudoLabelHook(label_dirs=dict(pred_sem_seg='rw', pred_crf_sem_seg='rw_crf'))
    runner = demo_runner(tmp_path, demo_root, [ResumeWritersHook(True), writer, hook])
    runner.hooks[0].before_test(runner)  # the run that wrote the labels claimed the folders
    dataset = runner.test_loop.dataloader.dataset
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    for seed, info in enumerate(infos):
        gt = read_label_png(info['seg_map_path'])
        save_label_png(gt, tmp_path / 'rw' / f'{info["img_id"]}.png')
        save_label_png(_noisy(gt, seed), tmp_path / 'rw_crf' / f'{info["img_id"]}.png')
    # a rerun on a finished work dir: no image left for the loop
    runner.hooks[0].before_test(runner)
    assert len(runner.test_loop.dataloader.dataset) == 0
    hook.after_test_epoch(runner, metrics={})
    gt_dir = str(demo_root / 'SegmentationClass')
    ids = [info['img_id'] for info in infos]
    classes = dataset.metainfo['classes']
    metrics = json.loads((tmp_path / 'rw_metrics.json').read_text())
    crf_metrics = json.loads((tmp_path / 'out' / 'rw_crf_metrics.json').read_text())
    assert metrics == evaluate_label_folder(str(tmp_path / 'rw'), gt_dir, ids, classes)
    assert crf_metrics == evaluate_label_folder(str(tmp_path / 'rw_crf'), gt_dir, ids,
                                                classes)
    assert metrics['num_images'] == crf_metrics['num_images'] == 24
    assert metrics['mIoU'] == 100.0 and crf_metrics['mIoU'] < 100.0
    assert (tmp_path / 'out' / 'rw_crf_metrics_per_class.md').read_text() == (
        per_class_document(crf_metrics, 'Per-class scores (%) of rw_crf_metrics.json'))


def _cam_sample(info: dict, num_classes: int, seed: int) -> SegDataSample:
    """CAMs in steps of 1/16 (exact in float16) for the present classes, the label."""
    gt = read_label_png(info['seg_map_path'])
    rng = np.random.default_rng(seed)
    cams = rng.integers(0, 17, (num_classes, ) + gt.shape) / 16
    cams[info['img_labels'] == 0] = 0
    sample = SegDataSample(metainfo=dict(img_id=info['img_id'], img_path=info['img_path']))
    sample.pred_cams = PixelData(data=torch.from_numpy(cams).float())
    sample.gt_img_labels = torch.from_numpy(info['img_labels']).float()
    sample.pred_sem_seg = PixelData(data=torch.from_numpy(_noisy(gt, seed)).long()[None])
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt).long()[None])
    return sample


def _run_loop(runner, hooks: list, metric: PseudoLabelMetric,
              samples: dict) -> Tuple[dict, int]:
    """The test loop of mmengine, in short: before_test, iterations, evaluation, epoch end."""
    for hook in hooks:
        hook.before_test(runner)
    loader = runner.test_loop.dataloader
    for batch_idx, batch in enumerate(loader):
        outputs = [samples[info['img_id']] for info in batch]
        metric.process(batch, [sample.to_dict() for sample in outputs])
        for hook in hooks:
            hook.after_test_iter(runner, batch_idx, batch, outputs)
    metrics = metric.evaluate(len(loader.dataset))
    for hook in hooks:
        hook.after_test_epoch(runner, metrics)
    return metrics, len(loader.dataset)


def test_metric_after_a_resumed_loop_equals_a_full_run(tmp_path: Path,
                                                       demo_root: Path) -> None:
    def run(work_dir: Path) -> Tuple[dict, int]:
        hooks = [ResumeWritersHook(skip_written=True), SaveCAMHook(),
                 ScorePseudoLabelsHook(metric_label_dir='cam_pseudo_labels',
                                       metric_cam_dir='cams',
                                       survival_files=dict(cam_pseudo_labels='survival.json'))]
        runner = demo_runner(work_dir, demo_root, hooks)
        dataset = runner.test_loop.dataloader.dataset
        metric = PseudoLabelMetric(bg_thresholds=[0.2, 0.5, 0.8])
        metric.dataset_meta = dataset.metainfo
        runner.test_loop.evaluator.metrics = [metric]
        num_classes = len(dataset.metainfo['classes']) - 1
        samples = {}
        for seed in range(len(dataset)):
            info = dataset.get_data_info(seed)
            samples[info['img_id']] = _cam_sample(info, num_classes, seed)
        return _run_loop(runner, hooks, metric, samples)

    full, num_full = run(tmp_path / 'full')
    resumed_dir = tmp_path / 'resumed'
    for folder in ('cams', 'cam_pseudo_labels'):  # an earlier run wrote 9 images
        (resumed_dir / folder).mkdir(parents=True)
        for path in sorted((tmp_path / 'full' / folder).iterdir())[:9]:
            (resumed_dir / folder / path.name).write_bytes(path.read_bytes())
        record = f'.{folder}.mmwsss-settings.json'  # written when it claimed the folder
        (resumed_dir / record).write_bytes((tmp_path / 'full' / record).read_bytes())
    resumed, num_resumed = run(resumed_dir)
    assert (num_full, num_resumed) == (24, 15)
    assert len(full) > 40 and 'sweep/mIoU@0.50' in full and 'best/mIoU' in full
    assert resumed == full
    # the label survival of all images, also after the resumed loop (its dataset
    # holds only the images left)
    survival = json.loads((tmp_path / 'full' / 'survival.json').read_text())
    assert survival['num_images'] == 24
    assert json.loads((resumed_dir / 'survival.json').read_text()) == survival


def test_cam_dir_needs_label_dir() -> None:
    with pytest.raises(ValueError, match='metric_cam_dir needs metric_label_dir'):
        ScorePseudoLabelsHook(metric_cam_dir='cams')


def _survival_runner(tmp_path: Path, demo_root: Path, hook: ScorePseudoLabelsHook):
    """A finished walk without ground truth: its labels are the masks with class 1
    erased; the CAM labels (``cam_label_path``) are the masks."""
    runner = demo_runner(tmp_path / 'rw', demo_root, [hook])
    dataset = runner.test_loop.dataloader.dataset
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        mask = read_label_png(info['seg_map_path'])
        save_label_png(mask, tmp_path / 'cam_labels' / f'{info["img_id"]}.png')
        save_label_png(np.where(mask == 1, 0, mask).astype(np.uint8),
                       tmp_path / 'rw' / 'rw_pseudo_labels' / f'{info["img_id"]}.png')
    del dataset.data_prefix['seg_map_path']
    dataset.data_prefix['cam_label_path'] = str(tmp_path / 'cam_labels')
    return runner, dataset


def test_label_survival_without_ground_truth(tmp_path: Path, demo_root: Path) -> None:
    hook = ScorePseudoLabelsHook(metrics_files=dict(rw_pseudo_labels='rw_metrics.json'),
                                 survival_files=dict(rw_pseudo_labels='rw_survival.json'))
    runner, dataset = _survival_runner(tmp_path, demo_root, hook)
    hook.after_test_epoch(runner, metrics={})
    survival = json.loads((tmp_path / 'rw' / 'rw_survival.json').read_text())
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    classes = dataset.metainfo['classes']
    assert survival == label_folder_survival(
        str(tmp_path / 'rw' / 'rw_pseudo_labels'), [info['img_id'] for info in infos],
        {info['img_id']: info['img_labels'] for info in infos}, classes,
        str(tmp_path / 'cam_labels'))
    erased, images = classes[1], int(sum(info['img_labels'][0] for info in infos))
    assert survival['collapsed'] == [erased] and survival['num_images'] == 24
    assert survival[f'kept.{erased}'] == survival[f'area_ratio.{erased}'] == 0.0
    assert all(survival[f'area_ratio.{name}'] == 1.0 for name in classes[2:]
               if survival[f'labelled_images.{name}'])
    assert not (tmp_path / 'rw' / 'rw_metrics.json').exists()  # no ground truth
    warnings = [call.args[0] for call in runner.logger.warning.call_args_list]
    assert warnings == [f"rw/rw_pseudo_labels: class '{erased}' collapses: kept in 0% of "
                        f'its {images} images, area 0.00 of its CAM labels']


def test_label_survival_without_the_cam_labels(tmp_path: Path, demo_root: Path) -> None:
    hook = ScorePseudoLabelsHook(survival_files=dict(rw_pseudo_labels='rw_survival.json'),
                                 survival_cfg=dict(min_kept=0.0))
    runner, _ = _survival_runner(tmp_path, demo_root, hook)
    first = sorted((tmp_path / 'cam_labels').iterdir())[0]
    first.unlink()
    hook.after_test_epoch(runner, metrics={})
    survival = json.loads((tmp_path / 'rw' / 'rw_survival.json').read_text())
    assert survival['reference_dir'] is None and survival['collapsed'] == []
    assert all(value is None for key, value in survival.items()
               if key.startswith('area_ratio.'))
    assert survival['min_kept'] == 0.0
    warnings = [call.args[0] for call in runner.logger.warning.call_args_list]
    assert warnings == [f'cam_label_path {tmp_path / "cam_labels"} lacks 1 of the 24 images '
                        f'(e.g. {first.name}): label survival without the CAM labels '
                        '(image-fraction rule only)']


def test_survival_settings_are_checked() -> None:
    with pytest.raises(KeyError, match=r'ScorePseudoLabelsHook survival_cfg: unknown settings'):
        ScorePseudoLabelsHook(survival_cfg=dict(min_keep=0.5))
