"""Causal effects and the CausalGraph widget against known graphs."""

from __future__ import annotations

import json

import networkx as nx
import pytest
import torch
from torch import nn

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, InputError
from iwm_widgets.transport import from_buffer


class KnownGraph(nn.Module):
    """x → a → b → out and x → c → out: no path from a (or b) to c, none from c to b."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.a = nn.Linear(3, 8)
        self.b = nn.Sequential(nn.Linear(8, 8), nn.Tanh())
        self.c = nn.Linear(3, 8)
        self.out = nn.Linear(16, 2)

    def forward(self, x):
        a = self.a(x)
        b = self.b(a)
        c = self.c(x)
        return self.out(torch.cat([b, c], -1))


def test_ablating_a_node_changes_exactly_its_downstream_nodes():
    model = iwm.load(KnownGraph())
    x = torch.randn(1, 4, 3, generator=torch.Generator().manual_seed(2))
    out = iwm.output_node(lambda o: o[:, -1, 0], "out")
    ce = iwm.causal_effects(model, ["a", "b", "c", out], x)
    ids = [n.id for n in ce.nodes]
    eff = dict(zip(ids, ce.effects, strict=True))
    assert eff["a"][ids.index("b")] != 0 and eff["a"][ids.index("out")] != 0
    assert eff["a"][ids.index("c")] == 0  # no path a → c: exactly zero
    assert eff["b"][ids.index("c")] == 0
    assert eff["c"][ids.index("b")] == 0  # c comes later and feeds only the output
    assert eff["c"][ids.index("out")] != 0
    g = ce.to_networkx(threshold=1e-9)
    assert set(g.edges) == {("a", "b"), ("a", "out"), ("b", "out"), ("c", "out")}


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


@pytest.fixture(scope="module")
def variables(ball):
    vel = iwm.probe_sweep(ball, "velocity", n=256, progress=False).variable(
        "velocity", layer="blocks.2"
    )
    pos = iwm.probe_sweep(ball, "position", n=256, progress=False).variable(
        "position", layer="blocks.0"
    )
    return pos, vel


def next_pos_nodes():
    return [
        iwm.output_node(lambda o: o[:, -1, 0], "next x", "position_x"),
        iwm.output_node(lambda o: o[:, -1, 1], "next y", "position_y"),
    ]


def test_bouncing_ball_graph_contains_velocity_to_next_position(ball, variables):
    pos, vel = variables
    scores, gains, cross = [], [], []
    for seed in range(5):
        x = ball.sample(seed=seed)
        ce = iwm.causal_effects(ball, [pos, vel, *next_pos_nodes()], x, delta=0.005)
        g = ce.to_networkx(threshold=0.2)
        assert g.has_edge("velocity_x@blocks.2", "next x")
        assert g.has_edge("velocity_y@blocks.2", "next y")
        assert not g.has_edge("velocity_x@blocks.2", "next y")
        e = ce.effects
        ids = [n.id for n in ce.nodes]
        vx, nx_, ny = ids.index("velocity_x@blocks.2"), ids.index("next x"), ids.index("next y")
        gains.append(float(e[vx, nx_]))
        cross.append(abs(float(e[vx, ny])))
        scores.append(ce.score(ball.true_graph, 0.2))
    # one position edited, later layers still read the unedited past: gains below 1
    assert 0.5 < sum(gains) / len(gains) < 1.3
    assert sum(cross) < 0.25 * sum(gains)  # vx moves next x, much less next y
    assert all(s["precision"] == 1.0 for s in scores)
    assert all(s["recall"] >= 0.5 for s in scores)  # velocity edges found in every sample


def test_effects_are_measured_under_the_current_edits(ball, variables):
    _, vel = variables
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    nodes = [vel, *next_pos_nodes()]
    before = iwm.causal_effects(ws, nodes)
    ws.add_edit(iwm.Edit.ablate("blocks.3", positions=[-1]))  # downstream of velocity
    after = iwm.causal_effects(ws, nodes)
    assert not torch.allclose(before.effects, after.effects)


def test_causal_graph_widget_edit_reruns(ball, variables, tmp_path):
    pos, vel = variables
    ws = iwm.Workspace(ball, ball.sample(seed=0, latents=True), background=False)
    g = iwm.CausalGraph(ws, [pos, vel, *next_pos_nodes()], threshold=0.2)
    edges = from_buffer(g.edges)
    assert edges.shape[1] == 3 and len(g.nodes) == 6
    assert g.score["precision"] == 1.0 and g.score["true_edges"] == 4
    gen, before = g.generation, g.output["after"]
    g.edit_node("velocity_x@blocks.2", "set", 0.05)  # as the editor in the browser does
    assert len(ws.edits) == 1 and g.generation > gen
    assert g.output["after"] != before
    node = next(n for n in g.nodes if n["id"] == "velocity_x@blocks.2")
    assert node["edited"] and node["value"] == pytest.approx(0.05, abs=1e-5)
    g.remove_node_edit("velocity_x@blocks.2")
    assert ws.edits == () and g.output["after"] == pytest.approx(before)
    G = g.to_networkx()
    assert G.has_edge("velocity_x@blocks.2", "next x")
    g.save(tmp_path / "g.graphml")
    assert nx.read_graphml(tmp_path / "g.graphml").has_edge("velocity_x@blocks.2", "next x")
    assert json.loads(g.to_json())["edges"]
    with pytest.raises(EditError, match="output"):
        g.edit_node("next x", "set", 1.0)
    assert "output" in g.error
    with pytest.raises(RuntimeError, match="click the button"):
        g.save(tmp_path / "g.png")


def test_graph_nodes_say_which_positions_their_edits_edit(ball, variables):
    """The node editor shows the edit's scope: the one time step the node's edits edit
    (the same positions the edit and its nnsight code hold), and the rollout steps."""
    pos, vel = variables
    x = ball.sample(seed=0, latents=True)
    ws = iwm.Workspace(ball, x, background=False)
    T = ws.inputs.shape[1]
    g = iwm.CausalGraph(ws, [pos, vel, *next_pos_nodes()], threshold=0.2)
    node = next(n for n in g.nodes if n["id"] == "velocity_x@blocks.2")
    assert node["editable"] == ["set", "scale", "ablate"]  # no "clamp": the same as "set"
    assert node["scope"].startswith(f"time step {T - 1} only (the last of {T}; positions=[-1])")
    if ws.rollout_steps:
        assert node["scope"].endswith("and the newest step at every rollout step")
    assert all(n["scope"] == "" for n in g.nodes if n["kind"] == "output")
    g.edit_node("velocity_x@blocks.2", "set", 0.05)
    (e,) = ws.edits
    assert e.op == "clamp" and e.positions == (-1,)  # what the scope said
    assert "[:, [-1]]" in ws.to_code()
    with pytest.raises(EditError, match="its edits: set, scale, ablate"):
        g.edit_node("velocity_x@blocks.2", "clamp", 0.05)
    # a site node at another position: that step only, and no rollout steps
    at5 = iwm.tracing.causal.as_nodes(["blocks.1"], position=5)
    g5 = iwm.CausalGraph(ws, [*at5, *next_pos_nodes()])
    assert g5.nodes[0]["scope"] == f"time step 5 only (of 0–{T - 1}; positions=[5])"


def test_graph_bad_input(ball, variables):
    _, vel = variables
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    with pytest.raises(InputError, match="not upstream"):
        iwm.CausalGraph(ws, [vel])  # nothing after it
    with pytest.raises(InputError, match="browser budget"):
        many = [
            iwm.Node(f"n{i}", "site", iwm.Site("blocks.0"), position=i % 32) for i in range(201)
        ]
        iwm.CausalGraph(ws, many)
    assert ws.edits == ()


def test_graph_forgets_node_edits_removed_elsewhere(ball, variables):
    _, vel = variables
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    g = iwm.CausalGraph(ws, [vel, *next_pos_nodes()], threshold=0.2)
    g.edit_node("velocity_x@blocks.2", "set", 0.04)
    assert any(n["edited"] for n in g.nodes)
    ws.clear_edits()
    assert not any(n["edited"] for n in g.nodes)
    assert g.output["after"] == pytest.approx(g.output["before"])


# ---- attention heads and the choice of intervention ---------------------------------
def test_head_nodes_equal_a_hand_written_head_ablation(ball):
    heads = iwm.attention_heads(ball)
    assert len(heads) == 16  # 4 layers × 4 heads
    assert heads[5].site == iwm.Site("blocks.1.attn.out", "input")
    assert heads[5].features == (16, 32) and heads[5].label == "L1.H1"
    x = ball.sample(seed=3)
    out = iwm.output_node(lambda o: o[:, -1, 0], "next x")
    ce = iwm.causal_effects(ball, [*heads, out], x)
    nn_, xx = ball.nnsight, ball.prepare(x)
    with torch.no_grad():
        with nn_.trace(xx):
            clean = nn_.output.save()
        for i in (0, 5, 15):
            layer = i // 4
            lo, hi = heads[i].features
            with nn_.trace(xx):
                nn_.blocks[layer].attn.out.input[:, -1, lo:hi] = 0
                patched = nn_.output.save()
            want = float(patched[0, -1, 0] - clean[0, -1, 0])
            assert float(ce.effects[i, -1]) == pytest.approx(want, abs=1e-6)
    assert ce.effects[:, -1].abs().max() > 1e-3  # some head matters
    # a head of layer 2 cannot change a head of layer 1 (not downstream): exactly zero
    assert not ce.downstream[8, 4] and ce.effects[8, 4] == 0


def test_head_nodes_of_a_gpt2_language_model(gpt2_dir):
    model = iwm.load(gpt2_dir)
    heads = iwm.attention_heads(model, layers=[1])
    n_head = model.nnsight._module.config.n_head
    assert [h.label for h in heads] == [f"L1.H{h}" for h in range(n_head)]
    assert heads[0].site == iwm.Site("transformer.h.1.attn.c_proj", "input")
    ids = model.prepare("The ball moves to the left")
    top = iwm.output_node(lambda o: o[:, -1].max(-1).values, "top logit")
    ce = iwm.causal_effects(model, [*heads, top], ids)
    lo, hi = heads[1].features
    nn_ = model.nnsight
    with torch.no_grad():
        with nn_.trace(ids):
            clean = nn_.lm_head.output.save()
        with nn_.trace(ids):
            nn_.transformer.h[1].attn.c_proj.input[:, -1, lo:hi] = 0
            patched = nn_.lm_head.output.save()
    want = float(patched[0, -1].max() - clean[0, -1].max())
    assert float(ce.effects[1, -1]) == pytest.approx(want, abs=1e-5)


def test_set_and_mean_interventions(ball, variables):
    _, vel = variables
    x = ball.sample(seed=1)
    nodes = [vel, "blocks.3", *next_pos_nodes()]
    ce = iwm.causal_effects(
        ball,
        nodes,
        x,
        intervention={"velocity_x@blocks.2": "set", "blocks.3": "mean"},
        value={"velocity_x@blocks.2": 0.05},
    )
    assert ce.meta["interventions"][:3] == ["set", "shift", "mean"]
    # "set" against a clamp done by hand: same change of next x, per unit moved
    e = iwm.Edit.clamp(vel, [0.05, float(ce.values[1])], positions=[-1])
    base = iwm.run(ball, x).output[0, -1, 0]
    hand = iwm.run(ball, x, [e]).output[0, -1, 0]
    moved = 0.05 - float(ce.values[0])
    assert float(ce.effects[0, 3]) == pytest.approx(float(hand - base) / moved, rel=1e-3)
    # "mean" against a hand-written mean ablation of the last position
    h = iwm.run(ball, x, reads=["blocks.3"])["blocks.3"][0]
    nn_, xx = ball.nnsight, ball.prepare(x)
    with torch.no_grad(), nn_.trace(xx):
        nn_.blocks[3].output[:, -1] = h.mean(0)
        out = nn_.output.save()
    assert float(ce.effects[2, 3]) == pytest.approx(float(out[0, -1, 0] - base), abs=1e-6)


def test_intervention_bad_input(ball, variables):
    _, vel = variables
    x = ball.sample(seed=1)
    nodes = [vel, "blocks.3", *next_pos_nodes()]
    with pytest.raises(InputError, match="unknown intervention"):
        iwm.causal_effects(ball, nodes, x, intervention="wiggle")
    with pytest.raises(InputError, match="not be shifted"):
        iwm.causal_effects(ball, nodes, x, intervention="shift")
    with pytest.raises(InputError, match="needs value"):
        iwm.causal_effects(ball, nodes, x, intervention="set")
    with pytest.raises(InputError, match="unknown nodes"):
        iwm.causal_effects(ball, nodes, x, intervention={"nope": "zero"})
    with pytest.raises(InputError, match="finite"):
        iwm.causal_effects(ball, nodes, x, intervention="set", value=float("nan"))
    with pytest.raises(InputError, match="no attention modules"):
        iwm.attention_heads(iwm.load(KnownGraph()))


def test_graph_edits_a_head_node(ball, tmp_path):
    import runpy

    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    heads = iwm.attention_heads(ball, layers=[3])
    g = iwm.CausalGraph(ws, [*heads, *next_pos_nodes()], threshold=0.0)
    node = next(n for n in g.nodes if n["id"] == heads[2].id)
    assert node["kind"] == "head" and node["editable"] == ["ablate", "scale", "set"]
    g.edit_node(heads[2].id, "ablate")
    (e,) = ws.edits
    assert e.features == heads[2].features and e.site == heads[2].site
    assert iwm.Edit.from_dict(e.to_dict()).features == e.features
    value = next(n for n in g.nodes if n["id"] == heads[2].id)["value"]
    assert value == 0.0  # the head's slice is zero now
    # the Workspace's code reproduces the edited output bit for bit
    script = tmp_path / "head_edit.py"
    script.write_text(ws.to_code())
    x = ball.prepare(ws.inputs)
    ns = runpy.run_path(str(script), init_globals={"model": ball.nnsight, "inputs": x})
    assert torch.equal(ns["rollout"], ws.result.rollout)


def test_model_card_graph_score_holds_on_fresh_seeds(ball):
    from iwm_widgets.tracing.graph_card import measure_graph_score

    card = ball.card["causal_graph"]
    assert card["precision"] == 1.0 and card["recall"] == 1.0 and card["true_edges"] == 80
    fresh = measure_graph_score(ball, samples=4, eval_seed=40_000_000, probe_seed=777)
    assert fresh["true_edges"] == 16
    assert fresh["precision"] == 1.0 and fresh["recall"] == 1.0
    for edge, effect in card["mean_effect"].items():
        same_axis = edge.split("_")[1][0] == edge[-1]  # position_x@... -> next x
        if same_axis:
            assert fresh["mean_effect"][edge] == pytest.approx(effect, abs=0.15)
        else:
            assert abs(fresh["mean_effect"][edge]) < 0.05
    # the residual's own position code barely moves the prediction (it uses the skip)
    inner = fresh["internal_position_effect"]["mean_effect_on_next_position"]
    assert inner == pytest.approx(
        card["internal_position_effect"]["mean_effect_on_next_position"], abs=0.1
    )
    assert inner < 0.3


# ---- a batch of inputs: average causal effects with their spread ------------------------
T_975_7 = 2.364624251592784  # Student-t 0.975 quantile, 7 degrees of freedom (scipy.stats.t)
# float32: one batch of 32 rows against 8 runs of 4 takes other CPU matmul kernels; seen
# 1e-5 apart on CI's CPU (1e-7 on this one), so only float32's own noise is forgiven
BATCH_TOL = {"atol": 5e-5, "rtol": 1e-4}


def known_batch():
    """KnownGraph over 8 inputs near 1 (so each true edge has one sign), a Variable at
    ``a`` and two outputs: ``out`` and ``flip`` (``out`` times a sign that depends on the
    input only: a true path whose effect averages out)."""
    model = iwm.load(KnownGraph())
    g = torch.Generator().manual_seed(2)
    x = 1 + 0.3 * torch.randn(8, 4, 3, generator=g)
    u = iwm.Variable(
        "u", iwm.Site("a"), torch.randn(1, 8, generator=g), torch.zeros(1),
        torch.randn(1, 8, generator=g), ["u"],
    )  # fmt: skip
    with torch.no_grad():
        c0 = float(model.module(x)[:, 0, 1].median())  # position 0: no node edits it
    out = iwm.output_node(lambda o: o[:, -1, 0], "out")
    flip = iwm.output_node(lambda o: o[:, -1, 0] * torch.sign(o[:, 0, 1] - c0), "flip")
    return model, x, [u, "b", "c", out, flip]


@pytest.mark.parametrize(
    "kw",
    [
        {},  # u shifted by each input's own std, sites zeroed
        {"intervention": "mean"},  # each input's own means
        {"intervention": {"u@a": "set", "b": "mean"}, "value": 0.5},
    ],
)
def test_batched_effects_equal_the_mean_of_single_input_runs(kw, monkeypatch):
    import iwm_widgets.tracing.causal as causal

    model, x, nodes = known_batch()
    calls = []
    real_run = causal.run

    def counting_run(m, xs, *a, **k):
        calls.append(int(xs.shape[0]))
        return real_run(m, xs, *a, **k)

    monkeypatch.setattr(causal, "run", counting_run)
    ce = iwm.causal_effects(model, nodes, x, **kw)
    # ONE trace holds every input × (baseline + 3 interventions); at most one more reads
    # the unintervened values (deltas, means)
    assert calls[-1] == 8 * 4 == ce.meta["rows"] and len(calls) <= 2
    assert all(c in (8, 32) for c in calls)
    monkeypatch.setattr(causal, "run", real_run)
    singles = [iwm.causal_effects(model, nodes, x[b : b + 1], **kw) for b in range(8)]
    per = torch.stack([s.effects for s in singles])
    assert ce.n == 8 and ce.per_input.shape == (8, 5, 5)
    torch.testing.assert_close(ce.per_input, per, **BATCH_TOL)
    torch.testing.assert_close(ce.effects, per.mean(0), **BATCH_TOL)
    assert ce.mean is ce.effects
    se = per.std(0) / 8**0.5
    torch.testing.assert_close(ce.se, se, **BATCH_TOL)
    torch.testing.assert_close(ce.lo, ce.effects - T_975_7 * ce.se, atol=1e-6, rtol=0)
    torch.testing.assert_close(ce.hi, ce.effects + T_975_7 * ce.se, atol=1e-6, rtol=0)
    values = torch.stack([s.values for s in singles])
    torch.testing.assert_close(ce.values, values.mean(0), **BATCH_TOL)
    torch.testing.assert_close(ce.meta["input_values"], values, atol=1e-6, rtol=0)


def test_significant_keeps_edges_whose_interval_excludes_zero():
    model, x, nodes = known_batch()
    ce = iwm.causal_effects(model, nodes, x)
    ids = [n.id for n in ce.nodes]
    i = {k: ids.index(k) for k in ids}
    # no causal path (u → c, b → c): every input's effect is exactly 0, interval [0, 0]
    for a, b in [("u@a", "c"), ("b", "c")]:
        assert torch.all(ce.per_input[:, i[a], i[b]] == 0)
        assert ce.lo[i[a], i[b]] == 0 == ce.hi[i[a], i[b]]
    # a true path whose effect flips sign with the input: large per input, mean ≈ 0
    for a in ("u@a", "b", "c"):
        per = ce.per_input[:, i[a], i["flip"]]
        assert (per > 0).any() and (per < 0).any()
        assert ce.lo[i[a], i["flip"]] < 0 < ce.hi[i[a], i["flip"]]
    true = {("u@a", "b"), ("u@a", "out"), ("b", "out"), ("c", "out")}
    for a, b in true:  # one sign on every input: the interval excludes 0
        assert ce.lo[i[a], i[b]] > 0 or ce.hi[i[a], i[b]] < 0
    plain = set(ce.to_networkx(threshold=0.005).edges)
    assert plain == true | {("u@a", "flip"), ("b", "flip"), ("c", "flip")}
    assert set(ce.to_networkx(threshold=0.005, significant=True).edges) == true
    sig = iwm.causal_effects(model, nodes, x, significant=True)  # the result's default
    assert set(sig.to_networkx(threshold=0.005).edges) == true
    assert set(sig.to_networkx(threshold=0.005, significant=False).edges) == plain
    d = sig.to_networkx().edges["c", "out"]
    assert d["n"] == 8 and d["effect"] == d["mean"] == pytest.approx(
        float(ce.effects[i["c"], i["out"]])
    )
    assert d["lo"] < d["mean"] < d["hi"] < 0 and d["se"] > 0


def test_workspace_edits_of_some_rows_follow_their_input():
    model, x, nodes = known_batch()
    ws = iwm.Workspace(model, x, background=False)
    cut = iwm.Edit.ablate("b", positions=[-1]).with_(rows=(2,))  # input 2 only
    ws.add_edit(cut)
    ce = iwm.causal_effects(ws, nodes)
    for b in (0, 2, 7):
        own = [cut.with_(rows=None)] if b == 2 else []
        one = iwm.causal_effects(model, nodes, x[b : b + 1], edits=own)
        torch.testing.assert_close(ce.per_input[b], one.effects, atol=1e-6, rtol=0)


def test_one_input_is_measured_as_before():
    model, x, nodes = known_batch()
    ce = iwm.causal_effects(model, nodes, x[:1])
    assert ce.n == 1 and ce.meta["rows"] == 4
    assert torch.equal(ce.per_input[0], ce.effects)
    assert torch.isnan(ce.se).all() and torch.isnan(ce.lo).all() and torch.isnan(ce.hi).all()
    # the effect of zeroing c is the change of the output, run by hand
    base = iwm.run(model, x[:1]).output[0, -1, 0]
    hand = iwm.run(model, x[:1], [iwm.Edit.ablate("c", positions=[-1])]).output[0, -1, 0]
    assert float(ce.effects[2, 3]) == pytest.approx(float(hand - base), abs=1e-6)
    d = ce.to_networkx(threshold=1e-9).edges["c", "out"]
    assert set(d) == {"effect", "weight", "mean", "n"} and d["n"] == 1  # no interval
    with pytest.raises(InputError, match="two or more inputs"):
        iwm.causal_effects(model, nodes, x[:1], significant=True)
    with pytest.raises(InputError, match="two or more inputs"):
        ce.edges(significant=True)


def test_t_quantile():
    from iwm_widgets.tracing.causal import t_quantile

    want = {1: 12.706204736174694, 2: 4.302652729749462, 7: T_975_7, 30: 2.0422724563012378}
    for df, q in want.items():  # scipy.stats.t.ppf(0.975, df)
        assert t_quantile(0.975, df) == pytest.approx(q, rel=1e-9)
    assert t_quantile(0.975, 10_000) == pytest.approx(1.96, abs=1e-3)


def test_causal_graph_over_a_batch_of_balls(ball, variables):
    pos, vel = variables
    x = torch.cat([ball.sample(seed=s) for s in range(8)])
    assert x.shape == (8, 32, 2)
    ws = iwm.Workspace(ball, x, background=False)
    auto = iwm.CausalGraph(ws)  # the case: "causal_effects takes one input"
    assert auto.n_inputs == 8 and from_buffer(auto.edges).shape[1] == 6
    auto.close()
    g = iwm.CausalGraph(ws, [pos, vel, *next_pos_nodes()], threshold=0.2)
    assert g.n_inputs == 8 and g.effects is not None and g.effects.n == 8
    e = from_buffer(g.edges)
    assert e.shape[1] == 6 and len(e) > 4  # source, target, mean, se, lo, hi
    _, _, mean, se, lo, hi = e.T
    assert (se >= 0).all() and (lo <= mean).all() and (mean <= hi).all()
    torch.testing.assert_close(hi - mean, T_975_7 * se, atol=1e-5, rtol=1e-5)
    vx = "velocity_x@blocks.2"
    d = g.to_networkx().edges[vx, "next x"]
    assert d["n"] == 8 and 0.5 < d["lo"] < d["mean"] < d["hi"] < 1.5
    assert g.score["precision"] == 1.0
    g.significant = True  # a subset: every interval sent excludes 0
    sig = from_buffer(g.edges)
    assert 0 < len(sig) < len(e) and ((sig[:, 4] > 0) | (sig[:, 5] < 0)).all()
    assert g.to_networkx().has_edge(vx, "next x")
    # scaling a Variable node scales each input's own value (one clamp target per row)
    i = [n.id for n in g.effects.nodes].index(vx)
    before = g.effects.meta["input_values"][:, i].clone()
    g.edit_node(vx, "scale", 2.0)
    assert len(ws.edits) == 1 and ws.edits[0].value.shape == (8, 1)
    torch.testing.assert_close(g.effects.meta["input_values"][:, i], 2 * before, atol=1e-5, rtol=0)
    assert g.n_inputs == 8 and g.error == ""
    one = iwm.Workspace(ball, x[:1], background=False)
    with pytest.raises(InputError, match="two or more inputs"):
        iwm.CausalGraph(one, [vel, *next_pos_nodes()], significant=True)
    g1 = iwm.CausalGraph(one, [vel, *next_pos_nodes()])
    assert g1.n_inputs == 1 and from_buffer(g1.edges).shape[1] == 3
    g1.significant = True  # refused, said in the widget
    assert not g1.significant and "two or more inputs" in g1.error
