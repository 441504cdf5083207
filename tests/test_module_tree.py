"""The ModuleTree widget (iwm_widgets/widgets/module_tree.py): its Python state, the
ActivationMap a selected site opens, and its display."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import torch
import traitlets
from widget_views import WIDGET_MIME, widget_by_id

import iwm_widgets as iwm
from iwm_widgets.widgets.module_tree import DEFAULT_TEXT, ModuleTree


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
        attention = shape is not None and len(shape) == 4 and shape[1:] == [4, 32, 32]
        assert r["attention"] == attention
        assert r["open"] == (
            attention or (shape is not None and len(shape) == 3 and shape[1] == 32)
        )
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
        ("embed.pos", "neither [batch, positions, features]"),
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


def test_selecting_an_attention_pattern_opens_an_attention_view(ball: iwm.Model) -> None:
    tree = ModuleTree(ball)
    rec = next(r for r in tree.nodes if r["path"] == "blocks.2.attn.pattern")
    assert rec["attention"] and rec["open"] and rec["shape"] == [1, 4, 32, 32]
    assert not any(r["attention"] for r in tree.nodes if "pattern" not in r["path"])
    tree.selected = "blocks.2.attn.pattern"
    view = tree.map
    assert isinstance(view, iwm.AttentionView) and tree.error == ""
    assert view.site == "blocks.2.attn.pattern" and view.n_heads == 4 and view.head == -1
    assert view.values["shape"] == [4, 32, 32] and tree._box.children == (view,)
    ws = tree.workspace
    assert ws is not None and view.ws is ws
    want = ws.result["blocks.2.attn.pattern"][0]
    assert torch.equal(view.pattern(), want)
    tree.selected = "blocks.1.mlp"  # back to a map: the AttentionView is closed
    assert isinstance(tree.map, iwm.ActivationMap) and view.comm is None
    assert "blocks.2.attn.pattern" not in {str(s) for s in ws.reads}


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
