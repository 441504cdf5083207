"""ActivationMap in a real browser: notebooks/01_activation_maps.ipynb in JupyterLab
(hover, click, Python-side edits, errors, the quantity menu) and in Notebook 7.

The notebook defines ``ws`` (a Workspace) and ``amap`` (its ActivationMap); the tests act
on the page and read Python state through the notebook's kernel.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.ui

NOTEBOOK = "01_activation_maps.ipynb"
ROOT = ".iwm-activation-map"

# Distinct colours and an order-sensitive checksum of the heatmap canvas.
CANVAS_STATS = """
(root) => {
  const c = root.querySelector('canvas.iwm-canvas');
  if (!c || !c.width || !c.height) return {colors: 0, hash: 0, width: 0, height: 0};
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  let h = 2166136261;
  for (let i = 0; i < d.length; i += 4) {
    const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    seen.add(v);
    h = Math.imul(h ^ v, 16777619) >>> 0;
  }
  return {colors: seen.size, hash: h, width: c.width, height: c.height};
}
"""

RESET = """
ws.clear_edits()
amap.quantity = "norm"
ws.selection = {}
amap.selection = {}
ws.wait()
"""


def canvas_stats(root: Any) -> dict[str, int]:
    return root.evaluate(CANVAS_STATS)


def synced(nb: Any, root: Any) -> None:
    """Wait until the browser has drawn the generation Python holds, with no error shown."""
    gen = nb.eval_json("amap.generation")
    root.page.wait_for_function(
        """([root, gen]) => root.dataset.generation === String(gen)
                            && root.querySelector('.iwm-error').hidden""",
        arg=[root.element_handle(), gen],
    )


def cell_center(root: Any, row: int, col: int) -> tuple[float, float]:
    """Page coordinates of a cell's centre (row 0 is the bottom row)."""
    box = root.locator("canvas.iwm-canvas").bounding_box()
    n_rows, n_cols = int(root.get_attribute("data-rows")), int(root.get_attribute("data-cols"))
    x = box["x"] + (col + 0.5) * box["width"] / n_cols
    y = box["y"] + (n_rows - 1 - row + 0.5) * box["height"] / n_rows
    return x, y


def render_count(root: Any) -> int:
    return int(root.get_attribute("data-render-count") or 0)


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any) -> Iterator[Any]:
    """The notebook, opened in JupyterLab and run once for this module."""
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


@pytest.fixture
def amap(lab: Any) -> Iterator[Any]:
    """The map's root element, reset to: no edits, quantity "norm", nothing selected."""
    page = lab.page
    lab.execute(RESET)
    root = page.locator(ROOT).first
    root.wait_for()
    root.scroll_into_view_if_needed()
    synced(lab, root)
    yield root
    page.mouse.move(0, 0)
    page.iwm_errors.check()


def test_renders_in_notebook7(
    page: Any, jupyter_server: Any, notebooks: Any, screenshot: Any
) -> None:
    # First in the module, before the module's JupyterLab kernel starts: one kernel at a time.
    name = "nb7_" + NOTEBOOK  # own file: its own session and kernel
    shutil.copy(jupyter_server.root / NOTEBOOK, jupyter_server.root / name)
    nb = notebooks(page, name, app="notebook").run_all()
    try:
        nb.execute(RESET)
        root = page.locator(ROOT).first
        root.scroll_into_view_if_needed()
        synced(nb, root)
        assert int(root.get_attribute("data-rows")) > 0
        assert int(root.get_attribute("data-cols")) > 0
        assert canvas_stats(root)["colors"] >= 20
        screenshot(root, "notebook7")
        page.iwm_errors.check()
    finally:
        nb.shutdown()


def test_map_is_drawn_with_many_colours(lab: Any, amap: Any, screenshot: Any) -> None:
    shape = lab.eval_json("amap.values['shape']")
    assert [int(amap.get_attribute("data-rows")), int(amap.get_attribute("data-cols"))] == shape
    assert lab.eval_json("len(amap.rows)") == shape[0]
    stats = canvas_stats(amap)
    assert stats["width"] > 0 and stats["height"] > 0
    assert stats["colors"] >= 20, stats
    # one label per drawn row at most; labels are the row sites
    labels = amap.locator(".iwm-row-labels span").all_inner_texts()
    assert labels and set(labels) <= set(lab.eval_json("amap.rows"))
    assert amap.locator(".iwm-legend-label").inner_text() == lab.eval_json(
        "next(q['label'] for q in amap.quantities if q['value'] == amap.quantity)"
    )
    screenshot(amap, "map")


def test_hover_shows_tooltip_with_labels_and_value(lab: Any, amap: Any, screenshot: Any) -> None:
    page = lab.page
    n_rows, n_cols = lab.eval_json("amap.values['shape']")
    rows, cols = lab.eval_json("amap.rows"), lab.eval_json("amap.columns")
    tooltip = amap.locator(".iwm-tooltip")
    for row, col in [(0, 0), (n_rows - 1, n_cols - 1), (n_rows // 2, n_cols // 3)]:
        page.mouse.move(*cell_center(amap, row, col))
        page.wait_for_function(
            "([t, r, c]) => !t.hidden && t.dataset.row === r && t.dataset.col === c",
            arg=[tooltip.element_handle(), str(row), str(col)],
        )
        text = tooltip.inner_text()
        lines = dict(line.split(maxsplit=1) for line in text.splitlines() if " " in line)
        assert lines["layer"] == rows[row]
        assert lines["position"] == cols[col]
        want = lab.eval_json(
            f"float(__import__('iwm_widgets').transport.from_buffer(amap.values)[{row}, {col}])"
        )
        assert float(lines["norm"]) == pytest.approx(want, rel=1e-3, abs=1e-6)
    screenshot(amap, "tooltip")
    page.mouse.move(0, 0)
    tooltip.wait_for(state="hidden")


def test_click_selects_the_cell_in_python(lab: Any, amap: Any, screenshot: Any) -> None:
    page = lab.page
    n_rows, n_cols = lab.eval_json("amap.values['shape']")
    rows = lab.eval_json("amap.rows")
    row, col = min(1, n_rows - 1), min(5, n_cols - 1)
    before = canvas_stats(amap)["hash"]

    page.mouse.click(*cell_center(amap, row, col))
    page.wait_for_function(f"r => r.dataset.selection === '{row},{col}'", arg=amap.element_handle())
    want = [{"row": row, "col": col}, {"site": rows[row], "row": row, "position": col}]
    assert lab.wait_for_python("[amap.selection, ws.selection]", want) == want
    assert canvas_stats(amap)["hash"] != before, "no highlight drawn on the selected cell"
    screenshot(amap, "selected")

    # Python -> JS: selecting through the workspace moves the highlight.
    row2, col2 = n_rows - 1, n_cols - 1
    lab.execute(f"ws.selection = {{'site': amap.rows[{row2}], 'position': {col2}}}")
    page.wait_for_function(
        f"r => r.dataset.selection === '{row2},{col2}'", arg=amap.element_handle()
    )

    # Clicking the selected cell again clears the selection.
    page.mouse.click(*cell_center(amap, row2, col2))
    page.wait_for_function("r => r.dataset.selection === ''", arg=amap.element_handle())
    assert lab.wait_for_python("[amap.selection, ws.selection]", [{}, {}]) == [{}, {}]


def test_python_edit_redraws_the_map(lab: Any, amap: Any, screenshot: Any) -> None:
    page = lab.page
    gen = int(amap.get_attribute("data-generation"))
    before = canvas_stats(amap)
    lab.execute(
        "import torch\n"
        "ws.add_edit(iwm.Edit.add('blocks.1', torch.ones(amap.n_dims), scale=5.0))\n"
        "ws.wait()"
    )
    page.wait_for_function(
        "([r, g]) => Number(r.dataset.generation) > g", arg=[amap.element_handle(), gen]
    )
    assert int(amap.get_attribute("data-generation")) == lab.eval_json("amap.generation")
    after = canvas_stats(amap)
    assert after["hash"] != before["hash"], "the map did not change after the edit"
    assert after["colors"] >= 20, after
    screenshot(amap, "edited")


def test_invalid_edit_shows_the_error(lab: Any, amap: Any, screenshot: Any) -> None:
    before = canvas_stats(amap)
    raised = lab.execute(
        "import torch\n"
        "try:\n"
        "    ws.add_edit(iwm.Edit.add('blocks.1', torch.ones(amap.n_dims + 3), scale=1.0))\n"
        "except Exception as e:\n"
        "    print(type(e).__name__)\n"
    ).strip()
    assert raised, "an edit of the wrong size was accepted"
    box = amap.locator(".iwm-error")
    box.wait_for(state="visible")
    assert box.get_attribute("role") == "alert"
    message = lab.eval_json("amap.error")
    assert message and box.inner_text().strip() == message.strip()
    assert raised in message
    # the last good heatmap stays on screen, dimmed
    assert "iwm-stale" in (amap.get_attribute("class") or "")
    assert canvas_stats(amap)["hash"] == before["hash"]
    screenshot(amap, "error")
    # the next good run clears it
    lab.execute(RESET)
    box.wait_for(state="hidden")


def test_quantity_menu_sets_python_and_redraws(lab: Any, amap: Any, screenshot: Any) -> None:
    page = lab.page
    offered = [q["value"] for q in lab.eval_json("amap.quantities")]
    assert "dim" in offered
    assert amap.locator(".iwm-dim").is_hidden()
    count = render_count(amap)
    amap.locator("select.iwm-quantity").select_option("dim")
    assert lab.wait_for_python("amap.quantity", "dim") == "dim"
    page.wait_for_function(
        "([r, n]) => Number(r.dataset.renderCount) > n", arg=[amap.element_handle(), count]
    )
    dim_input = amap.locator(".iwm-dim input")
    dim_input.wait_for(state="visible")
    assert lab.eval_json("amap.scale") == "diverging"
    dim_input.fill("3")
    dim_input.press("Enter")
    assert lab.wait_for_python("amap.dim", 3) == 3
    page.wait_for_function(
        "r => r.querySelector('.iwm-legend-label').textContent.includes('d = 3')",
        arg=amap.element_handle(),
    )
    assert canvas_stats(amap)["colors"] >= 20
    screenshot(amap, "dim")
