"""Every notebook in notebooks/ executes headless, top to bottom, within its time budget."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from notebook_runs import NOTEBOOKS, Executed

# the course promise: each notebook runs top to bottom in under 2 minutes on 2 CPU cores
BUDGET_S = 120.0


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ is empty"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, executed_notebooks: Executed):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} has outputs committed; strip them (python tools/make_notebooks.py)"
    )
    saved, seconds, error = executed_notebooks[path.name]
    assert not error, error
    done = nbformat.read(saved, as_version=4)
    errors = [
        o
        for c in done.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    print(f"{path.name}: {seconds:.1f} s")
    assert seconds < BUDGET_S, f"{path.name} took {seconds:.0f} s (budget {BUDGET_S:.0f} s)"
