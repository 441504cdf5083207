"""CognitiveMap in a real browser (JupyterLab + Chromium): the city and the decoded map
render, hovering an intersection shows the numbers Python holds, a step in the strip
and a click on an intersection reach Python (the selection, one steering edit, a new
prediction) and are redrawn, the implied map toggles with its counts, and light and
dark screenshots (copied to /tmp/cogmap_light.png and /tmp/cogmap_dark.png).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from harness import output_area, set_theme, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "cognitive_map_ui.ipynb"
CELLS = [
    "import iwm_widgets as iwm\n"
    "model = iwm.load('city-taxi')\n"
    "ws = iwm.Workspace(model, model.sample(0, latents=True))\n"
    "cm = iwm.CognitiveMap(ws)\n"
    "cm",
    "short = iwm.load('city-taxi-shortest')\n"
    "ws2 = iwm.Workspace(short, short.sample(0, latents=True))\n"
    "cm2 = iwm.CognitiveMap(ws2, n_routes=128)\n"
    "cm2.show_implied = True\n"
    "cm2",
]
CELL = {"cm": 0, "cm2": 1}
#: route 0 is o:30 d:22 E S S E E E END; at step 2 the taxi is at 31 (1, 5), and steering
#: it to 11 (5, 1) makes the model predict NW (legal at 11, not at 31; measured p 0.93)
STEP, TARGET = 2, 11


def cell_output(page: Any, index: int) -> Any:
    return output_area(page, NOTEBOOK, index)


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


def root_of(lab: Any, name: str) -> Any:
    root = cell_output(lab.page, CELL[name]).locator(".iwm-cognitive-map").first
    root.wait_for()
    root.scroll_into_view_if_needed()
    return root


def drawn(lab: Any, root: Any, var: str) -> None:
    lab.execute(f"{var}.ws.wait()")
    gen = lab.eval_json(f"{var}.generation")
    lab.page.wait_for_function(
        "([r, g]) => r.dataset.generation === String(g) && r.querySelector('.iwm-error').hidden"
        " && r.dataset.live",
        arg=[root.element_handle(), gen],
    )


def numbers(text: str) -> list[float]:
    inner = text[text.rindex("(") + 1 : text.rindex(")")]
    return [float(v) for v in inner.split(",")]


def test_renders_and_hover_shows_pythons_numbers(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = root_of(lab, "cm")
    drawn(lab, root, "cm")
    assert root.locator("svg.iwm-map circle.iwm-hit").count() == 36
    n_streets = lab.eval_json("len(cm.streets)")
    assert root.locator("svg.iwm-map line.iwm-street").count() == n_streets
    assert root.locator("svg.iwm-map polygon.iwm-oneway-head").count() == lab.eval_json(
        "sum(s[3] for s in cm.streets)"
    )
    assert root.locator("svg.iwm-map path.iwm-closed-x").count() == lab.eval_json("len(cm.closed)")
    assert root.locator("svg.iwm-map circle.iwm-dec").count() == 36
    # the arrows drawn are the prediction's moves and END with p >= 1%
    arrows = json.loads(root.get_attribute("data-arrows"))
    probs = lab.eval_json("cm.prediction()['probs']")
    want = sorted(t for t in [*model_moves(lab), "END"] if probs[t] >= 0.01)
    assert sorted(a[0] for a in arrows) == want
    for u in (0, 11, 22, 35):
        root.locator(f"circle.iwm-hit[data-node='{u}']").hover()
        page.wait_for_function(
            "([r, u]) => r.dataset.hover && JSON.parse(r.dataset.hover).node === u",
            arg=[root.element_handle(), u],
        )
        lines = root.locator(".iwm-tooltip").inner_text().splitlines()
        assert lines[0].split() == ["intersection", str(u)], lines
        true_xy = lab.eval_json(f"cm.decoded.true_xy[{u}]")
        dec = lab.eval_json(f"cm.decoded.decoded_xy[{u}]")
        count = lab.eval_json(f"cm.decoded.counts[{u}]")
        shown_true = numbers(next(ln for ln in lines if ln.startswith("true (x, y)")))
        shown_dec = numbers(next(ln for ln in lines if ln.startswith("decoded (x, y)")))
        assert shown_true == true_xy
        assert shown_dec == pytest.approx(dec, abs=5e-3)  # two decimals
        assert f"averages {count} move tokens" in lines
    screenshot(root, "hover")
    page.iwm_errors.check()


def model_moves(lab: Any) -> list[str]:
    return lab.eval_json("list(cm.move_offsets)")


def test_step_and_click_steer_reach_python_and_redraw(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = root_of(lab, "cm")
    drawn(lab, root, "cm")
    root.locator(f"button.iwm-tok[data-step='{STEP}']").click()
    lab.wait_for_python("cm.step", STEP)
    assert lab.eval_json("ws.selection") == {"site": lab.eval_json("cm.layer"), "position": STEP}
    page.wait_for_function(
        "([r, s]) => r.dataset.live && JSON.parse(r.dataset.live).step === s",
        arg=[root.element_handle(), STEP],
    )
    before = lab.eval_json("cm.prediction()['top']")
    assert before == "S"
    root.locator(f"circle.iwm-hit[data-node='{TARGET}']").click()
    lab.wait_for_python("len(ws.edits)", 1)
    lab.execute("ws.wait()")
    edit = lab.eval_json(
        "[(e.op, str(e.site), e.positions) for e in ws.edits][0] + (cm.steering['target'],)"
    )
    assert edit == ["add", lab.eval_json("cm.layer"), [STEP], TARGET]
    p = lab.eval_json("{k: v for k, v in cm.prediction().items() if k != 'probs'}")
    assert p["target"] == TARGET and p["top"] == "NW" and p["top"] != before
    assert p["legal_at_target"] is True and p["legal_at_true"] is False
    page.wait_for_function(
        "([r, b]) => r.dataset.live && JSON.parse(r.dataset.live).target === b",
        arg=[root.element_handle(), TARGET],
    )
    live = json.loads(root.get_attribute("data-live"))
    assert live["top"] == "NW" and live["decoded"] == pytest.approx(p["decoded_xy"], abs=1e-5)
    arrows = json.loads(root.get_attribute("data-arrows"))
    assert {a[1] for a in arrows} == {31, TARGET}  # drawn at the true and the steered-to node
    assert any(a[0] == "NW" and a[1] == TARGET and a[3] for a in arrows)
    assert root.locator("svg.iwm-map .iwm-target").count() == 1
    text = root.locator(".iwm-readout").inner_text()
    assert "legal ✓ at 11 (steered-to), illegal ✗ at 31 (true)" in text, text
    screenshot(root, "steered")
    # the taxi's own intersection undoes the steering
    root.locator("circle.iwm-hit[data-node='31']").click()
    lab.wait_for_python("len(ws.edits)", 0)
    lab.execute("ws.wait()")
    page.wait_for_function(
        "r => r.dataset.live && JSON.parse(r.dataset.live).target === null",
        arg=root.element_handle(),
    )
    assert lab.eval_json("cm.prediction()['top']") == before
    page.iwm_errors.check()


def test_the_implied_map_toggles(lab: Any, screenshot: Any) -> None:
    root = root_of(lab, "cm")
    drawn(lab, root, "cm")
    assert root.locator(".iwm-implied-map").count() == 0
    root.locator("input.iwm-implied").check()
    lab.wait_for_python("cm.show_implied", True)
    n_false = lab.eval_json("len(cm.implied.false_edges)")
    n_missing = lab.eval_json("len(cm.implied.missing_edges)")
    root.page.wait_for_function(
        "r => r.dataset.implied !== ''", arg=root.element_handle(), timeout=5000
    )
    assert root.get_attribute("data-implied") == f"false:{n_false} missing:{n_missing}"
    assert root.locator(".iwm-implied-map line.iwm-false").count() == n_false
    assert root.locator(".iwm-implied-map line.iwm-missing").count() == n_missing
    legend = root.locator(".iwm-legend").inner_text()
    assert f"not in the city ({n_false})" in legend and f"not implied ({n_missing})" in legend
    prec = lab.eval_json("cm.implied.precision")
    assert f"precision {100 * prec:.1f}%" in root.locator(".iwm-scores").inner_text()
    root.locator("input.iwm-implied").uncheck()
    lab.wait_for_python("cm.show_implied", False)
    # the contrast model: many missing streets, drawn dashed
    root2 = root_of(lab, "cm2")
    drawn(lab, root2, "cm2")
    n2 = lab.eval_json("len(cm2.implied.missing_edges)")
    assert n2 > 20
    assert root2.locator(".iwm-implied-map line.iwm-missing").count() == n2
    screenshot(root2, "shortest-implied")
    lab.page.iwm_errors.check()


def test_light_and_dark(lab: Any, screenshot: Any) -> None:
    page = lab.page
    try:
        lab.execute(f"cm.show_implied = True; cm.steer_to({TARGET}, step={STEP}); ws.wait()")
        for theme in ("light", "dark"):
            set_theme(page, theme)
            root = root_of(lab, "cm")
            drawn(lab, root, "cm")
            page.mouse.move(0, 0)
            root.evaluate("r => r.querySelectorAll('.iwm-tooltip').forEach(t => (t.hidden = true))")
            page.wait_for_timeout(200)
            assert root.get_attribute("data-theme") == theme
            path = screenshot(root, f"{theme}-cm")
            shutil.copy(path, f"/tmp/cogmap_{theme}.png")
            screenshot(root_of(lab, "cm2"), f"{theme}-cm2")
    finally:
        set_theme(page, "light")
        lab.execute("cm.clear_steering(); cm.show_implied = False")
