"""FeatureBrowser in a real browser (JupyterLab + Chromium): the list renders in Python's
order, clicking a feature picks it in Python, a column head sorts, a top row traces its
sequence, "make a dial" adds a dial to the SteeringDials on the page, an edit redraws the
live trace, a language model's top rows show tokens in context; light and dark
screenshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harness import output_area, set_theme, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "feature_browser_ui.ipynb"
CELLS = [
    "import torch\n"
    "import iwm_widgets as iwm\n"
    "model = iwm.load('bouncing-ball')\n"
    "fs = iwm.discover(model, 'blocks.2', 'pca', k=8, n=64, progress=False)\n"
    "ws = iwm.Workspace(model, model.sample(seed=5, latents=True))\n"
    "dials = iwm.SteeringDials(ws, [fs.variable([0], 'first_feature')])\n"
    "fb = iwm.FeatureBrowser(fs, ws, dials=dials)\n"
    "fb",
    "dials",
    "lm = iwm.load('tiny-lm')\n"
    "lfs = iwm.discover(lm, 'transformer.h.2', 'pca', k=6, progress=False)\n"
    "lfb = iwm.FeatureBrowser(lfs)\n"
    "lfb",
    "springs = iwm.load('springs-fixed')\n"
    "sfs = iwm.discover(springs, 'blocks.0', 'pca', k=4, n=16, progress=False)\n"
    "sws = iwm.Workspace(springs, springs.sample(seed=4, latents=True))\n"
    "sfb = iwm.FeatureBrowser(sfs, sws)\n"
    "sfb",
]
CELL = {"fb": 0, "dials": 1, "lfb": 2, "sfb": 3}
ROOT = {
    "fb": ".iwm-feature-browser",
    "dials": ".iwm-steering-dials",
    "lfb": ".iwm-feature-browser",
    "sfb": ".iwm-feature-browser",
}


def cell_output(page: Any, index: int) -> Any:
    return output_area(page, NOTEBOOK, index)


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    module_page.set_viewport_size({"width": 1280, "height": 1500})  # a whole browser in view
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


def root_of(lab: Any, name: str) -> Any:
    root = cell_output(lab.page, CELL[name]).locator(ROOT[name]).first
    root.wait_for()
    root.scroll_into_view_if_needed()
    return root


def shown(lab: Any, root: Any, var: str) -> None:
    """The browser shows Python's current pick, order and live generation, no error."""
    want = lab.eval_json(
        f"[{var}.feature, ','.join(map(str, {var}.order)), "
        f"str({var}.live.get('generation', '')) if {var}.live else '']"
    )
    lab.page.wait_for_function(
        "([r, f, o, g]) => r.dataset.feature === String(f) && r.dataset.order === o"
        " && (r.dataset.liveGeneration || '') === g && r.querySelector('.iwm-error').hidden",
        arg=[root.element_handle(), *want],
    )


def test_renders_and_clicking_a_feature_picks_it(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = root_of(lab, "fb")
    shown(lab, root, "fb")
    rows = root.locator(".iwm-features tbody tr")
    assert rows.count() == 8
    names = [rows.nth(i).locator("td").first.inner_text() for i in range(8)]
    order = lab.eval_json("fb.order")
    assert names == [f"pca_{i}" for i in order]
    assert root.locator(".iwm-features tbody tr.iwm-picked").get_attribute("data-index") == "0"
    # canvases drew something: the trace has the sequence's steps
    assert int(root.get_attribute("data-trace-points")) == lab.eval_json(
        "int((fs.rows[:, 0] == fb.sequence).sum())"
    )
    # click a feature: Python picks it, the panel follows
    root.locator(".iwm-features tbody tr[data-index='3']").click()
    lab.wait_for_python("fb.feature", 3)
    shown(lab, root, "fb")
    assert root.locator(".iwm-feature-name").inner_text() == "pca_3"
    top = lab.eval_json("[[r['sequence'], r['step']] for r in fb.top]")
    cells = root.locator(".iwm-top tbody tr")
    assert cells.count() == len(top) == 10
    first = cells.nth(0).locator("td")
    assert [int(first.nth(1).inner_text().split()[0]), int(first.nth(2).inner_text())] == top[0]
    # the arrow keys move down the list (its order)
    root.locator(".iwm-list").focus()
    page.keyboard.press("ArrowDown")
    nxt = order[order.index(3) + 1]
    lab.wait_for_python("fb.feature", nxt)
    # a column head sorts; the list redraws in Python's new order
    root.locator("th[data-key='density']").click()
    lab.wait_for_python("fb.sort_by", "sparsity")
    shown(lab, root, "fb")
    # a top row traces its sequence, its step marked
    root.locator(".iwm-features tbody tr[data-index='3']").click()
    lab.wait_for_python("fb.feature", 3)
    root.locator(".iwm-top tbody tr[data-rank='4']").click()
    want = lab.eval_json("[fb.top[4]['sequence'], fb.top[4]['step']]")
    lab.wait_for_python("[fb.sequence, fb.step]", want)
    page.wait_for_function(
        "([r, s]) => r.querySelector('.iwm-top tr.iwm-marked') && "
        "r.querySelector('input.iwm-sequence').value === String(s)",
        arg=[root.element_handle(), want[0]],
    )
    screenshot(root, "picked")
    # a bad pick from Python: the error shows in the widget, which keeps working
    lab.execute("try:\n    fb.feature = 99\nexcept iwm.errors.InputError:\n    pass")
    box = root.locator(".iwm-error")
    page.wait_for_function("e => !e.hidden", arg=box.element_handle())
    assert "feature 99 does not exist: this FeatureSet has 8 features" in box.inner_text()
    root.locator(".iwm-features tbody tr[data-index='2']").click()
    lab.wait_for_python("[fb.feature, fb.error]", [2, ""])
    page.wait_for_function("e => e.hidden", arg=box.element_handle())
    page.iwm_errors.check()


def test_make_a_dial_adds_a_dial_and_the_live_trace_follows(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = root_of(lab, "fb")
    lab.execute("fb.feature = 1")
    shown(lab, root, "fb")
    button = root.locator("button.iwm-make-dial")
    assert "SteeringDials" in root.locator(".iwm-note").inner_text()
    button.click()
    lab.wait_for_python("[v.name for v in fb.variables]", ["pca_1"])
    assert lab.eval_json("[d['id'] for d in dials.dials]") == ["first_feature", "pca_1"]
    page.wait_for_function(
        "r => r.dataset.made === '1' && r.querySelector('button.iwm-make-dial').disabled",
        arg=root.element_handle(),
    )
    assert "pca_1 → SteeringDials" in root.locator(".iwm-made").inner_text()
    # the dials' own front end shows the new dial
    droot = root_of(lab, "dials")
    page.wait_for_function(
        "r => [...r.querySelectorAll('.iwm-dial-label')].some(e => e.textContent === 'pca_1')",
        arg=droot.element_handle(),
    )
    # turning it clamps the feature: the live trace redraws with the edit
    lab.execute("dials.set(pca_1=1.5); ws.wait()")
    root = root_of(lab, "fb")
    shown(lab, root, "fb")
    assert root.get_attribute("data-live-edits") == "1"
    T = lab.eval_json("ws.inputs.shape[1]")
    assert lab.eval_json(f"round(float(fb.live_values()[{T - 1}]), 3)") == 1.5
    assert "with the Workspace's 1 edit" in root.locator(".iwm-legend").nth(1).inner_text()
    screenshot(root, "dial-made")
    screenshot(root_of(lab, "dials"), "dials")
    # an edit added in Python redraws it too
    lab.execute("ws.add_edit(iwm.Edit.add('blocks.2', fs.write[1].float(), scale=-2.0)); ws.wait()")
    shown(lab, root, "fb")
    assert root.get_attribute("data-live-edits") == "2"
    lab.execute("dials.reset(); ws.clear_edits(); ws.wait()")
    shown(lab, root, "fb")
    page.iwm_errors.check()


def test_the_language_model_shows_tokens_in_context(lab: Any, screenshot: Any) -> None:
    root = root_of(lab, "lfb")
    shown(lab, root, "lfb")
    marks = root.locator(".iwm-top .iwm-context mark")
    tokens = lab.eval_json("[r['token'] for r in lfb.top]")
    assert marks.count() == len(tokens)
    assert [marks.nth(i).inner_text() for i in range(len(tokens))] == tokens
    assert root.locator(".iwm-empty").is_visible()  # no Workspace: it says how to get one
    screenshot(root, "lm")
    lab.page.iwm_errors.check()


def test_springs_pick_a_particle(lab: Any, screenshot: Any) -> None:
    page = lab.page
    root = root_of(lab, "sfb")
    shown(lab, root, "sfb")
    select = root.locator("select.iwm-particle")
    assert select.is_visible()
    assert select.locator("option").count() == 4
    assert select.input_value() == str(lab.eval_json("sfb.particle"))
    other = (lab.eval_json("sfb.particle") + 1) % 4
    select.select_option(str(other))
    lab.wait_for_python("sfb.particle", other)
    shown(lab, root, "sfb")
    assert f"pca_0_p{other}" in root.locator(".iwm-note").inner_text()
    root.locator("button.iwm-make-dial").click()
    lab.wait_for_python("[v.name for v in sfb.variables]", [f"pca_0_p{other}"])
    screenshot(root, "springs")
    page.iwm_errors.check()


def test_light_and_dark(lab: Any, screenshot: Any) -> None:
    page = lab.page
    try:
        lab.execute(
            "fb.feature = 0; ws.add_edit(iwm.Edit.add('blocks.2', fs.write[0].float(), "
            "scale=1.5, start=20)); ws.wait()"
        )
        for theme in ("light", "dark"):
            set_theme(page, theme)
            for name in ("fb", "lfb", "sfb"):
                root = root_of(lab, name)
                root.evaluate(
                    "r => r.querySelectorAll('.iwm-tooltip').forEach(t => (t.hidden = true))"
                )
                page.wait_for_function(
                    "([r, t]) => r.dataset.theme === t", arg=[root.element_handle(), theme]
                )
                page.wait_for_timeout(200)
                screenshot(root, f"{theme}-{name}")
    finally:
        set_theme(page, "light")
        lab.execute("ws.clear_edits(); ws.wait()")
