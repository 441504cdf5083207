"""The shipped springs models, re-measured on fresh systems (seeds the cards never used).

What each card claims about how much of the spring graph its model uses is checked here
next to the baselines (no interaction, mean field, the data-side least-squares fit), not
read back from the card. The numbers are the lesson of issue 13: the model trained on one
fixed graph carries it (moving a particle's input moves exactly its partners: AUROC 1.0
on these systems, the issue asks 0.95), the one-token-per-step model predicts well
without ranking the springs at all (0.37), and the in-context model infers each new
graph from the trajectory: 0.95 on these 16 systems, 0.90-0.92 on 128-system sets (the
issue asks 0.9), 0.88 on its card's 64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.zoo import ZOO
from iwm_widgets.zoo import springs_metrics as sm
from iwm_widgets.zoo._base import sha256_file

FRESH = 987_000  # not a card's seed: the cards use their own held-out bases
NAMES = ["springs", "springs-fixed", "springs-meanfield", "springs-flawed"]


@pytest.fixture(scope="module", params=NAMES)
def measured(request: pytest.FixtureRequest) -> dict:
    torch.manual_seed(0)
    model = iwm.load(request.param)
    x, lat = model.spec.sample_batch(16, FRESH, latents=True)
    sens = sm.input_sensitivity(model.module, x)
    errors = sm.one_step_errors(model.module, lat)
    return {
        "name": request.param,
        "model": model,
        "auroc": sm.pair_auroc(sens["norm"], lat["adjacency"]),
        "lstsq": sm.pair_auroc(sm.lstsq_scores(x), lat["adjacency"]),
        "errors": errors,
    }


def test_every_springs_model_is_in_the_zoo_with_its_card(measured: dict) -> None:
    model = measured["model"]
    assert measured["name"] in ZOO and model.kind == "world"
    card = model.card
    assert card["weights"]["sha256"] == sha256_file(model.spec.weights_path)
    assert model.spec.weights_path.stat().st_size <= 5 * 2**20
    for key in ("model_auroc", "tigramite_auroc", "correlation_auroc", "systems"):
        assert key in card["interaction_graph"], key
    x, truth = model.sample(seed=FRESH, latents=True)
    n = model.spec.n_particles
    assert x.shape[-1] == 2 * n and truth["adjacency"].shape == (n, n)
    assert model.module(x).shape == x.shape


def test_every_model_beats_the_no_interaction_baseline(measured: dict) -> None:
    mse = measured["errors"]["mse"]
    assert mse["model"] < 0.6 * mse["const_velocity"], mse


def test_the_data_side_fit_finds_the_springs_on_the_same_systems(measured: dict) -> None:
    if measured["name"] == "springs-flawed":
        # particle 0's springs push: Hooke's form fits them with the wrong sign
        assert measured["lstsq"] > 0.6
    else:
        assert measured["lstsq"] >= 0.9


def test_how_much_graph_each_model_uses(measured: dict) -> None:
    """Own-sensitivity AUROC against the true springs, on fresh systems."""
    a = measured["auroc"]
    if measured["name"] == "springs-fixed":
        assert a >= 0.95, a  # the fixed graph lives in its weights (1.0 measured)
    elif measured["name"] == "springs-flawed":
        assert a >= 0.6, a  # the same graph, under a wrong law for particle 0 (0.71)
    elif measured["name"] == "springs-meanfield":
        assert a <= 0.6, a  # one token per step: no graph inside (0.37)
    else:
        assert a >= 0.85, a  # in context: the graph inferred from the trajectory (0.95)


def test_the_in_context_model_ranks_the_springs_on_128_fresh_systems() -> None:
    """Issue 13's target (0.9) on a set large enough to mean it: 128 fresh systems, next
    to the correlation baseline on the same raw trajectories (a model that only tracked
    which particles move together would score no better than it)."""
    torch.manual_seed(0)
    model = iwm.load("springs")
    x, lat = model.spec.sample_batch(128, 555_000, latents=True)
    a = sm.pair_auroc(sm.input_sensitivity(model.module, x)["norm"], lat["adjacency"])
    corr = sm.pair_auroc(sm.correlation_scores(x), lat["adjacency"])
    assert a >= 0.88 and a > corr + 0.05, (a, corr)  # measured 0.901, correlation 0.779


def test_the_flawed_models_graph_differs_where_the_flaw_is() -> None:
    """springs-flawed's world pushes particle 0 away from its partners (they are still
    pulled to it). Its model's signed graph says so where the sound model's pulls, and
    agrees with the sound one everywhere else; the recovery from the internals too."""
    flawed, sound = iwm.load("springs-flawed"), iwm.load("springs-fixed")
    x, lat = flawed.spec.sample_batch(16, FRESH + 3, latents=True)
    adj = np.asarray(lat["adjacency"][0]) > 0.5
    p = flawed.spec.world.flaw_particle
    bad = sm.input_sensitivity(flawed.module, x)["coupling"].mean(0)  # [j, i]
    good = sm.input_sensitivity(sound.module, x)["coupling"].mean(0)
    assert (bad[p, adj[p]] < 0).all(), bad[p]
    assert (good[p, adj[p]] > 0).all(), good[p]
    for j in range(len(adj)):
        if j != p:  # every other spring pulls, in both models
            assert (bad[j, adj[j]] > 0).all() and (good[j, adj[j]] > 0).all(), (j, bad, good)
    g = iwm.interaction_graph(flawed, x, adjacency=lat["adjacency"], fit_systems=128)
    assert g.signed is not None
    inside = g.signed.mean(0).numpy()  # [j, i], the position Variables shifted at embed
    assert (inside[p, adj[p]] < 0).all() and (inside[adj[p], p] > 0).all(), inside
