"""Sessions: ws.save(dir) / Workspace.load(dir, model) as JSON + safetensors, no pickle.

A round trip into a fresh model is bit-exact (outputs, rollouts, activations, edits,
widget settings and what the widgets draw); a model with other weights is refused;
tampered files fail with a clear SessionError before anything runs.
"""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file, save_file

import iwm_widgets as iwm
from iwm_widgets.errors import SessionError, SessionModelError
from iwm_widgets.session import load_session, restored_widgets
from iwm_widgets.widgets.causal_graph import auto_nodes

FILES = {"session.json", "tensors.safetensors"}


@pytest.fixture(scope="module")
def ball() -> iwm.Model:
    return iwm.load("bouncing-ball")


@pytest.fixture(scope="module")
def vel(ball: iwm.Model) -> iwm.Variable:
    sweep = iwm.probe_sweep(ball, "velocity", n=64, sites=["blocks.3"], progress=False)
    return sweep.variable("velocity")


def _ball_workspace(ball: iwm.Model, vel: iwm.Variable) -> tuple[iwm.Workspace, Any, Any]:
    """Every edit kind, a Variable's add and clamp, dials turned, a map on a readout."""
    ws = iwm.Workspace(ball, ball.sample(seed=0, latents=True), background=False)
    d = ball.shape("blocks.1")[-1]
    g = torch.Generator().manual_seed(7)
    ws.add_edit(iwm.Edit.add("blocks.1", torch.randn(d, generator=g), 0.3, positions=[3, 4]))
    ws.add_edit(iwm.Edit.scale("blocks.2", 1.1, start=5))
    ws.add_edit(iwm.Edit.ablate("blocks.0", "mean", positions=[2]))
    ws.add_edit(iwm.Edit.ablate("blocks.0", positions=[-1], label="zero the newest"))
    ws.add_edit(iwm.Edit.set("embed", 0.25, positions=[0]))
    ws.add_edit(iwm.Edit.add(vel, [0.01, 0.0], start=8))
    ws.add_edit(iwm.Edit.clamp(vel, [0.01, -0.02], positions=[6]))
    dials = iwm.SteeringDials(ws, [vel], scope="from", scope_start=9)
    dials.set(velocity={"angle": 45, "radius": 0.03})
    amap = iwm.ActivationMap(ws, "dim", dim=3, title="my map")
    amap.show_variable(vel, "velocity_y")
    ws.selection = {"site": "blocks.2", "layer": 3, "position": 4}
    return ws, dials, amap


def _results_equal(a: iwm.Result, b: iwm.Result) -> None:
    assert torch.equal(a.output, b.output)
    assert (a.rollout is None) == (b.rollout is None)
    if a.rollout is not None:
        assert torch.equal(a.rollout, b.rollout)
    assert set(a.activations) == set(b.activations)
    for k in a.activations:
        assert torch.equal(a[k], b[k]), k


def _same_files(a: Path, b: Path) -> None:
    """Two sessions with the same JSON and bit-identical tensors."""
    assert (a / "session.json").read_text() == (b / "session.json").read_text()
    ta, tb = load_file(str(a / "tensors.safetensors")), load_file(str(b / "tensors.safetensors"))
    assert set(ta) == set(tb)
    for k in ta:
        assert ta[k].dtype == tb[k].dtype and torch.equal(ta[k], tb[k]), k


def _no_pickle(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a: Any, **k: Any) -> Any:
        raise AssertionError("a session was unpickled")

    for mod, name in ((pickle, "load"), (pickle, "loads"), (torch, "load")):
        monkeypatch.setattr(mod, name, refuse)


# ---------------------------------------------------------------- round trips
def test_bouncing_ball_round_trip_is_bit_exact(
    ball: iwm.Model, vel: iwm.Variable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, dials, amap = _ball_workspace(ball, vel)
    before = ws.run()
    assert len(ws.edits) == 8 and before.rollout is not None
    out = ws.save(tmp_path / "session")
    assert out == tmp_path / "session" and {p.name for p in out.iterdir()} == FILES
    meta = json.loads((out / "session.json").read_text())
    assert meta["format"] == "iwm-session" and meta["version"] == 1
    assert meta["model"] == {
        "name": "bouncing-ball",
        "kind": "world",
        "weights_checksum": ball.weights_checksum(),
    }
    assert [w["type"] for w in meta["widgets"]] == ["SteeringDials", "ActivationMap"]
    shape = list(ws.inputs.shape)
    assert meta["inputs"] == {"$tensor": "inputs", "dtype": "float32", "shape": shape}

    fresh = iwm.load("bouncing-ball")  # a new Model object: nothing shared with `ball`
    assert fresh is not ball
    _no_pickle(monkeypatch)
    ws2 = iwm.Workspace.load(out, fresh, background=False)
    monkeypatch.undo()
    assert ws2 is not ws and ws2.model is fresh
    after = ws2.run()
    _results_equal(before, after)
    _results_equal(ws.baseline, ws2.baseline)
    # the same state: inputs, truth, edits (ids and order), rollout steps, selection
    assert torch.equal(ws2.inputs, ws.inputs) and ws2.inputs.dtype == ws.inputs.dtype
    assert ws2.truth is not None and set(ws2.truth) == set(ws.truth)
    for k in ws.truth:
        assert ws2.truth[k].dtype == ws.truth[k].dtype and torch.equal(ws2.truth[k], ws.truth[k])
    assert [e.to_dict() for e in ws2.edits] == [e.to_dict() for e in ws.edits]
    assert ws2.rollout_steps == ws.rollout_steps and ws2.selection == ws.selection
    # the widgets: re-created in order, with the same settings, drawing the same thing
    dials2, amap2 = restored_widgets(ws2)
    assert isinstance(dials2, iwm.SteeringDials) and isinstance(amap2, iwm.ActivationMap)
    assert dials2.values == dials.values and dials2.scope == "from" and dials2.scope_start == 9
    assert dials2.dials == dials.dials and dials2.code == dials.code
    assert dials2.edits()[0].to_dict() == dials.edits()[0].to_dict()
    assert amap2.quantity == "direction" and amap2.quantities == amap.quantities
    assert amap2.title == "my map" and amap2.dim == 3
    assert amap2.values["buffer"] == amap.values["buffer"]
    assert amap2.selection == amap.selection == {"row": 3, "col": 4}
    for key in ("context", "factual", "counterfactual", "truth", "truth_cf"):
        a, b = dials.rollout[key], dials2.rollout[key]
        assert (a is None and b is None) or bytes(a["buffer"]) == bytes(b["buffer"]), key
    # saving the restored session again gives the same files
    _same_files(out, ws2.save(tmp_path / "again"))
    # the dials still steer the restored Workspace, under their saved edit id
    dials2.set(velocity={"angle": 90, "radius": 0.02})
    assert [e.id for e in ws2.edits] == [e.id for e in ws.edits]
    dials2.reset()
    assert len(ws2.edits) == 7


def test_tiny_lm_round_trip_with_token_ids(tmp_path: Path) -> None:
    lm = iwm.load("tiny-lm")
    ws = iwm.Workspace(lm, "The Eiffel Tower is in the city of", rollout_steps=3, background=False)
    d = lm.inspect(ws.inputs)[iwm.Site("transformer.h.1")][-1]
    g = torch.Generator().manual_seed(3)
    ws.add_edit(iwm.Edit.add("transformer.h.1", torch.randn(d, generator=g), 2.0, start=2))
    ws.add_edit(iwm.Edit.ablate("transformer.h.2", positions=[-1]))
    amap = iwm.ActivationMap(ws, "lens_prob")
    before = ws.run()
    out = ws.save(tmp_path / "lm-session")
    meta = json.loads((out / "session.json").read_text())
    assert meta["inputs"]["dtype"] == "int64" and meta["model"]["kind"] == "lm"

    ws2 = iwm.Workspace.load(out, iwm.load("tiny-lm"), background=False)
    after = ws2.run()
    assert ws2.inputs.dtype == torch.int64 and torch.equal(ws2.inputs, ws.inputs)
    assert ws2.columns() == ws.columns() and ws2.rollout_steps == 3
    _results_equal(before, after)
    assert after.rollout is not None and after.rollout.shape[-1] == 3
    (amap2,) = restored_widgets(ws2)
    assert amap2.quantity == "lens_prob" and amap2.cell_text == amap.cell_text
    assert amap2.values["buffer"] == amap.values["buffer"]


def test_load_without_a_model_uses_the_saved_name_and_widgets_false(
    ball: iwm.Model, saved: Path
) -> None:
    session = load_session(saved, background=False, widgets=False)
    ws2 = session.workspace
    assert ws2.model.name == "bouncing-ball" and ws2.model is not ball
    assert session.widgets == [] and restored_widgets(ws2) == []
    meta = json.loads((saved / "session.json").read_text())
    assert [e.id for e in ws2.edits] == [d["id"] for d in meta["edits"]]  # the dials' too
    assert len(ws2.edits) == 8 and ws2.edits[-1].label == "dial velocity"


def test_an_empty_workspace_and_a_background_one(ball: iwm.Model, tmp_path: Path) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=3))
    ws.save(tmp_path / "plain")
    meta = json.loads((tmp_path / "plain" / "session.json").read_text())
    assert meta["edits"] == [] and meta["widgets"] == [] and meta["truth"] is None
    ws2 = iwm.Workspace.load(tmp_path / "plain", ball)
    assert ws2.background and ws2.truth is None
    _results_equal(ws.run(), ws2.run())
    ws.close()
    ws2.close()


def test_causal_graph_settings_round_trip_and_unsaveable_nodes_are_skipped(
    ball: iwm.Model, vel: iwm.Variable, tmp_path: Path
) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    outputs = [n for n in auto_nodes(ws) if n.kind == "output"]  # saved by their ids
    graph = iwm.CausalGraph(ws, ["blocks.1", vel, *outputs], threshold=0.05, intervention="zero")
    graph.edit_node("velocity_x@blocks.3", "set", 0.02)
    graph.edit_node("blocks.1", "scale", 0.5)
    assert sum(n["edited"] for n in graph.nodes) == 2
    ws.save(tmp_path / "g")
    ws2 = iwm.Workspace.load(tmp_path / "g", ball, background=False)
    (graph2,) = restored_widgets(ws2)
    assert isinstance(graph2, iwm.CausalGraph)
    assert [n["id"] for n in graph2.nodes] == [n["id"] for n in graph.nodes]
    assert graph2.edge_threshold == 0.05 and graph2._measure == graph._measure
    assert graph2.nodes == graph.nodes  # values, moved, the edited flag
    assert bytes(graph2.edges["buffer"]) == bytes(graph.edges["buffer"])
    _same_files(tmp_path / "g", ws2.save(tmp_path / "g2"))

    auto = iwm.CausalGraph(ws)  # "auto": every layer and the outputs
    assert auto.settings()["nodes"] == "auto"
    own = iwm.output_node(lambda o: o[:, -1, 0], "next x")  # a builtin's id, not its code
    iwm.CausalGraph(ws, ["blocks.3", own])
    with pytest.warns(UserWarning, match="left out 1 widget.*Python function"):
        ws.save(tmp_path / "g3")
    meta = json.loads((tmp_path / "g3" / "session.json").read_text())
    assert [w["type"] for w in meta["widgets"]] == ["CausalGraph", "CausalGraph"]
    assert meta["widgets"][1]["settings"]["nodes"] == "auto"
    assert len(meta["skipped"]) == 1 and "CausalGraph" in meta["skipped"][0]


# ---------------------------------------------------------------- the model check
def test_other_weights_are_refused_naming_both_checksums(
    ball: iwm.Model, saved: Path, tmp_path: Path
) -> None:
    ws = iwm.Workspace.load(saved, ball, background=False, widgets=False)
    before = ws.run()
    other = iwm.load("bouncing-ball")
    with torch.no_grad():
        next(other.module.parameters()).add_(1e-3)
    with pytest.raises(SessionModelError) as err:
        iwm.Workspace.load(saved, other, background=False)
    msg = str(err.value)
    assert ball.weights_checksum() in msg and other.weights_checksum() in msg
    assert "strict=False" in msg
    with pytest.warns(UserWarning, match="loaded anyway"):
        ws2 = iwm.Workspace.load(saved, other, background=False, strict=False, widgets=False)
    assert [e.to_dict() for e in ws2.edits] == [e.to_dict() for e in ws.edits]
    assert not torch.equal(ws2.run().output, before.output)

    lm_ws = iwm.Workspace(iwm.load("tiny-lm"), "The Eiffel Tower is in", background=False)
    lm_ws.save(tmp_path / "lm")
    with pytest.raises(SessionModelError, match="saved for a lm model, this one is a world"):
        iwm.Workspace.load(tmp_path / "lm", ball)


# ---------------------------------------------------------------- tampering
@pytest.fixture(scope="module")
def saved(ball: iwm.Model, vel: iwm.Variable, tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws, _, _ = _ball_workspace(ball, vel)
    return ws.save(tmp_path_factory.mktemp("sessions") / "base")


def _json(f: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def tamper(p: Path) -> None:
        meta = json.loads((p / "session.json").read_text())
        f(meta)
        (p / "session.json").write_text(json.dumps(meta))

    return tamper


def _tensors(f: Callable[[dict[str, torch.Tensor]], None]) -> Callable[[Path], None]:
    def tamper(p: Path) -> None:
        t = load_file(str(p / "tensors.safetensors"))
        f(t)
        save_file(t, str(p / "tensors.safetensors"))

    return tamper


def _both(f: Callable[[dict[str, Any], dict[str, torch.Tensor]], None]) -> Callable[[Path], None]:
    def tamper(p: Path) -> None:
        meta = json.loads((p / "session.json").read_text())
        t = load_file(str(p / "tensors.safetensors"))
        f(meta, t)
        (p / "session.json").write_text(json.dumps(meta))
        save_file(t, str(p / "tensors.safetensors"))

    return tamper


def _wrong_inputs(meta: dict[str, Any], t: dict[str, torch.Tensor]) -> None:
    t["inputs"] = torch.zeros(1, 5, 3)  # consistent records, but not the model's inputs
    meta["inputs"]["shape"] = [1, 5, 3]


def _wrong_edit(meta: dict[str, Any], t: dict[str, torch.Tensor]) -> None:
    t["edits/0/value"] = torch.zeros(5)
    meta["edits"][0]["value"]["shape"] = [5]


TAMPERS = {
    "missing key": (_json(lambda m: m.pop("edits")), "missing key 'edits'"),
    "unknown key": (_json(lambda m: m.update(extra=1)), "unknown key 'extra'"),
    "model key": (_json(lambda m: m["model"].pop("weights_checksum")), "model: missing key"),
    "edit key": (_json(lambda m: m["edits"][1].pop("op")), "edit 1: missing key 'op'"),
    "edit op": (_json(lambda m: m["edits"][1].update(op="explode")), "edit 1 .*explode"),
    "newer version": (_json(lambda m: m.update(version=2)), "version 2.*newer"),
    "not a session": (_json(lambda m: m.update(format="pickle")), "not an iwm session"),
    "shape in json": (
        _json(lambda m: m["edits"][0]["value"].update(shape=[3])),
        "'edits/0/value' .* has shape \\[64\\], but session.json records \\[3\\]",
    ),
    "shape in file": (
        _tensors(lambda t: t.update({"edits/6/direction": torch.zeros(2, 8)})),
        "'edits/6/direction' .* has shape \\[2, 8\\], but session.json records \\[2, 64\\]",
    ),
    "dtype in file": (
        _tensors(lambda t: t.update(inputs=t["inputs"].double())),
        "'inputs' .* has dtype float64, but session.json records float32",
    ),
    "missing tensor": (_tensors(lambda t: t.pop("widgets/0/variables/0/read")), "is missing"),
    "extra tensor": (
        _tensors(lambda t: t.update(smuggled=torch.zeros(1))),
        "does not refer to: smuggled",
    ),
    "bad reference": (
        _json(lambda m: m["edits"][0]["value"].update(extra=1)),
        "tensor reference at edits/0/value: unknown key 'extra'",
    ),
    "unknown widget": (
        _json(lambda m: m["widgets"][0].update(type="os.system")),
        "widget 0 has type 'os.system'; sessions restore",
    ),
    "widget setting": (
        _json(lambda m: m["widgets"][1]["settings"].pop("quantity")),
        "ActivationMap settings: missing key 'quantity'",
    ),
    "unknown dial": (
        _json(lambda m: m["widgets"][0]["settings"]["values"].update(nope=1.0)),
        "unknown dials \\['nope'\\]",
    ),
    "inputs that do not fit": (_both(_wrong_inputs), "inputs do not fit 'bouncing-ball'"),
    "edit that does not fit": (_both(_wrong_edit), "edits do not fit.*length 5"),
    "garbage tensors": (
        lambda p: (p / "tensors.safetensors").write_bytes(b"\x80\x04not safetensors"),
        "truncated, tampered with or not a safetensors file",
    ),
    "garbage json": (lambda p: (p / "session.json").write_text("{"), "is not valid JSON"),
    "no tensors file": (lambda p: (p / "tensors.safetensors").unlink(), "is missing"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampered_sessions_give_clear_errors(
    name: str, saved: Path, ball: iwm.Model, tmp_path: Path
) -> None:
    tamper, message = TAMPERS[name]
    p = tmp_path / "tampered"
    shutil.copytree(saved, p)
    tamper(p)
    with pytest.raises(SessionError, match=message):
        iwm.Workspace.load(p, ball, background=False)


def test_paths_that_are_not_sessions(ball: iwm.Model, tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no such directory"):
        iwm.Workspace.load(tmp_path / "nowhere", ball)
    (tmp_path / "file").write_text("x")
    ws = iwm.Workspace(ball, background=False)
    with pytest.raises(SessionError, match="not a directory"):
        ws.save(tmp_path / "file")
