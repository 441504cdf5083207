"""Write the course notebooks from this source (outputs stay out of git).

Run: python tools/make_notebooks.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NB = Path(__file__).resolve().parent.parent / "notebooks"


def write(name: str, cells: list[tuple[str, str]]) -> None:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells
    ]
    for i, c in enumerate(nb.cells):
        c["id"] = f"{name.split('_')[0]}-{i:02d}"
    nbformat.write(nb, NB / name)


write(
    "01_activation_maps.ipynb",
    [
        (
            "md",
            """# 1 · Tracing a world model and reading its activations

A **world model** predicts what happens next. Ours watched a ball bounce around a box
(positions only — never its velocity) and learned to predict the next position. Its
internal world model is its own internal variables: somewhere inside, it must carry
something like the ball's velocity.

In this notebook you load the model, trace it with nnsight, and look at **every layer at
every time step** in a live activation map.""",
        ),
        (
            "code",
            """import torch
import iwm_widgets as iwm

model = iwm.load("bouncing-ball")   # shipped weights, checked against their sha256
model""",
        ),
        (
            "md",
            """`model.layers` are the *sites* of the residual stream, bottom to top — the same dotted
paths you would type in nnsight (`model.blocks[2].output`). The model card records what
we measured when we trained it.""",
        ),
        (
            "code",
            """card = model.card
print("layers:", model.layers)
mse = card["one_step"]["mse"]
print(f"one-step MSE  model {mse['model']:.2e}   ball stays put {mse['stay']:.2e}   "
      f"constant velocity {mse['const_velocity']:.2e}")
print("velocity probe R² by layer:",
      {k: round(v["r2"], 3) for k, v in card["probes"]["velocity"]["layers"].items()})""",
        ),
        (
            "md",
            """## A live activation map

`model.sample(seed)` draws a trajectory from the simulator; `latents=True` also returns the
simulator's ground truth (position, velocity, wall contacts) aligned with the time steps.
A `Workspace` holds the inputs, the edits and the latest traced result; every widget
attached to it re-draws when it re-runs.

Hover a cell to read its value; click one to select it (`ws.selection`); pick another
quantity in the menu.""",
        ),
        (
            "code",
            """x, truth = model.sample(seed=0, latents=True)
ws = iwm.Workspace(model, x)
amap = iwm.ActivationMap(ws)
amap""",
        ),
        (
            "code",
            """result = ws.wait()
print(result)
print("selected:", ws.selection)""",
        ),
        (
            "md",
            """## Edit an internal variable and watch the map follow

An `Edit` is plain data. Here we add a vector to the residual stream after block 1, from
time step 20 on. The map re-draws by itself; switch it to *change from the unedited run*
to see where the edit travels.""",
        ),
        (
            "code",
            """torch.manual_seed(0)
push = torch.randn(model.shape("blocks.1")[-1])
edit = iwm.Edit.add("blocks.1", push, scale=2.0, start=20)
ws.add_edit(edit)
edited = ws.wait()
amap.quantity = "delta"
moved = (edited["blocks.3"] - ws.baseline["blocks.3"]).norm(dim=-1)[0]
print("change at block 3 before t=20:", float(moved[:20].max()), " from t=20 on:", float(moved[20:].max()))""",
        ),
        (
            "md",
            """The model also **rolls out** the future: with the edit applied at every step, the
predicted trajectory changes. `result.rollout` holds the prediction; the simulator gives the
true continuation of the unedited ball.""",
        ),
        (
            "code",
            """true_future = model.spec.simulate_future(truth, ws.rollout_steps)
before = ws.baseline.rollout[0]
after = edited.rollout[0]
print("rollout error vs simulator, no edit: %.4f" % float((before - true_future).norm(dim=-1).mean()))
print("rollout error vs simulator, edited:  %.4f" % float((after - true_future).norm(dim=-1).mean()))""",
        ),
        (
            "md",
            """### Check yourself
Before t = 20 nothing should have changed (the model is causal: the edit cannot reach
the past). Run the cell: it tells you whether that holds.""",
        ),
        (
            "code",
            """assert float(moved[:20].max()) == 0.0, "the past changed: that would break causality"
assert float(moved[20:].max()) > 0.0, "the edit should change the future time steps"
print("✓ the edit changes only time steps ≥ 20")""",
        ),
        (
            "md",
            """## The same edit as nnsight code

Everything a widget does is one nnsight trace. `ws.to_code()` prints it, ready to paste.""",
        ),
        (
            "code",
            """print(ws.to_code())
ws.clear_edits()""",
        ),
    ],
)

if __name__ == "__main__":
    print("notebooks written to", NB)
