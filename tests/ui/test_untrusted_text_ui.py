"""Token text that is HTML or script, in every widget that shows token text, in Chromium.

A tiny random GPT-2 is built locally (``untrusted_lm.py``, written into the server's
temporary root) with a word-level tokenizer whose vocabulary holds tokens such as
``<img src=x onerror=alert(1)>`` and ``</script><script>window.__pwned=1</script>``. Its
final norm and embeddings are set so that these tokens are also what it predicts (the
logit lens, the next-token top-k and the greedy continuation are made of them), and its
directory is named after one of them (the model's name, shown in headers and summaries).

The notebook shows, on a prompt made of these tokens: an ActivationMap (column axis,
hover, the logit lens's cell text), SteeringDials (the LM panel; the dial is named after a
token), a CausalGraph whose node labels are the tokens, a ModuleTree, the heatmap of a
patching sweep (columns: the tokens), and the static HTML summaries of the Model, a
Result, an Edit, a Variable, a Node and the sweep (``display(StaticView(obj))``, which
JupyterLab renders as trusted HTML: a script in it would run).

Every test asserts that no dialog opened, that the injected scripts did not run
(``window.__pwned`` is undefined), that no ``<img src=x>``, ``<svg onload>``, ``<script>``
or ``on*`` attribute exists in the outputs, and that the text is visible as typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from harness import output_area, set_theme, write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "untrusted_text_ui.ipynb"

# The tokens. None holds a "." (module names may not) or two spaces in a row.
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</script><script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=2>",
    "\"'><svg onload=alert(3)>",
    "&lt;b&gt;&amp;",
    "<b>bold</b>",
]
WORDS = ["the", "ball", "moves", "left", "right", "taxi", "north"]
PROMPT = ["the", HOSTILE[0], "ball", HOSTILE[1], HOSTILE[2], HOSTILE[3], HOSTILE[4], HOSTILE[5]]
OTHER = ["the", HOSTILE[5], "ball", *HOSTILE[1:5], HOSTILE[0]]  # the patching's corrupt input

HELPER = f'''"""A tiny GPT-2 whose vocabulary holds HTML and script (test_untrusted_text_ui.py)."""
from pathlib import Path

import torch

HOSTILE = {HOSTILE!r}
WORDS = {WORDS!r}


def make_lm(base):
    from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    vocab = {{w: i for i, w in enumerate(["<unk>", "<eos>", *WORDS])}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.add_tokens([AddedToken(t, normalized=False) for t in HOSTILE])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", eos_token="<eos>", pad_token="<eos>"
    )
    cfg = GPT2Config(n_layer=2, n_embd=16, n_head=2, n_positions=64, vocab_size=len(fast),
                     bos_token_id=1, eos_token_id=1, attn_implementation="eager")
    torch.manual_seed(0)
    model = GPT2LMHeadModel(cfg).eval()
    with torch.no_grad():  # every prediction: the hostile tokens first, in order
        c = torch.zeros(16)
        c[0] = 1.0
        model.transformer.ln_f.weight.fill_(0.1)
        model.transformer.ln_f.bias.copy_(c)
        for j, t in enumerate(HOSTILE):
            model.transformer.wte.weight[fast.convert_tokens_to_ids(t), 0] = 8.0 - j
    path = Path(base) / HOSTILE[0]  # the model's name is HTML too
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return str(path)
'''

CELLS = [
    "import tempfile, torch\n"
    "from IPython.display import display\n"
    "import iwm_widgets as iwm\n"
    "from iwm_widgets.display import StaticView\n"
    "from untrusted_lm import HOSTILE, make_lm\n"
    "model = iwm.load(make_lm(tempfile.mkdtemp()))\n"
    "prompt = ' '.join(['the', HOSTILE[0], 'ball', *HOSTILE[1:]])\n"
    "ws = iwm.Workspace(model, prompt, rollout_steps=4)\n"
    "tokens = ws.columns()",
    "amap = iwm.ActivationMap(ws)\namap",
    "var = iwm.contrastive_variable(model, ['the ball moves left', 'the taxi moves left'],"
    " ['the ball moves right', 'the taxi moves north'], 'transformer.h.0', name=HOSTILE[1])\n"
    "dials = iwm.SteeringDials(ws, [var])\n"
    "dials",
    "nodes = [iwm.Node(f'tok{i}', 'site', iwm.Site('transformer.h.0'), position=i, label=t)"
    " for i, t in enumerate(tokens)]\n"
    "nodes.append(iwm.output_node(lambda o: o[:, -1].max(-1).values, HOSTILE[3]))\n"
    "graph = iwm.CausalGraph(ws, nodes)\n"
    "graph",
    "tree = iwm.ModuleTree(model, inputs=prompt)\ntree",
    "other = ' '.join(['the', HOSTILE[5], 'ball', *HOSTILE[1:5], HOSTILE[0]])\n"
    "sweep = iwm.patching_sweep(model, prompt, other, lambda o: o[:, -1, 9] - o[:, -1, 10])\n"
    "heat = iwm.show(sweep)\n"
    "heat",
    "ws.wait()\n"
    "edit = iwm.Edit.add('transformer.h.1', torch.ones(16), 0.5, label=HOSTILE[1])\n"
    "for _obj in [model, ws.result, edit, var, nodes[-1], sweep]:\n"
    "    display(StaticView(_obj))",
]
CELL = {"amap": 1, "dials": 2, "graph": 3, "tree": 4, "heat": 5, "static": 6}

# Everything a token could have turned into, in the page.
INJECTED = """
() => {
  const outs = [...document.querySelectorAll('.jp-OutputArea')];
  const all = outs.flatMap((o) => [...o.querySelectorAll('*')]);
  return {
    pwned: typeof window.__pwned,
    imgX: document.querySelectorAll('img[src="x"], img[src="x/"]').length,
    svgOnload: document.querySelectorAll('svg[onload]').length,
    scripts: all.filter((e) => e.tagName === 'SCRIPT').length,
    bold: all.filter((e) => e.tagName === 'B' && e.textContent === 'bold').length,
    onAttrs: all.flatMap((e) => [...e.attributes].map((a) => a.name))
                .filter((n) => n.startsWith('on')),
  };
}
"""


def shown(token: str) -> str:
    """How the LM panel writes a token (js/lm_panel.js showToken: spaces as ␣)."""
    return token.replace(" ", "␣")


def cell_output(page: Any, index: int) -> Any:
    return output_area(page, NOTEBOOK, index)


def text_of(locator: Any) -> str:
    return str(locator.evaluate("e => e.textContent"))


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    """The notebook, run once; every dialog the page opens is recorded and dismissed."""
    (jupyter_server.root / "untrusted_lm.py").write_text(HELPER)
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    dialogs: list[str] = []

    def on_dialog(d: Any) -> None:
        dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    module_page.on("dialog", on_dialog)
    module_page.iwm_dialogs = dialogs
    nb = notebooks(module_page, NOTEBOOK).run_all()
    page = module_page
    # every view drawn
    amap = cell_output(page, CELL["amap"]).locator(".iwm-activation-map")
    gen = nb.eval_json("amap.generation")
    page.wait_for_function(
        "([r, g]) => Number(r.dataset.generation) >= g", arg=[amap.element_handle(), gen]
    )
    dials = cell_output(page, CELL["dials"]).locator(".iwm-steering-dials")
    page.wait_for_function("r => r.dataset.lm === '1'", arg=dials.element_handle())
    graph = cell_output(page, CELL["graph"]).locator(".iwm-causal-graph")
    page.wait_for_function(
        "r => Number(r.dataset.nodes) === 9 && Number(r.dataset.renderCount) > 0",
        arg=graph.element_handle(),
    )
    tree = cell_output(page, CELL["tree"]).locator(".iwm-module-tree")
    page.wait_for_function("r => Number(r.dataset.renderCount) > 0", arg=tree.element_handle())
    heat = cell_output(page, CELL["heat"]).locator(".iwm-activation-map")
    page.wait_for_function("r => Number(r.dataset.cols) === 8", arg=heat.element_handle())
    cell_output(page, CELL["static"]).locator(".iwm-summary").nth(5).wait_for()
    yield nb
    nb.shutdown()


@pytest.fixture
def page(lab: Any) -> Iterator[Any]:
    """The notebook's page; after each test: nothing injected ran, no page errors."""
    pg = lab.page
    yield pg
    pg.mouse.move(0, 0)
    assert_inert(pg)
    pg.iwm_errors.check()


def assert_inert(page: Any) -> None:
    assert page.iwm_dialogs == [], f"dialogs opened: {page.iwm_dialogs}"
    got = page.evaluate(INJECTED)
    assert got == {
        "pwned": "undefined",
        "imgX": 0,
        "svgOnload": 0,
        "scripts": 0,
        "bold": 0,
        "onAttrs": [],
    }, got


def test_python_sees_the_hostile_tokens(lab: Any, page: Any) -> None:
    assert lab.eval_json("tokens") == PROMPT
    assert lab.eval_json("dials.lm['before']['tokens'][:6]") == HOSTILE
    assert HOSTILE[0] in lab.eval_json("model.name")


def test_activation_map_axis_and_hover(lab: Any, page: Any, screenshot: Any) -> None:
    root = cell_output(page, CELL["amap"]).locator(".iwm-activation-map")
    root.scroll_into_view_if_needed()
    # the column axis: each label is one whole token as text (its title), shown whole or
    # cut with an ellipsis when it is too long to stand upright
    labels = root.locator(".iwm-col-labels span")
    titles = [s.get_attribute("title") for s in labels.all()]
    texts = [text_of(s) for s in labels.all()]
    assert titles and all(t in PROMPT for t in titles), titles
    assert any(t in HOSTILE for t in titles), titles
    for full, shown in zip(titles, texts, strict=True):
        assert shown == full or (shown.endswith("…") and full.startswith(shown[:-1])), shown
        assert root.locator(".iwm-col-labels").get_by_text(shown, exact=True).first.is_visible()
    # hover every column: the tooltip names its token, as typed
    box = root.locator("canvas.iwm-canvas").bounding_box()
    tip = root.locator(".iwm-tooltip")
    for col, token in enumerate(PROMPT):
        page.mouse.move(box["x"] + (col + 0.5) * box["width"] / 8, box["y"] + box["height"] / 2)
        page.wait_for_function(
            "([t, c]) => !t.hidden && t.dataset.col === String(c)", arg=[tip.element_handle(), col]
        )
        lines = tip.evaluate("t => [...t.children].map((d) => d.textContent)")
        assert f"position {token}" in lines, lines
        assert tip.get_by_text(token, exact=False).first.is_visible()
    screenshot(root, "amap-hover")
    # the logit lens: every cell's top token is HOSTILE[0], drawn on the canvas and hovered
    lab.execute("amap.quantity = 'lens_prob'")
    page.wait_for_function(
        "r => r.querySelector('select.iwm-quantity').value === 'lens_prob'",
        arg=root.element_handle(),
    )
    assert set(lab.eval_json("amap.cell_text")) == {HOSTILE[0]}
    page.mouse.move(0, 0)
    page.mouse.move(box["x"] + 0.5 * box["width"] / 8, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "([t, s]) => !t.hidden && t.textContent.includes(s)",
        arg=[tip.element_handle(), json.dumps(HOSTILE[0])],
    )
    screenshot(root, "amap-lens")
    lab.execute("amap.quantity = 'norm'")


def test_lm_panel_and_dial_label(lab: Any, page: Any, screenshot: Any) -> None:
    root = cell_output(page, CELL["dials"]).locator(".iwm-steering-dials")
    root.scroll_into_view_if_needed()
    chips = root.locator(".iwm-lm-chip")
    assert [c.get_attribute("data-token") for c in chips.all()] == PROMPT
    assert [text_of(c.locator(".iwm-lm-chip-text")) for c in chips.all()] == [
        shown(t) for t in PROMPT
    ]
    rows = root.locator(".iwm-lm-chart[data-chart='before'] .iwm-lm-row")
    assert [r.get_attribute("data-token") for r in rows.all()][:6] == HOSTILE
    assert [text_of(r.locator(".iwm-lm-token-text")) for r in rows.all()][:6] == [
        shown(t) for t in HOSTILE
    ]
    for t in HOSTILE:
        assert root.get_by_text(shown(t), exact=True).first.is_visible()
    # the greedy continuation: HOSTILE[0] again and again, as text
    cont = root.locator(".iwm-lm-cont[data-cont='before'] .iwm-lm-cont-text")
    assert text_of(cont).count(HOSTILE[0]) >= 4, text_of(cont)
    # the dial is named after the Variable: HOSTILE[1]
    label = root.locator(".iwm-dial-label")
    assert [text_of(x) for x in label.all()] == [HOSTILE[1]]
    assert label.first.is_visible()
    screenshot(root, "lm-panel")


def test_causal_graph_node_labels(lab: Any, page: Any, screenshot: Any) -> None:
    root = cell_output(page, CELL["graph"]).locator(".iwm-causal-graph")
    root.scroll_into_view_if_needed()
    buttons = root.locator(".iwm-node-list button")
    assert [text_of(b) for b in buttons.all()] == [*PROMPT, HOSTILE[3]]
    out = root.locator(".iwm-output-text")
    assert HOSTILE[3] in text_of(out)
    assert out.is_visible()
    # open a node's editor: its title is the token
    lab.execute("graph.selected = 'tok1'")
    title = root.locator(".iwm-editor-title")
    title.wait_for()
    page.wait_for_function(
        "([t, s]) => t.textContent === s", arg=[title.element_handle(), HOSTILE[0]]
    )
    screenshot(root, "graph")
    lab.execute("graph.selected = ''")


def test_module_tree_title(lab: Any, page: Any) -> None:
    root = cell_output(page, CELL["tree"]).locator(".iwm-module-tree")
    root.scroll_into_view_if_needed()
    title = root.locator(".iwm-title")
    # the model's name (its directory's name), not its absolute path, and as text
    shown = lab.eval_json(
        "__import__('iwm_widgets.widgets._base').widgets._base.model_title(model)"
    )
    assert text_of(title) == shown and "/" not in shown
    assert HOSTILE[0] in text_of(title)
    assert title.is_visible()


def test_patching_heatmap_columns(lab: Any, page: Any) -> None:
    root = cell_output(page, CELL["heat"]).locator(".iwm-activation-map")
    root.scroll_into_view_if_needed()
    # the positions are named after the tokens of the run patched into (the corrupt one)
    assert lab.eval_json("heat.columns") == OTHER
    labels = root.locator(".iwm-col-labels span").all()
    titles = [s.get_attribute("title") for s in labels]  # the whole token, as text
    assert titles and all(t in OTHER for t in titles), titles
    for full, shown in zip(titles, [text_of(s) for s in labels], strict=True):
        assert shown == full or (shown.endswith("…") and full.startswith(shown[:-1])), shown


def test_static_html_summaries_are_text(lab: Any, page: Any, screenshot: Any) -> None:
    out = cell_output(page, CELL["static"])
    out.scroll_into_view_if_needed()
    boxes = out.locator(".iwm-summary")
    assert boxes.count() == 6
    kinds = [b.get_attribute("class").split()[-1] for b in boxes.all()]
    assert kinds == [
        "iwm-model",
        "iwm-result",
        "iwm-edit",
        "iwm-variable",
        "iwm-node",
        "iwm-patching-sweep",
    ]
    model, _, edit, var, node, sweep = (text_of(b) for b in boxes.all())
    assert HOSTILE[0] in model
    assert HOSTILE[1] in edit  # the edit's label
    assert HOSTILE[1] in var  # the variable's name
    assert HOSTILE[3] in node  # the output node's id
    assert any(t in sweep for t in HOSTILE)  # the positions of the largest effects
    assert out.get_by_text(HOSTILE[1], exact=True).first.is_visible()
    # only the summaries' own tags, nothing from the tokens
    tags = out.evaluate(
        "o => [...new Set([...o.querySelectorAll('.iwm-summary *')].map((e) => e.tagName))]"
    )
    assert set(tags) <= {
        "P", "B", "CODE", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "DETAILS", "SUMMARY",
        "PRE", "UL", "LI",
    }, tags  # fmt: skip


def test_screenshots_light_and_dark(lab: Any, page: Any, screenshot: Any) -> None:
    targets = {
        "amap": cell_output(page, CELL["amap"]),
        "dials": cell_output(page, CELL["dials"]),
        "graph": cell_output(page, CELL["graph"]),
        "tree": cell_output(page, CELL["tree"]),
    }
    summaries = cell_output(page, CELL["static"]).locator(".iwm-summary")
    for i, kind in enumerate(["model", "result", "edit", "variable", "node", "sweep"]):
        targets[f"static-{kind}"] = summaries.nth(i)  # one by one: the cell is taller than the page
    try:
        for theme in ("light", "dark"):
            set_theme(page, theme)
            for name, target in targets.items():
                target.scroll_into_view_if_needed()
                screenshot(target, f"{theme}-{name}")
            assert_inert(page)
    finally:
        set_theme(page, "light")
