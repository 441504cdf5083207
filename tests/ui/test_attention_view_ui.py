"""AttentionView in a real browser (JupyterLab + Chromium): the canvas draws every head,
hovering a cell shows the weight Python traced, token labels for the zoo's tiny-lm, a
click selects the query position in the Workspace, the head select reaches Python, the
ModuleTree's ``attn.pattern`` row opens the view, and light and dark screenshots.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from harness import output_area, set_theme, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "attention_view_ui.ipynb"
CELLS = [
    "import iwm_widgets as iwm\n"
    "model = iwm.load('bouncing-ball')\n"
    "ws = iwm.Workspace(model, model.sample(seed=0))\n"
    "view = iwm.AttentionView(ws, 'blocks.1.attn.pattern')\n"
    "view",
    "lm = iwm.load('tiny-lm')\n"
    "lws = iwm.Workspace(lm, 'The Eiffel Tower is in the city of')\n"
    "lview = iwm.AttentionView(lws, 'transformer.h.2.attn')\n"
    "lview",
    "tree = iwm.ModuleTree(model, workspace=ws)\ntree",
]
CELL = {"ball": 0, "lm": 1, "tree": 2}
TITLE_PX, GAP_PX = 16, 14  # js/attention_view/layout.js

# Distinct colours on the canvas (it drew something real).
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


def drawn(nb: Any, root: Any, var: str) -> None:
    """Wait until the view drew Python's newest generation, without an error."""
    gen = nb.eval_json(f"{var}.generation")
    nb.page.wait_for_function(
        "([r, g]) => r.dataset.generation === String(g) && r.querySelector('.iwm-error').hidden",
        arg=[root.element_handle(), gen],
    )


def cell_point(root: Any, k: int, query: int, key: int) -> dict[str, float]:
    """Where, on the canvas, the centre of cell (query, key) of panel k is (CSS px)."""
    L = json.loads(root.get_attribute("data-layout"))
    c, r = k % L["cols"], k // L["cols"]
    x = c * (L["gutter"] + L["panel"] + GAP_PX) + L["gutter"] + (key + 0.5) * L["cell"]
    y = r * (TITLE_PX + L["panel"] + L["below"] + GAP_PX) + TITLE_PX + (query + 0.5) * L["cell"]
    return {"x": x, "y": y}


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


def view_root(lab: Any, name: str) -> Any:
    root = cell_output(lab.page, CELL[name]).locator(".iwm-attention-view").first
    root.wait_for()
    root.scroll_into_view_if_needed()
    return root


def test_renders_every_head_and_hover_shows_the_traced_weight(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = view_root(lab, "ball")
    drawn(lab, root, "view")
    assert root.get_attribute("data-heads") == "4" and root.get_attribute("data-positions") == "32"
    assert root.evaluate(CANVAS_COLOURS) >= 20
    canvas = root.locator("canvas.iwm-canvas")
    for k, (q, key) in enumerate([(10, 4), (31, 31), (5, 0), (20, 19)]):
        canvas.hover(position=cell_point(root, k, q, key))
        tip = root.locator(".iwm-tooltip")
        page.wait_for_function(
            "([t, h, q, k]) => !t.hidden && t.dataset.head === h && t.dataset.query === q"
            " && t.dataset.key === k",
            arg=[tip.element_handle(), str(k), str(q), str(key)],
        )
        want = lab.eval_json(f"float(view.pattern()[{k}, {q}, {key}])")
        text = tip.inner_text()
        assert f"head {k}" in text and f"query {q}" in text and f"key {key}" in text, text
        shown = float(text.split("weight")[1].split()[0])
        assert shown == pytest.approx(want, rel=1e-3, abs=1e-6), (text, want)
    # a later key: masked, weight 0
    canvas.hover(position=cell_point(root, 0, 3, 9))
    assert "causal mask" in root.locator(".iwm-tooltip").inner_text()
    screenshot(root, "ball")
    page.iwm_errors.check()


def test_token_labels_click_selects_and_head_select(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = view_root(lab, "lm")
    drawn(lab, root, "lview")
    assert root.get_attribute("data-positions") == "8"
    canvas = root.locator("canvas.iwm-canvas")
    canvas.hover(position=cell_point(root, 2, 6, 1))
    tip = root.locator(".iwm-tooltip")
    page.wait_for_function("t => !t.hidden && t.dataset.query === '6'", arg=tip.element_handle())
    text = tip.inner_text()
    assert 'query 6 · "city"' in text and 'key 1 · "Eiffel"' in text, text
    want = lab.eval_json("float(lview.pattern()[2, 6, 1])")
    assert float(text.split("weight")[1].split()[0]) == pytest.approx(want, rel=1e-3, abs=1e-6)

    canvas.click(position=cell_point(root, 2, 6, 1))
    sel = lab.wait_for_python("lws.selection.get('position')", 6)
    assert sel == 6
    assert lab.eval_json("lws.selection") == {
        "site": "transformer.h.2.attn",
        "layer": 2,
        "position": 6,
        "head": 2,
        "key": 1,
    }
    page.wait_for_function("r => r.dataset.selection === '2,6,1'", arg=root.element_handle())
    # Python -> JS: a position selected elsewhere marks the query row
    lab.execute("lws.selection = {'site': 'transformer.h.0', 'layer': 0, 'position': 3}")
    page.wait_for_function("r => r.dataset.selection === '3'", arg=root.element_handle())
    screenshot(root, "lm-selected")

    root.locator("select.iwm-head").select_option("1")
    assert lab.wait_for_python("lview.head", 1) == 1
    page.wait_for_function("r => r.dataset.heads === '1'", arg=root.element_handle())
    root.locator("select.iwm-site").select_option("transformer.h.0.attn")
    assert lab.wait_for_python("lview.site", "transformer.h.0.attn") == "transformer.h.0.attn"
    drawn(lab, root, "lview")
    assert root.get_attribute("data-site") == "transformer.h.0.attn"
    screenshot(root, "lm-one-head")
    page.iwm_errors.check()


def test_module_tree_pattern_row_opens_an_attention_view(lab: Any) -> None:
    page = lab.page
    out = cell_output(page, CELL["tree"])
    tree = out.locator(".iwm-module-tree")
    tree.wait_for()
    tree.locator(".iwm-filter").fill("attn.pattern")
    row = tree.locator('.iwm-row[data-path="blocks.2.attn.pattern"]')
    row.wait_for()
    assert "iwm-attention" in (row.get_attribute("class") or "")
    assert "AttentionView" in (row.get_attribute("title") or "")
    row.locator(".iwm-name").click()
    assert lab.wait_for_python("tree.selected", "blocks.2.attn.pattern") == "blocks.2.attn.pattern"
    assert lab.eval_json("type(tree.map).__name__") == "AttentionView"
    root = out.locator(".iwm-attention-view")
    root.wait_for()
    drawn(lab, root, "tree.map")
    assert root.get_attribute("data-site") == "blocks.2.attn.pattern"
    assert root.evaluate(CANVAS_COLOURS) >= 20
    page.iwm_errors.check()


def test_bad_head_shows_an_error_in_the_widget(lab: Any) -> None:
    page = lab.page
    root = view_root(lab, "ball")
    # a head that the view's weights do not have (as a stale front end would send)
    lab.execute("view.set_trait('n_heads', 8); view.head = 6")
    page.wait_for_function("r => !r.querySelector('.iwm-error').hidden", arg=root.element_handle())
    assert "head 6 is out of range" in root.locator(".iwm-error").inner_text()
    lab.execute("view.head = -1; view.n_heads = 4")
    page.wait_for_function("r => r.querySelector('.iwm-error').hidden", arg=root.element_handle())


def test_attention_view_light_and_dark(lab: Any, screenshot: Any) -> None:
    page = lab.page
    try:
        for theme in ("light", "dark"):
            set_theme(page, theme)
            for name in ("ball", "lm"):
                root = view_root(lab, name)
                root.evaluate("r => r.querySelector('.iwm-tooltip').hidden = true")
                page.wait_for_timeout(100)
                screenshot(root, f"{theme}-{name}")
            tree_out = cell_output(page, CELL["tree"])
            tree_out.scroll_into_view_if_needed()
            screenshot(tree_out, f"{theme}-tree")
    finally:
        set_theme(page, "light")
