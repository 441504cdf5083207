"""Runs the JS unit tests (``node --test tests/js/``: transport decoding, colour maps, the
views' pure helpers against a fake model) under pytest. Without Node the test skips,
except under ``CI`` where it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_node_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed, and CI is set: the JS unit tests must run")
        pytest.skip("node is not installed (CI unset)")
    proc = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"node --test tests/js/ failed:\n{proc.stdout}\n{proc.stderr}"
