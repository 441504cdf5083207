"""ActivationMap, the patching Heatmap and ProbeChart as a new student sees them, in
JupyterLab (Chromium), light and dark: what was reported against them.

A notebook of its own (written into the server's root, not a course notebook): the
``tiny-lm`` map on a sentence with long tokens, a bouncing-ball map on quantity ``dim``,
the patching sweep's ``normalized`` heatmap and a probe sweep's chart. The tests check
that long tokens label every column (turned upright, cut, the full text in a tooltip),
that the title names the model and not its directory, that a bad ``dim`` typed in the
page is refused and said so with the old dimension kept, that the patching legend and
tooltip say what the values are (and what above 1 means), and that the dropdown and the
probe chart follow the dark theme. Screenshots of each, light and dark, land in
``test-results/``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from harness import FIND_PANEL, set_theme, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "heatmaps_as_a_student_sees_them.ipynb"
CELLS = [
    "import torch\n"
    "import iwm_widgets as iwm\n"
    "from iwm_widgets.zoo.tiny_lm import tiny_lm_dir\n"
    "lm = iwm.load(tiny_lm_dir())  # a local directory: model.name is its absolute path\n"
    "wsl = iwm.Workspace(lm, 'The Eiffel Tower is in the city of Paris and the taxi turns "
    "right at the Brandenburg Gate', background=False)\n"
    "lmap = iwm.ActivationMap(wsl, 'lens_prob')\n"
    "lmap",
    "model = iwm.load('bouncing-ball')\n"
    "ws = iwm.Workspace(model, model.sample(seed=0), background=False)\n"
    "amap = iwm.ActivationMap(ws, 'dim', dim=3)\n"
    "amap",
    "clean = model.sample(seed=0)\n"
    "corrupt = clean.clone()\n"
    "corrupt[..., 0] = 2 * clean[0, -1, 0] - clean[..., 0]\n"
    "psweep = iwm.patching_sweep(model, clean, corrupt, lambda o: o[:, -1, 0])\n"
    "hmap = psweep.widget('normalized')\n"
    "hmap",
    "probes = iwm.probe_sweep(model, 'velocity', n=64, progress=False)\n"
    "chart = probes.widget()\n"
    "chart",
]
MAP = ".iwm-activation-map"

# Luminance (0 black … 255 white) of a computed CSS colour.
LUMA = """(c) => { const [r, g, b] = (c.match(/[\\d.]+/g) || [0, 0, 0]).map(Number);
                   return 0.2126 * r + 0.7152 * g + 0.0722 * b; }"""


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    set_theme(nb.page, "light")
    nb.shutdown()


def output(page: Any, i: int) -> Any:
    """Cell ``i``'s output in this module's notebook (other notebooks may be open too)."""
    panel = page.evaluate(f"(path) => ({FIND_PANEL})(path).id", NOTEBOOK)
    return page.locator(f"[id='{panel}'] .jp-CodeCell").nth(i).locator(".jp-OutputArea")


def drawn(root: Any) -> Any:
    root.scroll_into_view_if_needed()
    root.page.wait_for_function("r => Number(r.dataset.renderCount) > 0", arg=root.element_handle())
    return root


def luma(page: Any, color: str) -> float:
    return float(page.evaluate(LUMA, color))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_long_tokens_label_every_column_and_the_title_names_the_model(
    lab: Any, theme: str, screenshot: Any
) -> None:
    page = lab.page
    set_theme(page, theme)
    root = drawn(output(page, 0).locator(MAP))
    assert root.locator(".iwm-title").inner_text() == "tiny-lm: activations"
    assert "/" not in root.locator(".iwm-title").inner_text()
    columns = lab.eval_json("lmap.columns")
    assert any(len(c) >= 10 for c in columns)  # " Brandenburg": too long to sit flat
    labels = root.locator(".iwm-col-labels span")
    assert root.get_attribute("data-col-labels") == "upright"
    assert labels.count() == len(columns)  # every column labelled, none thinned out
    assert [labels.nth(i).get_attribute("title") for i in range(len(columns))] == columns
    boxes = [labels.nth(i).bounding_box() for i in range(len(columns))]
    for a, b in itertools.pairwise(boxes):
        assert a["x"] + a["width"] <= b["x"] + 0.5, "column labels overlap"
    assert all(b["height"] > b["width"] for b in boxes if b["height"] > 16)  # upright
    screenshot(root, f"{theme}-lm-map")


def test_bad_dim_typed_in_the_page_is_refused_and_said(lab: Any, screenshot: Any) -> None:
    page = lab.page
    set_theme(page, "light")
    root = drawn(output(page, 1).locator(MAP))
    field = root.locator(".iwm-dim input")
    for bad in ("999", "-3"):
        field.fill(bad)
        field.press("Enter")
        box = root.locator(".iwm-error")
        box.wait_for(state="visible")
        text = box.inner_text()
        assert f"dim {bad} is out of range" in text and "0 … 63" in text, text
        assert "still shows dim 3" in text
        assert field.input_value() == "3"  # the field shows the dimension still drawn
        assert lab.eval_json("amap.dim") == 3  # nothing was sent: Python kept it
        if bad == "999":
            screenshot(root, "light-dim-refused")
    field.fill("4")
    field.press("Enter")
    assert lab.wait_for_python("amap.dim", 4) == 4
    root.locator(".iwm-error").wait_for(state="hidden")
    # the same refusal made in Python shows in the widget too
    raised = lab.execute(
        "try:\n    amap.dim = 999\nexcept ValueError as e:\n    print(type(e).__name__)"
    ).strip()
    assert raised == "DimensionError"
    box = root.locator(".iwm-error")
    box.wait_for(state="visible")
    assert "dim 999 is out of range" in box.inner_text()
    assert lab.eval_json("amap.dim") == 4
    lab.execute("amap.dim = 3")
    box.wait_for(state="hidden")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_quantity_dropdown_follows_the_theme(lab: Any, theme: str, screenshot: Any) -> None:
    page = lab.page
    set_theme(page, theme)
    root = drawn(output(page, 1).locator(MAP))
    select = root.locator("select.iwm-quantity")
    style = select.evaluate(
        "s => { const c = getComputedStyle(s); return {scheme: c.colorScheme, "
        "bg: c.backgroundColor, fg: c.color}; }"
    )
    if theme == "dark":
        # color-scheme dark: the open list and the number field's arrows are dark too
        assert style["scheme"] == "dark", style
        assert luma(page, style["bg"]) < 80 and luma(page, style["fg"]) > 150, style
    else:
        assert style["scheme"] in ("normal", "light"), style
        assert luma(page, style["bg"]) > 200 and luma(page, style["fg"]) < 100, style
    screenshot(root, f"{theme}-dim-map")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_patching_heatmap_says_what_it_shows(lab: Any, theme: str, screenshot: Any) -> None:
    page = lab.page
    set_theme(page, theme)
    root = drawn(output(page, 2).locator(MAP))
    label = "fraction of the clean–corrupt difference restored"
    assert root.locator(".iwm-legend-label").inner_text() == label
    assert root.locator("select.iwm-quantity").is_hidden()  # one quantity: nothing to pick
    assert root.locator(".iwm-generation").is_hidden()  # a static heatmap never re-runs
    row, col = lab.eval_json(
        "[int(i) for i in divmod(int(psweep.normalized().argmax()), len(psweep.positions))]"
    )
    assert lab.eval_json("float(psweep.normalized().max())") > 1.0  # over-restored somewhere
    canvas = root.locator("canvas.iwm-canvas").bounding_box()
    n_rows, n_cols = int(root.get_attribute("data-rows")), int(root.get_attribute("data-cols"))
    page.mouse.move(
        canvas["x"] + (col + 0.5) * canvas["width"] / n_cols,
        canvas["y"] + (n_rows - 1 - row + 0.5) * canvas["height"] / n_rows,
    )
    tip = root.locator(".iwm-tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert label in text
    assert "over-restoration: patching this site moves the metric past the clean run" in text
    screenshot(root, f"{theme}-patching-tooltip")
    page.mouse.move(0, 0)
    tip.wait_for(state="hidden")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_probe_chart_follows_the_theme(lab: Any, theme: str, screenshot: Any) -> None:
    page = lab.page
    set_theme(page, theme)
    chart = output(page, 3).locator(".iwm-probe-chart")
    chart.scroll_into_view_if_needed()
    chart.locator("svg").first.wait_for()
    colours = chart.evaluate(
        "c => { const s = c.querySelector('.iwm-svg svg');"
        " const title = [...s.querySelectorAll('text')]"
        ".find((t) => t.textContent.startsWith('probe for'));"
        " return {bg: getComputedStyle(s.querySelector(':scope > rect')).fill,"
        " title: getComputedStyle(title).fill}; }"
    )
    page_bg = page.evaluate(
        "() => getComputedStyle(document.body).getPropertyValue('--jp-layout-color0')"
    )
    if theme == "dark":
        assert luma(page, colours["bg"]) < 80, colours  # was: white
        assert luma(page, colours["title"]) > 150, colours  # was: black
    else:
        assert luma(page, colours["bg"]) > 200 and luma(page, colours["title"]) < 100, colours
    assert page_bg  # the chart takes JupyterLab's page colour
    screenshot(chart, f"{theme}-probe-chart")


# The bundled map, rendered with a fake model in a bare page that is not JupyterLab: a VS
# Code notebook in its dark theme (body.vscode-dark and its --vscode-* variables, no --jp-*).
BARE_PAGE = """
async ([src, dark]) => {
  document.body.className = dark ? 'vscode-dark' : 'vscode-light';
  const vars = dark
    ? {'--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1e1e1e',
       '--vscode-dropdown-background': '#3c3c3c', '--vscode-dropdown-border': '#3c3c3c'}
    : {};
  for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
  document.body.style.background = dark ? '#1e1e1e' : '#fff';
  const url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));
  const widget = (await import(url)).default;
  const f = new Float32Array([0, 1, 2, 3, 4, 5]);
  const state = {values: {buffer: new DataView(f.buffer), dtype: 'float32', shape: [2, 3]},
    rows: ['blocks.0', 'blocks.1'], columns: ['t0', 't1', 't2'], cell_text: [],
    quantity: 'norm', quantities: [{value: 'norm', label: 'activation norm'},
    {value: 'dim', label: 'one hidden dimension'}], dim: 0, n_dims: 4,
    scale: 'sequential', vmin: 0, vmax: 5, selection: {}, title: 'map', notes: [],
    error: '', status: 'idle', generation: 1};
  const model = {get: (k) => state[k], set: (k, v) => { state[k] = v; }, on() {}, off() {},
    save_changes() {}, send() {}};
  const el = document.createElement('div');
  el.style.width = '600px';
  document.body.append(el);
  widget.render({model, el});
  const s = getComputedStyle(el.querySelector('select.iwm-quantity'));
  return {scheme: s.colorScheme, bg: s.backgroundColor, fg: s.color,
          text: getComputedStyle(el.querySelector('.iwm-activation-map')).color};
}
"""


@pytest.mark.parametrize("dark", [True, False])
def test_dropdown_follows_a_dark_host_that_is_not_jupyterlab(
    page: Any, dark: bool, screenshot: Any
) -> None:
    from harness import REPO

    src = (REPO / "iwm_widgets" / "static" / "activation_map.js").read_text()
    page.set_content("<!doctype html><html><body></body></html>")
    got = page.evaluate(BARE_PAGE, [src, dark])
    if dark:  # was: a white select (fallback #fff) and dark text on the dark page
        assert got["scheme"] == "dark", got
        assert luma(page, got["bg"]) < 80 and luma(page, got["fg"]) > 150, got
        assert luma(page, got["text"]) > 150, got
    else:
        assert luma(page, got["bg"]) > 200 and luma(page, got["text"]) < 100, got
    screenshot(page.locator(".iwm-activation-map"), f"{'dark' if dark else 'light'}-vscode-host")
