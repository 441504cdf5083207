"""Showing objects (iwm_widgets/display.py): ``iwm.show``, the display registry, and the
static text/HTML summaries (rich reprs) checked against the real values."""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets
import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from widget_views import WIDGET_MIME, velocity_variable, widget_by_id

import iwm_widgets as iwm
from iwm_widgets import display as iwm_display
from iwm_widgets.display import StaticView
from iwm_widgets.widgets.module_tree import ModuleTree


def _text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).replace("\xa0", " ").strip()


def cells(html_text: str, table_class: str) -> list[list[str]]:
    """The text of each body row's cells of ``<table class=table_class>``."""
    m = re.search(rf'<table class="{table_class}">(.*?)</table>', html_text, re.S)
    assert m, f"no table {table_class!r} in the HTML"
    body = m.group(1).split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [[_text(c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]


@pytest.fixture
def shell() -> InteractiveShell:
    """The IPython shell: without one, ``display()`` prints a repr and publishes nothing."""
    return InteractiveShell.instance()


# ---------------------------------------------------------------------------------------
# Rich reprs: text/plain + text/html, checked against the real values


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
    var = velocity_variable(ball)
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


def test_probe_sweep_displays_its_chart_with_the_summary(
    ball: iwm.Model, shell: InteractiveShell
) -> None:
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

    var = velocity_variable(ball)
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


def test_patching_heatmap_says_what_its_values_are(tiny: Any, tiny_x: torch.Tensor) -> None:
    model = iwm.load(tiny)
    sweep = iwm.patching_sweep(model, tiny_x, tiny_x.flip(1), lambda o: o[:, -1, 0])
    hm = sweep.widget("normalized")
    assert hm.quantities == [
        {"value": "value", "label": "fraction of the clean–corrupt difference restored"}
    ]
    # a value above 1 (over-restoration) is explained in its tooltip
    above = [n for n in hm.notes if "above" in n]
    assert above and above[0]["above"] == 1.0
    assert "over-restoration" in above[0]["text"] and "past the clean run" in above[0]["text"]
    effect = sweep.widget("effect")
    assert effect.quantities[0]["label"] == "change in the metric from the corrupt run"
    assert effect.notes == []  # an effect is not a fraction: no bounds to explain
    assert sweep.widget("values").quantities[0]["label"] != "value"
    with pytest.raises(ValueError, match="'effect', 'normalized' or 'values'"):
        sweep.widget("fraction")


def test_patching_equal_metrics_effect_works_normalized_says_why(
    tiny: Any, tiny_x: torch.Tensor
) -> None:
    from iwm_widgets.transport import from_buffer

    model = iwm.load(tiny)
    sweep = iwm.patching_sweep(model, tiny_x, tiny_x, lambda o: o[:, -1, 0])  # same input
    assert sweep.clean_metric == sweep.corrupt_metric
    hm = sweep.widget("effect")  # was: ZeroDivisionError (normalized() computed eagerly)
    got = torch.tensor(from_buffer(hm.values))
    assert torch.allclose(got, torch.zeros_like(got), atol=1e-5)
    with pytest.raises(iwm.errors.InputError, match="same metric") as info:
        sweep.widget("normalized")
    assert not isinstance(info.value, ZeroDivisionError)
    assert "effect" in str(info.value)


def test_titles_show_the_model_name_not_its_path(tiny: Any, tiny_x: torch.Tensor) -> None:
    model = iwm.load(tiny, name="/abs/path/to/model.pt")
    ws = iwm.Workspace(model, tiny_x, background=False)
    amap = iwm.ActivationMap(ws)
    assert amap.title == "model: activations"
    assert ModuleTree(model).title == "model"
    assert model.name == "/abs/path/to/model.pt"  # the full path is kept on the model
    amap.close()
    from iwm_widgets.widgets._base import model_title
    from iwm_widgets.zoo.tiny_lm import tiny_lm_dir

    def title(name: str, remote: Any = None) -> str:
        return model_title(type("M", (), {"name": name, "remote": remote})())

    assert title("/home/me/models/my-gpt2") == "my-gpt2"
    assert title("./checkpoints/world.safetensors") == "world"
    assert title("~/gpt2") == "gpt2"
    assert title(str(tiny_lm_dir())) == "tiny-lm"  # the zoo's directory: its zoo name
    assert title("bouncing-ball") == "bouncing-ball"
    assert title("openai-community/gpt2") == "openai-community/gpt2"  # a hub id
    assert title("/srv/models/llama", remote=object()) == "/srv/models/llama"
