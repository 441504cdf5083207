"""Measuring the bouncing-ball model card: prediction errors and linear probes.

Used by the training script (to write the card) and by the tests (to re-measure the
card's claims on fresh seeds). Activations are collected with plain torch forward
hooks; nothing here imports nnsight.

Definitions
-----------
one-step MSE
    Mean over sequences and steps ``t`` in ``[2, T-2]`` of the squared Euclidean error
    ``|pred_t - position[t+1]|²`` (summed over x and y), where ``pred_t`` is made from
    ``position[:t+1]``. Baselines: *stay* (``position[t]``), *constant velocity*
    (``position[t] + d`` with ``d = position[t] - position[t-1]``), *constant velocity
    with reflection* (the same, folded back into the box at the walls).
bounce step
    A one-step prediction whose target step contains a bounce (``contact[t+1]``);
    *after-bounce step*: one made right after a bounce (``contact[t]``), where the
    last displacement is a folded one and constant-velocity baselines go wrong.
velocity probe
    Ridge regression from a site's activation at step ``t`` (``t >= 2``) to
    ``velocity[t]``, the velocity that carries ``position[t]`` to ``position[t+1]``.
    Features are standardised with the training rows' mean and std; the intercept is
    not penalised. ``alpha`` multiplies the identity added to the features' covariance
    matrix ``XᵀX / n`` and is chosen from ``ALPHAS`` by R² on a validation split (the
    last 20% of the training sequences), then the probe is refit on all training rows.
    Closed form in float64.
R²
    ``1 - Σ (y - ŷ)² / Σ (y - ȳ)²`` pooled over both velocity components, ``ȳ`` the
    mean of the rows evaluated. Held-out: the test sequences come from other seeds than
    the probe's training sequences, which come from other seeds than the model's
    training data.
after a bounce
    Test rows whose step ``t`` comes right after a bounce (``contact[t]`` true for x or
    y): ``velocity[t]`` was just flipped and the last displacement
    ``position[t] - position[t-1]`` is a folded one, so it does not give the velocity.
    R² there uses these rows' own mean.
shuffled control
    The same probe (same alpha) fit on training rows whose labels were randomly
    permuted, evaluated on the true test labels; near or below 0.
input-only baseline
    The same ridge fit on the raw last ``k`` input positions ``position[t-k+1..t]``
    (steps before 0 repeat ``position[0]``), for ``k`` in ``INPUT_KS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ..linear import ALPHAS, fit_ridge, fit_ridge_cv, last_k, predict, r2_score, step_rows

__all__ = [
    "ALPHAS",
    "DEFINITIONS",
    "INPUT_KS",
    "collect_activations",
    "fit_probe",
    "fit_ridge",
    "measure_card",
    "one_step_errors",
    "probe_report",
    "r2_score",
    "rollout_errors",
]

#: Short definitions written into the card (the module docstring has the long form).
DEFINITIONS = {
    "one_step_mse": "mean over sequences and steps t in [2, T-2] of |prediction of "
    "position[t+1] from position[:t+1] - position[t+1]|² (summed over x and y)",
    "stay": "baseline: predict position[t]",
    "const_velocity": "baseline: position[t] + (position[t] - position[t-1])",
    "const_velocity_reflect": "baseline: const_velocity folded back into the box at walls",
    "bounce_steps": "one-step predictions whose target step has a bounce (contact[t+1])",
    "after_bounce_steps": "one-step predictions made right after a bounce (contact[t])",
    "probe": "ridge from a site's activation at step t >= 2 to velocity[t] (the velocity "
    "carrying position[t] to position[t+1]); standardised features, unpenalised "
    "intercept, alpha (times identity added to XᵀX/n) chosen from alphas by R² on the "
    "last 20% of the probe-training sequences, then refit; closed form, float64",
    "r2": "1 - Σ(y - ŷ)² / Σ(y - ȳ)² pooled over vx and vy, on held-out test sequences",
    "r2_after_bounce": "R² on test rows whose step t comes right after a bounce "
    "(contact[t] for x or y), with these rows' own mean",
    "r2_shuffled": "control: the same probe and alpha fit on permuted training labels",
    "input_only": "the same ridge on the raw last k input positions (edge-padded)",
    "rollout": "autoregressive rollout from the first `context` steps vs the simulator; "
    "fraction_outside_box counts predictions more than 0.01 outside [0, 1]",
}

INPUT_KS = (2, 4, 8)
MIN_T = 2


# ---------------------------------------------------------------- activations
@torch.no_grad()
def collect_activations(
    model: torch.nn.Module, x: torch.Tensor, sites: Sequence[str], batch_size: int = 512
) -> dict[str, torch.Tensor]:
    """Outputs ``[B, T, D]`` of the modules named ``sites`` for inputs ``x`` (hooks)."""
    modules = dict(model.named_modules())
    store: dict[str, list[torch.Tensor]] = {s: [] for s in sites}
    handles = []
    for s in sites:
        if s not in modules:
            raise KeyError(f"no module {s!r} in the model")

        def hook(_m: Any, _a: Any, out: Any, s: str = s) -> None:
            store[s].append((out[0] if isinstance(out, tuple) else out).detach().clone())

        handles.append(modules[s].register_forward_hook(hook))
    try:
        for i in range(0, x.shape[0], batch_size):
            model(x[i : i + batch_size])
    finally:
        for h in handles:
            h.remove()
    return {s: torch.cat(v) for s, v in store.items()}


# ---------------------------------------------------------------- ridge
# The ridge math is shared with the probe sweeps (iwm_widgets.linear).
fit_probe = fit_ridge_cv


# ---------------------------------------------------------------- data helpers
def _fold(q: torch.Tensor) -> torch.Tensor:
    q = torch.where(q > 1, 2 - q, q)
    return torch.where(q < 0, -q, q)


def _rows(a: torch.Tensor) -> torch.Tensor:
    """``[n, T, ...]`` -> rows ``[n * (T - MIN_T), ...]`` for steps ``t >= MIN_T``."""
    return step_rows(a, MIN_T)


# ---------------------------------------------------------------- errors
@torch.no_grad()
def one_step_errors(model: torch.nn.Module, x: torch.Tensor, contact: torch.Tensor) -> dict:
    """One-step squared errors of the model and the three baselines (module docstring)."""
    x = x.double()
    pred = torch.cat([model(x[i : i + 512].float()) for i in range(0, len(x), 512)]).double()
    t = slice(MIN_T, x.shape[1] - 1)
    target = x[:, MIN_T + 1 :]
    cur = x[:, t]
    d = x[:, t] - x[:, MIN_T - 1 : -2]
    preds = {
        "model": pred[:, t],
        "stay": cur,
        "const_velocity": cur + d,
        "const_velocity_reflect": _fold(cur + d),
    }
    bounce = contact[:, MIN_T + 1 :].any(-1)
    after = contact[:, t].any(-1)
    out: dict[str, Any] = {"n_predictions": int(target.shape[0] * target.shape[1])}
    out["n_bounce_steps"] = int(bounce.sum())
    out["n_after_bounce_steps"] = int(after.sum())
    out["mse"], out["mse_bounce_steps"], out["mse_after_bounce_steps"] = {}, {}, {}
    for k, p in preds.items():
        se = ((p - target) ** 2).sum(-1)
        out["mse"][k] = float(se.mean())
        out["mse_bounce_steps"][k] = float(se[bounce].mean())
        out["mse_after_bounce_steps"][k] = float(se[after].mean())
    m = out["mse"]
    out["ratio_model_to_stay"] = m["model"] / m["stay"]
    out["ratio_model_to_const_velocity"] = m["model"] / m["const_velocity"]
    out["ratio_model_to_const_velocity_reflect"] = m["model"] / m["const_velocity_reflect"]
    return out


@torch.no_grad()
def rollout_errors(
    model: Any, x: torch.Tensor, context: int, horizons: Sequence[int] = (1, 4, 16)
) -> dict:
    """Rollout from the first ``context`` steps vs the simulator's continuation."""
    steps = x.shape[1] - context
    roll = model.rollout(x[:, :context], steps).double()
    truth = x[:, context:].double()
    se = ((roll - truth) ** 2).sum(-1)
    outside = ((roll < -0.01) | (roll > 1.01)).any(-1)
    return {
        "context": context,
        "steps": steps,
        "mse_at_step": {str(h): float(se[:, h - 1].mean()) for h in horizons if h <= steps},
        "fraction_outside_box": float(outside.double().mean()),
    }


# ---------------------------------------------------------------- probes
@torch.no_grad()
def probe_report(
    model: torch.nn.Module,
    sites: Sequence[str],
    train: dict[str, torch.Tensor],
    test: dict[str, torch.Tensor],
    shuffle_seed: int = 0,
) -> dict[str, Any]:
    """Velocity probes at each site plus input-only baselines (module docstring).

    ``train`` / ``test``: latents dicts with ``position``, ``velocity``, ``contact``
    of shape ``[n, T, ...]`` (``position`` is the model input).
    """
    xtr, xte = train["position"].float(), test["position"].float()
    ytr, yte = _rows(train["velocity"]).double(), _rows(test["velocity"]).double()
    after = _rows(test["contact"]).any(-1)
    groups = _rows(torch.arange(len(xtr))[:, None].expand(-1, xtr.shape[1]))
    perm = torch.randperm(len(ytr), generator=torch.Generator().manual_seed(shuffle_seed))
    acts_tr = collect_activations(model, xtr, sites)
    acts_te = collect_activations(model, xte, sites)

    def evaluate(ftr: torch.Tensor, fte: torch.Tensor, control: bool) -> dict[str, Any]:
        probe, alpha = fit_probe(ftr, ytr, groups)
        yhat = predict(probe, fte)
        res = {
            "r2": r2_score(yte, yhat),
            "r2_after_bounce": r2_score(yte[after], yhat[after]),
            "alpha": alpha,
        }
        if control:
            shuffled = fit_ridge(ftr, ytr[perm], alpha)
            res["r2_shuffled"] = r2_score(yte, predict(shuffled, fte))
        return res

    layers = {s: evaluate(_rows(acts_tr[s]), _rows(acts_te[s]), True) for s in sites}
    inputs = {
        f"last_{k}": evaluate(_rows(last_k(xtr, k)), _rows(last_k(xte, k)), False) for k in INPUT_KS
    }
    best = max(sites, key=lambda s: layers[s]["r2"])
    return {
        "target": "velocity",
        "layers": layers,
        "best_layer": best,
        "input_only": inputs,
        "n_train_rows": len(ytr),
        "n_test_rows": len(yte),
        "n_test_rows_after_bounce": int(after.sum()),
        "steps": f"t >= {MIN_T}",
        "alphas": list(ALPHAS),
    }


def _latents(spec: Any, n: int, seed: int, length: int) -> dict[str, torch.Tensor]:
    _, lat = spec.sample_batch(n, seed, length=length, latents=True)
    return lat


def measure_card(
    model: torch.nn.Module,
    spec: Any,
    seed_base: int,
    n_probe_train: int = 1024,
    n_probe_test: int = 512,
    n_eval: int = 512,
) -> dict[str, Any]:
    """Everything measured on held-out data for the card (seeds from ``seed_base``)."""
    model.eval()
    length = spec.default_length
    train = _latents(spec, n_probe_train, seed_base, length)
    test = _latents(spec, n_probe_test, seed_base + 1, length)
    ev = _latents(spec, n_eval, seed_base + 2, length)
    roll = _latents(spec, n_eval, seed_base + 3, spec.default_length + spec.default_rollout_steps)
    return {
        "eval_seeds": {
            "probe_train": seed_base,
            "probe_test": seed_base + 1,
            "one_step": seed_base + 2,
            "rollout": seed_base + 3,
        },
        "one_step": one_step_errors(model, ev["position"], ev["contact"]),
        "rollout": rollout_errors(model, roll["position"], spec.default_length),
        "probes": {"velocity": probe_report(model, spec.layer_sites, train, test)},
    }
