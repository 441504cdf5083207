"""What a saved notebook holds: small widget state, no secrets, no committed outputs.

The course notebooks run headless with nbclient's ``store_widget_state=True`` (what
``jupyter nbconvert --execute`` and JupyterLab's "save widget state" write), with fake
credentials in the kernel's environment. Then:

- every widget's saved state (``metadata.widgets``) stays within a budget: no megabytes of
  activations or bundled JavaScript per widget;
- none of the fake credentials appears anywhere in the saved ``.ipynb``;
- the notebooks committed to git carry no outputs, execution counts or widget state.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from notebook_runs import FAKE_SECRETS, NOTEBOOKS, SOLUTIONS, Executed, fake_secrets, key

REPO = Path(__file__).resolve().parents[1]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# Saved state per widget, JSON bytes (buffers count as their base64). Our widgets: their
# JS bundle (`_esm`, 30–64 KB unminified) plus small data.
BUDGET_IWM = 128 * 1024
# Any other widget (ipywidgets layouts, boxes, buttons): tiny.
BUDGET_OTHER = 16 * 1024
# The probe chart (iwm:probe_chart): its SVG, rendered by Python (~17 KB), plus its small
# bundle. altair's offline JupyterChart, which it replaced, saved ~0.9 MB of Vega per chart.
BUDGET_CHART = 64 * 1024


def _kind(entry: dict[str, Any]) -> str:
    """A readable name for a saved widget model: ``iwm:<bundle>``, ``altair`` or its model."""
    state = entry.get("state", {})
    esm = state.get("_esm")
    if isinstance(esm, str):
        m = re.match(r"// Generated from js/(\w+)(?:/index)?\.js", esm)
        if m:
            return f"iwm:{m.group(1)}"
        if "spec" in state and "_vl_selections" in state:
            return "altair:JupyterChart"
        return "anywidget:other"
    return f"{entry.get('model_module', '?')}:{entry.get('model_name', '?')}"


@pytest.fixture(scope="module")
def executed(executed_notebooks: Executed) -> dict[str, Path]:
    """Every course notebook, executed with widget state stored (once per session)."""
    return {key(p): executed_notebooks[key(p)].path for p in [*NOTEBOOKS, *SOLUTIONS]}


def widget_sizes(path: Path) -> list[tuple[str, str, int, int]]:
    """(model id, kind, JSON bytes of its state, bytes of its `_esm`) per saved widget."""
    nb = json.loads(path.read_text())
    models = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    rows = []
    for mid, entry in models.items():
        esm = entry.get("state", {}).get("_esm")
        rows.append(
            (
                mid,
                _kind(entry),
                len(json.dumps(entry, separators=(",", ":")).encode()),
                len(esm.encode()) if isinstance(esm, str) else 0,
            )
        )
    return rows


@pytest.mark.slow
@pytest.mark.notebook
def test_saved_widget_state_is_small(executed: dict[str, Path]) -> None:
    report, too_big, kinds = [], [], set()
    for name, path in executed.items():
        for mid, kind, size, esm in widget_sizes(path):
            kinds.add(kind)
            report.append(f"{name:40} {kind:24} {size / 1024:8.1f} KB  (_esm {esm / 1024:.1f} KB)")
            budget = (
                BUDGET_CHART
                if kind.startswith("altair")
                else BUDGET_IWM
                if kind.startswith("iwm:")
                else BUDGET_OTHER
            )
            if size > budget and not kind.startswith("altair"):
                too_big.append(
                    f"{name} {kind} {mid}: {size / 1024:.0f} KB > {budget / 1024:.0f} KB"
                )
    print("\nsaved widget state per widget:\n" + "\n".join(report))
    # the course shows these widgets; their state must be saved, or this test checks nothing
    assert {"iwm:activation_map", "iwm:steering_dials", "iwm:causal_graph"} <= kinds, kinds
    assert not too_big, "widget state over budget:\n" + "\n".join(too_big)


@pytest.mark.slow
@pytest.mark.notebook
def test_saved_probe_chart_is_small(executed: dict[str, Path]) -> None:
    rows = [
        (name, kind, size)
        for name, path in executed.items()
        for _, kind, size, _ in widget_sizes(path)
    ]
    charts = [(name, size) for name, kind, size in rows if kind == "iwm:probe_chart"]
    assert charts, "the course shows no probe chart"
    assert all(size <= BUDGET_CHART for _, size in charts), charts
    # no Vega bundle sneaks back in (altair's JupyterChart, or any other anywidget)
    assert not [r for r in rows if r[1].startswith("altair") or r[1] == "anywidget:other"], rows


@pytest.mark.slow
@pytest.mark.notebook
def test_saved_notebooks_hold_no_secrets(executed: dict[str, Path]) -> None:
    # the fake credentials really were in the kernel's environment
    nb = nbformat.read(executed[NOTEBOOKS[0].name], as_version=4)
    probe = nbformat.v4.new_code_cell("import os; print(os.environ['NDIF_API_KEY'][:9])")
    nb.cells = [probe]
    with fake_secrets():
        NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    assert nb.cells[0].outputs[0]["text"].strip() == "iwm-fake-"

    leaks = []
    for name, path in executed.items():
        text = path.read_text()
        for var, secret in FAKE_SECRETS.items():
            # also the secret's tail: a partly masked or sliced key is still a leak
            for needle in (secret, secret[-10:]):
                if needle in text:
                    leaks.append(f"{name}: {var} ({needle!r})")
    assert not leaks, "secrets saved into notebooks:\n" + "\n".join(leaks)


def test_committed_notebooks_are_stripped() -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    proc = subprocess.run(
        [git, "ls-files", "--", "notebooks/*.ipynb", "notebooks/solutions/*.ipynb"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"not a git checkout: {proc.stderr.strip()}")
    tracked = [REPO / p for p in proc.stdout.split()]
    assert tracked, "no notebook is tracked in git"
    dirty = []
    for path in tracked:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if cell.get("outputs"):
                dirty.append(f"{path.name} cell {i}: outputs")
            if cell.get("execution_count") is not None:
                dirty.append(f"{path.name} cell {i}: execution_count")
        if "widgets" in nb.metadata:
            dirty.append(f"{path.name}: widget state in metadata")
    assert not dirty, "strip the notebooks (python tools/make_notebooks.py):\n" + "\n".join(dirty)


def _committed() -> list[Path]:
    return [*NOTEBOOKS, *SOLUTIONS]


def test_saved_kernelspec_is_the_installed_one() -> None:
    # JupyterLab rewrites a kernelspec that differs from the installed one when it opens
    # a notebook: the notebook is dirty before the student typed anything
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    want = {"name": "python3", "display_name": spec.display_name, "language": spec.language}
    wrong = {
        key(p): nbformat.read(p, as_version=4).metadata.get("kernelspec")
        for p in _committed()
        if nbformat.read(p, as_version=4).metadata.get("kernelspec") != want
    }
    assert not wrong, f"kernelspec differs from the installed {want}: {wrong}"


def test_committed_notebooks_are_what_the_generator_writes() -> None:
    # notebooks/ and notebooks/solutions/ are generated: edit tools/make_notebooks.py
    spec = importlib.util.spec_from_file_location(
        "make_notebooks", REPO / "tools/make_notebooks.py"
    )
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert [p.name for p in NOTEBOOKS] == sorted(gen.COURSE)
    assert [p.name for p in SOLUTIONS] == sorted(gen.with_exercises())
    stale = [
        key(p)
        for sol, paths in ((False, NOTEBOOKS), (True, SOLUTIONS))
        for p in paths
        if nbformat.reads(nbformat.writes(gen.build(p.name, sol)), as_version=4)
        != nbformat.read(p, as_version=4)
    ]
    assert not stale, f"regenerate (python tools/make_notebooks.py [--solutions]): {stale}"


def test_student_exercises_start_empty() -> None:
    # the student set leaves every exercise to the student; the solutions fill them in
    assert SOLUTIONS, (
        "no solutions: notebooks/solutions/ (python tools/make_notebooks.py --solutions)"
    )
    for sol in SOLUTIONS:
        student = nbformat.read(REPO / "notebooks" / sol.name, as_version=4).cells
        solved = nbformat.read(sol, as_version=4).cells
        ex = [i for i, c in enumerate(student) if "exercise" in c.metadata.get("tags", [])]
        assert ex, f"{sol.name} has solutions but no exercise"
        assert all(student[i].source != solved[i].source for i in ex), sol.name
    for p in NOTEBOOKS:
        nb = nbformat.read(p, as_version=4)
        cells = nb.cells
        for i, c in enumerate(cells):
            if "exercise" not in c.get("metadata", {}).get("tags", []):
                continue
            code = [ln.split("#")[0].strip() for ln in c.source.splitlines()]
            assert all(ln == "" or ln.endswith("= ...") for ln in code), (key(p), c.source)
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            assert nxt is not None and "check" in nxt.metadata.get("tags", []), (key(p), i)
