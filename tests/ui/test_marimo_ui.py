"""The widgets in marimo: ``examples/marimo_demo.py`` served by ``marimo run`` on 127.0.0.1,
driven in Chromium.

The app wraps an ActivationMap in ``mo.ui.anywidget``. A click on the map must reach Python
(marimo re-runs the cell that prints the selection); marimo UI elements that change the
widget from Python (a dropdown sets ``quantity``, a slider adds an edit to the workspace,
whose background runner re-computes) must re-draw the map in the page.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import REPO, ServerStartError, block_external_requests, marimo_server

pytestmark = pytest.mark.ui

APP = REPO / "examples" / "marimo_demo.py"
ROOT = ".iwm-activation-map"
LOAD_TIMEOUT_MS = 120_000  # first render: the kernel imports torch and runs the model

# Distinct colours and an order-sensitive checksum of the heatmap canvas.
CANVAS_STATS = """
(root) => {
  const c = root.querySelector('canvas.iwm-canvas');
  if (!c || !c.width || !c.height) return {colors: 0, hash: 0};
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  let h = 2166136261;
  for (let i = 0; i < d.length; i += 4) {
    const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    seen.add(v);
    h = Math.imul(h ^ v, 16777619) >>> 0;
  }
  return {colors: seen.size, hash: h};
}
"""


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # marimo is a test dependency: missing means a broken install, not a skip. Not
    # imported here: nnsight (imported by earlier tests) mounts `.save` on every object,
    # which breaks `import marimo` afterwards; the app runs in its own marimo process.
    assert importlib.util.find_spec("marimo"), "marimo is missing: ./scripts/test.sh installs it"
    try:
        with marimo_server(tmp_path_factory.mktemp("marimo"), APP) as server:
            yield server
    except ServerStartError as e:
        pytest.fail(str(e), pytrace=False)


def cell_center(root: Any, row: int, col: int) -> tuple[float, float]:
    """Page coordinates of a heatmap cell's centre (row 0 is the bottom row)."""
    box = root.locator("canvas.iwm-canvas").bounding_box()
    n_rows, n_cols = int(root.get_attribute("data-rows")), int(root.get_attribute("data-cols"))
    x = box["x"] + (col + 0.5) * box["width"] / n_cols
    y = box["y"] + (n_rows - 1 - row + 0.5) * box["height"] / n_rows
    return x, y


def test_activation_map_round_trip_in_marimo(
    marimo_app: Any, page: Any, screenshot: Any, tmp_path: Path
) -> None:
    blocked = block_external_requests(page)
    page.goto(marimo_app.url + "/")
    # marimo renders each anywidget in a shadow root; Playwright's locators pierce it
    root = page.locator(ROOT).first
    root.wait_for(timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(
        "(r) => Number(r.dataset.generation) > 0 && r.querySelector('.iwm-error').hidden",
        arg=root.element_handle(),
        timeout=LOAD_TIMEOUT_MS,
    )
    n_rows, n_cols = int(root.get_attribute("data-rows")), int(root.get_attribute("data-cols"))
    assert (n_rows, n_cols) == (5, 32), "bouncing-ball: embed + 4 blocks × 32 steps"
    assert root.evaluate(CANVAS_STATS)["colors"] >= 20, "the map is not drawn"
    screenshot(page, "rendered")

    # page -> Python: a click selects a cell; marimo re-runs the cell reading the selection
    selected = page.locator(".iwm-marimo-selection")
    assert selected.inner_text() == "selected: nothing"
    page.mouse.click(*cell_center(root, 1, 5))
    page.wait_for_function(
        "(e) => e.textContent === 'selected: layer blocks.0, step t5'",
        arg=selected.element_handle(),
    )
    assert root.get_attribute("data-selection") == "1,5"
    # a second click on the cell clears the selection, in Python too
    page.mouse.click(*cell_center(root, 1, 5))
    page.wait_for_function(
        "(e) => e.textContent === 'selected: nothing'", arg=selected.element_handle()
    )
    page.mouse.move(0, 0)

    # Python -> page: the dropdown's cell sets amap.widget.quantity; the map re-draws
    renders = int(root.get_attribute("data-render-count"))
    page.locator("marimo-dropdown select").select_option(
        label="change from the unedited run ‖h − h₀‖"
    )
    page.wait_for_function(
        """([r, n]) => Number(r.dataset.renderCount) > n
            && r.querySelector('.iwm-legend-label').textContent.startsWith('change from')""",
        arg=[root.element_handle(), renders],
    )
    # no edit yet: the change from the unedited run is zero everywhere, one colour
    assert root.evaluate(CANVAS_STATS)["colors"] <= 3

    # Python -> page through the workspace: the slider's cell adds an edit at t >= 20; the
    # background runner re-computes and the new values reach the page
    gen = int(root.get_attribute("data-generation"))
    page.locator("marimo-slider [role=slider]").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([r, g]) => Number(r.dataset.generation) > g && r.querySelector('.iwm-error').hidden",
        arg=[root.element_handle(), gen],
    )
    # (the cell clears the edits before adding one: wait for the map that shows the edit)
    page.wait_for_function(f"(r) => ({CANVAS_STATS})(r).colors >= 5", arg=root.element_handle())
    # the edit moved blocks.1 and above from t20 on, and nothing before t20
    page.mouse.move(*cell_center(root, 3, 25))
    tooltip = root.locator(".iwm-tooltip")
    page.wait_for_function(
        "(t) => !t.hidden && t.dataset.row === '3' && t.dataset.col === '25'",
        arg=tooltip.element_handle(),
    )
    after = dict(ln.split(maxsplit=1) for ln in tooltip.inner_text().splitlines() if " " in ln)
    assert float(after["delta"]) > 0.1, after
    page.mouse.move(*cell_center(root, 3, 5))
    page.wait_for_function("(t) => t.dataset.col === '5'", arg=tooltip.element_handle())
    before = dict(ln.split(maxsplit=1) for ln in tooltip.inner_text().splitlines() if " " in ln)
    assert float(before["delta"]) == 0.0, before
    screenshot(page, "edited")

    page.iwm_errors.check()
    if blocked:
        print("requests to other hosts, aborted:", blocked)
