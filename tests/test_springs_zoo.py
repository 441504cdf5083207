"""The shipped springs models, re-measured on fresh systems (seeds the cards never used).

What each card claims about how much of the spring graph its model uses is checked here
next to the baselines (no interaction, mean field, the data-side least-squares fit), not
read back from the card. The numbers are the lesson of issue 13 as it stands: the model
trained on one fixed graph holds some of it (its own sensitivities rank the true springs
above chance, AUROC ~0.7: below the issue's 0.95), while the in-context and the one-token-
per-step models predict well without ranking the springs at all.
"""

from __future__ import annotations

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
        assert a >= 0.65, a  # the fixed graph lives (partly) in its weights
    elif measured["name"] == "springs-flawed":
        assert a >= 0.55, a
    else:
        assert a <= 0.6, a  # in context / one token per step: no graph found inside
