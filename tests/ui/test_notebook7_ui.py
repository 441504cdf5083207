"""The widgets in Jupyter Notebook 7 (``/notebooks/<file>``), not JupyterLab: render,
interact, and both directions of the round trip, on the course notebooks.

- ActivationMap (01_activation_maps.ipynb): drawn; a click selects a cell in Python; an
  edit made in Python re-draws the map.
- SteeringDials (03_steering_dials.ipynb): drawn; a mouse drag on the dial sets the value
  in Python and the counterfactual future is drawn; ``dials.set(...)`` in Python turns the
  dial in the page.

Each test opens its own copy of the notebook (its own kernel) and shuts the kernel down at
the end: one kernel at a time on a 2-core machine.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.ui

# Distinct colours, an order-sensitive checksum, and pixels near the counterfactual's
# orange (#ff7f0e), of the first canvas matching ``sel`` under ``root``.
CANVAS_STATS = """
(root, sel) => {
  const c = root.querySelector(sel);
  if (!c || !c.width || !c.height) return {colors: 0, hash: 0, orange: 0};
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  let h = 2166136261, orange = 0;
  for (let i = 0; i < d.length; i += 4) {
    const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    seen.add(v);
    h = Math.imul(h ^ v, 16777619) >>> 0;
    const near = Math.abs(d[i] - 255) + Math.abs(d[i + 1] - 127) + Math.abs(d[i + 2] - 14);
    if (d[i + 3] > 200 && near < 60) orange++;
  }
  return {colors: seen.size, hash: h, orange};
}
"""


def canvas_stats(root: Any, sel: str) -> dict[str, int]:
    return root.evaluate(CANVAS_STATS, sel)


def synced(nb: Any, root: Any, name: str) -> None:
    """Wait until the page shows the generation Python holds for widget ``name``."""
    gen = nb.eval_json(f"{name}.generation")
    root.page.wait_for_function(
        """([r, g]) => Number(r.dataset.generation) >= g && r.querySelector('.iwm-error').hidden""",
        arg=[root.element_handle(), gen],
    )


@pytest.fixture
def notebook7(page: Any, jupyter_server: Any, notebooks: Any) -> Iterator[Any]:
    """``notebook7(course_file)`` -> that notebook, copied, opened in Notebook 7 and run."""
    opened: list[Any] = []

    def _open(course_file: str) -> Any:
        name = "nb7ui_" + course_file  # its own file: its own session and kernel
        shutil.copy(jupyter_server.root / course_file, jupyter_server.root / name)
        nb = notebooks(page, name, app="notebook")
        opened.append(nb)
        assert "/notebooks/" in page.url
        # Notebook 7's own shell, not JupyterLab's
        assert page.evaluate("window.jupyterapp.name") == "Jupyter Notebook"
        assert page.locator("#jp-NotebookPanel, .jp-NotebookPanel").count() >= 1
        return nb.run_all()

    yield _open
    for nb in opened:
        nb.shutdown()


def test_activation_map_round_trip_in_notebook7(notebook7: Any, page: Any, screenshot: Any) -> None:
    nb = notebook7("01_activation_maps.ipynb")
    nb.execute("ws.clear_edits()\namap.quantity = 'norm'\nws.selection = {}\nws.wait()")
    root = page.locator(".iwm-activation-map").first
    root.scroll_into_view_if_needed()
    synced(nb, root, "amap")
    n_rows, n_cols = nb.eval_json("amap.values['shape']")
    assert [int(root.get_attribute("data-rows")), int(root.get_attribute("data-cols"))] == [
        n_rows,
        n_cols,
    ]
    before = canvas_stats(root, "canvas.iwm-canvas")
    assert before["colors"] >= 20, before
    screenshot(root, "rendered")

    # page -> Python: a real click on a cell selects it in the widget and the workspace
    box = root.locator("canvas.iwm-canvas").bounding_box()
    row, col = 2, 7
    page.mouse.click(
        box["x"] + (col + 0.5) * box["width"] / n_cols,
        box["y"] + (n_rows - 1 - row + 0.5) * box["height"] / n_rows,
    )
    site = nb.eval_json(f"amap.rows[{row}]")
    want = [{"row": row, "col": col}, {"site": site, "row": row, "position": col}]
    assert nb.wait_for_python("[amap.selection, ws.selection]", want) == want
    page.mouse.move(0, 0)

    # Python -> page: an edit re-runs the trace, the page draws the new generation
    gen = int(root.get_attribute("data-generation"))
    drawn = canvas_stats(root, "canvas.iwm-canvas")["hash"]
    nb.execute(
        "ws.add_edit(iwm.Edit.add('blocks.1', torch.ones(amap.n_dims), scale=5.0))\nws.wait()"
    )
    page.wait_for_function(
        "([r, g]) => Number(r.dataset.generation) > g", arg=[root.element_handle(), gen]
    )
    synced(nb, root, "amap")
    assert canvas_stats(root, "canvas.iwm-canvas")["hash"] != drawn, "the map was not re-drawn"
    screenshot(root, "edited")
    page.iwm_errors.check()


def dial_point(root: Any, angle: float, frac: float) -> tuple[float, float]:
    """Page coordinates on the circular dial: ``angle`` degrees (0 = right, 90 = up) at
    ``frac`` of the ring's radius (js/steering_dials/editor.js: DIAL_W 216, RING_PX 70)."""
    box = root.locator("svg.iwm-dial-svg").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    ring = 70 * box["width"] / 216
    a = math.radians(angle)
    return cx + frac * ring * math.cos(a), cy - frac * ring * math.sin(a)


def test_steering_dials_round_trip_in_notebook7(notebook7: Any, page: Any, screenshot: Any) -> None:
    nb = notebook7("03_steering_dials.ipynb")
    nb.execute("dials.reset()\nws.clear_edits()\nws.wait()")
    root = page.locator(".iwm-steering-dials").first
    root.scroll_into_view_if_needed()
    synced(nb, root, "dials")
    dial = root.locator(".iwm-dial[data-id='velocity']")
    assert dial.get_attribute("data-value") == "null"
    off = canvas_stats(root, "canvas.iwm-rollout-canvas")
    assert off["colors"] >= 20, off
    assert off["orange"] == 0, "a counterfactual is drawn with every dial off"
    screenshot(root, "off")

    # page -> Python: drag the dial with the real mouse from 30° to 135°, 60% of the ring
    points = [dial_point(root, 30 + 105 * k / 15, 0.3 + 0.3 * k / 15) for k in range(16)]
    page.mouse.move(*points[0])
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*p)
    page.mouse.up()
    got = None
    for _ in range(100):
        got = nb.eval_json("dials.values['velocity']")
        if got and abs((got["angle"] - 135 + 180) % 360 - 180) <= 3:
            break
        page.wait_for_timeout(50)
    assert got is not None, "the drag did not reach Python"
    assert abs((got["angle"] - 135 + 180) % 360 - 180) <= 3, got
    nb.execute("ws.wait()")
    synced(nb, root, "dials")
    page.wait_for_function(
        "r => r.dataset.series.split(' ').includes('counterfactual')", arg=root.element_handle()
    )
    assert canvas_stats(root, "canvas.iwm-rollout-canvas")["orange"] > 100
    screenshot(root, "dragged")

    # Python -> page: dials.set turns the dial and re-draws the rollout
    gen = int(root.get_attribute("data-generation"))
    nb.execute('dials.set(velocity={"angle": 270, "radius": 0.03})\nws.wait()')
    page.wait_for_function(
        """d => d.dataset.value !== 'null' && JSON.parse(d.dataset.value).angle === 270""",
        arg=dial.element_handle(),
    )
    page.wait_for_function(
        "([r, g]) => Number(r.dataset.generation) > g", arg=[root.element_handle(), gen]
    )
    assert dial.locator(".iwm-value").inner_text().startswith("270°")
    screenshot(root, "set-from-python")
    page.iwm_errors.check()


# The notebook's active cell and its mode (Notebook 7's shell: the current widget).
ACTIVE_CELL = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  return {index: nb.activeCellIndex, mode: nb.mode};
}"""


def test_dial_arrow_keys_turn_the_dial_not_the_notebook7_selection(
    notebook7: Any, page: Any, screenshot: Any
) -> None:
    """Notebook 7 handles its shortcuts before the widget sees the key (a capturing
    listener): the dial's arrow keys must still turn the dial and leave the cell selection."""
    nb = notebook7("03_steering_dials.ipynb")
    nb.execute('ws.clear_edits()\ndials.set(velocity={"angle": 90, "radius": 0.03})\nws.wait()')
    root = page.locator(".iwm-steering-dials").first
    root.scroll_into_view_if_needed()
    dial = root.locator(".iwm-dial[data-id='velocity']")
    page.wait_for_function(
        "d => d.dataset.value !== 'null' && JSON.parse(d.dataset.value).angle === 90",
        arg=dial.element_handle(),
    )
    svg = root.locator("svg.iwm-dial-svg").first
    svg.focus()
    before = page.evaluate(ACTIVE_CELL)
    assert before["mode"] == "command", before  # where Notebook 7's arrow shortcuts live
    svg.press("ArrowRight")  # clockwise 5°
    assert nb.wait_for_python("dials.values['velocity']['angle']", 85) == 85
    svg.press("ArrowDown")  # shorter; in command mode also "select the cell below"
    got = nb.eval_json("dials.values['velocity']")
    for _ in range(100):
        if got["radius"] < 0.03:
            break
        page.wait_for_timeout(50)
        got = nb.eval_json("dials.values['velocity']")
    assert got["radius"] < 0.03, got
    assert page.evaluate(ACTIVE_CELL) == before, "the arrow keys moved the notebook's selection"
    assert page.evaluate("() => document.activeElement.classList.contains('iwm-dial-svg')")
    screenshot(root, "keys")
    page.iwm_errors.check()
