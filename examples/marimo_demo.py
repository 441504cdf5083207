"""iwm_widgets in marimo: the widgets are anywidgets, so ``mo.ui.anywidget`` wraps them.

    marimo edit examples/marimo_demo.py     # or: marimo run examples/marimo_demo.py

Click a cell of the activation map: the selection comes back to Python and the cell below
re-runs. Pick a quantity in the dropdown: Python sets the widget's trait and the map
re-draws. tests/ui/test_marimo_ui.py drives this app in Chromium.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo

    import iwm_widgets as iwm

    return iwm, mo


@app.cell
def _(iwm, mo):
    model = iwm.load("bouncing-ball")
    x = model.sample(seed=0)
    ws = iwm.Workspace(model, x)
    ws.wait()
    amap = mo.ui.anywidget(iwm.ActivationMap(ws))
    amap  # noqa: B018 (marimo shows the last expression)
    return amap, ws


@app.cell
def _(amap, mo):
    # re-runs when a click in the page changes the widget's selection
    sel = amap.value.get("selection") or {}
    picked = (
        f"layer {amap.widget.rows[sel['row']]}, step {amap.widget.columns[sel['col']]}"
        if sel
        else "nothing"
    )
    mo.md(f"<span class='iwm-marimo-selection'>selected: {picked}</span>")
    return


@app.cell
def _(amap, mo):
    quantity = mo.ui.dropdown(
        options={q["label"]: q["value"] for q in amap.widget.quantities},
        value=next(q["label"] for q in amap.widget.quantities if q["value"] == "norm"),
        label="show",
    )
    strength = mo.ui.slider(0.0, 4.0, step=0.5, value=0.0, label="push blocks.1 from t=20")
    mo.hstack([quantity, strength], justify="start", gap=2)
    return quantity, strength


@app.cell
def _(amap, quantity):
    # Python -> page: setting a trait re-draws the map in the browser
    amap.widget.quantity = quantity.value
    return


@app.cell
def _(iwm, strength, ws):
    import torch

    # an edit from Python: the workspace re-runs the trace and the map re-draws
    ws.clear_edits()
    if strength.value:
        _push = torch.randn(
            ws.model.shape("blocks.1")[-1], generator=torch.Generator().manual_seed(0)
        )
        ws.add_edit(iwm.Edit.add("blocks.1", _push, scale=strength.value, start=20))
    _result = ws.wait()
    return


if __name__ == "__main__":
    app.run()
