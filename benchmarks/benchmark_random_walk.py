"""Benchmark the sparse random walk against the official dense formulation.

For each image size, the ``ceil(H / 8) x ceil(W / 8)`` feature map gets
affinities like a trained AffinityNet's and CAM-like scores (see
:func:`make_inputs`), and ``t`` steps of ``beta = 8`` are taken by
:func:`mmwsss.ops.random_walk.random_walk` (sparse steps) and
:func:`mmwsss.ops.random_walk.random_walk_dense` (dense ``T`` squared
``log2(t)`` times), side by side:

- at the default torch thread count and at 1 thread;
- on an idle machine and, with ``--busy``, while a busy-loop process holds
  CPU core 0 (started before and stopped after each measurement), which is
  how the walk runs in practice: next to data-loader workers, CRF workers or
  other ranks;
- on CPU, and on CUDA when a device is present (``--devices``).

Every measurement runs in a fresh subprocess, so its peak memory is its own:
on CPU the growth of the peak resident set size (Linux with glibc:
``VmHWM``, reset through ``/proc/self/clear_refs`` once the inputs are
built), on CUDA ``torch.cuda.max_memory_allocated`` above the memory in use
before the walk. Times include building the transition matrix; the sparse
time is the fastest of ``--repeat`` runs (the dense walk runs once). The dense
run also walks sparsely afterwards (not timed) and reports the largest
absolute difference of the scores and whether the labels (argmax) agree.

The dense walk is skipped when its ~3 N x N matrices would exceed
``--max-dense-gib`` or its ``log2(t)`` squarings ``--max-dense-tflop``.

Example::

    python benchmarks/benchmark_random_walk.py --busy
    python benchmarks/benchmark_random_walk.py --sizes 500x375 --busy --present-classes 20
"""
import argparse
import ctypes
import json
import math
import os
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

import torch

from mmwsss.ops.affinity import pairwise_affinity
from mmwsss.ops.random_walk import random_walk, random_walk_dense

DEFAULT_SIZES = ['320x320', '500x375', '1024x1024', '2048x1024']
STRIDE = 8
DENSE_MATRICES = 3  # W ** beta, T and the product of a squaring coexist.
BUSY_LOOP = 'import os\nos.sched_setaffinity(0, {0})\nwhile True:\n    pass\n'


def parse_size(text: str) -> Tuple[int, int]:
    """Parse ``'WxH'`` into ``(height, width)`` of the image."""
    width, height = (int(part) for part in text.lower().split('x'))
    return height, width


def feature_size(size: Tuple[int, int]) -> Tuple[int, int]:
    """Feature map size ``(ceil(H / 8), ceil(W / 8))`` of an image size."""
    return tuple(math.ceil(side / STRIDE) for side in size)


def dense_cost(num_nodes: int, num_iters: int) -> Tuple[float, float]:
    """Estimated memory (GiB) and work (TFLOP) of the dense walk."""
    gib = DENSE_MATRICES * num_nodes**2 * 4 / 2**30
    tflop = math.log2(num_iters) * 2 * num_nodes**3 / 1e12
    return gib, tflop


def current_rss_bytes() -> int:
    """Resident set size of this process (Linux)."""
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def peak_rss_bytes() -> int:
    """Peak resident set size since the last reset (Linux ``VmHWM``)."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('VmHWM not found in /proc/self/status')


def reset_peak_rss() -> None:
    """Reset the peak resident set size to the current one (Linux >= 4.0).

    Freed heap memory is first handed back to the system (glibc
    ``malloc_trim``), so that the walk's allocations show up as growth
    instead of reusing pages already counted in the baseline.
    """
    ctypes.CDLL('libc.so.6').malloc_trim(0)
    with open('/proc/self/clear_refs', 'w') as clear_refs:
        clear_refs.write('5')


def make_inputs(size: Tuple[int, int], channels: int, present: int,
                device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    """CAM-like scores (channels, h, w) and AffinityNet-like affinities (K, P).

    The feature map is cut into regions (Voronoi cells of one random centre
    per ~150 positions); the features are a random vector per region plus a
    little noise, so affinities are ~0.95 inside a region and ~0.05 across
    region boundaries, as a trained AffinityNet's. ``present`` classes own
    some regions each (score 0.5-1 there, 0-0.2 elsewhere), the other
    ``channels - 1 - present`` class channels are zero, as for the classes
    absent from an image; channel 0 is the background ``(1 - max) ** 16``.
    """
    height, width = feature_size(size)
    generator = torch.Generator().manual_seed(0)
    num_regions = max(height * width // 150, 2)
    centres = torch.rand(num_regions, 2, generator=generator) * torch.tensor([height, width])
    rows, cols = torch.meshgrid(torch.arange(height), torch.arange(width), indexing='ij')
    positions = torch.stack([rows, cols], dim=-1).float().view(-1, 1, 2)
    regions = torch.cat([
        (chunk - centres).pow(2).sum(-1).argmin(-1) for chunk in positions.split(4096)
    ]).view(height, width)
    embedding = 2 * torch.randn(num_regions, 16, generator=generator)
    features = embedding[regions].permute(2, 0, 1)[None]
    features = features + 0.05 * torch.randn(features.shape, generator=generator)
    owner = torch.randint(0, present + 1, (num_regions, ), generator=generator)
    cams = torch.zeros(channels, height, width)
    for index in range(1, present + 1):
        inside = (owner[regions] == index).float()
        noise = torch.rand(height, width, generator=generator)
        cams[index] = inside * (0.5 + 0.5 * noise) + (1 - inside) * 0.2 * noise
    cams[0] = (1 - cams[1:].amax(0)).pow(16)
    with torch.no_grad():
        affinity = pairwise_affinity(features.to(device))[0]
    return cams.to(device), affinity


def run_worker(args: argparse.Namespace) -> Dict[str, float]:
    """Measure one method on one size; return the numbers as a dict."""
    if args.worker_threads:
        torch.set_num_threads(args.worker_threads)
    device = torch.device(args.device)
    size = parse_size(args.worker_size)
    method = random_walk if args.worker == 'sparse' else random_walk_dense
    with torch.no_grad():
        cams, affinity = make_inputs(size, args.channels, args.present_classes, device)
        warm_cams, warm_affinity = make_inputs((64, 64), 2, 1, device)
        method(warm_cams, warm_affinity, args.beta, 2)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
            memory_before = torch.cuda.memory_allocated(device)
        else:
            reset_peak_rss()
            memory_before = current_rss_bytes()
        seconds = math.inf
        for _ in range(args.repeat if args.worker == 'sparse' else 1):
            start = time.perf_counter()
            result = method(cams, affinity, args.beta, args.iters)
            if device.type == 'cuda':
                torch.cuda.synchronize(device)
            seconds = min(seconds, time.perf_counter() - start)
        if device.type == 'cuda':
            peak = torch.cuda.max_memory_allocated(device) - memory_before
        else:
            peak = peak_rss_bytes() - memory_before
        report = {'seconds': seconds, 'peak_mib': peak / 2**20}
        if args.worker == 'dense':
            sparse = random_walk(cams, affinity, args.beta, args.iters)
            report['max_abs_diff'] = (sparse - result).abs().max().item()
            report['labels_equal'] = bool(torch.equal(sparse.argmax(0), result.argmax(0)))
    return report


def measure(method: str, size: str, device: str, threads: int, busy: bool,
            args: argparse.Namespace) -> Optional[Dict[str, float]]:
    """Run one measurement in a fresh subprocess (optionally next to a busy
    loop on core 0) and parse its report."""
    command = [
        sys.executable, os.path.abspath(__file__), '--worker', method,
        '--worker-size', size, '--device', device, '--iters',
        str(args.iters), '--beta', str(args.beta), '--channels',
        str(args.channels), '--present-classes', str(args.present_classes),
        '--worker-threads', str(threads), '--repeat', str(args.repeat)
    ]
    busy_loop = subprocess.Popen([sys.executable, '-c', BUSY_LOOP]) if busy else None
    try:
        if busy_loop is not None:
            time.sleep(0.2)
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        if busy_loop is not None:
            busy_loop.terminate()
            busy_loop.wait()
    if completed.returncode != 0:
        print(completed.stderr, file=sys.stderr)
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def format_row(size: str, device: str, threads: int, busy: bool,
               args: argparse.Namespace) -> str:
    """Measure both methods in one setting and format a Markdown table row."""
    height, width = feature_size(parse_size(size))
    num_nodes = height * width
    sparse = measure('sparse', size, device, threads, busy, args)
    sparse_cells = (['failed', '-', '-'] if sparse is None else [
        f"{sparse['seconds']:.3f}", f"{sparse['seconds'] * 1e6 / num_nodes:.1f}",
        f"{sparse['peak_mib']:.0f}"
    ])
    gib, tflop = dense_cost(num_nodes, args.iters)
    if args.iters & (args.iters - 1):
        dense_cells = ['skipped (t is not a power of two)', '-', '-', '-', '-']
    elif gib > args.max_dense_gib:
        dense_cells = [f'skipped (needs ~{gib:.1f} GiB)', '-', '-', '-', '-']
    elif tflop > args.max_dense_tflop:
        dense_cells = [f'skipped (~{tflop:.0f} TFLOP)', '-', '-', '-', '-']
    else:
        dense = measure('dense', size, device, threads, busy, args)
        if dense is None:
            dense_cells = ['failed', '-', '-', '-', '-']
        else:
            ratio = ('-' if sparse is None else
                     f"**{dense['seconds'] / sparse['seconds']:.0f}x**")
            dense_cells = [
                f"{dense['seconds']:.2f}", f"{dense['peak_mib']:.0f}", ratio,
                f"{dense['max_abs_diff']:.1e}", 'yes' if dense['labels_equal'] else 'NO'
            ]
    thread_cell = str(threads) if threads else f'default ({torch.get_num_threads()})'
    cells = [size, f'{width}x{height}', f'{num_nodes:,}', device, thread_cell,
             'busy core' if busy else 'idle']
    return '| ' + ' | '.join(cells + sparse_cells + dense_cells) + ' |'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--devices', nargs='+', default=None,
                        help="devices, e.g. 'cpu cuda' (default: cpu, and cuda when present)")
    parser.add_argument(
        '--sizes', nargs='+', default=DEFAULT_SIZES,
        help='image sizes WxH (feature map ceil(H/8) x ceil(W/8))')
    parser.add_argument('--iters', type=int, default=256,
                        help='random walk steps t (dense: a power of two)')
    parser.add_argument('--beta', type=float, default=8.0)
    parser.add_argument('--channels', type=int, default=21,
                        help='score channels C + 1')
    parser.add_argument('--present-classes', type=int, default=2,
                        help='classes with non-zero scores (the others are zero, as '
                        'for the classes absent from an image)')
    parser.add_argument('--threads', type=int, nargs='+', default=[0, 1],
                        help='CPU thread counts to measure (0: torch default)')
    parser.add_argument('--busy', action='store_true',
                        help='also measure with a busy-loop process on CPU core 0')
    parser.add_argument('--repeat', type=int, default=3,
                        help='sparse runs per measurement; the fastest is reported '
                        '(the dense walk runs once)')
    parser.add_argument('--max-dense-gib', type=float, default=6.0,
                        help='skip the dense walk above this memory estimate')
    parser.add_argument('--max-dense-tflop', type=float, default=2.0,
                        help='skip the dense walk above this work estimate')
    parser.add_argument('--worker', choices=['sparse', 'dense'],
                        help=argparse.SUPPRESS)
    parser.add_argument('--worker-size', help=argparse.SUPPRESS)
    parser.add_argument('--worker-threads', type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument('--device', default='cpu', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 0 < args.present_classes < args.channels:
        parser.error('--present-classes must be between 1 and --channels - 1')
    return args


def main() -> None:
    """Print the benchmark as a Markdown table."""
    args = parse_args()
    if args.worker:
        print(json.dumps(run_worker(args)))
        return
    devices = args.devices or (['cpu', 'cuda'] if torch.cuda.is_available() else ['cpu'])
    print(f't = {args.iters}, beta = {args.beta}, {args.channels} channels '
          f'({args.present_classes} classes present), torch {torch.__version__}, '
          f'{os.cpu_count()} CPUs; times include building T, peaks are the growth '
          'during the walk; ratio = dense time / sparse time')
    print()
    print('| image (WxH) | features (wxh) | N | device | threads | load | sparse (s) | '
          'sparse (us / node) | sparse peak (MiB) | dense (s) | dense peak (MiB) | '
          'ratio | max abs diff | same labels |')
    print('|' + ' --- |' * 14)
    for size in args.sizes:
        for device in devices:
            for busy in ([False, True] if args.busy else [False]):
                for threads in (args.threads if device == 'cpu' else [0]):
                    print(format_row(size, device, threads, busy, args), flush=True)


if __name__ == '__main__':
    main()
