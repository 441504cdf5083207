"""MonitorBoard in a real browser (JupyterLab + Chromium): the strips draw Python's alarms,
a threshold slider re-scores in Python (report.at) and the table and strips follow, a
typed bad threshold shows its error in the widget, clicking an input opens it in the
Workspace (the ActivationMap on the page redraws for it); light and dark screenshots.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import output_area, set_theme, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "monitor_board_ui.ipynb"
CELLS = [
    "import iwm_widgets as iwm\n"
    "model = iwm.load('bouncing-ball')\n"
    "site = 'blocks.2.mlp.act'\n"
    "inside = iwm.Monitor.fit(model, site, 'wall-contact', 4, n=48, progress=False,"
    " name='inside')\n"
    "shuffled = iwm.Monitor.fit(model, site, 'wall-contact', 4, n=48, control='shuffled',"
    " progress=False, name='shuffled labels')\n"
    "reports = iwm.evaluate_monitors([inside, shuffled], model, n=40, progress=False)\n"
    "ws = iwm.Workspace(model, model.sample(seed=5, latents=True))\n"
    "board = iwm.MonitorBoard(reports, ws)\n"
    "board",
    "amap = iwm.ActivationMap(ws)\namap",
]
#: where the screenshots are also copied, to be looked at
SHOTS = Path("/tmp/monitor_shots")


def cell_output(page: Any, index: int) -> Any:
    return output_area(page, NOTEBOOK, index)


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    module_page.set_viewport_size({"width": 1280, "height": 1400})
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


@pytest.fixture
def shot(screenshot: Any) -> Any:
    def _shot(target: Any, name: str) -> Path:
        path = screenshot(target, name)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / f"{name}.png")
        return path

    return _shot


def board_root(lab: Any) -> Any:
    root = cell_output(lab.page, 0).locator(".iwm-monitor-board").first
    root.wait_for()
    root.scroll_into_view_if_needed()
    return root


def shows_python(lab: Any, root: Any) -> None:
    """The board shows Python's thresholds, input and alarm counts, no error."""
    want = lab.eval_json(
        "[','.join(map(str, board.thresholds)), board.input, "
        "','.join(str(int(((c == 1) | (c == 2)).sum())) for c in "
        "__import__('iwm_widgets.transport', fromlist=['x']).from_buffer(board.strips['codes']))]"
    )
    lab.page.wait_for_function(
        "([r, t, i, a]) => r.dataset.thresholds === t && r.dataset.input === String(i)"
        " && r.dataset.alarms === a",
        arg=[root.element_handle(), *want],
    )


def test_strips_slider_and_click(lab: Any, shot: Any) -> None:
    page = lab.page
    root = board_root(lab)
    shows_python(lab, root)
    assert root.locator(".iwm-error").is_hidden()
    # the table: one row per monitor and per baseline, Python's numbers
    rows = root.locator(".iwm-scores tbody tr")
    assert rows.count() == lab.eval_json("len(board.summary)")
    prec = lab.eval_json("round(board.summary[0]['precision'], 3)")
    assert rows.nth(0).locator("td").nth(2).inner_text() == f"{prec:.3f}"
    alarms = [int(a) for a in root.get_attribute("data-alarms").split(",")]
    assert alarms[0] == lab.eval_json("int(reports['inside'].alarms.sum())")
    shot(root, "board-light")
    # drag the first slider: Python re-scores with report.at, the table follows
    slider = root.locator("input.iwm-slider").first
    slider.fill("0.2")
    lab.wait_for_python("board.thresholds[0]", 0.2)
    shows_python(lab, root)
    want = lab.eval_json("round(reports['inside'].at(0.2).recall, 3)")
    page.wait_for_function(
        "([r, w]) => r.querySelector('.iwm-scores tbody tr td:nth-child(4)').textContent === w",
        arg=[root.element_handle(), f"{want:.3f}"],
    )
    assert lab.eval_json("board.summary[0]['recall']") == pytest.approx(
        lab.eval_json("reports['inside'].at(0.2).recall")
    )
    # a typed bad threshold: the error shows in the widget, nothing changes
    box = root.locator("input.iwm-threshold-value").first
    box.fill("1e999")
    box.press("Enter")
    page.wait_for_function("r => !r.querySelector('.iwm-error').hidden", arg=root.element_handle())
    # (Chromium empties a number field it cannot hold; Python says what it got)
    assert re.search("finite|a number|type a number", root.locator(".iwm-error").inner_text())
    assert lab.eval_json("board.thresholds[0]") == 0.2
    shot(root, "board-error")
    box.fill("0.5")
    box.press("Enter")
    lab.wait_for_python("board.thresholds[0]", 0.5)
    page.wait_for_function("r => r.querySelector('.iwm-error').hidden", arg=root.element_handle())
    # click input 9 in the inputs strip: it opens in the Workspace, the map redraws
    gen = lab.eval_json("amap.generation")
    # the cells start right of the label column (state.js STRIP.label = 190 px) and the
    # canvas is label + cells + 4 px wide
    cw = root.locator("canvas.iwm-all").evaluate(
        "c => (c.getBoundingClientRect().width - 190 - 4) / 40"
    )
    assert cw >= 2
    root.locator("canvas.iwm-all").click(position={"x": 190 + 9 * cw + cw / 2, "y": 8})
    lab.wait_for_python("[board.input, board.opened]", [9, 9])
    assert lab.eval_json("bool((ws.inputs == reports['inside'].inputs[9:10]).all())")
    lab.execute("ws.wait()")
    lab.wait_for_python(f"amap.generation > {gen}", True)
    page.wait_for_function(
        "r => r.dataset.opened === '9' && r.dataset.input === '9'", arg=root.element_handle()
    )
    # a step in the input's strip selects that position in the Workspace
    S = lab.eval_json("board.info['steps']")
    one = root.locator("canvas.iwm-one")
    ocw = one.evaluate(f"c => (c.getBoundingClientRect().width - 194) / {S}")
    one.click(position={"x": 190 + 5 * ocw + ocw / 2, "y": 8})
    step5 = lab.eval_json("int(reports['inside'].steps[5])")
    lab.wait_for_python("ws.selection.get('position')", step5)
    shot(root, "board-opened")
    page.iwm_errors.check()


def test_light_and_dark(lab: Any, shot: Any) -> None:
    page = lab.page
    try:
        for theme in ("light", "dark"):
            set_theme(page, theme)
            root = board_root(lab)
            root.evaluate("r => r.querySelectorAll('.iwm-tooltip').forEach(t => (t.hidden = true))")
            page.wait_for_function(
                "([r, t]) => r.dataset.theme === t", arg=[root.element_handle(), theme]
            )
            page.wait_for_timeout(250)
            shot(root, f"theme-{theme}")
    finally:
        set_theme(page, "light")
