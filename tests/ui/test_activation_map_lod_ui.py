"""The largest map in a real browser: a Heatmap of 48 layers × 32,768 positions (more
positions than pixels) in JupyterLab.

It draws, aggregated, and says so (the level-of-detail line: how many positions a pixel
column covers and the aggregate, which the user can change); a click on the bright cell's
pixel column selects that exact (layer, position) in Python; a drag zooms in to full
detail, where a click selects the cell under it; token labels of a long map are fetched
from the kernel when shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from harness import FIND_PANEL, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "activation_map_lod.ipynb"
ROWS, COLS = 48, 32768
SPIKE = (17, 20000)
CELLS = [
    "import torch, iwm_widgets as iwm\n"
    f"R, C = {ROWS}, {COLS}\n"
    "g = torch.Generator().manual_seed(0)\n"
    "m = torch.linspace(1, 4, R)[:, None] * (1 + 0.3 * torch.sin(torch.arange(C) / 700.0))"
    " + 0.3 * torch.rand(R, C, generator=g)\n"
    f"m[{SPIKE[0]}, {SPIKE[1]}] = 12.0\n"
    "big = iwm.Heatmap(m, rows=[f'blocks.{i}' for i in range(R)],"
    " columns=[f't{i}' for i in range(C)], title='48 × 32,768', label='activation norm')\n"
    "big",
    # 8 × 8192: token labels (no pattern), fetched from the kernel when drawn
    "tokens = [f' w{(i * 7919) % 997}' for i in range(8192)]\n"
    "words = iwm.Heatmap(torch.rand(8, 8192, generator=g), rows=[f'l{i}' for i in range(8)],"
    " columns=tokens, title='tokens')\n"
    "words",
]
MAP = ".iwm-activation-map"


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


def output(page: Any, i: int) -> Any:
    panel = page.evaluate(f"(path) => ({FIND_PANEL})(path).id", NOTEBOOK)
    return page.locator(f"[id='{panel}'] .jp-CodeCell").nth(i).locator(MAP)


def drawn(root: Any) -> Any:
    root.scroll_into_view_if_needed()
    root.page.wait_for_function("r => Number(r.dataset.renderCount) > 0", arg=root.element_handle())
    return root


def window(root: Any) -> tuple[int, int]:
    a, b = (int(v) for v in (root.get_attribute("data-window") or "0,0").split(","))
    return a, b


def point(root: Any, row: int, col: float) -> tuple[float, float]:
    """Page coordinates of position ``col`` (fractional: within its column) in ``row``."""
    box = root.locator("canvas.iwm-canvas").bounding_box()
    c0, c1 = window(root)
    x = box["x"] + (col - c0) * box["width"] / (c1 - c0)
    y = box["y"] + (ROWS - 1 - row + 0.5) * box["height"] / ROWS
    return x, y


def tooltip_lines(root: Any) -> dict[str, str]:
    """The tooltip's lines, {key (in bold): text}."""
    return dict(
        root.locator(".iwm-tooltip").evaluate(
            "t => [...t.children].map((d) => { const b = d.querySelector('b');"
            " const k = b ? b.textContent : '';"
            " return [k, d.textContent.slice(k ? k.length + 1 : 0)]; })"
        )
    )


@pytest.fixture
def big(lab: Any) -> Iterator[Any]:
    lab.execute("big.aggregate = 'mean'\nbig.selection = {}")
    root = drawn(output(lab.page, 0))
    root.page.wait_for_function("r => r.querySelector('.iwm-aggregate').value === 'mean'",
                                arg=root.element_handle())  # fmt: skip
    if root.locator(".iwm-zoom-all").is_visible():
        root.locator(".iwm-zoom-all").click()
    yield root
    lab.page.mouse.move(0, 0)
    lab.page.iwm_errors.check()


def test_the_large_map_draws_aggregated_and_says_how(lab: Any, big: Any, screenshot: Any) -> None:
    assert (big.get_attribute("data-rows"), big.get_attribute("data-cols")) == ("48", "32768")
    assert lab.eval_json("big.values['dtype']") == "float16"
    width = big.locator("canvas.iwm-canvas").evaluate("c => c.width")
    assert 0 < width < COLS
    per = math.ceil(COLS / width)
    assert big.get_attribute("data-lod") == f"mean:{per}"
    lod = big.locator(".iwm-lod")
    assert lod.is_visible()
    text = big.locator(".iwm-lod-text").inner_text()
    assert text == f"Aggregated: 32,768 positions on {width:,} pixel columns; each shows the"
    assert big.locator("select.iwm-aggregate").input_value() == "mean"
    hint = big.locator(".iwm-lod-hint").inner_text()
    assert re.fullmatch(r"of \d+(–\d+)? positions\. Drag across the map to zoom in\.", hint), hint
    assert str(per) in hint
    # the quantity's own legend is untouched; the axis shows round position numbers
    assert big.locator(".iwm-legend-label").inner_text() == "activation norm"
    ticks = big.locator(".iwm-col-labels span").all_inner_texts()
    assert ticks[0] == "t0" and len(ticks) >= 5
    assert all(re.fullmatch(r"t\d+000", t) for t in ticks[1:]), ticks
    colors = big.locator("canvas.iwm-canvas").evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " const s = new Set(); for (let i = 0; i < d.length; i += 4)"
        " s.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]); return s.size; }"
    )
    assert colors >= 20, colors
    screenshot(big, "large-map")


def test_a_click_on_the_bright_pixel_column_selects_its_exact_cell(
    lab: Any, big: Any, screenshot: Any
) -> None:
    page = lab.page
    big.locator("select.iwm-aggregate").select_option("max")
    assert lab.wait_for_python("big.aggregate", "max") == "max"
    page.wait_for_function("r => r.dataset.lod.startsWith('max:')", arg=big.element_handle())
    assert "each shows the" in big.locator(".iwm-lod-text").inner_text()
    row, col = SPIKE
    page.mouse.move(*point(big, row, col + 0.5))
    tip = big.locator(".iwm-tooltip")
    page.wait_for_function(
        "([t, r]) => !t.hidden && t.dataset.row === r", arg=[tip.element_handle(), str(row)]
    )
    lines = tooltip_lines(big)
    first, last = (int(v.replace(",", "")) for v in re.findall(r"[\d,]+", lines["positions"])[:2])
    assert first <= col <= last and last - first + 1 < 100, lines
    assert lines["activation norm (max)"] == "12.00"
    assert lines["click"] == f"selects blocks.{row} · position {col:,} (its max)"
    assert tip.get_attribute("data-col") == str(col)
    screenshot(big, "max-tooltip")
    page.mouse.click(*point(big, row, col + 0.5))
    want = {"row": row, "col": col}
    assert lab.wait_for_python("big.selection", want) == want
    page.wait_for_function(f"r => r.dataset.selection === '{row},{col}'", arg=big.element_handle())
    sel = big.locator(".iwm-selected").inner_text()
    assert sel == f'selected: blocks.{row} · position 20,000 "t20000" · 12.00', sel
    screenshot(big, "selected")


def test_a_drag_zooms_in_to_full_detail_where_a_click_is_exact(
    lab: Any, big: Any, screenshot: Any
) -> None:
    page = lab.page
    x0, y = point(big, 30, 20000)
    x1, _ = point(big, 30, 20400)
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y)
    page.mouse.move(x1, y)
    assert big.locator(".iwm-brush").is_visible()
    page.mouse.up()
    page.wait_for_function("r => r.dataset.lod === ''", arg=big.element_handle())
    c0, c1 = window(big)
    assert c0 <= 20000 and c1 >= 20400 and c1 - c0 < 600, (c0, c1)
    assert lab.eval_json("big.selection") == {}  # the drag selected nothing
    assert big.locator(".iwm-brush").is_hidden()
    text = big.locator(".iwm-lod-text").inner_text()
    want = f"Full detail: positions {c0:,}–{c1 - 1:,} ({c1 - c0} of 32,768), one column each."
    assert text == want
    assert big.locator(".iwm-zoom").is_visible()
    # at full detail the cell under the pointer is the cell selected
    row, col = 5, 20123
    page.mouse.move(*point(big, row, col + 0.5))
    page.wait_for_function(
        "([t, c]) => !t.hidden && t.dataset.col === c",
        arg=[big.locator(".iwm-tooltip").element_handle(), str(col)],
    )
    assert tooltip_lines(big)["position"] == f"t{col}"
    page.mouse.click(*point(big, row, col + 0.5))
    cell = {"row": row, "col": col}
    assert lab.wait_for_python("big.selection", cell) == cell
    screenshot(big, "zoomed")
    # pan, then back to all positions
    big.locator(".iwm-zoom-right").click()
    page.wait_for_function(f"r => r.dataset.window !== '{c0},{c1}'", arg=big.element_handle())
    assert window(big)[0] > c0
    big.locator(".iwm-zoom-all").click()
    page.wait_for_function("r => r.dataset.window === '0,32768'", arg=big.element_handle())
    assert big.get_attribute("data-lod").startswith("mean:")


def test_token_labels_of_a_long_map_come_from_the_kernel_when_shown(lab: Any) -> None:
    page = lab.page
    root = drawn(output(page, 1))
    assert lab.eval_json("words.get_state('columns')['columns']['lazy']") is True
    # aggregated: the axis numbers the positions
    assert root.get_attribute("data-lod").startswith("mean:")
    assert root.locator(".iwm-col-labels span").first.inner_text() == "0"
    box = root.locator("canvas.iwm-canvas").bounding_box()
    y = box["y"] + box["height"] / 2
    x0 = box["x"] + 4000 / 8192 * box["width"]
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x0 + 10, y)
    page.mouse.move(x0 + 20, y)
    page.mouse.up()
    page.wait_for_function("r => r.dataset.lod === ''", arg=root.element_handle())
    c0, c1 = (int(v) for v in root.get_attribute("data-window").split(","))
    tokens = lab.eval_json(f"tokens[{c0}:{c1}]")
    # the labels arrive from the kernel and are drawn: each one's title is its token
    page.wait_for_function(
        "r => [...r.querySelectorAll('.iwm-col-labels span')]"
        ".some((s) => s.title.startsWith(' w'))",
        arg=root.element_handle(),
    )
    spans = root.locator(".iwm-col-labels span")
    titles = [spans.nth(i).get_attribute("title") for i in range(spans.count())]
    assert titles and set(titles) <= set(tokens), titles[:5]
    col = (c0 + c1) // 2
    cx = box["x"] + (col - c0 + 0.5) * box["width"] / (c1 - c0)
    page.mouse.move(cx, y)
    tip = root.locator(".iwm-tooltip")
    page.wait_for_function(
        "([t, c]) => !t.hidden && t.dataset.col === c", arg=[tip.element_handle(), str(col)]
    )
    page.wait_for_function(
        "t => t.textContent.includes('\"')", arg=tip.element_handle()
    )  # the hovered token arrives
    assert tooltip_lines(root)["position"] == f'{col} "{tokens[col - c0]}"'
    page.mouse.move(0, 0)
    page.iwm_errors.check()
