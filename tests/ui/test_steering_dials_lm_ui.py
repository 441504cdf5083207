"""SteeringDials on a language model, in a real browser: the LM panel (prompt, next-token
top-k unedited and with the edits, greedy continuations) in place of the rollout canvas.

The notebook (written into the server's temporary root) loads a small random-init GPT-2
built locally, a Workspace on a prompt with six greedy rollout steps, one contrastive 1-D
Variable (a slider) and its SteeringDials. The model is random, so the continuation may be
the same with and without the edit: the tests compare the page with what Python reports,
never with an expected change in the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harness import write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "steering_dials_lm_ui.ipynb"
CELLS = [
    "import tempfile, torch\n"
    "import iwm_widgets as iwm\n"
    "from iwm_widgets.zoo.gpt2_local import make_gpt2_dir\n"
    'model = iwm.load(make_gpt2_dir(tempfile.mkdtemp() + "/lm", n_layer=3, n_embd=32))\n'
    'ws = iwm.Workspace(model, "The ball moves to the left", rollout_steps=6)\n'
    "var = iwm.contrastive_variable(\n"
    "    model,\n"
    '    ["The ball moves to the left", "The taxi drives north"],\n'
    '    ["The Eiffel Tower is in Paris", "A model of the world"],\n'
    '    "transformer.h.1",\n'
    '    name="motion",\n'
    ")\n"
    "dials = iwm.SteeringDials(ws, [var])\n"
    "dials",
]
ROOT = ".iwm-steering-dials"

RESET = """
dials.reset()
dials.scope = "from"
dials.scope_start = dials.n_steps - 1
ws.wait()
"""


def tokens(root: Any, chart: str) -> list[str]:
    """The raw tokens of a chart's bars, top first."""
    return root.evaluate(
        "(r, c) => [...r.querySelectorAll(`.iwm-lm-chart[data-chart='${c}'] .iwm-lm-row`)]"
        ".map((e) => e.dataset.token)",
        chart,
    )


def synced(nb: Any, root: Any) -> None:
    """Wait until the browser shows the generation Python holds, with no error shown."""
    gen = nb.eval_json("dials.generation")
    root.page.wait_for_function(
        """([root, gen]) => Number(root.dataset.generation) >= gen
                            && root.dataset.lm === '1'
                            && root.querySelector('.iwm-error').hidden""",
        arg=[root.element_handle(), gen],
    )


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    """The LM dials notebook, opened in JupyterLab and run once for this module."""
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


@pytest.fixture
def dials(lab: Any) -> Iterator[Any]:
    """The widget's root element, every dial off and the edited chart empty."""
    page = lab.page
    page.mouse.up()
    lab.execute(RESET)
    root = page.locator(ROOT).first
    root.wait_for()
    root.scroll_into_view_if_needed()
    synced(lab, root)
    page.wait_for_function(
        "r => r.querySelector(\".iwm-lm-chart[data-chart='after']\").dataset.empty === '1'",
        arg=root.element_handle(),
    )
    yield root
    page.mouse.up()
    page.mouse.move(0, 0)
    page.iwm_errors.check()


def wait_edited(lab: Any, root: Any) -> dict[str, Any]:
    """After a dial moved: wait for Python's re-run and for the page to show it; return lm."""
    lab.execute("ws.wait()")
    synced(lab, root)
    lab.page.wait_for_function(
        "r => r.querySelector(\".iwm-lm-chart[data-chart='after']\").dataset.empty === '0'",
        arg=root.element_handle(),
    )
    return lab.eval_json(
        "{k: (v if k not in ('before', 'after') or v is None else v['tokens'])"
        " for k, v in dials.lm.items()}"
    )


def test_lm_panel_renders_prompt_and_unedited_top_k(lab: Any, dials: Any, screenshot: Any) -> None:
    assert dials.get_attribute("data-lm") == "1"
    assert int(dials.get_attribute("data-render-count")) >= 1
    assert dials.locator(".iwm-rollout").is_hidden()  # the panel replaces the canvas
    assert dials.locator("[data-lm-panel]").is_visible()
    lm = lab.eval_json("{'prompt': dials.lm['prompt'], 'before': dials.lm['before']['tokens']}")
    assert lm["prompt"] == ["The", "ball", "moves", "to", "the", "left"]
    chips = dials.locator(".iwm-lm-chip")
    assert [c.get_attribute("data-token") for c in chips.all()] == lm["prompt"]
    # scope "from" the last prompt token: only that chip is marked
    assert [c.get_attribute("data-in-scope") for c in chips.all()] == ["0"] * 5 + ["1"]
    assert tokens(dials, "before") == lm["before"]
    assert len(lm["before"]) == 8
    # probabilities: the bars are the decoded float32 payload, in order, as percentages
    lab.execute("from iwm_widgets.transport import from_buffer")
    probs = lab.eval_json("from_buffer(dials.lm['before']['probs']).tolist()")
    rows = dials.locator(".iwm-lm-chart[data-chart='before'] .iwm-lm-row")
    shown = [float(r.get_attribute("data-prob")) for r in rows.all()]
    assert shown == pytest.approx(probs, rel=1e-6)
    assert shown == sorted(shown, reverse=True)
    assert rows.first.locator(".iwm-lm-pct").inner_text().endswith("%")
    # the edited chart is empty, with a hint
    after = dials.locator(".iwm-lm-chart[data-chart='after']")
    assert after.get_attribute("data-empty") == "1"
    assert "turn a dial" in after.locator(".iwm-lm-hint").inner_text()
    # the unedited continuation follows the prompt
    cont = lab.eval_json("dials.lm['continuation_before']")
    text = dials.locator(".iwm-lm-cont[data-cont='before'] .iwm-lm-cont-text").inner_text()
    assert text.replace("\n", " ").split() == " ".join(lm["prompt"]).split() + cont.split()
    assert "turn a dial" in dials.locator(".iwm-lm-cont[data-cont='after']").inner_text()
    screenshot(dials, "off")


def test_slider_drag_shows_the_edited_top_k(lab: Any, dials: Any, screenshot: Any) -> None:
    page = lab.page
    spec = lab.eval_json("dials.dials")
    assert [d["kind"] for d in spec] == ["slider"]
    dial_id = spec[0]["id"]
    rng = dials.locator(f".iwm-dial[data-id={dial_id!r}] input.iwm-range")
    gen = int(dials.get_attribute("data-generation"))
    # A real mouse drag along the track, to 90% of the range.
    box = rng.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.5 * box["width"], y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(box["x"] + (0.5 + 0.04 * k) * box["width"], y)
    page.mouse.up()
    want = float(rng.input_value())
    got = lab.wait_for_python(f"dials.values[{dial_id!r}]", want)
    assert got == pytest.approx(want)
    assert want > spec[0]["min"] + 0.8 * (spec[0]["max"] - spec[0]["min"])
    lm = wait_edited(lab, dials)
    assert int(dials.get_attribute("data-generation")) > gen
    assert lm["after"] is not None
    assert tokens(dials, "after") == lm["after"]
    assert tokens(dials, "before") == lm["before"]
    # new tokens are exactly those absent from the unedited top-k
    rows = dials.locator(".iwm-lm-chart[data-chart='after'] .iwm-lm-row").all()
    marked = [r.get_attribute("data-new") == "1" for r in rows]
    assert marked == [t not in lm["before"] for t in lm["after"]]
    for r, is_new in zip(rows, marked, strict=True):
        assert r.locator(".iwm-lm-new").count() == int(is_new)
    # the edited continuation is Python's, its differing words (if any) marked
    after_text = dials.locator(".iwm-lm-cont[data-cont='after'] .iwm-lm-word")
    assert [w.inner_text() for w in after_text.all()] == lm["continuation_after"].split()
    n_changed = int(dials.locator(".iwm-lm-cont[data-cont='after']").get_attribute("data-changed"))
    assert n_changed == dials.locator(".iwm-lm-cont[data-cont='after'] .iwm-lm-changed").count()
    if lm["continuation_after"] == lm["continuation_before"]:
        assert n_changed == 0
    # with an edit on, the edited prompt position is drawn as edited
    assert dials.locator("[data-lm-panel]").get_attribute("data-edited") == "1"
    value = dials.locator(f".iwm-dial[data-id={dial_id!r}] .iwm-value").inner_text()
    assert value != "off"
    screenshot(dials, "edited")


def test_keyboard_and_reset(lab: Any, dials: Any, screenshot: Any) -> None:
    spec = lab.eval_json("dials.dials[0]")
    rng = dials.locator(f".iwm-dial[data-id={spec['id']!r}] input.iwm-range")
    rng.focus()
    for _ in range(40):
        rng.press("ArrowLeft")
    want = float(rng.input_value())
    assert lab.wait_for_python(f"dials.values[{spec['id']!r}]", want) == pytest.approx(want)
    assert want == pytest.approx(spec["readout"] - 40 * spec["step"], abs=spec["step"])
    lm = wait_edited(lab, dials)
    assert tokens(dials, "after") == lm["after"]
    # Reset: every dial off, the edited chart back to its empty state.
    gen = int(dials.get_attribute("data-generation"))
    dials.locator("button.iwm-reset").click()
    assert lab.wait_for_python("dials.values", {spec["id"]: None}) == {spec["id"]: None}
    lab.execute("ws.wait()")
    dials.page.wait_for_function(
        "([r, g]) => Number(r.dataset.generation) > g"
        " && r.querySelector(\".iwm-lm-chart[data-chart='after']\").dataset.empty === '1'",
        arg=[dials.element_handle(), gen],
    )
    assert lab.eval_json("dials.lm['after']") is None
    assert tokens(dials, "after") == []
    assert tokens(dials, "before") == lab.eval_json("dials.lm['before']['tokens']")
    assert dials.locator("[data-lm-panel]").get_attribute("data-edited") == "0"
    assert "turn a dial" in dials.locator(".iwm-lm-chart[data-chart='after']").inner_text()
    screenshot(dials, "reset")


def test_scope_marks_the_edited_prompt_tokens(lab: Any, dials: Any) -> None:
    def marks() -> list[str]:
        return [c.get_attribute("data-in-scope") for c in dials.locator(".iwm-lm-chip").all()]

    dials.locator("select.iwm-scope").select_option("once")
    assert lab.wait_for_python("dials.scope", "once") == "once"
    start = dials.locator("input.iwm-scope-start")
    start.fill("2")
    start.press("Enter")
    assert lab.wait_for_python("dials.scope_start", 2) == 2
    dials.page.wait_for_function(
        "r => [...r.querySelectorAll('.iwm-lm-chip')].map((c) => c.dataset.inScope).join('')"
        " === '001000'",
        arg=dials.element_handle(),
    )
    assert marks() == ["0", "0", "1", "0", "0", "0"]
    lab.execute('dials.scope = "from"')
    dials.page.wait_for_function(
        "r => [...r.querySelectorAll('.iwm-lm-chip')].map((c) => c.dataset.inScope).join('')"
        " === '001111'",
        arg=dials.element_handle(),
    )
    assert "tokens 2–5" in dials.locator(".iwm-lm-heading .iwm-lm-note").first.inner_text()
