"""The model zoo: the bouncing-ball simulator, the shipped weights and the model card."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from iwm_widgets.errors import UnknownModelError, WeightsChecksumError
from iwm_widgets.zoo import ZOO, ZooSpec, get_spec
from iwm_widgets.zoo import bouncing_ball as bb
from iwm_widgets.zoo._base import sha256_file
from iwm_widgets.zoo.card import one_step_errors, probe_report

SEED = bb.TEST_SEED_BASE  # fresh seeds: disjoint from training and from the card's


@pytest.fixture(scope="module")
def spec() -> bb.BouncingBallSpec:
    return get_spec("bouncing-ball")


@pytest.fixture(scope="module")
def model(spec: bb.BouncingBallSpec) -> bb.BallWorldModel:
    torch.manual_seed(0)
    return spec.load_module()


@pytest.fixture(scope="module")
def sim() -> dict[str, np.ndarray]:
    return bb.simulate(256, 64, seed=SEED)


def _fold(q: np.ndarray) -> np.ndarray:
    return np.where(q > 1, 2 - q, np.where(q < 0, -q, q))


# ---------------------------------------------------------------- registry
def test_registry(spec: ZooSpec) -> None:
    assert "bouncing-ball" in ZOO
    assert isinstance(spec, ZooSpec)
    assert spec.name == "bouncing-ball" and spec.kind == "world"
    assert spec.layer_sites == ["embed", "blocks.0", "blocks.1", "blocks.2", "blocks.3"]
    assert spec.default_length == 32 and spec.default_rollout_steps == 16


def test_unknown_name_lists_known_names() -> None:
    with pytest.raises(UnknownModelError, match="bouncing-ball") as e:
        get_spec("bouncing-bal")
    assert isinstance(e.value, KeyError)
    assert "Did you mean" in str(e.value)


def test_zoo_does_not_import_nnsight() -> None:
    import ast
    from pathlib import Path

    for path in Path(bb.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "nnsight" for n in names), path.name


# ---------------------------------------------------------------- simulator
def test_positions_stay_in_box(sim: dict[str, np.ndarray]) -> None:
    assert sim["position"].min() >= 0.0 and sim["position"].max() <= 1.0


def test_speed_conserved(sim: dict[str, np.ndarray]) -> None:
    speed = np.linalg.norm(sim["velocity"], axis=-1)
    np.testing.assert_allclose(speed, speed[:, :1].repeat(speed.shape[1], 1), rtol=1e-12)
    np.testing.assert_allclose(sim["speed"], speed)
    assert speed.min() >= bb.SPEED_RANGE[0] and speed.max() <= bb.SPEED_RANGE[1]


def test_velocity_carries_position(sim: dict[str, np.ndarray]) -> None:
    p, v, c = sim["position"], sim["velocity"], sim["contact"]
    q = p[:, :-1] + v[:, :-1]
    bounce = c[:, 1:]
    assert bounce.sum() > 100  # enough bounces to test something
    # no bounce: exactly p + v
    np.testing.assert_array_equal(p[:, 1:][~bounce], q[~bounce])
    # bounce: the overshoot left the box and was folded back in
    assert ((q[bounce] > 1) | (q[bounce] < 0)).all()
    np.testing.assert_allclose(p[:, 1:][bounce], _fold(q)[bounce], atol=1e-15)
    assert not ((q[~bounce] > 1) | (q[~bounce] < 0)).any()


def test_contact_matches_velocity_flips(sim: dict[str, np.ndarray]) -> None:
    v, c = sim["velocity"], sim["contact"]
    assert not c[:, 0].any()
    flipped = np.sign(v[:, 1:]) != np.sign(v[:, :-1])
    np.testing.assert_array_equal(c[:, 1:], flipped)
    np.testing.assert_array_equal(v[:, 1:][c[:, 1:]], -v[:, :-1][c[:, 1:]])
    np.testing.assert_array_equal(v[:, 1:][~c[:, 1:]], v[:, :-1][~c[:, 1:]])


def test_simulator_deterministic() -> None:
    a, b = bb.simulate(8, 20, seed=SEED + 1), bb.simulate(8, 20, seed=SEED + 1)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c = bb.simulate(8, 20, seed=SEED + 2)
    assert not np.allclose(a["position"], c["position"])
    short = bb.simulate(8, 10, seed=SEED + 1)  # shorter sequences are prefixes
    np.testing.assert_array_equal(short["position"], a["position"][:, :10])
    fewer = bb.simulate(3, 20, seed=SEED + 1)  # a batch's first sequences do not depend on n
    np.testing.assert_array_equal(fewer["position"], a["position"][:3])


# ---------------------------------------------------------------- graph
def test_true_graph(spec: bb.BouncingBallSpec) -> None:
    g = spec.true_graph()
    assert set(g.nodes) == {
        "position_x",
        "position_y",
        "velocity_x",
        "velocity_y",
        "contact_x",
        "contact_y",
    }
    for a in ("x", "y"):
        for edge in [
            (f"velocity_{a}", f"position_{a}"),
            (f"position_{a}", f"position_{a}"),
            (f"velocity_{a}", f"velocity_{a}"),
            (f"position_{a}", f"contact_{a}"),
            (f"velocity_{a}", f"contact_{a}"),
            (f"contact_{a}", f"velocity_{a}"),
        ]:
            assert g.has_edge(*edge), edge
    assert not g.has_edge("velocity_x", "position_y")
    assert not any(u[-1] != v[-1] for u, v in g.edges)  # axes never interact
    assert g.nodes["velocity_y"] == {"latent": "velocity", "component": 1, "type": "continuous"}
    assert g.nodes["contact_x"]["latent"] == "contact"
    assert g.edges["contact_x", "velocity_x"]["lag"] == 0
    assert g.edges["velocity_x", "position_x"]["lag"] == 1


# ---------------------------------------------------------------- samples
def test_sample_latents_aligned(spec: bb.BouncingBallSpec) -> None:
    x, lat = spec.sample(seed=3, latents=True)
    assert x.shape == (1, 32, 2) and x.dtype == torch.float32
    assert torch.equal(lat["position"], x[0])
    assert lat["velocity"].shape == (32, 2) and lat["speed"].shape == (32,)
    assert lat["contact"].dtype == torch.bool and lat["contact"].shape == (32, 2)
    assert torch.equal(spec.sample(seed=3), x)
    assert not torch.equal(spec.sample(seed=4), x)
    xb, latb = spec.sample_batch(5, seed=3, length=20, latents=True)
    assert xb.shape == (5, 20, 2) and torch.equal(latb["position"], xb)
    assert torch.equal(xb[:1], x[:, :20])


def test_simulate_future(spec: bb.BouncingBallSpec) -> None:
    x, lat = spec.sample_batch(16, seed=SEED + 3, length=48, latents=True)
    ctx = {k: v[:, :32] for k, v in lat.items()}
    fut = spec.simulate_future(ctx, 16)
    assert fut.shape == (16, 16, 2)
    torch.testing.assert_close(fut, x[:, 32:], atol=1e-6, rtol=0)
    one = spec.simulate_future({k: v[0] for k, v in ctx.items()}, 5)
    torch.testing.assert_close(one, x[0, 32:37], atol=1e-6, rtol=0)
    # a counterfactual velocity, still reflected by the walls
    p = torch.tensor([0.98, 0.5])
    v = torch.tensor([0.05, -0.01])
    cf, flat = spec.simulate_future((p, torch.zeros(2)), 2, velocity=v, return_latents=True)
    torch.testing.assert_close(cf[0], torch.tensor([2 - 1.03, 0.49]))
    assert flat["contact"][0].tolist() == [True, False]
    torch.testing.assert_close(flat["velocity"][0], torch.tensor([-0.05, -0.01]))
    with pytest.raises(TypeError):
        spec.simulate_future(x, 3)


# ---------------------------------------------------------------- weights
def test_weights_match_card(spec: bb.BouncingBallSpec, model: bb.BallWorldModel) -> None:
    card = spec.card
    assert card["weights"]["file"] == spec.weights_path.name
    assert sha256_file(spec.weights_path) == card["weights"]["sha256"]
    assert spec.weights_path.stat().st_size < 2_000_000
    assert card["architecture"]["config"] == bb.BallConfig().to_dict()
    assert card["architecture"]["parameters"] == sum(p.numel() for p in model.parameters())
    assert not model.training


def test_corrupted_weights_raise(spec: bb.BouncingBallSpec, tmp_path) -> None:
    bad = tmp_path / "bouncing_ball.safetensors"
    shutil.copy(spec.weights_path, bad)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    corrupted = bb.BouncingBallSpec(weights_path=bad)
    with pytest.raises(WeightsChecksumError) as e:
        corrupted.load_module()
    msg = str(e.value)
    assert str(bad) in msg and spec.card["weights"]["sha256"] in msg
    assert sha256_file(bad) in msg and "train_bouncing_ball" in msg


# ---------------------------------------------------------------- card claims
def test_probe_claims_hold_on_fresh_seeds(
    spec: bb.BouncingBallSpec, model: bb.BallWorldModel
) -> None:
    card = spec.card["probes"]["velocity"]
    best = card["best_layer"]
    assert best in spec.layer_sites and card["layers"][best]["r2"] >= 0.9
    _, train = spec.sample_batch(512, seed=SEED + 10, latents=True)
    _, test = spec.sample_batch(256, seed=SEED + 11, latents=True)
    rep = probe_report(model, [best], train, test, shuffle_seed=1)
    got = rep["layers"][best]
    assert got["r2"] >= 0.9
    assert abs(got["r2"] - card["layers"][best]["r2"]) < 0.03
    assert abs(got["r2_shuffled"]) < 0.05
    # the learned part: after a bounce the probe beats a linear fit on raw inputs
    assert got["r2_after_bounce"] > rep["input_only"]["last_2"]["r2_after_bounce"] + 0.2


def test_one_step_claims_hold(spec: bb.BouncingBallSpec, model: bb.BallWorldModel) -> None:
    _, lat = spec.sample_batch(256, seed=SEED + 12, latents=True)
    got = one_step_errors(model, lat["position"], lat["contact"])
    mse = got["mse"]
    assert mse["model"] < 0.1 * mse["stay"]
    assert mse["model"] < 2.0 * mse["const_velocity_reflect"]
    card = spec.card["one_step"]["mse"]
    assert mse["model"] < 3 * card["model"]
    assert mse["stay"] == pytest.approx(card["stay"], rel=0.2)


# ---------------------------------------------------------------- rollout
def test_rollout(spec: bb.BouncingBallSpec, model: bb.BallWorldModel) -> None:
    x, lat = spec.sample_batch(64, seed=SEED + 13, latents=True)
    with torch.no_grad():
        roll = model.rollout(x, 16)
        assert roll.shape == (64, 16, 2)
        torch.testing.assert_close(roll[:, 0], model(x)[:, -1])
        manual = torch.cat([x, roll[:, :2]], dim=1)
        torch.testing.assert_close(model(manual[:, :33])[:, -1], roll[:, 1])
    assert roll.min() > -0.05 and roll.max() < 1.05
    truth = spec.simulate_future(lat, 16)
    err = (roll - truth).norm(dim=-1)
    assert err[:, 0].mean() < 0.005
    assert err[:, :3].mean() < 0.01
    with pytest.raises(ValueError, match="max_len"):
        model.rollout(x, 17)
    assert model.rollout(x, 0).shape == (64, 0, 2)
