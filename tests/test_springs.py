"""The springs world: the simulator against Hooke's law, the graph metrics, the model's shape.

No trained weights are needed: the model tests use a freshly initialised module.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from iwm_widgets.zoo import springs as sp
from iwm_widgets.zoo import springs_metrics as sm

SEED = sp.TEST_SEED_BASE  # fresh seeds: disjoint from training and from the cards'


@pytest.fixture(scope="module")
def sim() -> dict[str, np.ndarray]:
    return sp.simulate(64, 48, seed=SEED)


def _hooke_by_hand(p: np.ndarray, a: np.ndarray, k: float) -> np.ndarray:
    """``k Σ_j A_ij (x_j − x_i)`` with explicit loops, positions ``[N, 2]``."""
    n = len(p)
    f = np.zeros_like(p)
    for i in range(n):
        for j in range(n):
            f[i] += k * a[i, j] * (p[j] - p[i])
    return f


# ---------------------------------------------------------------- simulator
def test_force_is_hookes_law(sim: dict[str, np.ndarray]) -> None:
    for s in range(0, 64, 9):
        for t in (0, 17, 47):
            want = _hooke_by_hand(sim["position"][s, t], sim["adjacency"][s], sp.SPRING_K)
            np.testing.assert_allclose(sim["force"][s, t], want, rtol=1e-12, atol=1e-15)


def test_motion_follows_the_force(sim: dict[str, np.ndarray]) -> None:
    """Newton: x[t+1] − 2x[t] + x[t−1] ≈ force[t] away from wall contacts."""
    x = sim["position"]
    acc = x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]
    f = sim["force"][:, 1:-1]
    con = sim["contact"]
    clean = ~(con[:, 1:-1] | con[:, 2:]).any(-1)  # no bounce within the two steps
    err = np.abs(acc - f)[clean].max()
    assert err < 0.02 * np.abs(f).max()
    # an isolated particle moves at constant velocity between bounces
    lone = sim["adjacency"].sum(-1) == 0
    s, i = np.argwhere(lone)[0]
    ok = clean[s, :, i]
    np.testing.assert_allclose(acc[s, ok, i], 0.0, atol=1e-14)


def test_energy_conserved_without_walls() -> None:
    s = sp.simulate(32, 200, seed=SEED + 1, walls=False)
    e = sp.spring_energy(s["position"], s["velocity"], s["adjacency"][:, None])
    drift = np.abs(e - e[:, :1]) / e[:, :1]
    assert drift.max() < 1e-3
    assert not s["contact"].any()
    # with walls, energy changes only at wall contacts (the fold moves a particle)
    w = sp.simulate(32, 48, seed=SEED + 1)
    ew = sp.spring_energy(w["position"], w["velocity"], w["adjacency"][:, None])
    calm = ~w["contact"].any((-1, -2))[:, 1:]
    step = np.abs(np.diff(ew, axis=1)) / ew[:, :-1]
    assert step[calm].max() < 1e-4


def test_positions_stay_in_box_and_walls_reflect(sim: dict[str, np.ndarray]) -> None:
    assert sim["position"].min() >= 0.0 and sim["position"].max() <= 1.0
    assert sim["contact"].any()


def test_adjacency(sim: dict[str, np.ndarray]) -> None:
    a = sim["adjacency"]
    assert set(np.unique(a)) <= {0.0, 1.0}
    assert np.array_equal(a, np.swapaxes(a, -1, -2))
    assert not a[:, np.arange(4), np.arange(4)].any()
    iu, ju = np.triu_indices(4, 1)
    assert 0.35 < a[:, iu, ju].mean() < 0.65  # each pair with p = 0.5
    np.testing.assert_array_equal(sim["coupling"], a)
    g = sp.spring_graph(a[0])
    assert sorted(g.edges) == [
        (i, j) for i, j in zip(*np.triu_indices(4, 1), strict=True) if a[0, i, j]
    ]


def test_deterministic_and_prefix() -> None:
    a = sp.simulate(8, 20, seed=SEED + 2)
    b = sp.simulate(8, 20, seed=SEED + 2)
    c = sp.simulate(3, 12, seed=SEED + 2)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
        np.testing.assert_array_equal(a[key][:3, :12] if a[key].ndim > 3 else a[key][:3], c[key])
    d = sp.simulate(8, 20, seed=SEED + 3)
    assert not np.array_equal(a["position"], d["position"])


def test_training_forcing_kicks_velocities_and_keeps_graphs_and_starts() -> None:
    """``noise`` (train_springs --noise): random velocity kicks every frame, drawn from a
    generator of their own, so the graph and the start state are those of noise 0."""
    plain = sp.simulate(8, 20, seed=SEED + 2)
    np.testing.assert_array_equal(sp.simulate(8, 20, seed=SEED + 2, noise=0.0)["position"],
                                  plain["position"])  # fmt: skip
    kicked = sp.simulate(8, 20, seed=SEED + 2, noise=0.004)
    again = sp.simulate(8, 20, seed=SEED + 2, noise=0.004)
    for key in plain:
        np.testing.assert_array_equal(kicked[key], again[key])  # deterministic by seed
    for key in ("adjacency", "coupling"):
        np.testing.assert_array_equal(kicked[key], plain[key])
    np.testing.assert_array_equal(kicked["position"][:, 0], plain["position"][:, 0])
    np.testing.assert_array_equal(kicked["velocity"][:, 0], plain["velocity"][:, 0])
    # a kick is of the size asked: std <= 0.004 per coordinate, so one frame's velocity
    # moves by at most a few of them (and does move)
    dv = np.abs(kicked["velocity"][:, 1] - plain["velocity"][:, 1])
    assert 0 < dv.max() < 6 * 0.004, dv.max()
    with pytest.raises(ValueError, match="needs an rng"):
        sp.simulate_from(plain["position"][:, 0], plain["velocity"][:, 0],
                         plain["coupling"], 4, noise=0.001)  # fmt: skip


@pytest.mark.parametrize("n", [3, 4, 5])
def test_fixed_graph_is_the_same_for_every_seed(n: int) -> None:
    a = sp.simulate(16, 4, seed=SEED, n_particles=n, fixed_graph=True)
    b = sp.simulate(16, 4, seed=SEED + 7, n_particles=n, fixed_graph=True)
    want = sp.fixed_adjacency(n)
    assert (a["adjacency"] == want).all() and (b["adjacency"] == want).all()
    free = sp.simulate(16, 4, seed=SEED, n_particles=n)
    np.testing.assert_array_equal(a["position"][:, 0], free["position"][:, 0])  # same starts


def test_flaw_changes_exactly_particle_zeros_law() -> None:
    good = sp.simulate(16, 30, seed=SEED, fixed_graph=True)
    for flaw, factor in (("sign", -1.0), ("one_way", 0.0)):
        bad = sp.simulate(16, 30, seed=SEED, fixed_graph=True, flaw=flaw)
        c, a = bad["coupling"], bad["adjacency"]
        np.testing.assert_array_equal(a, good["adjacency"])  # the graph is the same
        np.testing.assert_array_equal(c[:, 0], factor * a[:, 0])  # row 0 changed
        np.testing.assert_array_equal(c[:, 1:], a[:, 1:])  # every other row not
        p = bad["position"]
        for s, t in ((0, 5), (7, 29)):  # the flawed force, by hand
            f = _hooke_by_hand(p[s, t], a[s], sp.SPRING_K)
            f_bad = bad["force"][s, t]
            np.testing.assert_allclose(f_bad[0], factor * f[0], atol=1e-15)
            np.testing.assert_allclose(f_bad[1:], f[1:], atol=1e-15)
        np.testing.assert_array_equal(bad["position"][:, :1], good["position"][:, :1])
        assert not np.allclose(bad["position"][:, -1], good["position"][:, -1])
    with pytest.raises(ValueError, match="unknown flaw"):
        sp.simulate(1, 2, seed=0, flaw="gravity")


def test_true_graph() -> None:
    c = sp.coupling_matrix(sp.fixed_adjacency(4), "sign", 0)
    g = sp.true_graph(c)
    assert (
        g.has_edge("position_1", "velocity_0") and g.edges["position_1", "velocity_0"]["sign"] == -1
    )
    assert g.edges["position_0", "velocity_1"]["sign"] == 1
    assert not g.has_edge("position_3", "velocity_0") and not g.has_edge("position_1", "velocity_2")
    assert sp.SpringsFixedSpec().true_graph().has_edge("position_3", "velocity_2")
    with pytest.raises(ValueError, match="new spring graph"):
        sp.SpringsSpec().true_graph()


# ---------------------------------------------------------------- zoo interface
def test_sample_interface() -> None:
    spec = sp.SpringsSpec()
    x, truth = spec.sample(seed=3, latents=True)
    assert x.shape == (1, spec.default_length, 8) and x.dtype == torch.float32
    assert truth["adjacency"].shape == (4, 4)
    assert truth["velocity"].shape == truth["force"].shape == (spec.default_length, 8)
    s = sp.simulate(1, spec.default_length, seed=3)
    np.testing.assert_allclose(x[0, :, 2:4].numpy(), s["position"][0, :, 1], rtol=1e-6)
    fut = spec.simulate_future(truth, 5)
    whole = sp.simulate(1, spec.default_length + 5, seed=3)["position"][0, -5:].reshape(5, 8)
    np.testing.assert_allclose(fut.numpy(), whole, atol=1e-6)


@pytest.mark.parametrize("spec_cls", [sp.SpringsSpec, sp.SpringsMeanfieldSpec])
def test_model_predicts_next_positions_causally(spec_cls: type[sp.SpringsSpec]) -> None:
    spec = spec_cls()
    torch.manual_seed(0)
    m = spec.build_module().eval()
    x = spec.sample_batch(2, SEED, length=12)
    with torch.no_grad():
        y = m(x)
        x2 = x.clone()
        x2[:, 8:] += 0.1
        y2 = m(x2)
        roll = m.rollout(x[:, :6], 3)
    assert y.shape == x.shape
    assert torch.equal(y[:, :8], y2[:, :8]) and not torch.allclose(y[:, 8:], y2[:, 8:])
    assert roll.shape == (2, 3, 8)
    assert spec.layer_sites == ["embed", "blocks.0", "blocks.1", "blocks.2", "blocks.3"]
    with pytest.raises(Exception, match=r"\[batch, steps, 8\]"):
        spec.check_input(torch.zeros(1, 5, 2))


def test_model_traces_with_nnsight() -> None:
    import iwm_widgets as iwm

    torch.manual_seed(0)
    module = sp.SpringsSpec().build_module().eval()
    model = iwm.load(module)
    x = sp.SpringsSpec().sample(seed=1, length=10)
    d = module.cfg.d_model * 4
    v = torch.zeros(d)
    v[: d // 4] = 1.0  # particle 0's slot
    res = iwm.run(model, x, [iwm.Edit.add("blocks.1", v, 0.5, start=5)], reads=["blocks.1"])

    def hook(_m, _a, out):
        out = out.clone()
        out[:, 5:] += 0.5 * v
        return out

    h = module.blocks[1].register_forward_hook(hook)
    try:
        with torch.no_grad():
            want = module(x)
    finally:
        h.remove()
    assert res["blocks.1"].shape == (1, 10, d)
    assert torch.allclose(res.output, want, atol=1e-6)


# ---------------------------------------------------------------- metrics
def test_auroc_toy() -> None:
    assert sm.auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert sm.auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert sm.auroc([1, 1, 1, 1], [0, 1, 0, 1]) == 0.5  # ties count one half
    assert sm.auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert np.isnan(sm.auroc([1, 2], [1, 1]))
    rng = np.random.default_rng(0)
    s, y = rng.random(500), rng.random(500) < 0.3
    pairs = (s[y][:, None] > s[~y][None]).mean() + 0.5 * (s[y][:, None] == s[~y][None]).mean()
    assert abs(sm.auroc(s, y) - pairs) < 1e-12
    # pair scores: S + Sᵀ over i < j
    a = sp.fixed_adjacency(4)[None]
    assert sm.pair_auroc(a * 0.3, a) == 1.0


def test_sensitivity_of_a_known_linear_model() -> None:
    """A hand-made predictor x_t + d_t + k C (x_j − x_i): S ∝ C, coupling estimate = C."""
    c = torch.tensor(sp.coupling_matrix(sp.fixed_adjacency(4), "sign", 0))

    class Hooke(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b, t, n2 = x.shape
            p = x.view(b, t, 4, 2).double()
            f = sp.SPRING_K * (c @ p - c.sum(-1)[:, None] * p)
            d = torch.cat([torch.zeros_like(x[:, :1]), x[:, 1:] - x[:, :-1]], 1)
            return x + d + f.reshape(b, t, n2).float()

    x = sp.SpringsFixedSpec().sample_batch(3, SEED, length=12)
    out = sm.input_sensitivity(Hooke(), x, last=4)
    off = ~np.eye(4, dtype=bool)
    want = np.broadcast_to(c.numpy(), (3, 4, 4))
    np.testing.assert_allclose(out["coupling"][:, off], want[:, off], atol=1e-3)
    np.testing.assert_allclose(
        out["norm"], np.sqrt(2) * sp.SPRING_K * np.abs(want) * off, rtol=1e-3, atol=1e-7
    )
    assert sm.pair_auroc(out["norm"], sp.fixed_adjacency(4)[None].repeat(3, 0)) == 1.0


def test_data_side_baselines() -> None:
    x = torch.from_numpy(sp.simulate(32, 48, seed=SEED + 5)["position"]).reshape(32, 48, 8)
    adj = sp.simulate(32, 1, seed=SEED + 5)["adjacency"]
    assert sm.pair_auroc(sm.lstsq_scores(x), adj) >= 0.9
    assert sm.pair_auroc(sm.correlation_scores(x), adj) > 0.6


def test_tigramite_pcmci_baseline() -> None:
    pytest.importorskip("tigramite")
    sim = sp.simulate(8, 48, seed=SEED + 6)
    x = sim["position"].reshape(8, 48, 8)
    scores, info = sm.pcmci_scores(x, tau_max=2)
    assert info["method"] == "PCMCI, ParCorr" and info["tigramite"] != "unknown"
    assert np.array_equal(scores, np.swapaxes(scores, -1, -2))
    assert sm.pair_auroc(scores, sim["adjacency"]) >= 0.7  # 0.80 measured (48 pairs)


def test_one_step_errors_rank_the_baselines() -> None:
    """The true simulator ~0; with the true graph < mean field < no interactions (calm)."""
    spec = sp.SpringsSpec()
    _, lat = spec.sample_batch(32, SEED + 8, length=24, latents=True)

    class ConstVelocity(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return 2 * x - torch.cat([x[:, :1], x[:, :-1]], 1)

    out = sm.one_step_errors(ConstVelocity(), lat)
    m, calm = out["mse"], out["mse_calm"]
    assert m["true_simulator"] < 1e-12
    assert calm["hooke_true_graph"] < 0.1 * calm["mean_field"] < 0.1 * calm["const_velocity"]
    assert m["model"] >= m["const_velocity"]  # no fold at the walls
    assert abs(calm["model"] - calm["const_velocity"]) < 1e-2 * calm["const_velocity"]  # float32
