"""Overhead of the mmengine runner over a plain training loop, same model and batches.

On the demo CAM config (``configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py``)
and a generated demo dataset (seed 0), three ways to take training steps, side
by side in one process, at the default torch thread count:

- ``runner``: ``Runner.train()`` (data loader with the config's workers, hooks,
  logging), time per iteration measured by a hook between the ends of
  consecutive iterations, after ``--warmup`` iterations;
- ``train_step``: ``model.train_step(batch, optim_wrapper)`` on the batches
  the runner loaded;
- ``plain``: data preprocessor, forward, ``parse_losses``, ``zero_grad``,
  ``backward``, ``step`` on the same preloaded batches.

Prints seconds per iteration and the ratio of each to ``plain``. Variants of the
runner go through ``--cfg-options`` (e.g. ``train_dataloader.num_workers=0``).

Example::

    python benchmarks/benchmark_train_step.py --iters 20
    python benchmarks/benchmark_train_step.py --cfg-options train_dataloader.num_workers=1
"""
import argparse
import os.path as osp
import tempfile
import time
from typing import List, Optional

import torch
from mmengine.config import DictAction
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmwsss.synthetic import DemoDatasetConfig, generate_demo_dataset
from mmwsss.utils import load_config

CONFIG = 'configs/cam/cam_wideresnet38-w0.125_1xb16-40e_demo-112x112.py'


class IterTimer(Hook):
    """Record the time at the end of every training iteration, and its batch."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.times: List[float] = []
        self.batches: List[dict] = []

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        self.times.append(time.perf_counter())
        self.batches.append(data_batch)


def seconds_per_iter(times: List[float], warmup: int) -> float:
    """Mean interval between consecutive iteration ends after ``warmup`` of them."""
    times = times[warmup:]
    return (times[-1] - times[0]) / (len(times) - 1)


def main(argv: Optional[List[str]] = None) -> None:
    """Run the three loops and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=20, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    args = parser.parse_args(argv)
    total = args.iters + args.warmup + 1
    with tempfile.TemporaryDirectory() as tmp:
        # one epoch of ``total`` batches of 16
        generate_demo_dataset(osp.join(tmp, 'data'), seed=0,
                              config=DemoDatasetConfig(num_train=16 * total, num_val=0))
        options = {
            'train_dataloader.dataset.data_root': osp.join(tmp, 'data'),
            'train_cfg.max_epochs': 1,
            'param_scheduler': [], 'val_dataloader': None, 'val_cfg': None,
            'val_evaluator': None, 'test_dataloader': None, 'test_cfg': None,
            'test_evaluator': None, 'default_hooks.checkpoint': None,
            'custom_hooks': [], 'randomness.seed': 0,
        }
        options.update(args.cfg_options)
        cfg = load_config(CONFIG, options, osp.join(tmp, 'work'))
        runner = Runner.from_cfg(cfg)
        timer = IterTimer()
        runner.register_hook(timer)
        runner.train()
        runner_seconds = seconds_per_iter(timer.times, args.warmup)

        model, optim_wrapper = runner.model, runner.optim_wrapper
        batches = timer.batches  # the runner's own batches, no second data loader
        model.train()
        start_times = []
        for batch in batches:
            model.train_step(batch, optim_wrapper)
            start_times.append(time.perf_counter())
        step_seconds = seconds_per_iter(start_times, args.warmup)

        optimizer = optim_wrapper.optimizer
        plain_times = []
        for batch in batches:
            data = model.data_preprocessor(batch, True)
            loss, _ = model.parse_losses(model(**data, mode='loss'))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            plain_times.append(time.perf_counter())
        plain_seconds = seconds_per_iter(plain_times, args.warmup)
    workers = cfg.train_dataloader.get('num_workers', 0)
    print(f'{CONFIG}, batch {cfg.train_dataloader.batch_size}, {workers} data-loader '
          f'workers, {torch.get_num_threads()} torch threads, {args.iters} timed iterations')
    print()
    print('| loop | s / iter | ratio to plain |')
    print('| --- | --- | --- |')
    for name, seconds in (('runner', runner_seconds), ('model.train_step', step_seconds),
                          ('plain forward + backward + step', plain_seconds)):
        print(f'| {name} | {seconds:.3f} | {seconds / plain_seconds:.2f} |')


if __name__ == '__main__':
    main()
