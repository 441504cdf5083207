"""Per-particle probes and the interaction graph recovered from a model's internals.

* batched interventions equal one trace per intervention, exactly;
* a planted-graph toy (particle j's prediction reads particle i only where A_ji = 1)
  is recovered exactly (AUROC 1, no false edge), a no-interaction toy gives nothing,
  and after the layer that mixes the particles no edge is left;
* patching one particle's slice between two systems that differ in one spring;
* the interventions leave the model's weights and hooks as they were;
* on the shipped springs models (when their weights are in place) the recovered edge
  scores track the model's own input sensitivities (Spearman ≥ 0.8, issue 13).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import iwm_widgets as iwm
from iwm_widgets.errors import InputError
from iwm_widgets.tracing.interactions import spearman
from iwm_widgets.tracing.model import Model, weights_checksum
from iwm_widgets.zoo import springs as sp
from iwm_widgets.zoo import springs_metrics as sm
from iwm_widgets.zoo._base import WEIGHTS_DIR

SEED = sp.TEST_SEED_BASE + 1300  # fresh seeds, disjoint from training and the cards
N = 4
#: the planted graph: 0-1, 0-2, 2-3 (FIXED_EDGES[4]), as A[j, i] = "j reads i"
PLANTED = sp.fixed_adjacency(N)


# ---------------------------------------------------------------- a planted-graph toy
class _Embed(nn.Module):
    """Slot i of ``[B, T, N·4]``: (x_i − ½, y_i − ½, 0, 0)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        p = (x - 0.5).view(b, t, N, 2)
        return torch.cat([p, torch.zeros_like(p)], -1).reshape(b, t, N * 4)


class _Mix(nn.Module):
    """Slot j's features 2:4 become Σ_i A[j, i] (p_i − p_j): Hooke on the planted graph."""

    def __init__(self, a: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("a", torch.tensor(a, dtype=torch.float32))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        b, t, _ = h.shape
        s = h.view(b, t, N, 4)
        p = s[..., :2]
        pull = self.a @ p - self.a.sum(-1)[:, None] * p
        return torch.cat([p, pull], -1).reshape(b, t, N * 4)


class Planted(nn.Module):
    """Predicts ``x + d + k · pull``: particle j's acceleration reads i iff A[j, i]."""

    def __init__(self, a: np.ndarray) -> None:
        super().__init__()
        self.max_len = 48
        self.embed = _Embed()
        self.blocks = nn.ModuleList([_Mix(a)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, n2 = x.shape
        h = self.blocks[0](self.embed(x))
        acc = h.view(b, t, N, 4)[..., 2:].reshape(b, t, n2)
        d = torch.cat([torch.zeros_like(x[:, :1]), x[:, 1:] - x[:, :-1]], 1)
        return x + d + sp.SPRING_K * acc


class PlantedSpec(sp.SpringsSpec):
    name = "planted"
    config = sp.SpringsConfig(d_model=4, n_layers=1)

    def __init__(self, a: np.ndarray) -> None:
        super().__init__()
        self.a = a

    def build_module(self) -> nn.Module:  # type: ignore[override]
        return Planted(self.a)


def _world(spec: sp.SpringsSpec, module: nn.Module | None = None) -> Model:
    module = (module or spec.build_module()).eval()
    m = Model(module, name=spec.name, kind="world", layers=spec.layer_sites, spec=spec)
    m.inspect(spec.sample(seed=0, length=12))
    return m


@pytest.fixture(scope="module")
def planted() -> Model:
    return _world(PlantedSpec(PLANTED))


@pytest.fixture(scope="module")
def systems() -> torch.Tensor:
    return sp.SpringsSpec().sample_batch(6, SEED, length=12)


@pytest.fixture(scope="module")
def fresh() -> Model:
    """An untrained springs model (the real architecture; no weights needed)."""
    torch.manual_seed(0)
    return _world(sp.SpringsSpec())


# ---------------------------------------------------------------- per-particle probes
def test_particle_probes(fresh: Model) -> None:
    sweeps = iwm.particle_sweeps(
        fresh, "velocity", features="own", sites=["embed", "blocks.1"], n=48, progress=False
    )
    assert [s.target for s in sweeps] == [f"velocity_{i}" for i in range(N)]
    v = sweeps[2].variable(layer="blocks.1")
    assert v.name == "velocity_2" and v.components == ["velocity_2_x", "velocity_2_y"]
    d = fresh.module.cfg.d_model
    outside = torch.ones(N * d, dtype=torch.bool)
    outside[2 * d : 3 * d] = False
    assert not v.read[:, outside].any() and not v.write[:, outside].any()  # its own slice only
    for s in sweeps:  # shuffled control and the input-only baselines, as for bouncing-ball
        assert set(s.scores["embed"]) >= {"score", "control"}
        assert set(s.baselines) == {"input_last_2", "input_last_4"}
        assert s.scores["embed"]["score"] > 0.9 > s.scores["embed"]["control"]
    one = iwm.probe_sweep(
        fresh,
        "velocity",
        particle=2,
        features="own",
        sites=["embed", "blocks.1"],
        n=48,
        progress=False,
    )
    assert one.scores == sweeps[2].scores
    with pytest.raises(InputError, match="one slot"):
        mf = _world(sp.SpringsMeanfieldSpec())
        iwm.particle_sweeps(mf, "position", features="own", sites=["embed"], n=8)
    with pytest.raises(InputError, match="particles"):
        iwm.particle_sweeps(fresh, "position", particles=[4], n=8)


# ---------------------------------------------------------------- batched == loop
@pytest.mark.parametrize(
    "kw",
    [
        {"variable": "position", "layer": "blocks.1", "scope": "past"},
        {"variable": "velocity", "layer": "embed", "scope": "each", "window": 2, "lookback": 1},
        {"variable": "velocity", "layer": "embed", "scope": "step", "window": 2},
        {"variable": None, "site": "blocks.2"},
    ],
    ids=["position-past", "velocity-each", "velocity-step", "ablate-slice"],
)
def test_batched_equals_one_trace_per_intervention(
    fresh: Model, systems: torch.Tensor, kw: dict
) -> None:
    common = {"fit_systems": 32, "delta": 0.01, **kw}
    x = systems[:1] if kw.get("scope") in ("each", "step") else systems[:2]
    batched = iwm.interaction_graph(fresh, x, max_rows=10, **common)
    loop = iwm.interaction_graph(fresh, x, batched=False, **common)
    assert torch.equal(batched.scores, loop.scores)
    assert torch.equal(batched.self_scores, loop.self_scores)
    if batched.signed is not None:
        assert loop.signed is not None and torch.equal(batched.signed, loop.signed)
    assert loop.traces - batched.traces >= batched.rows - 4  # one trace per row vs a few
    assert batched.scores.shape == (len(x), N, N) and (batched.scores.diagonal(0, 1, 2) == 0).all()
    assert batched.scores.abs().max() > 0
    if kw["variable"] is not None:  # the fitted probes, passed back, give the same scores
        again = iwm.interaction_graph(fresh, x, **{**common, "variable": batched.fitted})
        assert len(batched.fitted) == N and torch.equal(again.scores, batched.scores)
    else:
        assert batched.fitted == []


# ---------------------------------------------------------------- planted graphs
def test_planted_graph_is_recovered_exactly(planted: Model, systems: torch.Tensor) -> None:
    adj = np.broadcast_to(PLANTED, (len(systems), N, N))
    g = iwm.interaction_graph(planted, systems, adjacency=adj, variable="position", layer="embed")
    assert g.auroc() == 1.0
    assert g.at_threshold(0.0)["precision"] == 1.0 and g.at_threshold(0.0)["recall"] == 1.0
    assert g.edges(0) == [tuple(e) for e in sp.FIXED_EDGES[N]]
    off = torch.tensor(PLANTED == 0)
    assert (g.scores[:, off] == 0).all()  # no effect at all where j does not read i
    # linear toy: score = k √2 on an edge, signed = k (the spring's pull)
    on = torch.tensor(PLANTED == 1)
    assert torch.allclose(
        g.scores[:, on], torch.full_like(g.scores[:, on], sp.SPRING_K * 2**0.5), rtol=1e-2
    )
    assert g.signed is not None
    assert torch.allclose(g.signed[:, on], torch.full_like(g.signed[:, on], sp.SPRING_K), rtol=1e-2)
    nx_g = g.to_networkx(0)
    assert all(d["recovered"] and d["true"] for *_, d in nx_g.edges(data=True))
    # the same with the particles' feature slices ablated instead of a Variable shifted
    ab = iwm.interaction_graph(planted, systems, adjacency=adj, variable=None, site="embed")
    assert ab.auroc() == 1.0 and (ab.scores[:, off] == 0).all() and (ab.scores[:, on] > 0).all()
    # after the layer that mixed the particles, each slot only feeds its own prediction
    late = iwm.interaction_graph(planted, systems, adjacency=adj, variable=None, site="blocks.0")
    assert (late.scores == 0).all() and (late.self_scores > 0).all()


def test_no_interaction_gives_no_edges(systems: torch.Tensor) -> None:
    none = _world(PlantedSpec(np.zeros((N, N))))
    g = iwm.interaction_graph(none, systems, adjacency=PLANTED, variable="position", layer="embed")
    assert (g.scores == 0).all()
    assert g.auroc() == 0.5 and g.edges(0) == []


def test_faithfulness_on_the_planted_toy(planted: Model, systems: torch.Tensor) -> None:
    """Sensitivities of the toy: ∝ A (moving particle i moves j only along a spring)."""
    g = iwm.interaction_graph(
        planted, systems, adjacency=PLANTED, variable="position", layer="embed"
    )
    sens = sm.input_sensitivity(planted.module, systems, last=len(g.window))["norm"]
    on, off = PLANTED == 1, (PLANTED == 0) & ~np.eye(N, dtype=bool)
    # float32 central differences: the non-springs are rounding noise, far below a spring
    assert sens[:, off].max() < 1e-3 * sens[:, on].min()
    np.testing.assert_allclose(sens[:, on], sp.SPRING_K * 2**0.5, rtol=1e-2)
    # the ranks among the tied springs are rounding noise too, so Spearman stays below 1
    assert g.faithfulness(sens)["directed"] > 0.85
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0


# ---------------------------------------------------------------- one spring apart
def test_spring_pairs_differ_in_one_spring() -> None:
    spec = sp.SpringsSpec()
    pairs = spec.sample_spring_pairs(8, SEED, length=12)
    assert torch.equal(pairs["a"], spec.sample_batch(8, SEED, length=12))
    assert torch.equal(pairs["a"][:, 0], pairs["b"][:, 0])  # same start
    diff = (pairs["adjacency_a"] != pairs["adjacency_b"]).sum((1, 2))
    assert (diff == 2).all()  # one spring (both entries of the symmetric matrix)
    for p, (i, j) in enumerate(pairs["edges"].tolist()):
        assert pairs["adjacency_a"][p, i, j] != pairs["adjacency_b"][p, i, j]
    fixed = spec.sample_spring_pairs(2, SEED, length=12, edges=(1, 0))
    assert fixed["edges"].tolist() == [[0, 1], [0, 1]]


def test_spring_patching(planted: Model) -> None:
    pairs = PlantedSpec(PLANTED).sample_spring_pairs(3, SEED, length=12)
    res = iwm.spring_patching(
        planted, pairs["a"], pairs["b"], edges=pairs["edges"].tolist(), sites=["embed", "blocks.0"]
    )
    assert res.effects.shape == (3, 2, N, N) and res.traces == 2
    # at embed: j's prediction moves when i's slice comes from B iff j reads i (or i = j)
    # and i moved differently in B (a particle the toggled spring does not reach does not)
    moved = (pairs["a"] != pairs["b"]).view(3, 12, N, 2).any(-1).any(1)  # [pairs, i]
    reads = torch.tensor(PLANTED == 1) | torch.eye(N, dtype=torch.bool)  # [j, i]
    expect = reads[None] & moved[:, None, :]
    emb, late = res.effects[:, 0], res.effects[:, 1]
    assert expect.any() and (emb[expect] > 0).all() and (emb[~expect] == 0).all()
    off_diag = ~torch.eye(N, dtype=torch.bool)
    assert (late[:, off_diag] == 0).all()  # after the mixing layer: own prediction only
    # each patched row equals a trace of its own
    lo, hi = 4, 8  # particle 1's slice at embed
    b_emb = iwm.run(planted, pairs["b"][1:2], reads=["embed"])["embed"][0, :, lo:hi]
    one = iwm.run(
        planted, pairs["a"][1:2], [iwm.Edit.set("embed", b_emb, start=0).with_(features=(lo, hi))]
    )
    base = iwm.run(planted, pairs["a"][1:2]).output
    w = res.window
    want = (one.output - base)[0, w].double().view(len(w), N, 2).norm(dim=-1).mean(0)
    assert torch.allclose(res.effects[1, 0, :, 1], want, atol=1e-12)


# ---------------------------------------------------------------- the model is left alone
def test_interventions_leave_the_model_untouched(fresh: Model, systems: torch.Tensor) -> None:
    module = fresh.module
    before = weights_checksum(module)
    with torch.no_grad():
        out = module(systems[:2])
    iwm.interaction_graph(fresh, systems[:2], variable="position", layer="blocks.0", fit_systems=32)
    iwm.interaction_graph(fresh, systems[:2], variable=None, site="blocks.1")
    pairs = fresh.spec.sample_spring_pairs(1, SEED, length=12)
    iwm.spring_patching(fresh, pairs["a"], pairs["b"], sites=["blocks.1"])
    assert weights_checksum(module) == before
    for sub in module.modules():
        assert not sub._forward_hooks and not sub._forward_pre_hooks
    with torch.no_grad():
        assert torch.equal(module(systems[:2]), out)


def test_bad_arguments(fresh: Model, systems: torch.Tensor) -> None:
    with pytest.raises(InputError, match="scope"):
        iwm.interaction_graph(fresh, systems, scope="later")
    with pytest.raises(InputError, match="one Variable per particle"):
        iwm.interaction_graph(fresh, systems, variable=[])
    mf = _world(sp.SpringsMeanfieldSpec())
    with pytest.raises(InputError, match="one slot"):
        iwm.interaction_graph(mf, systems, variable=None, site="blocks.0")


# ---------------------------------------------------------------- the shipped models
ZOO = {
    "springs": "springs.safetensors",
    "springs-fixed": "springs_fixed.safetensors",
    "springs-meanfield": "springs_meanfield.safetensors",
}


@pytest.mark.parametrize(
    "name",
    sorted(ZOO),
)
def test_recovery_is_faithful_to_the_shipped_model(name: str) -> None:
    """Issue 13: edge scores track the model's own input sensitivities (Spearman ≥ 0.8)."""
    if not (WEIGHTS_DIR / ZOO[name]).exists():
        pytest.skip(f"{name}'s weights are not shipped yet ({WEIGHTS_DIR / ZOO[name]} missing)")
    from iwm_widgets.zoo import ZOO as REGISTERED

    if name not in REGISTERED:
        pytest.skip(f"zoo name {name!r} is not registered yet")
    model = iwm.load(name)
    x, lat = model.spec.sample_batch(8, SEED + 7, latents=True)
    # the defaults: each particle's position Variable at embed, shifted at every step
    g = iwm.interaction_graph(model, x, adjacency=lat["adjacency"], fit_systems=128)
    assert g.window == list(range(2, x.shape[1]))
    sens = sm.input_sensitivity(model.module, x, last=len(g.window))["norm"]  # moving the input
    f = g.faithfulness(sens)
    assert f["directed"] >= 0.8 and f["pairs"] >= 0.8, f
