"""The Jupyter extension (``%load_ext iwm_widgets``), rich reprs, ``iwm.show`` and
ModuleTree's Python state, in a real IPython InteractiveShell."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from typing import Any

import ipywidgets
import pytest
import torch
import traitlets
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import iwm_widgets as iwm
from iwm_widgets import display as iwm_display
from iwm_widgets.display import StaticView
from iwm_widgets.widgets.module_tree import DEFAULT_TEXT, ModuleTree

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def ball() -> iwm.Model:
    return iwm.load("bouncing-ball")


@pytest.fixture
def ip() -> Iterator[InteractiveShell]:
    """The IPython shell with the extension loaded, and a fresh namespace."""
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "iwm_widgets")
    saved = dict(shell.user_ns)
    yield shell
    shell.run_line_magic("unload_ext", "iwm_widgets")
    shell.user_ns.clear()
    shell.user_ns.update(saved)


def run(ip: InteractiveShell, code: str) -> tuple[Any, Any]:
    with capture_output() as cap:
        res = ip.run_cell(code)
    return res, cap


def displayed_widgets(cap: Any) -> list[Any]:
    """The widgets behind the widget views a cell displayed."""
    out = []
    for o in cap.outputs:
        view = o.data.get(WIDGET_MIME)
        if view:
            out.append(widget_by_id(view["model_id"]))
    return out


def widget_by_id(model_id: str) -> Any:
    """The live widget of a widget view's ``model_id`` (ipywidgets' own lookup)."""
    from ipywidgets.widgets.widget import _instances

    return _instances[model_id]


def _text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).replace("\xa0", " ").strip()


def cells(html_text: str, table_class: str) -> list[list[str]]:
    """The text of each body row's cells of ``<table class=table_class>``."""
    m = re.search(rf'<table class="{table_class}">(.*?)</table>', html_text, re.S)
    assert m, f"no table {table_class!r} in the HTML"
    body = m.group(1).split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [[_text(c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]


# ---------------------------------------------------------------------------------------
# %iwm load


def test_load_binds_model_and_prints_one_line(ip: InteractiveShell, ball: iwm.Model) -> None:
    res, cap = run(ip, "%iwm load bouncing-ball")
    assert res.success
    model = ip.user_ns["model"]
    assert isinstance(model, iwm.Model)
    assert model.sites == ball.sites and model.layers == ball.layers
    assert model.kind == "world"
    n = sum(p.numel() for p in model.module.parameters())
    assert cap.stdout == f"model = bouncing-ball (world): {n:,} parameters, 5 layers, 50 modules\n"


def test_load_as_var_and_a_local_directory(ip: InteractiveShell, gpt2_dir: Any) -> None:
    res, _ = run(ip, f"%iwm load bouncing-ball as ball\n%iwm load '{gpt2_dir}' as lm")
    assert res.success
    assert ip.user_ns["ball"].name == "bouncing-ball"
    lm = ip.user_ns["lm"]
    assert lm.kind == "lm" and lm.layers == [f"transformer.h.{i}" for i in range(3)]
    assert "model" not in ip.user_ns


def test_unknown_model_is_one_clear_line_and_changes_nothing(ip: InteractiveShell) -> None:
    ip.user_ns["model"] = sentinel = object()
    res, cap = run(ip, "%iwm load no-such-model")
    assert isinstance(res.error_in_exec, UsageError)
    assert "Traceback" not in cap.stdout + cap.stderr
    assert cap.stderr.startswith("UsageError: %iwm load: unknown model 'no-such-model'")
    assert "bouncing-ball" in cap.stderr  # the zoo names are listed
    assert cap.stderr.count("\n") == 1
    assert ip.user_ns["model"] is sentinel


@pytest.mark.parametrize(
    "line, message",
    [
        ("%iwm load", "%iwm load takes NAME [as VAR]"),
        ("%iwm load bouncing-ball into x", "%iwm load takes NAME [as VAR]"),
        ("%iwm load bouncing-ball as 2x", "'2x' is not a valid variable name"),
        ("%iwm frobnicate", "unknown command 'frobnicate'"),
        ("%iwm show not_defined_anywhere", "name 'not_defined_anywhere' is not defined"),
        ("%iwm show 42", "does not know how to show objects of type int"),
        ("%iwm load 'unclosed", "No closing quotation"),
    ],
)
def test_bad_magic_lines_are_usage_errors(ip: InteractiveShell, line: str, message: str) -> None:
    before = set(ip.user_ns)
    res, cap = run(ip, line)
    assert isinstance(res.error_in_exec, UsageError), res.error_in_exec
    assert message in cap.stderr and "Traceback" not in cap.stderr
    assert set(ip.user_ns) - before <= {"_i", "_ii", "_iii", "_ih", "_oh", "Out", "In"} | {
        k for k in ip.user_ns if k.startswith("_i")
    }


def test_help_and_unload(ip: InteractiveShell) -> None:
    _, cap = run(ip, "%iwm")
    assert "%iwm load NAME [as VAR]" in cap.stdout and "%iwm show [EXPR]" in cap.stdout
    ip.run_line_magic("unload_ext", "iwm_widgets")
    assert "iwm" not in ip.magics_manager.magics["line"]
    ip.run_line_magic("load_ext", "iwm_widgets")  # the fixture unloads again
    assert "iwm" in ip.magics_manager.magics["line"]


# ---------------------------------------------------------------------------------------
# %iwm show and the displays the extension turns on


def test_show_magic_displays_the_module_tree(ip: InteractiveShell) -> None:
    run(ip, "%iwm load bouncing-ball")
    res, cap = run(ip, "%iwm show")
    assert res.success
    (view,) = displayed_widgets(cap)
    assert isinstance(view, ipywidgets.VBox)
    tree = view.children[0]
    assert isinstance(tree, ModuleTree) and tree.model is ip.user_ns["model"]
    assert [r["path"] for r in tree.nodes] == [
        n for n, _ in ip.user_ns["model"].module.named_modules() if n
    ]
    # and an expression: a Workspace gets an ActivationMap
    run(ip, "import iwm_widgets as iwm\nws = iwm.Workspace(model, background=False)")
    _, cap = run(ip, "%iwm show ws")
    (amap,) = displayed_widgets(cap)
    assert isinstance(amap, iwm.ActivationMap) and amap.ws is ip.user_ns["ws"]


def test_extension_displays_objects_as_widgets_until_unloaded(
    ip: InteractiveShell, ball: iwm.Model
) -> None:
    data, _ = ip.display_formatter.format(ball)
    assert {WIDGET_MIME, "text/html", "text/plain"} <= set(data)
    assert isinstance(widget_by_id(data[WIDGET_MIME]["model_id"]).children[0], ModuleTree)
    assert data["text/plain"] == repr(ball)
    # a Variable has no widget without a workspace: its static summary
    var = _variable(ball)
    vdata, _ = ip.display_formatter.format(var)
    assert WIDGET_MIME not in vdata and "iwm-variable" in vdata["text/html"]
    ip.run_line_magic("unload_ext", "iwm_widgets")
    data, _ = ip.display_formatter.format(ball)
    assert set(data) == {"text/plain", "text/html"}
    ip.run_line_magic("load_ext", "iwm_widgets")


def test_extension_follows_later_registrations(ip: InteractiveShell) -> None:
    class Probe:
        pass

    assert WIDGET_MIME not in ip.display_formatter.format(Probe())[0]
    iwm.register_display(Probe, lambda p: ipywidgets.Label("a probe"))
    try:
        data, _ = ip.display_formatter.format(Probe())
        label = widget_by_id(data[WIDGET_MIME]["model_id"])
        assert label.value == "a probe"
    finally:
        iwm_display.unregister_display(Probe)
    assert WIDGET_MIME not in ip.display_formatter.format(Probe())[0]


# ---------------------------------------------------------------------------------------
# Rich reprs: text/plain + text/html, checked against the real values


def _variable(model: iwm.Model) -> iwm.Variable:
    g = torch.Generator().manual_seed(0)
    read = torch.randn(2, 64, generator=g)
    return iwm.Variable("velocity", "blocks.2", read, torch.tensor([0.5, -0.25]), 2 * read)


def test_model_repr(ball: iwm.Model) -> None:
    b = ball._repr_mimebundle_()
    assert set(b) == {"text/plain", "text/html"} and b["text/plain"] == repr(ball)
    h = b["text/html"]
    n = sum(p.numel() for p in ball.module.parameters())
    assert f"{n:,} parameters" in h and "<script" not in h
    layers = cells(h, "iwm-layers")
    want = [
        [
            p,
            type(ball.module.get_submodule(p)).__name__,
            "×".join(map(str, ball.shape(p))),
            f"{sum(q.numel() for q in ball.module.get_submodule(p).parameters()):,}",
        ]
        for p in ball.layers
    ]
    assert layers == want
    modules = cells(h, "iwm-modules")
    assert [r[0] for r in modules] == [n for n, _ in ball.module.named_modules() if n]
    assert dict((r[0], r[2]) for r in modules)["blocks"] == "–"  # a ModuleList gives no tensor


def test_result_repr(ball: iwm.Model) -> None:
    x = ball.sample(seed=3)
    edit = iwm.Edit.add("blocks.1", torch.ones(64), scale=0.5, start=4)
    r = iwm.run(ball, x, [edit], reads=["blocks.0", "blocks.3.attn.pattern"])
    b = r._repr_mimebundle_()
    assert b["text/plain"] == repr(r)
    rows = cells(b["text/html"], "iwm-sites")
    assert [row[0] for row in rows] == list(r.activations)
    for site, shape, norm in rows:
        assert shape == "×".join(map(str, r[site].shape))
        assert float(norm) == pytest.approx(float(r[site][0].norm(dim=-1).mean()), rel=1e-3)
    assert html.escape(edit.describe()) in b["text/html"]


def test_variable_edit_and_node_reprs(ball: iwm.Model) -> None:
    var = _variable(ball)
    b = var._repr_mimebundle_()
    assert b["text/plain"] == repr(var)
    comp = cells(b["text/html"], "iwm-components")
    assert [r[0] for r in comp] == ["velocity_0", "velocity_1"]
    assert float(comp[1][1]) == pytest.approx(float(var.read[1].norm()), rel=1e-3)
    assert float(comp[1][2]) == -0.25
    assert float(comp[1][3]) == pytest.approx(float(var.write[1].norm()), rel=1e-3)

    e = iwm.Edit.ablate("blocks.2", positions=[3, 4], label="knock out")
    b = e._repr_mimebundle_()
    assert b["text/plain"] == repr(e)
    fields = dict(map(tuple, cells(b["text/html"], "iwm-fields")))
    assert fields["op"] == "ablate" and fields["site"] == "blocks.2"
    assert fields["scope"] == "positions [3, 4]" and fields["label"] == "knock out"
    assert html.escape(e.to_code()) in b["text/html"]

    node = iwm.output_node(lambda o: o[:, -1, 0], "next x", "position_x")
    b = node._repr_mimebundle_()
    assert b["text/plain"] == "<Node 'next x' output position -1>"
    assert "position_x" in b["text/html"]


def test_sweep_and_effects_reprs(tiny: Any, tiny_x: torch.Tensor) -> None:
    model = iwm.load(tiny)
    corrupt = tiny_x.flip(1)
    sweep = iwm.patching_sweep(model, tiny_x, corrupt, lambda o: o[:, -1, 0])
    b = sweep._repr_mimebundle_()
    assert b["text/plain"] == repr(sweep)
    per_site = cells(b["text/html"], "iwm-per-site")
    assert [r[0] for r in per_site] == sweep.sites
    for i, (_, pos, eff) in enumerate(per_site):
        j = int(sweep.effect[i].abs().argmax())
        assert pos == str(sweep.positions[j]) or pos == (sweep.labels or [None] * 99)[j]
        assert float(eff) == pytest.approx(float(sweep.effect[i, j]), rel=1e-3, abs=1e-6)

    out = iwm.output_node(lambda o: o[:, -1, 0], "out")
    ce = iwm.causal_effects(model, ["blocks.0", "blocks.2", out], tiny_x)
    b = ce._repr_mimebundle_()
    edges = sorted(ce.edges(), key=lambda e: -abs(e[2]))
    a, c, x = edges[0]
    assert b["text/plain"].startswith(f"<CausalEffects 3 nodes, {len(edges)} downstream edges")
    assert f"{ce.nodes[a].id} -> {ce.nodes[c].id}" in b["text/plain"]
    top = cells(b["text/html"], "iwm-edges")
    assert top[0][:2] == [ce.nodes[a].id, ce.nodes[c].id]
    assert float(top[0][2]) == pytest.approx(x, rel=1e-3)
    assert [r[0] for r in cells(b["text/html"], "iwm-nodes")] == ["blocks.0", "blocks.2", "out"]


def test_probe_sweep_displays_its_chart_with_the_summary(ball: iwm.Model) -> None:
    sweep = iwm.probe_sweep(ball, "velocity", n=128, progress=False)
    scores = cells(sweep._repr_mimebundle_()["text/html"], "iwm-scores")
    assert [r[0] for r in scores] == sweep.sites
    assert [float(r[1]) for r in scores] == pytest.approx(
        [sweep.scores[s]["score"] for s in sweep.sites], rel=1e-3, abs=1e-4
    )
    with capture_output() as cap:
        sweep._ipython_display_()
    (out,) = cap.outputs
    assert {WIDGET_MIME, "text/html", "text/plain"} <= set(out.data)
    assert "iwm-probe-sweep" in out.data["text/html"]
    chart = widget_by_id(out.data[WIDGET_MIME]["model_id"])
    assert type(chart).__name__ == "ProbeChart"
    assert type(iwm.show(sweep)).__name__ == "ProbeChart"


# ---------------------------------------------------------------------------------------
# iwm.show and the registry


def test_show_picks_the_widget_by_type(ball: iwm.Model, tiny: Any, tiny_x: torch.Tensor) -> None:
    assert isinstance(iwm.show(ball), ModuleTree)
    assert isinstance(iwm.show(tiny, inputs=tiny_x), ModuleTree)  # any nn.Module, after load
    ws = iwm.Workspace(ball, background=False)
    amap = iwm.show(ws, quantity="delta")
    assert isinstance(amap, iwm.ActivationMap) and amap.quantity == "delta"

    r = ws.run()
    hm = iwm.show(r)
    assert isinstance(hm, iwm.Heatmap) and hm.rows == list(r.activations)
    from iwm_widgets.transport import from_buffer

    want = torch.stack([r[s][0].norm(dim=-1) for s in r.activations]).numpy()
    assert from_buffer(hm.values) == pytest.approx(want, rel=1e-5)

    var = _variable(ball)
    assert isinstance(iwm.show(var), StaticView)
    assert isinstance(iwm.show(var, ws=ws), iwm.SteeringDials)
    assert isinstance(iwm.show(iwm.Edit.scale("blocks.0", 2.0)), StaticView)
    assert iwm.show(amap) is amap

    model = iwm.load(tiny)
    sweep = iwm.patching_sweep(model, tiny_x, tiny_x.flip(1), lambda o: o[:, -1, 0])
    assert isinstance(iwm.show(sweep, quantity="values"), iwm.Heatmap)
    out = iwm.output_node(lambda o: o[:, -1, 0], "out")
    ce = iwm.causal_effects(model, ["blocks.0", "blocks.2", out], tiny_x)
    hm = iwm.show(ce)
    assert isinstance(hm, iwm.Heatmap) and hm.rows == [n.id for n in ce.nodes]
    got = torch.tensor(from_buffer(hm.values))
    assert torch.equal(got.isnan(), ~ce.downstream)
    assert torch.allclose(got[ce.downstream], ce.effects[ce.downstream])
    tws = iwm.Workspace(model, tiny_x, background=False)
    assert isinstance(iwm.show(ce, ws=tws), iwm.CausalGraph)


def test_show_rejects_unknown_objects_and_options(ball: iwm.Model) -> None:
    with pytest.raises(TypeError) as info:
        iwm.show({"a": 1})
    msg = str(info.value)
    assert "objects of type dict" in msg
    for name in ("Model", "Workspace", "ProbeSweep", "PatchingSweep", "CausalEffects"):
        assert name in msg
    assert "register_display" in msg and "__iwm_show__" in msg
    with pytest.raises(TypeError, match="takes no options"):
        iwm.show(iwm.Edit.scale("blocks.0", 2.0), colour="red")


def test_register_display_and_the_protocol(ball: iwm.Model) -> None:
    class Base:
        pass

    class Child(Base):
        pass

    made: list[Any] = []

    @iwm.register_display(Base)
    def _(obj: Any, **kw: Any) -> Any:
        made.append((obj, kw))
        return ipywidgets.Label(type(obj).__name__)

    try:
        w = iwm.show(Child(), size=3)  # found along the MRO
        assert isinstance(w, ipywidgets.Label) and w.value == "Child"
        assert made[0][1] == {"size": 3}
        assert any(name.endswith(".Base") for name in iwm_display.supported())
    finally:
        iwm_display.unregister_display(Base)
    with pytest.raises(TypeError):
        iwm.show(Child())

    # by name, without importing the type's module
    iwm.register_display(f"{__name__}.Later", lambda obj: "later shown")
    try:
        assert iwm.show(Later()) == "later shown"
    finally:
        iwm_display.unregister_display(f"{__name__}.Later")

    class Mine:
        def __iwm_show__(self, **kw: Any) -> Any:
            return ("mine", kw)

    assert iwm.show(Mine(), x=1) == ("mine", {"x": 1})

    with pytest.raises(TypeError, match=re.escape("a type or a 'module.QualName'")):
        iwm.register_display("Later", lambda o: o)
    with pytest.raises(TypeError, match="factory must be callable"):
        iwm.register_display(Base, 3)  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        iwm_display.unregister_display(Base)


class Later:
    pass


# ---------------------------------------------------------------------------------------
# ModuleTree


def test_module_tree_records_match_the_model(ball: iwm.Model) -> None:
    tree = ModuleTree(ball)
    shapes = ball.inspect(ball.sample(seed=0))  # the tree's default inputs
    mods = dict(ball.module.named_modules())
    assert [r["path"] for r in tree.nodes] == [n for n in mods if n]
    for r in tree.nodes:
        m = mods[r["path"]]
        assert r["type"] == type(m).__name__
        assert r["params"] == sum(p.numel() for p in m.parameters())
        parent = r["path"].rsplit(".", 1)[0] if "." in r["path"] else None
        assert (tree.nodes[r["parent"]]["path"] if r["parent"] >= 0 else None) == parent
        got = shapes.get(iwm.Site(r["path"]))
        shape = None if got is None else list(got)
        assert r["shape"] == shape
        assert r["open"] == (shape is not None and len(shape) == 3 and shape[1] == 32)
        assert r["layer"] == (r["path"] in ball.layers)
    assert "203,458 parameters" in tree.summary and tree.title == "bouncing-ball"


def test_selecting_a_site_opens_an_activation_map(ball: iwm.Model) -> None:
    tree = ModuleTree(ball)
    assert tree.map is None and tree.workspace is None
    tree.selected = "blocks.1.mlp"
    amap = tree.map
    assert isinstance(amap, iwm.ActivationMap)
    assert amap.rows == [f"blocks.{i}.mlp" for i in range(4)]  # the same module in each layer
    assert amap.values["shape"] == [4, 32] and tree.error == ""
    assert tree._box.children == (amap,)
    ws = tree.workspace
    assert isinstance(ws, iwm.Workspace) and torch.equal(ws.inputs, ball.sample(seed=0))
    assert {str(s) for s in ws.reads} >= set(amap.rows)

    tree.selected = "head"  # outside the layers: that site alone; the old map is closed
    assert tree.map is not amap and tree.map.rows == ["head"]
    assert amap.comm is None and "blocks.1.mlp" not in {str(s) for s in ws.reads}

    # sites an ActivationMap cannot show are refused; nothing changes
    shown = tree.map
    for bad, why in [
        ("embed.pos", "its output has shape [32, 64]"),
        ("blocks", "it gave no tensor output"),
        ("blocks.0.attn.pattern", "shape [1, 4, 32, 32]"),
        ("nope", "not a module of bouncing-ball"),
    ]:
        with pytest.raises(traitlets.TraitError, match=re.escape(why)):
            tree.selected = bad
        assert tree.selected == "head" and tree.map is shown

    tree.selected = ""
    assert tree.map is None and tree._box.children == ()
    single = ModuleTree(ball, across_layers=False)
    single.selected = "blocks.2.attn"
    assert single.map is not None and single.map.rows == ["blocks.2.attn"]


def test_module_tree_shares_a_workspace_and_its_edits(ball: iwm.Model) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=4), background=False)
    tree = ModuleTree(None, workspace=ws)
    tree.selected = "blocks.2"
    assert tree.workspace is ws and tree.map is not None and tree.map.ws is ws
    with pytest.raises(TypeError, match="workspace must be a Workspace"):
        ModuleTree(ball, workspace="ws")  # type: ignore[arg-type]


def test_module_tree_of_a_plain_module_needs_inputs(tiny: Any, tiny_x: torch.Tensor) -> None:
    bare = ModuleTree(iwm.load(tiny))
    assert all(r["shape"] is None and not r["open"] for r in bare.nodes)
    assert "give inputs=" in bare.summary
    with pytest.raises(traitlets.TraitError):
        bare.selected = "blocks.0"

    tree = ModuleTree(iwm.load(tiny), tiny_x)
    assert next(r for r in tree.nodes if r["path"] == "blocks.0")["shape"] == [1, 6, 16]
    tree.selected = "blocks.0.mlp"
    assert tree.map is not None and tree.map.rows == [
        "blocks.0.mlp",
        "blocks.1.mlp",
        "blocks.2.mlp",
    ]


def test_a_failing_run_shows_its_error_in_the_opened_map(tiny: Any, tiny_x: torch.Tensor) -> None:
    model = iwm.load(tiny)
    ws = iwm.Workspace(model, tiny_x, background=False)
    ws.add_edit(iwm.Edit.add("blocks.0", torch.full((16,), 1e6)))  # the Guard raises
    assert ws.error is not None and ws.result is None
    tree = ModuleTree(None, workspace=ws)
    tree.selected = "blocks.1"
    assert tree.map is not None and "activations overflowed" in tree.map.error
    assert tree.error == "" and tree.selected == "blocks.1"


def test_module_tree_display_holds_the_tree_then_the_map(ball: iwm.Model) -> None:
    tree = ModuleTree(ball)
    bundle = tree._repr_mimebundle_()
    view = widget_by_id(bundle[WIDGET_MIME]["model_id"])
    assert view is tree.view and view.children[0] is tree
    tree.selected = "embed"
    assert tree.view.children[1].children == (tree.map,)
    tree.close()
    assert tree.map is None


def test_module_tree_of_a_gpt2_shaped_model(tmp_path: Any) -> None:
    from iwm_widgets.zoo.gpt2_local import make_gpt2_dir

    d = make_gpt2_dir(tmp_path / "gpt2", n_layer=12, n_embd=64, n_head=4)
    lm = iwm.load(d)
    t0 = time.perf_counter()
    tree = ModuleTree(lm)
    build_s = time.perf_counter() - t0
    assert len(tree.nodes) == len(lm.sites) > 150
    T = int(lm.prepare(DEFAULT_TEXT).shape[1])
    mlp = next(r for r in tree.nodes if r["path"] == "transformer.h.3.mlp")
    assert mlp["shape"] == [1, T, 64] and mlp["open"]
    tree.selected = "transformer.h.3.mlp"
    assert tree.map is not None
    assert tree.map.rows == [f"transformer.h.{i}.mlp" for i in range(12)]
    assert tree.map.columns == lm.labels(lm.prepare(DEFAULT_TEXT))
    assert build_s < 5.0, build_s
