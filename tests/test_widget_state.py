"""ActivationMap state on the Python side: binary buffers, shapes, selection, errors."""

from __future__ import annotations

import json

import pytest
import torch
import traitlets
from ipywidgets.widgets.widget import _remove_buffers

import iwm_widgets as iwm
from iwm_widgets.transport import from_buffer, to_buffer


def test_transport_round_trip():
    a = torch.randn(3, 5)
    p = to_buffer(a)
    assert isinstance(p["buffer"], memoryview) and p["shape"] == [3, 5]
    assert p["buffer"].nbytes == 3 * 5 * 4
    assert torch.equal(torch.from_numpy(from_buffer(p).copy()), a)
    h = to_buffer(a, "float16")
    assert h["buffer"].nbytes == 3 * 5 * 2
    assert torch.allclose(torch.from_numpy(from_buffer(h).astype("float32")), a, atol=1e-2)


@pytest.fixture
def amap(tiny, tiny_x):
    ws = iwm.Workspace(tiny, tiny_x, background=False)
    w = iwm.ActivationMap(ws)
    yield w
    w.close()


def test_values_are_binary_with_shape_and_dtype(amap):
    ws = amap.ws
    assert amap.rows == ["blocks.0", "blocks.1", "blocks.2"]
    assert amap.columns == [f"t{i}" for i in range(6)]
    state = amap.get_state()
    state_json, paths, buffers = _remove_buffers(state)
    assert ["values", "buffer"] in paths
    assert json.dumps(state_json)  # the rest is plain JSON
    assert "buffer" not in state_json["values"]
    assert amap.values["dtype"] == "float32" and amap.values["shape"] == [3, 6]
    sent = sum(b.nbytes for b in buffers)
    assert sent == 3 * 6 * 4  # exactly the raw float32 array
    expected = torch.stack([ws.result[s][0].norm(dim=-1) for s in amap.rows])
    assert torch.allclose(torch.from_numpy(from_buffer(amap.values).copy()), expected)
    assert amap.scale == "sequential" and amap.vmax == pytest.approx(float(expected.max()))


def test_quantities_dim_direction_and_delta(amap):
    ws = amap.ws
    amap.quantity = "dim"
    amap.dim = 5
    got = torch.from_numpy(from_buffer(amap.values).copy())
    assert torch.allclose(got, torch.stack([ws.result[s][0][:, 5] for s in amap.rows]))
    assert amap.scale == "diverging" and amap.vmin == -amap.vmax
    v = torch.randn(16)
    amap.set_direction(v, "probe")
    got = torch.from_numpy(from_buffer(amap.values).copy())
    assert torch.allclose(got, torch.stack([ws.result[s][0] @ v for s in amap.rows]), atol=1e-5)
    menu = {d["value"]: d["label"] for d in amap.quantities}
    assert menu["direction"] == "projection on probe"  # no bias: not called a readout
    amap.set_direction(v, "probe", bias=0.5)
    got = torch.from_numpy(from_buffer(amap.values).copy())
    want = torch.stack([ws.result[s][0] @ v + 0.5 for s in amap.rows])
    assert torch.allclose(got, want, atol=1e-5)
    assert [d["label"] for d in amap.quantities if d["value"] == "direction"] == ["readout: probe"]
    amap.quantity = "delta"
    assert float(torch.from_numpy(from_buffer(amap.values).copy()).abs().max()) == 0.0
    ws.add_edit(iwm.Edit.add("blocks.1", torch.ones(16), 1.0, positions=[2]))
    delta = torch.from_numpy(from_buffer(amap.values).copy())
    assert delta[0].abs().max() == 0  # below the edit: unchanged
    assert delta[1, 2] == pytest.approx(4.0, rel=1e-4)  # ‖ones(16)‖ = 4 at the edited cell
    with pytest.raises(traitlets.TraitError):
        amap.quantity = "lens_prob"  # not a language model
    with pytest.raises(traitlets.TraitError):
        amap.dim = 99


def test_redraws_on_edit(amap):
    gen, before = amap.generation, bytes(amap.values["buffer"])
    amap.ws.add_edit(iwm.Edit.scale("blocks.0", 3.0))
    assert amap.generation > gen
    assert bytes(amap.values["buffer"]) != before


def test_selection_round_trips(amap):
    ws = amap.ws
    amap.selection = {"row": 1, "col": 3}  # as a click in the browser does
    assert ws.selection == {"site": "blocks.1", "row": 1, "position": 3}
    ws.selection = {"site": "blocks.2", "position": 0}  # another view selects
    assert amap.selection == {"row": 2, "col": 0}
    ws.selection = {}
    assert amap.selection == {}


def test_errors_are_shown_in_the_widget(amap):
    ws = amap.ws
    ws.add_edit(iwm.Edit.add("blocks.2", torch.ones(16), 1e6))  # the model overflows
    assert "overflowed" in amap.error
    ws.clear_edits()
    assert amap.error == ""
    with pytest.raises(iwm.errors.SiteNotFoundError):
        ws.add_edit(iwm.Edit.ablate("blocks.9"))
    assert "blocks.9" in amap.error
    with pytest.raises(iwm.errors.InputError):
        ws.inputs = torch.randn(1, 6, 7)
    assert "cannot run on these inputs" in amap.error


def test_language_model_logit_lens(gpt2_dir):
    model = iwm.load(gpt2_dir)
    ws = iwm.Workspace(model, "The ball moves to the left", background=False)
    amap = iwm.ActivationMap(ws, quantity="lens_prob")
    assert amap.columns == ["The", "ball", "moves", "to", "the", "left"]
    assert len(amap.cell_text) == 3 * 6
    probs = model.logit_lens(ws.result["transformer.h.2"][0]).softmax(-1)
    got = torch.from_numpy(from_buffer(amap.values).copy())
    assert torch.allclose(got[2], probs.max(-1).values, atol=1e-5)
    top = model.tokenizer.decode([int(probs[-1].argmax())])
    assert amap.cell_text[2 * 6 + 5] == top


@pytest.mark.parametrize("bad", [999, 16, -3, -1])
def test_bad_dim_is_refused_not_clamped(amap, bad):
    amap.quantity = "dim"
    amap.dim = 5
    shown = bytes(amap.values["buffer"])
    with pytest.raises(ValueError, match=rf"dim {bad} is out of range.*0 … 15") as info:
        amap.dim = bad
    assert isinstance(info.value, (iwm.widgets.activation_map.DimensionError, traitlets.TraitError))
    assert amap.dim == 5  # nothing lost: the previous valid dimension stays
    assert bytes(amap.values["buffer"]) == shown
    assert amap.error.startswith("DimensionError: ") and f"dim {bad}" in amap.error
    assert "still shows dim 5" in amap.error
    amap.dim = 6  # a valid one clears the message
    assert amap.error == ""


def test_bad_dim_at_construction_is_refused(tiny, tiny_x):
    ws = iwm.Workspace(tiny, tiny_x, background=False)
    for bad in (-3, 999):  # -3 used to index from the end, 999 failed only when drawn
        with pytest.raises(ValueError, match="out of range"):
            iwm.ActivationMap(ws, "dim", dim=bad)
    ok = iwm.ActivationMap(ws, "dim", dim=15)
    assert ok.error == "" and ok.dim == 15
    ok.close()


def test_selection_names_the_site_and_the_map_row(amap):
    ws = amap.ws
    amap.selection = {"row": 1, "col": 3}
    assert ws.selection == {"site": "blocks.1", "row": 1, "position": 3}
    with pytest.warns(FutureWarning, match="'site'"):
        assert ws.selection["layer"] == 1  # the old key still reads the row, with a warning
    assert ws.selection.get("layer") is None
    ws.selection = {}
    with pytest.raises(KeyError):
        ws.selection["layer"]
