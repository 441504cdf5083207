"""SteeringDials state: edits from dial values, neutral = no edit, code, presets, errors."""

from __future__ import annotations

import json
import math
import runpy

import pytest
import torch
from ipywidgets.widgets.widget import _remove_buffers

import iwm_widgets as iwm
from iwm_widgets.transport import from_buffer


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


@pytest.fixture(scope="module")
def vel(ball):
    return iwm.probe_sweep(ball, "velocity", n=256, seed=99, progress=False).variable(
        "velocity", layer="blocks.3"
    )


@pytest.fixture
def dials(ball, vel):
    ws = iwm.Workspace(ball, ball.sample(seed=0, latents=True), background=False)
    d = iwm.SteeringDials(ws, [vel])
    yield d
    d.close()


def test_neutral_dial_is_bit_identical_to_no_edit(dials):
    ws = dials.ws
    clean = iwm.run(ws.model, ws.inputs, rollout_steps=ws.rollout_steps)
    assert ws.edits == () and torch.equal(ws.result.rollout, clean.rollout)
    dials.set(velocity={"angle": 90, "radius": 0.04})
    assert not torch.equal(ws.result.rollout, clean.rollout)
    dials.reset()
    assert ws.edits == ()
    assert torch.equal(ws.result.rollout, clean.rollout)
    assert torch.equal(ws.result.output, clean.output)


def test_dial_value_becomes_a_clamp_at_every_rollout_step(dials, vel):
    ws = dials.ws
    dials.set(velocity={"angle": 180, "radius": 0.05})
    (edit,) = ws.edits
    assert edit.op == "clamp" and edit.start == ws.inputs.shape[1] - 1
    res = iwm.run(ws.model, ws.inputs, reads=[str(vel.site)])
    assert torch.equal(res.output, iwm.run(ws.model, ws.inputs).output)  # sanity
    edited = iwm.run(ws.model, ws.inputs, list(ws.edits), reads=[str(vel.site)])
    assert torch.allclose(vel.readout(edited)[0, -1], torch.tensor([-0.05, 0.0]), atol=1e-5)
    step = ws.result.rollout[0, 0] - ws.inputs[0, -1]
    assert abs(math.degrees(math.atan2(step[1], step[0])) % 360 - 180) < 20  # moves left


def test_scope_and_direction_reach_the_edit(dials):
    ws = dials.ws
    dials.set(velocity={"angle": 0, "radius": 0.03})
    dials.scope, dials.scope_start = "once", 10
    assert ws.edits[0].positions == (10,) and ws.edits[0].start is None
    dials.scope = "from"
    assert ws.edits[0].start == 10
    enc = ws.edits[0].write.clone()
    dials.direction = "probe"
    assert torch.equal(ws.edits[0].write, ws.edits[0].direction)
    assert not torch.equal(enc, ws.edits[0].write)


def test_copy_as_code_reproduces_the_widget_result(dials, tmp_path):
    ws = dials.ws
    dials.set(velocity={"angle": 45, "radius": 0.035})
    script = tmp_path / "dial_code.py"
    script.write_text(dials.code)
    ns = runpy.run_path(str(script), init_globals={"model": ws.model.nnsight, "inputs": ws.inputs})
    # the widget's rollout is key/value-cached (the code re-runs the whole sequence at
    # every step): equal up to float32 rounding, and exactly with the cache off
    assert ws.result.meta["rollout"] == "cached"
    assert torch.allclose(ns["rollout"], ws.result.rollout, atol=2e-5, rtol=0)
    uncached = iwm.run(
        ws.model, ws.inputs, list(ws.edits), rollout_steps=ws.rollout_steps, cache=False
    )
    assert torch.equal(ns["rollout"], uncached.rollout)


def test_rollout_payload_is_binary_with_truth_and_counterfactual(dials, ball):
    ws = dials.ws
    assert dials.rollout["counterfactual"] is None
    dials.set(velocity={"angle": 270, "radius": 0.04})
    state, paths, _ = _remove_buffers(dials.get_state())
    assert ["rollout", "factual", "buffer"] in paths and json.dumps(state)
    roll = {k: from_buffer(v) for k, v in dials.rollout.items() if v}
    assert roll["counterfactual"].shape == (ws.rollout_steps, 2)
    assert torch.allclose(torch.from_numpy(roll["counterfactual"].copy()), ws.result.rollout[0])
    truth = ws.truth
    v = torch.tensor([0.0, -0.04])
    expected = ball.spec.simulate_future(truth, ws.rollout_steps, velocity=v)
    assert torch.allclose(torch.from_numpy(roll["truth_cf"].copy()), expected, atol=1e-6)


def test_fast_drag_never_queues_and_last_value_wins(ball, vel):
    ws = iwm.Workspace(ball, ball.sample(seed=1, latents=True))
    d = iwm.SteeringDials(ws, [vel])
    ws.wait()
    before = dict(ws.stats)
    for k in range(50):  # 50 drag events, as fast as the kernel can take them
        d.values = {"velocity": {"angle": float(k * 7), "radius": 0.04}}
    res = ws.wait()
    runs = ws.stats["runs"] - before["runs"]
    assert ws.stats["requests"] - before["requests"] == 50
    assert runs < 50
    target = res.edits[0].value
    a = math.radians(49 * 7)
    assert torch.allclose(target, torch.tensor([0.04 * math.cos(a), 0.04 * math.sin(a)]))
    d.close()
    ws.close()


def test_presets_round_trip_without_pickle(dials, tmp_path, ball):
    dials.set(velocity={"angle": 120, "radius": 0.02})
    dials.scope = "from"
    path = dials.save_preset(tmp_path / "preset")
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".safetensors"]
    saved = ws_code = dials.code
    dials.reset()
    dials.scope = "rollout"
    dials.load_preset(path)
    assert dials.values["velocity"] == {"angle": 120, "radius": 0.02}
    assert dials.scope == "from" and dials.code == saved == ws_code
    meta = json.loads(path.read_text())
    meta["model"] = "some-other-model"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(meta))
    (tmp_path / "preset.safetensors").rename(tmp_path / "other.safetensors")
    with pytest.raises(iwm.errors.EditError, match="some-other-model"):
        dials.load_preset(other)
    assert "some-other-model" in dials.error
    assert dials.values["velocity"] == {"angle": 120, "radius": 0.02}  # nothing changed


def test_bad_dial_values_show_an_error_and_change_nothing(dials):
    ws = dials.ws
    dials.set(velocity={"angle": 10, "radius": 0.03})
    edits = ws.edits
    dials.values = {"velocity": {"angle": float("nan"), "radius": 0.03}}
    assert "non-finite" in dials.error or "NaN" in dials.error
    assert ws.edits == edits
    with pytest.raises(KeyError, match="unknown dials"):
        dials.set(speed=1.0)


def test_activation_map_shows_the_variable_and_follows_the_dials(dials, vel):
    ws = dials.ws
    amap = iwm.ActivationMap(ws, sites=[str(vel.site)])
    amap.show_variable(vel, "velocity_x")
    got = torch.from_numpy(from_buffer(amap.values).copy())
    assert torch.allclose(got[0], vel.readout(ws.result)[0, :, 0], atol=1e-6)
    gen = amap.generation
    dials.set(velocity={"angle": 0, "radius": 0.05})  # the map follows the dial
    assert amap.generation > gen
    got = torch.from_numpy(from_buffer(amap.values).copy())
    assert got[0, -1] == pytest.approx(0.05, abs=1e-5)  # the clamped readout at the last step
    amap.close()
