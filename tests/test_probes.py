"""Probes and dials against the simulator's ground truth (bouncing-ball)."""

from __future__ import annotations

import math

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, InputError


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


@pytest.fixture(scope="module")
def sweep(ball):
    return iwm.probe_sweep(ball, "velocity", n=512, seed=4242, progress=False)


@pytest.fixture(scope="module")
def held_out(ball):
    return ball.spec.sample_batch(20, seed=31337)  # seeds unseen by training and probes


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    ra, rb = a.argsort().argsort().double(), b.argsort().argsort().double()
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / (ra.norm() * rb.norm()))


def test_probe_recovers_velocity_and_control_is_chance(sweep):
    best = sweep.scores[sweep.best_layer]
    assert best["score"] >= 0.9
    assert all(abs(sc["control"]) < 0.05 for sc in sweep.scores.values())
    assert sweep.scores["embed"]["score"] < 0.1  # layer 0 holds no velocity
    # the learned part is bounce handling: after a bounce the probe beats the inputs alone
    assert best["score_after_bounce"] > 0.6
    assert sweep.baselines["input_last_2"] > 0.9  # a high overall R² alone shows little


def test_variable_readout_matches_true_velocity(ball, sweep):
    vel = sweep.variable("velocity")
    x, lat = ball.sample(seed=999, latents=True)
    res = iwm.run(ball, x, reads=[str(vel.site)])
    got = vel.readout(res)[0, 2:]
    true = lat["velocity"][2:]
    assert 1 - ((got - true) ** 2).sum() / ((true - true.mean(0)) ** 2).sum() > 0.85
    assert vel.read.shape == vel.write.shape == (2, ball.shape(vel.site)[-1])
    cos = torch.nn.functional.cosine_similarity(vel.read, vel.write, dim=-1)
    assert (cos.abs() < 0.9).all()  # read and write directions are not the same


def test_readouts_at_every_layer_are_each_layers_variable_readout(ball, sweep):
    # notebook 02's map: every layer read by its own probe, bias included
    x, _ = ball.sample(seed=0, latents=True)
    res = iwm.run(ball, x, reads=sweep.sites)
    got = sweep.readouts(res, "velocity_x")
    assert got.shape == (len(sweep.sites), 1, x.shape[-2])
    for i, s in enumerate(sweep.sites):
        var = sweep.variable(layer=s)
        assert torch.equal(got[i], var.readout(res)[..., 0])
        assert float(var.bias.abs().max()) > 0  # a readout without the bias would differ
    assert torch.equal(sweep.readouts(res, 1), torch.stack([
        sweep.variable(layer=s).readout(res)[..., 1] for s in sweep.sites
    ]))  # fmt: skip
    with pytest.raises(ValueError):
        sweep.readouts(res, "velocity_z")


def test_input_only_baselines_are_scored_after_bounces_too(sweep):
    # "beyond what the input gives" needs the input-only score on the same bounce steps
    assert set(sweep.baselines_after_bounce) == {"input_last_2", "input_last_4"}
    k = sweep.input_baseline
    assert k == max(["input_last_2", "input_last_4"], key=sweep.baselines.__getitem__)
    best = sweep.scores[sweep.best_layer]
    assert sweep.baselines_after_bounce[k] < sweep.baselines[k] - 0.3  # bounces fool the input
    assert best["score_after_bounce"] > sweep.baselines_after_bounce[k] + 0.2
    assert f"baseline {k}: " in repr(sweep) and "score_after_bounce" in repr(sweep)


def test_own_labels_and_discrete_targets(ball):
    x, lat = ball.spec.sample_batch(128, seed=5, latents=True)
    own = iwm.probe_sweep(ball, "my_vx", labels=lat["velocity"][..., 0], inputs=x, progress=False)
    assert own.kind == "regression" and own.scores[own.best_layer]["score"] > 0.8
    contact = iwm.probe_sweep(ball, "contact", n=256, progress=False)
    assert contact.kind == "classification"
    assert "chance" in contact.baselines


def test_probe_bad_input(ball):
    with pytest.raises(InputError, match=r"velocity"):
        iwm.probe_sweep(ball, "acceleration", n=8)
    x = ball.spec.sample_batch(4, seed=1)
    with pytest.raises(InputError, match="labels have shape"):
        iwm.probe_sweep(ball, "y", labels=torch.zeros(4, 10), inputs=x)
    with pytest.raises(InputError, match="constant"):
        iwm.probe_sweep(ball, "y", labels=torch.ones(4, x.shape[1]), inputs=x)


def test_clamp_sets_readout_exactly_and_add_shifts_it(ball, sweep):
    vel = sweep.variable("velocity", layer="blocks.2")
    x = ball.sample(seed=11)
    target = torch.tensor([0.03, -0.02])
    res = iwm.run(ball, x, [iwm.Edit.clamp(vel, target, start=31)], reads=["blocks.2"])
    assert torch.allclose(vel.readout(res)[0, 31], target, atol=1e-5)
    clean = iwm.run(ball, x, reads=["blocks.2"])
    res = iwm.run(ball, x, [iwm.Edit.add(vel, [0.01, 0.0], positions=[31])], reads=["blocks.2"])
    shift = vel.readout(res)[0, 31] - vel.readout(clean)[0, 31]
    assert torch.allclose(shift, torch.tensor([0.01, 0.0]), atol=1e-5)


@pytest.mark.parametrize("layer", ["blocks.2", "blocks.3"])
def test_turning_vx_moves_the_rollout_monotonically(ball, sweep, held_out, layer):
    vx = sweep.variable("velocity", layer=layer).component("velocity_x")
    values = torch.linspace(-0.05, 0.05, 9)
    fut = iwm.dial_scan(ball, held_out, vx, values, steps=3)  # one batched trace
    disp = fut[:, :, 2] - held_out[:, None, -1]  # displacement after 3 steps
    rho = sum(spearman(values, disp[i, :, 0]) for i in range(len(held_out))) / len(held_out)
    assert rho >= 0.9
    assert float(disp[..., 1].std(1).mean()) < 0.25 * float(disp[..., 0].std(1).mean())


def test_rotating_the_velocity_dial_rotates_the_first_step(ball, sweep, held_out):
    angles = torch.arange(0.0, 360.0, 30.0)
    rad = torch.deg2rad(angles)
    targets = 0.04 * torch.stack([rad.cos(), rad.sin()], 1)
    errs = {}
    for how in ("encoding", "probe"):
        vel = sweep.variable("velocity", layer="blocks.3")
        fut = iwm.dial_scan(ball, held_out, vel, targets, steps=1, direction=how)
        step = fut[:, :, 0] - held_out[:, None, -1]
        got = torch.rad2deg(torch.atan2(step[..., 1], step[..., 0]))
        errs[how] = float(((got - angles + 180) % 360 - 180).abs().mean())
    assert errs["encoding"] <= 15.0
    assert errs["probe"] > errs["encoding"]  # the probe's direction is weaker, as expected


def test_dial_scan_equals_separate_runs(ball, sweep, held_out):
    vx = sweep.variable("velocity", layer="blocks.2").component(0)
    values = torch.tensor([-0.03, 0.0, 0.04])
    fut = iwm.dial_scan(ball, held_out[:2], vx, values, steps=2)
    for i in range(2):
        for j, v in enumerate(values):
            e = iwm.Edit.clamp(vx, v, start=held_out.shape[1] - 1)
            one = iwm.run(ball, held_out[i : i + 1], [e], rollout_steps=2).rollout[0]
            assert torch.allclose(fut[i, j], one, atol=1e-5)


def test_variable_width_mismatch_is_rejected(ball, sweep):
    vel = sweep.variable("velocity", layer="blocks.2")
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    bad = iwm.Variable("bad", "blocks.2", torch.eye(2, 10), torch.zeros(2), torch.eye(2, 10))
    with pytest.raises(EditError, match="width"):
        iwm.SteeringDials(ws, [bad])
    with pytest.raises(EditError, match=r"10 features|length 10"):
        ws.add_edit(iwm.Edit.clamp(bad, [0.0, 0.0]))
    assert ws.edits == ()
    assert math.isfinite(float(vel.readout(ws.run())[0, -1, 0]))


# ---------------------------------------------------------------------------------------
# The probe chart widget: an SVG rendered offline by Python, a click picks a layer.


def _points(svg: str) -> list[dict[str, str]]:
    """The ARIA fields of every point mark in the SVG (site, series, score), with its path."""
    import re

    out = []
    for tag in re.findall(r"<path [^>]*aria-roledescription=\"point\"[^>]*>", svg):
        label = re.search(r'aria-label="([^"]*)"', tag)
        assert label is not None, tag
        fields = dict(part.split(": ", 1) for part in label.group(1).split("; "))
        out.append({**fields, "tag": tag})
    return out


def test_probe_chart_widget_draws_a_point_per_site_and_series_and_highlights_the_pick(sweep):
    import json

    from iwm_widgets.widgets import ProbeChart

    chart = sweep.widget()
    assert isinstance(chart, ProbeChart)
    assert type(sweep.chart()).__name__ == "LayerChart"  # the altair chart, for users
    series = {"probe (held-out)", "shuffled labels", "just after a bounce"}
    pts = _points(chart.svg)
    assert sorted((p["site"], p["series"]) for p in pts) == sorted(
        (s, k) for s in sweep.sites for k in series
    )
    for p in pts:
        if p["series"] == "probe (held-out)":
            assert float(p["score"]) == pytest.approx(sweep.scores[p["site"]]["score"], abs=1e-3)
    assert chart.selected == chart.drawn == "" and 'stroke="#222"' not in chart.svg
    # saved state: the SVG and a small bundle, not a Vega bundle (was ~909 KB)
    state = {k: v for k, v in chart.get_state().items()}
    assert len(json.dumps(state)) < 64 * 1024

    def picked(svg: str) -> set[tuple[str, str]]:
        return {(p["site"], p["series"]) for p in _points(svg) if 'stroke="#222"' in p["tag"]}

    try:
        chart.selected = "blocks.2"  # what a click in the page sends
        assert sweep.selected == "blocks.2" and chart.drawn == "blocks.2"
        assert picked(chart.svg) == {("blocks.2", k) for k in series}
        assert str(sweep.variable().site) == "blocks.2"
        sweep.selected = "blocks.1"  # a pick in code redraws the chart
        assert chart.selected == chart.drawn == "blocks.1"
        assert picked(chart.svg) == {("blocks.1", k) for k in series}
        assert "picked: blocks.1" in chart.svg
        with pytest.raises(Exception, match="not a probed site"):
            chart.selected = "nowhere"
        assert sweep.selected == "blocks.1"
        sweep.selected = "nowhere"  # shown as an error; nothing is highlighted
        assert chart.selected == "" and "not a probed site" in chart.error
        assert picked(chart.svg) == set()
        chart.selected = "blocks.0"
        assert sweep.selected == "blocks.0" and chart.error == ""
        chart.selected = ""  # a second click on the picked point clears it
        assert sweep.selected is None and chart.drawn == "" and picked(chart.svg) == set()
    finally:
        sweep.selected = None
        chart.close()
    sweep.selected = "blocks.3"  # a closed chart no longer follows
    sweep.selected = None
