"""SystemView and the spatial CausalGraph in a real browser (JupyterLab + Chromium): the
particles render, hovering one shows the position and velocity Python holds, dragging
the dial moves the model's rollout (the edit reaches Python and back), revealing the
springs draws them, the spatial graph marks its edges true or false with a legend, and
light and dark screenshots of both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from harness import output_area, set_theme, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "system_view_ui.ipynb"
CELLS = [
    "import numpy as np, torch\n"
    "import iwm_widgets as iwm\n"
    "from iwm_widgets.tracing import Model\n"
    "from iwm_widgets.zoo.springs import SpringsSpec\n"
    "spec = SpringsSpec()\n"
    "torch.manual_seed(0)  # untrained weights: the view's plumbing is what is tested\n"
    "model = Model(spec.build_module().eval(), name='springs', kind='world',"
    " layers=spec.layer_sites, spec=spec)\n"
    "x, truth = spec.sample(seed=3, latents=True)\n"
    "ws = iwm.Workspace(model, (x, truth))\n"
    "view = iwm.SystemView(ws, particle=1)\n"
    "view",
    "adj = truth['adjacency'].numpy()\n"
    "scores = 0.9 * adj + 0.1\n"
    "np.fill_diagonal(scores, 0)\n"
    "scores[0, 3] = scores[3, 0] = 0.8  # a false edge (seed 3 has no 0-3 spring)\n"
    "graph = iwm.CausalGraph.from_interactions(ws, scores, threshold=0.5)\n"
    "graph",
]
CELL = {"view": 0, "graph": 1}


def cell_output(page: Any, index: int) -> Any:
    return output_area(page, NOTEBOOK, index)


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


def root_of(lab: Any, name: str) -> Any:
    cls = ".iwm-system-view" if name == "view" else ".iwm-causal-graph"
    root = cell_output(lab.page, CELL[name]).locator(cls).first
    root.wait_for()
    root.scroll_into_view_if_needed()
    return root


def drawn(lab: Any, root: Any, var: str) -> None:
    gen = lab.eval_json(f"{var}.generation")
    lab.page.wait_for_function(
        "([r, g]) => r.dataset.generation === String(g) && r.querySelector('.iwm-error').hidden",
        arg=[root.element_handle(), gen],
    )


def numbers(text: str) -> list[float]:
    inner = text[text.rindex("(") + 1 : text.rindex(")")]
    return [float(v) for v in inner.split(",")]


def test_renders_and_hover_shows_pythons_position_and_velocity(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = root_of(lab, "view")
    drawn(lab, root, "view")
    assert root.get_attribute("data-series") == "model_future,sim_future"
    points = json.loads(root.get_attribute("data-particles"))
    assert len(points) == 4
    canvas = root.locator("canvas.iwm-canvas")
    for i in range(4):
        canvas.hover(position={"x": points[i][0], "y": points[i][1]})
        page.wait_for_function(
            "([r, i]) => r.dataset.hover && JSON.parse(r.dataset.hover).particle === i"
            " && JSON.parse(r.dataset.hover).series === 'now'",
            arg=[root.element_handle(), i],
        )
        lines = root.locator(".iwm-tooltip").inner_text().splitlines()
        assert lines[0].split() == ["particle", str(i)], lines
        pos = lab.eval_json(f"x[0, -1, {2 * i}:{2 * i + 2}].tolist()")
        vel = lab.eval_json(f"truth['velocity'][-1, {2 * i}:{2 * i + 2}].tolist()")
        shown_pos = numbers(next(ln for ln in lines if ln.startswith("position")))
        shown_vel = numbers(next(ln for ln in lines if ln.startswith("velocity (simulator)")))
        assert shown_pos == pytest.approx(pos, rel=1e-3, abs=1e-6)
        assert shown_vel == pytest.approx(vel, rel=1e-3, abs=1e-6)
    screenshot(root, "hover")
    page.iwm_errors.check()


def test_the_dial_moves_the_rollout_and_springs_reveal(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = root_of(lab, "view")
    drawn(lab, root, "view")
    before = lab.eval_json("view.model_rollout().tolist()")
    dial = root.locator("svg.iwm-dial")
    box = dial.bounding_box()
    c, r = float(dial.get_attribute("data-cx")), float(dial.get_attribute("data-radius"))
    page.mouse.move(box["x"] + c, box["y"] + c)
    page.mouse.down()
    page.mouse.move(box["x"] + c + 0.3 * r, box["y"] + c - 0.6 * r, steps=5)
    page.mouse.move(box["x"] + c + 0.5 * r, box["y"] + c - 0.5 * r, steps=5)
    page.mouse.up()
    lab.wait_for_python("bool(view.dial)", True)
    lab.wait_for_python("len(ws.edits)", 1)
    dial_v = lab.eval_json("view.dial")
    max_v = lab.eval_json("view.dial_max")
    assert dial_v["vx"] == pytest.approx(0.5 * max_v, rel=0.05)
    assert dial_v["vy"] == pytest.approx(0.5 * max_v, rel=0.05)  # y up
    lab.execute("ws.wait()")
    page.wait_for_function(
        "r => r.dataset.series === 'model_cf,model_future,sim_cf,sim_future'",
        arg=root.element_handle(),
    )
    drawn(lab, root, "view")
    after = lab.eval_json("view.model_rollout().tolist()")
    assert after != before
    # the dialled particle moves as the dial says over the first predicted step
    step = lab.eval_json("(view.model_rollout()[0, 1] - x[0, -1, 2:4]).tolist()")
    assert step[0] > 0 and step[1] > 0
    assert "dial: (" in root.locator(".iwm-readout").inner_text()
    screenshot(root, "dial")

    root.locator("input.iwm-reveal").check()
    lab.wait_for_python("view.show_springs", True)
    n = lab.eval_json("len(view.springs)")
    assert n == lab.eval_json("int(truth['adjacency'].triu(1).sum())") > 0
    page.wait_for_function(
        "([r, n]) => r.dataset.springs === String(n)", arg=[root.element_handle(), n]
    )
    screenshot(root, "springs")
    root.locator("button.iwm-reset").click()
    lab.wait_for_python("len(ws.edits)", 0)
    page.iwm_errors.check()


def test_spatial_graph_marks_edges_true_and_false(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = root_of(lab, "graph")
    drawn(lab, root, "graph")
    assert root.get_attribute("data-layout") == "spatial"
    marks = dict(m.rsplit(":", 1) for m in root.get_attribute("data-edge-truth").split())
    true = [tuple(e) for e in lab.eval_json("graph.true_edges")]
    assert marks.pop("0-3") == "0"  # the false edge
    assert sorted(tuple(int(v) for v in k.split("-")) for k in marks) == sorted(true)
    assert set(marks.values()) == {"1"}
    assert root.get_attribute("data-true-edges") == str(len(true))
    legend = root.locator(".iwm-legend-truth")
    assert legend.count() == 3
    for k in range(3):
        assert legend.nth(k).is_visible()
    text = root.locator(".iwm-legend").inner_text()
    assert "true edge (simulator)" in text and "recovered, not a true edge" in text
    # nodes sit where the particles are (the canvas's square box), in the particles' colours
    pos = lab.eval_json("graph.positions().tolist()")
    buttons = root.locator(".iwm-node-list button")
    xs = [float(buttons.nth(i).get_attribute("data-x")) for i in range(4)]
    ys = [float(buttons.nth(i).get_attribute("data-y")) for i in range(4)]
    for i in range(4):
        for j in range(4):
            if pos[i][0] < pos[j][0] - 0.02:
                assert xs[i] < xs[j]
            if pos[i][1] < pos[j][1] - 0.02:
                assert ys[i] > ys[j]  # y up in the box, down on the canvas
    assert "precision 80%" in root.locator(".iwm-score").inner_text()
    screenshot(root, "spatial")
    page.iwm_errors.check()


def test_light_and_dark(lab: Any, screenshot: Any) -> None:
    page = lab.page
    try:
        lab.execute("view.show_springs = True; view.set_velocity(1, 0.03, 0.03); ws.wait()")
        for theme in ("light", "dark"):
            set_theme(page, theme)
            for name in ("view", "graph"):
                root = root_of(lab, name)
                hide = "r => r.querySelectorAll('.iwm-tooltip').forEach(t => (t.hidden = true))"
                root.evaluate(hide)
                page.wait_for_timeout(200)
                screenshot(root, f"{theme}-{name}")
            assert root_of(lab, "view").get_attribute("data-theme") == theme
    finally:
        set_theme(page, "light")
