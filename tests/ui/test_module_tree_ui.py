"""ModuleTree in a real browser: ``%load_ext iwm_widgets``, ``%iwm load`` and ``%iwm show``
in JupyterLab on the bouncing-ball world model, and a ~10M-parameter GPT-2-shaped model.

The tests click rows with real mouse events and read the Python side (``tree.selected``,
``tree.map``) through the notebook's kernel: a click on a site opens an ActivationMap of
it under the tree, and the map draws.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from harness import RESULTS, output_area, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "module_tree_ui.ipynb"
CELLS = [
    "import iwm_widgets as iwm\n%load_ext iwm_widgets\n%iwm load bouncing-ball",
    "%iwm show",
    "import tempfile\n"
    "from iwm_widgets.zoo.gpt2_local import make_gpt2_dir\n"
    "_d = make_gpt2_dir(tempfile.mkdtemp() + '/gpt2-10m', n_layer=12, n_embd=256, n_head=8,"
    " vocab_size=8192)\n"
    "%iwm load {_d} as lm\n"
    "lm_tree = iwm.show(lm)\n"
    "lm_tree",
]
# the tree that %iwm show displayed, found the way ipywidgets finds widgets
FIND_TREE = (
    "from ipywidgets.widgets.widget import _instances\n"
    "tree = next(w for w in list(_instances.values()) "
    "if isinstance(w, iwm.ModuleTree) and w.model is model)\n"
)
RESET = "tree.selected = ''\n"

# Distinct colours of the ActivationMap's canvas (it drew something real).
CANVAS_COLOURS = """
(root) => {
  const c = root.querySelector('canvas.iwm-canvas');
  if (!c || !c.width || !c.height) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  return seen.size;
}
"""


def cell_output(page: Any, index: int) -> Any:
    return output_area(page, NOTEBOOK, index)


def row(tree: Any, path: str) -> Any:
    return tree.locator(f'.iwm-row[data-path="{path}"]')


def shown_paths(tree: Any) -> list[str]:
    return tree.evaluate("r => [...r.querySelectorAll('.iwm-row')].map(e => e.dataset.path)")


def map_drawn(nb: Any, out: Any, n_rows: int) -> Any:
    """Wait for the ActivationMap under the tree to draw Python's generation; return it."""
    amap = out.locator(".iwm-activation-map")
    amap.wait_for()
    gen = nb.eval_json("tree.map.generation")
    out.page.wait_for_function(
        """([r, g, n]) => r.dataset.generation === String(g) && r.dataset.rows === String(n)
                         && r.querySelector('.iwm-error').hidden""",
        arg=[amap.element_handle(), gen, n_rows],
    )
    return amap


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    nb.execute(FIND_TREE)
    yield nb
    nb.shutdown()


@pytest.fixture
def tree(lab: Any) -> Iterator[Any]:
    """The bouncing-ball tree's root element, nothing selected, filter empty."""
    page = lab.page
    lab.execute(RESET)
    root = cell_output(page, 1).locator(".iwm-module-tree")
    root.wait_for()
    page.wait_for_function("r => r.dataset.selected === ''", arg=root.element_handle())
    root.locator(".iwm-filter").fill("")
    root.scroll_into_view_if_needed()
    yield root
    page.iwm_errors.check()


def test_tree_renders_modules_shapes_and_parameters(lab: Any, tree: Any, screenshot: Any) -> None:
    nodes = lab.eval_json("tree.nodes")
    assert int(tree.get_attribute("data-nodes")) == len(nodes) == 50
    # the first three levels are shown, in depth-first order
    assert shown_paths(tree) == [n["path"] for n in nodes if n["depth"] <= 2]
    assert tree.locator(".iwm-title").inner_text() == "bouncing-ball"
    r = row(tree, "blocks.1.mlp")
    assert r.locator(".iwm-type").inner_text() == "MLP"
    assert r.locator(".iwm-shape").inner_text() == "1×32×64"
    params = next(n["params"] for n in nodes if n["path"] == "blocks.1.mlp")
    assert params == 33088 and r.locator(".iwm-params").inner_text() == "33.1k"
    assert row(tree, "blocks").locator(".iwm-shape").inner_text() == "–"
    assert "iwm-open" not in (row(tree, "blocks").get_attribute("class") or "")
    screenshot(tree, "tree")


def test_click_a_site_opens_an_activation_map_on_it(lab: Any, tree: Any, screenshot: Any) -> None:
    page = lab.page
    row(tree, "blocks.2.mlp").locator(".iwm-name").click()
    assert lab.wait_for_python("tree.selected", "blocks.2.mlp") == "blocks.2.mlp"
    want = [f"blocks.{i}.mlp" for i in range(4)]
    assert lab.eval_json("tree.map.rows") == want
    out = cell_output(page, 1)
    amap = map_drawn(lab, out, 4)
    assert amap.evaluate(CANVAS_COLOURS) >= 20
    labels = amap.locator(".iwm-row-labels span").all_inner_texts()
    assert labels and set(labels) <= set(want)
    assert amap.locator(".iwm-title").inner_text().startswith("blocks.2.mlp")
    assert "iwm-selected" in (row(tree, "blocks.2.mlp").get_attribute("class") or "")
    assert tree.get_attribute("data-selected") == "blocks.2.mlp"
    screenshot(out, "tree-and-map")

    # another site replaces the map; the old one leaves the page
    row(tree, "head").click()
    assert lab.wait_for_python("tree.map.rows", ["head"]) == ["head"]
    map_drawn(lab, out, 1)
    assert out.locator(".iwm-activation-map").count() == 1


def test_modules_without_a_map_expand_instead(lab: Any, tree: Any) -> None:
    page = lab.page
    n = int(tree.get_attribute("data-rows"))
    row(tree, "blocks").click()  # a ModuleList: no tensor output, so it collapses
    page.wait_for_function(f"r => Number(r.dataset.rows) < {n}", arg=tree.element_handle())
    assert "blocks.0" not in shown_paths(tree)
    assert lab.eval_json("tree.selected") == ""
    row(tree, "blocks").click()
    row(tree, "blocks.0.attn").locator(".iwm-caret").click()  # the caret only expands
    row(tree, "blocks.0.attn.qkv").wait_for()
    assert lab.eval_json("[tree.selected, tree.map is None]") == ["", True]


def test_filter_and_python_selection_reveal_deep_rows(lab: Any, tree: Any) -> None:
    page = lab.page
    tree.locator(".iwm-filter").fill("fc_out")
    # the 4 matches and their ancestors: blocks, blocks.i, blocks.i.mlp
    want = ["blocks"]
    for i in range(4):
        want += [f"blocks.{i}", f"blocks.{i}.mlp", f"blocks.{i}.mlp.fc_out"]
    page.wait_for_function(f"r => r.dataset.rows === '{len(want)}'", arg=tree.element_handle())
    assert shown_paths(tree) == want
    tree.locator(".iwm-filter").fill("")
    # Python -> JS: a deep, collapsed site is revealed, highlighted and mapped
    lab.execute("tree.selected = 'blocks.3.attn.out'")
    r = row(tree, "blocks.3.attn.out")
    r.wait_for()
    page.wait_for_function("r => r.classList.contains('iwm-selected')", arg=r.element_handle())
    map_drawn(lab, cell_output(page, 1), 4)


def test_gpt2_shaped_model_tree_is_quick(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = cell_output(page, 2).locator(".iwm-module-tree")
    root.wait_for()
    root.scroll_into_view_if_needed()
    n = lab.eval_json("len(lm_tree.nodes)")
    assert int(root.get_attribute("data-nodes")) == n == lab.eval_json("len(lm.sites)")
    first_ms = float(root.get_attribute("data-draw-ms"))
    root.locator(".iwm-expand-all").click()
    page.wait_for_function(f"r => r.dataset.rows === '{n}'", arg=root.element_handle())
    all_ms = float(root.get_attribute("data-draw-ms"))
    t0 = page.evaluate("performance.now()")
    row(root, "transformer.h.5.mlp").locator(".iwm-name").click()
    assert lab.wait_for_python("lm_tree.selected", "transformer.h.5.mlp")
    amap = cell_output(page, 2).locator(".iwm-activation-map")
    amap.wait_for()
    gen = lab.eval_json("lm_tree.map.generation")
    page.wait_for_function(
        "([r, g]) => r.dataset.generation === String(g) && r.dataset.rows === '12'",
        arg=[amap.element_handle(), gen],
    )
    click_ms = page.evaluate("performance.now()") - t0
    assert lab.eval_json("lm_tree.map.rows") == [f"transformer.h.{i}.mlp" for i in range(12)]
    timings = {
        "modules": n,
        "first_draw_ms": first_ms,
        "expand_all_draw_ms": all_ms,
        "click_to_map_drawn_ms": round(click_ms, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "module_tree_gpt2_timings.json").write_text(json.dumps(timings, indent=1))
    print("ModuleTree, GPT-2-shaped:", timings)
    assert first_ms < 100 and all_ms < 200, timings
    screenshot(cell_output(page, 2), "gpt2")
    page.iwm_errors.check()


# scroll containers of the tree whose content is wider than they are (a horizontal scrollbar)
# (the tree's own elements, and its ancestors up to the notebook cell: the output area
# scrolls sideways when the widget is wider than it)
OVERFLOWING = """
(root) => {
  const up = [];
  for (let e = root.parentElement; e && !e.classList.contains('jp-Cell'); e = e.parentElement) {
    up.push(e);
  }
  return [...up, root, ...root.querySelectorAll('*')]
  .filter((e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
  .filter((e) => e.scrollWidth > e.clientWidth)
  .map((e) => `${e.className}: scrollWidth ${e.scrollWidth} > clientWidth ${e.clientWidth}`);
}
"""


def test_tree_has_no_horizontal_scrollbar(lab: Any, tree: Any) -> None:
    page = lab.page
    lst = tree.locator(".iwm-list")
    assert lst.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
    assert tree.evaluate(OVERFLOWING) == []
    # every row shown, the deepest indented most, and a selected row: still no scrollbar
    tree.locator(".iwm-expand-all").click()
    n = lab.eval_json("len(tree.nodes)")
    page.wait_for_function(f"r => r.dataset.rows === '{n}'", arg=tree.element_handle())
    lab.execute("tree.selected = 'blocks.3.mlp.fc_out'")
    page.wait_for_function(
        "r => r.dataset.selected === 'blocks.3.mlp.fc_out'", arg=tree.element_handle()
    )
    assert tree.evaluate(OVERFLOWING) == []
    sizes = lst.evaluate("e => [e.scrollWidth, e.clientWidth, e.scrollHeight > e.clientHeight]")
    assert sizes[0] <= sizes[1], sizes
    tree.locator(".iwm-collapse-all").click()
