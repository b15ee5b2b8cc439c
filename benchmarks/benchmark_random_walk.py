"""Benchmark the sparse random walk against the official dense formulation.

For each image size the affinities of random features on the
``ceil(H / 8) x ceil(W / 8)`` feature map are propagated with ``t`` steps of
``beta = 8``: :func:`mmwsss.ops.random_walk.random_walk` (sparse steps) and
:func:`mmwsss.ops.random_walk.random_walk_dense` (dense ``T`` squared
``log2(t)`` times). Every measurement runs in a fresh subprocess, so its
peak memory is its own: on CPU the growth of the peak resident set size
(Linux with glibc: ``VmHWM``, reset through ``/proc/self/clear_refs`` once
the inputs are built), on CUDA ``torch.cuda.max_memory_allocated`` above the memory in use
before the walk. The dense run also walks sparsely afterwards (not timed) and
reports the largest absolute difference of the propagated scores.

The dense walk is skipped when its ~3 N x N matrices would exceed
``--max-dense-gib`` or its ``log2(t)`` squarings ``--max-dense-tflop``.

Example::

    python benchmarks/benchmark_random_walk.py --sizes 320x320 500x375
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


def make_inputs(size: Tuple[int, int], channels: int, feature_dim: int,
                device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    """Random scores (channels, h, w) and affinities (K, P) of random features."""
    height, width = feature_size(size)
    generator = torch.Generator().manual_seed(0)
    features = 0.3 * torch.randn(
        1, feature_dim, height, width, generator=generator)
    cams = torch.rand(channels, height, width, generator=generator)
    with torch.no_grad():
        affinity = pairwise_affinity(features.to(device))[0]
    return cams.to(device), affinity


def run_worker(args: argparse.Namespace) -> Dict[str, float]:
    """Measure one method on one size; return the numbers as a dict."""
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    size = parse_size(args.worker_size)
    method = random_walk if args.worker == 'sparse' else random_walk_dense
    with torch.no_grad():
        cams, affinity = make_inputs(size, args.channels, args.feature_dim,
                                     device)
        warm_cams, warm_affinity = make_inputs((64, 64), 2, 4, device)
        method(warm_cams, warm_affinity, args.beta, 2)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
            memory_before = torch.cuda.memory_allocated(device)
        else:
            reset_peak_rss()
            memory_before = current_rss_bytes()
        start = time.perf_counter()
        result = method(cams, affinity, args.beta, args.iters)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        if device.type == 'cuda':
            peak = torch.cuda.max_memory_allocated(device) - memory_before
        else:
            peak = peak_rss_bytes() - memory_before
        report = {'seconds': seconds, 'peak_mib': peak / 2**20}
        if args.worker == 'dense':
            sparse = random_walk(cams, affinity, args.beta, args.iters)
            report['max_abs_diff'] = (sparse - result).abs().max().item()
    return report


def measure(method: str, size: str,
            args: argparse.Namespace) -> Optional[Dict[str, float]]:
    """Run one measurement in a fresh subprocess and parse its report."""
    command = [
        sys.executable, os.path.abspath(__file__), '--worker', method,
        '--worker-size', size, '--device', args.device, '--iters',
        str(args.iters), '--beta', str(args.beta), '--channels',
        str(args.channels), '--feature-dim', str(args.feature_dim),
        '--threads', str(args.threads)
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        print(completed.stderr, file=sys.stderr)
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def format_row(size: str, args: argparse.Namespace) -> str:
    """Measure both methods on one size and format a Markdown table row."""
    height, width = feature_size(parse_size(size))
    num_nodes = height * width
    sparse = measure('sparse', size, args)
    sparse_cells = (['failed', 'failed'] if sparse is None else
                    [f"{sparse['seconds']:.2f}", f"{sparse['peak_mib']:.0f}"])
    gib, tflop = dense_cost(num_nodes, args.iters)
    if args.iters & (args.iters - 1):
        dense_cells = ['skipped (t is not a power of two)', '-', '-']
    elif gib > args.max_dense_gib:
        dense_cells = [f'skipped (needs ~{gib:.1f} GiB)', '-', '-']
    elif tflop > args.max_dense_tflop:
        dense_cells = [f'skipped (~{tflop:.0f} TFLOP)', '-', '-']
    else:
        dense = measure('dense', size, args)
        dense_cells = (['failed', '-', '-'] if dense is None else [
            f"{dense['seconds']:.2f}", f"{dense['peak_mib']:.0f}",
            f"{dense['max_abs_diff']:.1e}"
        ])
    cells = [size, f'{width}x{height}', f'{num_nodes:,}'] + sparse_cells
    cells += dense_cells
    return '| ' + ' | '.join(cells) + ' |'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda[:i]'")
    parser.add_argument(
        '--sizes', nargs='+', default=DEFAULT_SIZES,
        help='image sizes WxH (feature map ceil(H/8) x ceil(W/8))')
    parser.add_argument('--iters', type=int, default=256,
                        help='random walk steps t (dense: a power of two)')
    parser.add_argument('--beta', type=float, default=8.0)
    parser.add_argument('--channels', type=int, default=21,
                        help='score channels C + 1')
    parser.add_argument('--feature-dim', type=int, default=64,
                        help='channels of the random features')
    parser.add_argument('--threads', type=int, default=0,
                        help='CPU threads per measurement (0: torch default)')
    parser.add_argument('--max-dense-gib', type=float, default=6.0,
                        help='skip the dense walk above this memory estimate')
    parser.add_argument('--max-dense-tflop', type=float, default=2.0,
                        help='skip the dense walk above this work estimate')
    parser.add_argument('--worker', choices=['sparse', 'dense'],
                        help=argparse.SUPPRESS)
    parser.add_argument('--worker-size', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    """Print the benchmark as a Markdown table."""
    args = parse_args()
    if args.worker:
        print(json.dumps(run_worker(args)))
        return
    print(f'device {args.device}, t = {args.iters}, beta = {args.beta}, '
          f'{args.channels} channels, torch {torch.__version__}, '
          f'{args.threads or torch.get_num_threads()} threads; times include building T, '
          f'peaks are the growth during the walk')
    print()
    print('| image (WxH) | features (wxh) | N | sparse time (s) | '
          'sparse peak (MiB) | dense time (s) | dense peak (MiB) | '
          'max abs diff |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for size in args.sizes:
        print(format_row(size, args), flush=True)


if __name__ == '__main__':
    main()
