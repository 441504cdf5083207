"""Every notebook in notebooks/ (the student set) and notebooks/solutions/ (the solved
exercises) executes headless, top to bottom, within its time budget; the student set's
exercise checks give a hint, the solutions' checks pass, and no notebook writes into the
course folder. Also what a student sees at a few places: the maps the notebooks end on."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import nbformat
import pytest
import torch
from notebook_runs import BUDGET_S, NOTEBOOKS, SOLUTIONS, Executed, Run, key

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ is empty"
    assert SOLUTIONS, "notebooks/solutions/ is empty"
    assert {p.name for p in SOLUTIONS} <= {p.name for p in NOTEBOOKS}


def _text(cell: Any) -> str:
    return "".join(
        o.get("text", "") if o.get("output_type") == "stream" else ""
        for o in cell.get("outputs", [])
    )


def _run(executed: Executed, path: Path) -> tuple[Run, Any]:
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{key(path)} has outputs committed; strip them (python tools/make_notebooks.py)"
    )
    run = executed[key(path)]
    assert not run.error, run.error
    done = nbformat.read(run.path, as_version=4)
    errors = [
        o
        for c in done.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    print(f"{key(path)}: {run.seconds:.1f} s")
    assert run.seconds < BUDGET_S, f"{key(path)} took {run.seconds:.0f} s (budget {BUDGET_S:.0f} s)"
    assert not run.written, f"{key(path)} wrote into the course folder: {run.written}"
    return run, done


def _checks(nb: Any) -> list[tuple[bool, str]]:
    """(follows an exercise, printed text) per check cell."""
    out, exercise = [], False
    for c in nb.cells:
        tags = c.get("metadata", {}).get("tags", [])
        if "check" in tags:
            out.append((exercise, _text(c)))
            exercise = False
        elif "exercise" in tags:
            exercise = True
    return out


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, executed_notebooks: Executed):
    _, done = _run(executed_notebooks, path)
    for after_exercise, text in _checks(done):
        if after_exercise:  # the exercise is left to the student: a hint, not an error
            assert text.startswith("Not yet: ") and "✓" not in text, text
        else:
            assert "✓" in text, text


@pytest.mark.notebook
@pytest.mark.parametrize("path", SOLUTIONS, ids=[key(p) for p in SOLUTIONS])
def test_solutions_run_and_pass_their_checks(path: Path, executed_notebooks: Executed):
    _, done = _run(executed_notebooks, path)
    checks = _checks(done)
    assert any(after for after, _ in checks), f"{key(path)} has no exercise"
    for _, text in checks:
        assert "✓" in text and "Not yet" not in text, text


def _widgets(run: Run, module_prefix: str) -> list[dict[str, Any]]:
    """Saved states of the widgets whose bundle is js/<module_prefix>, in creation order,
    with their binary buffers decoded into the state."""
    nb = nbformat.read(run.path, as_version=4)
    models = nb.metadata["widgets"][WIDGET_STATE]["state"]
    found = []
    for entry in models.values():
        state = dict(entry.get("state", {}))
        if not str(state.get("_esm", "")).startswith(f"// Generated from js/{module_prefix}"):
            continue
        for buf in entry.get("buffers", []):
            node = state
            for part in buf["path"][:-1]:
                node = node[part]
            node[buf["path"][-1]] = base64.b64decode(buf["data"])
        found.append(state)
    return found


def _matrix(values: dict[str, Any]) -> torch.Tensor:
    raw = values["buffer"]
    dtype = {"float32": torch.float32, "float16": torch.float16}[values["dtype"]]
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(values["shape"]).float()


@pytest.mark.notebook
def test_notebook_01_ends_on_a_meaningful_map(executed_notebooks: Executed):
    # Run All ends with the edits cleared: the map must not be a flat "change" map
    (amap,) = _widgets(executed_notebooks[NOTEBOOKS[0].name], "activation_map")
    m = _matrix(amap["values"])
    assert amap["quantity"] == "norm", amap["quantity"]
    assert float(m.max() - m.min()) > 0.1 and (amap["vmin"], amap["vmax"]) != (0.0, 1.0)
    assert amap["vmin"] <= float(m.min()) and float(m.max()) <= amap["vmax"]


@pytest.mark.notebook
def test_notebook_02_map_shows_every_layers_probe_readout(executed_notebooks: Executed):
    import iwm_widgets as iwm

    run = executed_notebooks["02_probing_velocity.ipynb"]
    (heat,) = _widgets(run, "activation_map")
    model = iwm.load("bouncing-ball")
    _, truth = model.sample(seed=0, latents=True)
    assert heat["rows"] == [*model.layers, "truth (simulator)"]  # every layer, and the truth
    m = _matrix(heat["values"])
    true_vx = truth["velocity"][:, 0]
    assert torch.allclose(m[-1], true_vx.float(), atol=1e-3)
    # where the probe is good the readout tracks the truth; with h·w and no bias it was
    # off by the probe's bias (0.02, as large as the velocity itself)
    best = m[len(model.layers) - 1, 2:]
    assert float((best - true_vx[2:]).abs().mean()) < 0.006
    # and the numbers the notebook prints: the map's value is vel.readout
    done = nbformat.read(run.path, as_version=4)
    line = next(ln for c in done.cells for ln in _text(c).splitlines() if ln.startswith("t5 at"))
    nums = [float(w.rstrip(",")) for w in line.split() if w[0] in "-0123456789"]
    assert nums[0] == nums[1], line  # "map ..., vel.readout ..., truth ..."


@pytest.mark.notebook
def test_notebook_05_dial_shows_the_continuation_and_reaches_the_steered_cell(
    executed_notebooks: Executed,
):
    run = executed_notebooks["05_language_model.ipynb"]
    (dials,) = _widgets(run, "steering_dials")
    # the greedy continuation the text promises: the Workspace generates
    assert dials["lm"]["continuation_before"].strip(), dials["lm"]
    assert dials["lm"]["continuation_after"].strip(), dials["lm"]
    done = nbformat.read(run.path, as_version=4)
    lines = [ln for c in done.cells for ln in _text(c).splitlines()]
    neutral = next(ln for ln in lines if ln.startswith("the neutral prompt reads"))
    r0 = float(neutral.split()[4].rstrip(";"))
    # the slider's range covers the readout of the cell above's strongest push (delta 2)
    (slider,) = dials["dials"]
    assert slider["min"] <= r0 and slider["max"] >= r0 + 2.0, (slider, r0)
    line = next(ln for ln in lines if ln.startswith("slider at"))
    got, want = (float(line.split("p(right) ")[1].split()[0]), float(line.split("above: ")[1][:5]))
    assert got > 0.6 and abs(got - want) < 0.02, line
