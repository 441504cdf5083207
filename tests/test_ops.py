"""The one table of edit ops (iwm_widgets/tracing/ops.py).

Every op in the table has all its parts; the node editor's menus and the CausalGraph's
``ops`` trait come from it (and the JS unit tests' copy of that trait is the real one);
and an op registered here, as one table entry, works end to end: an Edit of it is made,
serialised, applied by ``iwm.run`` (equal to a hand-written hook), printed as nnsight code
that reproduces the run, described, and offered by the CausalGraph's node editor.
"""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import pytest
import torch
from raw_hooks import hooked_forward

import iwm_widgets as iwm
from iwm_widgets.errors import EditError
from iwm_widgets.tracing import ops
from iwm_widgets.tracing.ops import Editor, Op

REPO = Path(__file__).resolve().parents[1]
KINDS = {"variable", "site", "head"}  # the node kinds an editor may offer an op to

#: one edit of each built-in op
EXAMPLES = {
    "set": lambda: iwm.Edit.set("blocks.1", torch.arange(16.0), positions=[2]),
    "add": lambda: iwm.Edit.add("blocks.1", torch.ones(16), 0.5, start=1),
    "scale": lambda: iwm.Edit.scale("blocks.1", 2.0),
    "ablate": lambda: iwm.Edit.ablate("blocks.1", "mean", positions=[0, -1]),
    "clamp": lambda: iwm.Edit.clamp("blocks.1", [0.5], torch.ones(16), positions=[1]),
}


def test_the_built_in_ops_and_their_menus() -> None:
    assert ops.op_names()[:5] == ("set", "add", "scale", "ablate", "clamp")
    # "set" of a variable clamps its readout: no second entry doing the same
    assert ops.editor_ops("variable") == ["set", "scale", "ablate"]
    assert ops.editor_ops("site") == ops.editor_ops("head") == ["ablate", "scale", "set"]
    assert ops.editor_ops("output") == []  # outputs are read, not edited
    assert ops.get_op("add").editor is None  # steering is not in the node editor


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_op_has_all_its_parts(name: str) -> None:
    op = ops.get_op(name)
    assert isinstance(op, Op) and op.name == name
    for part in ("apply", "code", "check", "written", "check_width", "per_row"):
        assert callable(getattr(op, part)), (name, part)
    assert callable(op.batch_dependence)
    e = EXAMPLES[name]()
    assert e.op == name
    what = op.what(e)
    assert isinstance(what, str) and what and e.describe().startswith(f"{what} @ blocks.1")
    lines = op.code(e, "h", "[:]")
    assert lines and all(isinstance(line, str) for line in lines)
    assert isinstance(op.per_row(e), bool)
    dep = op.batch_dependence(e)
    assert dep is None or (len(dep) == 2 and all(isinstance(t, str) and t for t in dep))
    back = iwm.Edit.from_dict(json.loads(json.dumps(e.to_dict())))
    assert back.to_dict() == e.to_dict()
    if op.editor is not None:
        ed = op.editor
        assert isinstance(ed, Editor) and callable(ed.build)
        assert ed.kinds and set(ed.kinds) <= KINDS
        assert isinstance(ed.field, str) and "{node}" in ed.text
        assert ed.default is None or ed.default == "value" or isinstance(ed.default, float | int)
        assert ("{value}" in ed.text) == bool(ed.field)


def test_per_row_values_and_batch_statistics_come_from_the_table() -> None:
    clamp, ablate = ops.get_op("clamp"), ops.get_op("ablate")
    rows = iwm.Edit("clamp", "blocks.1", torch.zeros(4, 1), direction=torch.ones(1, 16))
    assert clamp.per_row(rows) and not clamp.per_row(EXAMPLES["clamp"]())
    dep = ablate.batch_dependence(iwm.Edit.ablate("blocks.1", "mean"))
    assert dep is not None and "averages over the batch" in dep[0] and "value=" in dep[1]
    given = iwm.Edit.ablate("blocks.1", "mean", mean=torch.zeros(16))
    assert ablate.batch_dependence(given) is None
    assert ablate.batch_dependence(iwm.Edit.ablate("blocks.1")) is None


def test_unknown_ops_are_refused() -> None:
    with pytest.raises(EditError, match=r"unknown edit op 'negate'; expected one of \('set'"):
        iwm.Edit("negate", "blocks.1")
    with pytest.raises(EditError, match="unknown edit op"):
        ops.get_op(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exists"):
        ops.register(ops.get_op("set"))
    with pytest.raises(KeyError, match="no edit op"):
        ops.unregister("negate")


def test_the_js_tests_copy_of_the_ops_trait_is_the_real_one() -> None:
    """tests/js/causal_graph.test.mjs drives the editor with a copy of the `ops` trait."""
    text = (REPO / "tests/js/causal_graph.test.mjs").read_text()
    m = re.search(r"const OPS_TRAIT = (\[.*?\]); // prettier-ignore", text, re.S)
    assert m, "tests/js/causal_graph.test.mjs has no OPS_TRAIT"
    as_json = re.sub(r"([{,]\s*)(\w+):", r'\1"\2":', m.group(1))
    as_json = re.sub(r",(\s*[\]}])", r"\1", as_json)
    assert json.loads(as_json) == ops.editor_specs()


# ---- a new op: one table entry ------------------------------------------------------
def _negate_apply(edit: iwm.Edit, h: torch.Tensor, idx: tuple) -> None:
    h[idx] = -h[idx]


def _negate_node(Edit, node, value, current, label):  # type: ignore[no-untyped-def]
    e = Edit("negate", node.site, positions=[node.position], label=label)
    return e.with_(features=node.features)


NEGATE = Op(
    "negate",
    apply=_negate_apply,
    code=lambda e, var, ix: [f"{var}{ix} = -{var}{ix}"],
    describe=lambda e: "negate",
    editor=Editor(_negate_node, {"site": 5, "head": 5}),
)


@pytest.fixture
def negate():
    ops.register(NEGATE)
    try:
        yield NEGATE
    finally:
        ops.unregister("negate")
    assert "negate" not in ops.op_names()


def test_a_new_op_works_end_to_end(negate, tiny, tiny_x, tmp_path) -> None:
    e = iwm.Edit("negate", "blocks.1", positions=[2], label="flip")
    assert e.describe() == "negate @ blocks.1 [t=[2]]"
    d = json.loads(json.dumps(e.to_dict()))
    assert d["op"] == "negate"
    back = iwm.Edit.from_dict(d)
    assert back.to_dict() == e.to_dict()

    # iwm.run applies it: the same as a hand-written hook
    def flip(h: torch.Tensor) -> torch.Tensor:
        h[:, [2]] = -h[:, [2]]
        return h

    want_h, want_out = hooked_forward(tiny, tiny_x, "blocks.1", flip)
    model = iwm.load(tiny)
    res = iwm.run(model, tiny_x, [back], reads=["blocks.1"])
    assert torch.allclose(res["blocks.1"], want_h, atol=1e-6)
    assert torch.allclose(res.output, want_out, atol=1e-6)

    # its nnsight code reproduces the run bit for bit
    code = e.to_code()
    assert "# negate @ blocks.1 [t=[2]]" in code and "h[:, [2]] = -h[:, [2]]" in code
    script = tmp_path / "negate.py"
    script.write_text(code)
    ns = runpy.run_path(str(script), init_globals={"model": model.nnsight, "inputs": tiny_x})
    assert torch.equal(ns["output"], res.output)

    # shapes are checked as for any op (the scope's positions)
    with pytest.raises(EditError, match="outside the input"):
        iwm.run(model, tiny_x, [iwm.Edit("negate", "blocks.1", positions=[9])])


def test_a_new_op_is_in_the_causal_graphs_editor(negate, tiny, tiny_x) -> None:
    ws = iwm.Workspace(tiny, tiny_x, background=False)
    out = iwm.output_node(lambda o: o[:, -1, 0], "out")
    g = iwm.CausalGraph(ws, ["blocks.0", "blocks.1", out], threshold=0.0)
    assert {"name": "negate", "label": "negate", "field": "", "default": None} == {
        k: v for k, v in g.ops[-1].items() if k in ("name", "label", "field", "default")
    }
    assert g.ops[-1]["kinds"] == ["site", "head"] and g.ops == ops.editor_specs()
    site = next(n for n in g.nodes if n["kind"] == "site")
    assert site["editable"] == ["ablate", "scale", "set", "negate"]
    assert next(n for n in g.nodes if n["kind"] == "output")["editable"] == []
    g.edit_node(site["id"], "negate")  # no number: the op has no field
    (e,) = ws.edits
    assert e.op == "negate" and e.positions == (-1,) and e.label == f"graph node {site['id']}"
    assert next(n for n in g.nodes if n["id"] == site["id"])["edited"]
    h, base = ws.result[site["site"]], ws.baseline[site["site"]]
    assert torch.equal(h[:, -1], -base[:, -1]) and torch.equal(h[:, :-1], base[:, :-1])
    with pytest.raises(EditError, match="is an output"):
        g.edit_node("out", "negate")
    g.remove_node_edit(site["id"])
    assert not ws.edits


@pytest.mark.parametrize("kind", ["variable", "site", "head"])
def test_no_two_editor_ops_of_a_node_make_the_same_edit(kind: str) -> None:
    """Each entry of a node's editor menu makes an edit of its own ("set" and "clamp" of
    a Variable were one edit under two names, whatever number was typed)."""
    from iwm_widgets.tracing.causal import Node, as_nodes

    g = torch.Generator().manual_seed(0)
    var = iwm.Variable(
        "v", iwm.Site("blocks.1"), torch.randn(1, 16, generator=g), torch.zeros(1),
        torch.randn(1, 16, generator=g), ["v"],
    )  # fmt: skip
    node = {
        "variable": as_nodes([var])[0],
        "site": as_nodes(["blocks.1"])[0],
        "head": Node("h", "head", iwm.Site("blocks.1"), features=(0, 4)),
    }[kind]
    assert node.kind == kind
    current = torch.tensor([0.3])

    def made(name: str, value: float) -> dict:
        editor = ops.get_op(name).editor
        assert editor is not None
        d = editor.build(iwm.Edit, node, value, current, "l").to_dict()
        del d["id"]
        return d

    names = ops.editor_ops(kind)
    for value in (0.5, 2.0):  # (scale by 0, set to 0 and ablate agree, rightly)
        edits = {n: made(n, value) for n in names}
        for a in names:
            for b in names:
                if a < b:
                    assert edits[a] != edits[b], (kind, a, b, value)
