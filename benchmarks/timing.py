"""Timing helpers shared by the benchmark scripts (p50 / p95 of wall times in ms)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def p50_p95(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile of ``samples``."""
    ts = sorted(samples)
    return statistics.median(ts), ts[min(len(ts) - 1, int(0.95 * len(ts)))]


def timeit(fn: Callable[[], object], repeats: int, warmup: int = 3) -> tuple[float, float]:
    """p50 and p95 wall time of ``fn()`` in ms, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return p50_p95(ts)
