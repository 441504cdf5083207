"""White-box monitors (issue 16), scored against what the simulator says really happened.

Every score here is measured on simulator seeds drawn for the evaluation (apart from the
monitors' fit seeds and the output-only baseline's), next to controls: the same
classifier fitted on shuffled labels, random directions at the same site, the input-only
first layer, and the output-only monitors (a linear one, and one that knows the physics).
The alarms, precisions, recalls and lead times are checked against computations by hand:
a plain torch forward with a hook, and loops over the simulator's contacts.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.errors import FileFormatError, MonitorError
from iwm_widgets.tracing.monitors import EVAL_SEED_BASE, Rule
from iwm_widgets.zoo import bouncing_ball
from iwm_widgets.zoo.events import events_for, onsets, simulate, within

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

H = 4  # horizon: "a wall contact within the next 4 steps"


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


@pytest.fixture(scope="module")
def fitted(ball):
    """The internal monitor (a logistic probe of blocks.2's MLP neurons) and its controls,
    fitted on 192 simulated sequences; scored together on 192 fresh ones."""
    site = "blocks.2.mlp.act"
    mons = [
        iwm.Monitor.fit(ball, site, "wall-contact", H, n=192, progress=False, name="inside"),
        iwm.Monitor.fit(ball, site, "wall-contact", H, n=192, control="shuffled", progress=False),
        iwm.Monitor.fit(ball, site, "wall-contact", H, n=192, control="random", progress=False),
        iwm.Monitor.fit(ball, "embed", "wall-contact", H, n=192, progress=False, name="embed"),
    ]
    reports = iwm.evaluate_monitors(mons, ball, n=192, seed=1, progress=False)
    return mons, reports


def hand_readout(model, site, x):
    """The site's value by a plain torch forward hook (no nnsight, no iwm run)."""
    got = {}
    mod = model.module.get_submodule(site)
    h = mod.register_forward_hook(lambda m, a, out: got.__setitem__("h", out.detach()))
    try:
        with torch.no_grad():
            model.module(x)
    finally:
        h.remove()
    return got["h"]


# ---------------------------------------------------------------- events
def test_model_events_name_the_zoo_events(ball):
    assert ball.events == ["wall-contact"]
    assert iwm.load("springs-flawed").events == ["close-approach", "wall-contact"]
    assert list(events_for("tiny-lm")) == ["wrong-answer"]
    assert iwm.load(torch.nn.Linear(2, 2)).events == []


def test_events_are_the_simulators_contacts():
    x, lat = simulate(iwm.load("bouncing-ball").spec, 8, 5, 40)
    sim = bouncing_ball.simulate(8, 40, 5)
    assert torch.equal(x, torch.from_numpy(sim["position"]).float())
    state = events_for("bouncing-ball")["wall-contact"].state(lat)
    assert torch.equal(state, torch.from_numpy(sim["contact"].any(-1)))
    lab = within(state, 3)
    for i in range(8):
        for t in range(37):
            assert bool(lab[i, t]) == bool(sim["contact"][i, t + 1 : t + 4].any())
    assert not onsets(state)[:, 0].any()


# ---------------------------------------------------------------- alarms by hand
@pytest.mark.parametrize("mode", ["inputs", "rollout"])
def test_alarms_equal_a_hand_computed_readout(ball, mode):
    """A threshold on one neuron's value: the report's alarms are the hook's readout."""
    site, unit = "blocks.1.mlp.act", 7
    var = iwm.site_variable(ball, site)
    T, K = 20, 8
    x_all, lat = simulate(ball.spec, 24, 123, T + K + H)
    x = x_all[:, :T]
    if mode == "rollout":
        with torch.no_grad():
            pred = ball.module.rollout(x, K)
        seq, p0, p1 = torch.cat([x, pred[:, :-1]], 1), T - 1, T - 1 + K
    else:
        seq, p0, p1 = x, 2, T
    h = hand_readout(ball, site, seq)[:, p0:p1, unit]
    cut = float(h.median())
    mon = iwm.Monitor(var, Rule.above(cut, component=unit), name="neuron")
    rep = mon.evaluate(ball, x, "wall-contact", H, mode=mode, truth=lat, steps=K, progress=False)
    assert rep.scores.shape == (24, p1 - p0)
    assert torch.equal(rep.steps, torch.arange(p0, p1))
    torch.testing.assert_close(rep.scores, h, atol=1e-4, rtol=1e-4)
    clear = (h - cut).abs() > 1e-3  # float rounding decides only the ties
    assert torch.equal(rep.alarms[clear], (h > cut)[clear])
    assert rep.traces == (2 if mode == "rollout" else 1)  # batched: one chunk
    # a monitor built from a Result agrees too (the Workspace path)
    res = iwm.run(ball, seq, summaries=[mon.summary()])
    torch.testing.assert_close(mon.score(res)[:, p0:p1], h, atol=1e-4, rtol=1e-4)


def test_precision_recall_and_lead_time_equal_a_direct_count(ball, fitted):
    """Every number of a report, recomputed with loops over the simulator's contacts."""
    _, reports = fitted
    rep = reports["inside"]
    n, S = rep.alarms.shape
    p0 = int(rep.steps[0])
    sim = bouncing_ball.simulate(n, p0 + S + H, EVAL_SEED_BASE + 1)
    contact = sim["contact"].any(-1)  # frame c: a bounce between frames c-1 and c
    alarms = rep.alarms.numpy()
    tp = fp = fn = tn = 0
    for i in range(n):
        for s in range(S):
            t = p0 + s
            ev = bool(contact[i, t + 1 : t + 1 + H].any())
            assert bool(rep.events[i, s]) == ev
            a = bool(alarms[i, s])
            tp += a and ev
            fp += a and not ev
            fn += ev and not a
            tn += not a and not ev
    leads, detected, counted = [], 0, 0
    for i in range(n):
        for c in range(p0 + 1, p0 + S + H):
            if not contact[i, c] or contact[i, c - 1]:
                continue  # an onset: the condition starts at frame c
            window = [t for t in range(c - H, c) if p0 <= t < p0 + S]
            if not window:
                continue
            counted += 1
            hits = [t for t in window if alarms[i, t - p0]]
            if hits:
                detected += 1
                leads.append(c - min(hits))
    assert rep.precision == pytest.approx(tp / (tp + fp))
    assert rep.recall == pytest.approx(tp / (tp + fn))
    assert rep.false_alarm_rate == pytest.approx(fp / (fp + tn))
    assert rep.n_events == counted
    assert rep.detection_rate == pytest.approx(detected / counted)
    assert rep.lead_time == pytest.approx(float(np.mean(leads)))
    # the baseline is scored on the same steps at the same alarm rate
    b = rep.baseline
    assert b is not None and torch.equal(b.events, rep.events)
    assert abs(b.alarm_rate - rep.alarm_rate) < 0.01


def test_threshold_moves_re_score_and_re_match_the_baseline(fitted):
    _, reports = fitted
    rep = reports["inside"]
    lo, hi = rep.at(0.2), rep.at(0.8)
    assert lo.alarm_rate > rep.alarm_rate > hi.alarm_rate
    assert lo.recall >= rep.recall >= hi.recall
    assert "0.2" in lo.rule and "0.8" in hi.rule
    for r in (lo, hi):
        assert r.baseline is not None and abs(r.baseline.alarm_rate - r.alarm_rate) < 0.01
    assert torch.equal(rep.at(rep.threshold).alarms, rep.alarms)
    html = rep._repr_mimebundle_()["text/html"]
    assert "output-only (linear)" in html and "wall-contact" in html
    assert "inside" in repr(rep) and "Monitor" in fitted[0][0]._repr_mimebundle_()["text/html"]


# ---------------------------------------------------------------- science
def test_the_inside_sees_the_bounce_coming_next_to_its_controls(fitted):
    """Fresh seeds. The inside (a linear readout of blocks.2's neurons) beats every
    control and the like-for-like output-only monitor (linear in the predicted
    positions and motion); the output-only monitor that knows the physics (time to the
    wall at the predicted velocity) is as good: in this fully observed world the
    outputs hold the ingredients, the inside has computed the answer."""
    _, reports = fitted
    inside = reports["inside"]
    assert inside.auroc >= 0.95
    assert inside.detection_rate >= 0.85 and inside.precision >= 0.75
    assert inside.lead_time >= 3.0  # of at most 4
    for name in ("blocks.2.mlp.act (shuffled)", "embed"):
        assert reports[name].auroc <= 0.6, name
    random = next(r for k, r in reports.items() if "random" in k)
    assert random.auroc < inside.auroc - 0.15
    linear = inside.baselines["output-only (linear)"]
    assert linear.auroc <= 0.6
    assert inside.recall > linear.recall + 0.4
    physics = inside.baseline
    assert physics.auroc >= 0.95
    assert abs(physics.auroc - inside.auroc) < 0.05


def test_over_rollouts_the_inside_warns_one_step_ahead_better(ball, fitted):
    """Every predicted step of 16-step rollouts, scored against the simulator's true
    future: one step before a contact the inside alarms more often than the physics
    output-only monitor at the same alarm rate; further ahead, the physics wins."""
    mons, _ = fitted
    rep = mons[0].evaluate(ball, n=128, seed=2, mode="rollout", progress=False)
    assert rep.scores.shape == (128, 16) and rep.traces == 2
    assert rep.auroc >= 0.93
    assert rep.recall_by_lead[0] > rep.baseline.recall_by_lead[0]


# ---------------------------------------------------------------- files
def test_a_monitor_file_round_trips(ball, fitted, tmp_path):
    mon = fitted[0][0]
    path = mon.save(tmp_path / "bounce")
    back = iwm.Monitor.load(tmp_path / "bounce")
    assert back.name == mon.name and back.rule == mon.rule
    assert back.event == "wall-contact" and back.horizon == H and back.info == mon.info
    assert torch.equal(back.variable.read, mon.variable.read)
    x = ball.sample(seed=3)
    res = iwm.run(ball, x, reads=[mon.site])
    assert torch.equal(back.score(res), mon.score(res))
    # a tampered file is refused with what is wrong
    d = json.loads(path.read_text())
    d["monitor"]["rule"]["kind"] = "sometimes"
    path.write_text(json.dumps(d))
    with pytest.raises(FileFormatError, match="rule kind"):
        iwm.Monitor.load(tmp_path / "bounce")
    d["monitor"]["rule"]["kind"] = "classifier"
    d["monitor"]["rule"]["weights"] = [1.0, 2.0]  # not one per component
    path.write_text(json.dumps(d))
    with pytest.raises(FileFormatError, match="weights"):
        iwm.Monitor.load(tmp_path / "bounce")
    path.write_text("{")
    with pytest.raises(FileFormatError):
        iwm.Monitor.load(tmp_path / "bounce")


def test_threshold_band_and_norm_rules_round_trip(ball, tmp_path):
    var = iwm.site_variable(ball, "blocks.1")
    for rule in (Rule.below(-0.5, 3), Rule.band(-1.0, 1.0, "blocks.1[2]"), Rule.above(9.0, "norm")):
        mon = iwm.Monitor(var, rule, name="m")
        mon.save(tmp_path / "m")
        assert iwm.Monitor.load(tmp_path / "m").rule == rule
    h = torch.randn(5, 64)
    mon = iwm.Monitor(var, Rule.band(-1.0, 1.0, 2))
    assert torch.equal(mon.alarms(h), (h[:, 2] < -1.0) | (h[:, 2] > 1.0))
    assert torch.equal(iwm.Monitor(var, Rule.above(9.0, "norm")).alarms(h), h.norm(dim=-1) > 9)
    assert torch.equal(iwm.Monitor(var, Rule.below(-0.5, 3)).alarms(h), h[:, 3] < -0.5)


# ---------------------------------------------------------------- bad input
def test_bad_rules_and_data_sets_are_clear_errors(ball):
    var = iwm.site_variable(ball, "blocks.1")
    with pytest.raises(MonitorError, match="needs component="):
        iwm.Monitor(var, Rule.above(0.5))
    with pytest.raises(MonitorError, match="no component 99"):
        iwm.Monitor(var, Rule.above(0.5, 99))
    with pytest.raises(MonitorError, match="components"):
        iwm.Monitor(var, Rule.above(0.5, "speed"))
    with pytest.raises(MonitorError, match="lo <= hi"):
        Rule.band(1.0, 0.0, 0)
    with pytest.raises(MonitorError, match="finite"):
        Rule.above(math.nan, 0)
    with pytest.raises(MonitorError, match="3 weights"):
        iwm.Monitor(var, Rule.classifier([1.0, 2.0, 3.0], 0.0))
    with pytest.raises(MonitorError, match="a Rule"):
        iwm.Monitor(var, 0.5)
    mon = iwm.Monitor(var, Rule.above(0.0, 0))
    before = ball.weights_checksum()
    with pytest.raises(MonitorError, match="empty data set"):
        mon.evaluate(ball, torch.zeros(0, 16, 2), "wall-contact", truth=torch.zeros(0, 30))
    with pytest.raises(MonitorError, match="empty data set"):
        mon.evaluate(ball, n=0)
    with pytest.raises(MonitorError, match="no event 'explosion'"):
        mon.evaluate(ball, event="explosion", n=4)
    with pytest.raises(MonitorError, match="ground truth"):
        mon.evaluate(ball, ball.sample(seed=0), "wall-contact")
    with pytest.raises(MonitorError, match=r"needs \[1, >= "):
        mon.evaluate(ball, ball.sample(seed=0), "wall-contact", truth=torch.zeros(1, 10))
    with pytest.raises(MonitorError, match=r"only events|no events"):
        Rule.fit(torch.randn(10, 2), torch.zeros(10, dtype=torch.bool))
    other = iwm.site_variable(iwm.load("springs-fixed"), "blocks.1")
    with pytest.raises(MonitorError, match="reads 384 features"):
        iwm.Monitor(other, Rule.above(0.0, 0)).evaluate(ball, n=4)
    with pytest.raises(MonitorError, match="negative positions"):
        edit = iwm.Edit.add("blocks.1", torch.ones(64), positions=[-1])
        mon.evaluate(ball, n=4, mode="rollout", edits=[edit])
    # the model is left as it was and still runs
    assert ball.weights_checksum() == before
    assert mon.evaluate(ball, n=4, progress=False).scores.shape[0] == 4


# ---------------------------------------------------------------- streaming
def test_a_streaming_monitor_rechecks_every_workspace_run(ball, fitted):
    mon = fitted[0][0]
    x = ball.sample(seed=11)
    ws = iwm.Workspace(ball, x, background=False)
    seen = []
    stream = mon.attach(ws, on_alarm=lambda s: seen.append(s.generation))
    ws.run()
    res = iwm.run(ball, x, reads=[mon.site])
    torch.testing.assert_close(stream.scores[mon.name], mon.score(res), atol=1e-5, rtol=1e-5)
    assert stream.alarms[mon.name].shape == (1, x.shape[1])
    n_before = len(stream.history)
    # an edit that moves the ball's velocity re-runs, and the monitor re-checks
    ws.add_edit(iwm.Edit.scale("blocks.1", 0.0, start=20))
    ws.run()
    assert len(stream.history) > n_before
    assert stream.history[-1][0] == ws.result.generation
    assert bool(stream.alarming) == bool(seen)
    stream.detach()
    ws.run()
    assert stream.generation < ws.result.generation
    ws.close()


# ---------------------------------------------------------------- language model
def test_tiny_lm_wrong_answers_made_by_an_edit_are_seen_inside(ball):
    """tiny-lm answers every fact right; noise added at h.0 (a fresh direction and size
    per prompt) makes some answers wrong. A probe of h.3 fitted on half of the prompts
    warns of the wrong answers on the other half (and on other noise) better than the
    model's own confidence at the same alarm rate, and beats its shuffled control."""
    lm = iwm.load("tiny-lm")
    from iwm_widgets.tracing.monitors import _default_prompts

    prompts = _default_prompts(lm)
    g = torch.Generator().manual_seed(0)
    V = torch.randn(len(prompts), 1, 64, generator=g)
    V = V / V.norm(dim=-1, keepdim=True) * (5 + 4 * torch.rand(len(prompts), 1, 1, generator=g))
    fit = dict(inputs=prompts[::2], edits=[iwm.Edit.add("transformer.h.0", V[::2])], chunk=512)
    inside = iwm.Monitor.fit(lm, "transformer.h.3", "wrong-answer", 4, progress=False, **fit)
    ctrl = iwm.Monitor.fit(lm, "transformer.h.3", "wrong-answer", 4, control="shuffled", **fit)
    ev = dict(edits=[iwm.Edit.add("transformer.h.0", V[1::2])], chunk=512, progress=False)
    reps = iwm.evaluate_monitors([inside, ctrl], lm, prompts[1::2], **ev)
    r = reps[inside.name]
    assert r.n_events >= 15  # wrong answers really happened
    assert r.tokens is not None and len(r.texts) == len(prompts[1::2])
    assert r.auroc > reps[ctrl.name].auroc + 0.1
    assert r.auroc > r.baseline.auroc
    # without the edit every answer is right: no events, no recall to speak of
    clean = inside.evaluate(lm, prompts[1::2], chunk=512, progress=False)
    assert clean.n_events == 0 and math.isnan(clean.recall)


# ---------------------------------------------------------------- physical verification
@pytest.fixture(scope="module")
def law_checks():
    """The law monitor (internal acceleration of a particle − the sound Hooke force read
    at the same site) on springs-fixed and springs-flawed, 128 fit and 128 fresh
    systems of the sound world (seed 3); particle 0 (the flawed one) and particle 2 (a
    control the flaw leaves alone), both scored against particle 0's event."""
    from iwm_widgets.tracing.monitors import law_check

    fixed, flawed = iwm.load("springs-fixed"), iwm.load("springs-flawed")
    kw = dict(n=128, fit_n=128, seed=3)
    return (
        fixed,
        flawed,
        law_check(fixed, flawed, 0, **kw),
        law_check(fixed, flawed, 2, event_particle=0, **kw),
    )


def test_law_check_events_are_the_simulators_force_difference(law_checks):
    """The event, recomputed from the simulator by hand: the sign flaw changes particle
    0's force by 2 k Σ_j A_0j (x_j − x_0); the step t → t+1 averages frames t, t+1."""
    from iwm_widgets.zoo import springs

    _, _, lc, _ = law_checks
    rep = lc.reports["springs-flawed"]
    n, T = rep.valid.shape
    sim = springs.simulate(n, T + 1, EVAL_SEED_BASE + 3, 4, fixed_graph=True)
    pos = sim["position"].astype(np.float32).astype(np.float64)  # the latents' float32
    a = springs.fixed_adjacency(4)
    f = springs.hooke_force(pos, a)[:, :, 0]
    diff = -2.0 * f  # flawed − sound for particle 0
    over = 0.5 * (diff[:, :-1] + diff[:, 1:])
    want = torch.from_numpy(np.linalg.norm(over, axis=-1) > lc.d)
    con = sim["contact"][:, :, 0].any(-1)
    calm = torch.from_numpy(~(con[:, :-1] | con[:, 1:]))
    calm[:, :2] = False
    assert torch.equal(rep.valid, calm)
    assert torch.equal(rep.events, want & calm)
    assert torch.equal(lc.reports["springs-fixed"].events, rep.events)  # same systems


def test_the_law_monitor_flags_the_flawed_model_where_its_law_differs(law_checks):
    """Measured (seed 3, 128 + 128 systems, blocks.2, cut = the sound model's 0.99
    quantile 2.9e-4, events on 59 % of steps): springs-fixed alarms 0.016, AUROC 0.56,
    flaw share −0.00; springs-flawed alarms 0.995, precision 0.59 (= the base rate: it
    alarms almost everywhere), recall 1.00, AUROC 0.93, flaw share 0.62. Control,
    particle 2 on springs-flawed against particle 0's event: AUROC 0.67, but alarms 0.98
    at the cut — the flawed model's untouched particle departs from the sound law too
    (acceleration readout R² 0.95 vs 0.999), so the alarm rate at the sound model's cut
    does not single out particle 0; the ranking (AUROC), the flaw share and a cut 10×
    higher do (alarms: particle 0 0.65, particle 2 0.10, springs-fixed 0.00). The same
    check on the outputs alone: AUROC 0.92 (flawed), 0.59 (fixed): the inside at
    blocks.2 knows no more than the outputs."""
    _, _, lc, ctl = law_checks
    fx, fl = lc.reports["springs-fixed"], lc.reports["springs-flawed"]
    c_fl = ctl.reports["springs-flawed"]
    assert 0.3 < fl.base_rate < 0.8
    assert fx.alarm_rate < 0.05  # ~1 − quantile by construction (fit vs fresh seeds)
    assert fl.alarm_rate > 0.9 and fl.recall > 0.9
    assert fl.auroc > 0.8 and fx.auroc < 0.65 and c_fl.auroc < 0.75
    assert fl.auroc - max(fx.auroc, c_fl.auroc) > 0.12
    assert 0.4 < lc.fit["springs-flawed"]["flaw_share"] < 0.9
    assert abs(lc.fit["springs-fixed"]["flaw_share"]) < 0.05
    assert math.isnan(ctl.fit["springs-flawed"]["flaw_share"])  # the laws agree on 2
    assert c_fl.alarm_rate > 0.5  # honest: the cut alone flags the control particle too
    assert fl.at(10 * lc.cut).alarm_rate > 0.4
    assert c_fl.at(10 * ctl.cut).alarm_rate < 0.25 and fx.at(10 * lc.cut).alarm_rate < 0.02
    assert lc.reports["springs-fixed"].at(lc.cut).alarm_rate == fx.alarm_rate
    assert "LawCheck particle 0" in repr(lc) and fl.baseline is not None


def test_law_check_rejects_what_it_cannot_check(law_checks, ball):
    from iwm_widgets.tracing.monitors import law_check

    fixed, flawed, _, _ = law_checks
    with pytest.raises(MonitorError, match="flawed law"):
        law_check(flawed, fixed)
    with pytest.raises(MonitorError, match="no springs world"):
        law_check(fixed, ball)
    with pytest.raises(MonitorError, match="particle 7"):
        law_check(fixed, flawed, 7)
    with pytest.raises(MonitorError, match="world"):
        law_check(fixed, flawed, world="moon")
