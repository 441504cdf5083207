"""A 30-second soak (benchmarks/soak.py runs the 10-minute one): random edits, clears,
input changes and the user's own forwards against one Workspace with three widgets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[1] / "benchmarks" / "soak.py"


@pytest.mark.slow
def test_thirty_second_soak():
    spec = importlib.util.spec_from_file_location("iwm_soak", SOAK)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    report = mod.soak(seconds=30, seed=0, check_every=5)
    assert report["errors"] == 0, report["errors_seen"]
    assert report["checks"] >= 5 and report["mismatches"] == 0
    assert report["hooks_left"] == 0
    assert report["changes"] > 50 and report["user_forwards"] > 0
    # 30 s is too short for the 5% flat-memory criterion after warm-up; bound the growth
    assert report["rss_mb_end"] - report["rss_mb_after_warmup"] < 40, report
