"""Measuring the springs models' cards: one-step errors, graph use, data-side baselines.

Used by ``train_springs`` (to write a card) and by the tests (to re-measure a card's
claims on fresh seeds). Plain torch and numpy; nothing here imports nnsight.
Tigramite is imported only by :func:`pcmci_scores` (an optional test dependency).

Definitions
-----------
one-step MSE
    Mean over systems and steps ``t`` in ``[MIN_T, T − 2]`` of the squared error of the
    prediction of ``position[t+1]`` from ``position[:t+1]``, summed over all ``2N``
    coordinates. ``late``: steps ``t >= T // 2`` only (more context to infer from);
    ``calm``: particle-steps with no wall bounce at ``t`` or ``t + 1`` (× ``N``), where
    only the springs act.
    Baselines from the positions alone, with ``d = x_t − x_{t−1}``:
    *const_velocity* ``fold(x_t + d)`` (no interactions, elastic walls);
    *mean_field* ``fold(x_t + d + ½ k Σ_j (x_j − x_i))`` (every pair half a spring: the
    expected graph); *hooke_true_graph* ``fold(x_t + d + k Σ_j C_ij (x_j − x_i))`` (the
    true law and graph, velocity estimated from positions); *true_simulator*: the
    simulator stepped from the true state (position and velocity) at ``t`` (the
    float32-rounding floor).
sensitivity (the model's own graph)
    An intervention on the input: move particle ``i``'s whole observed trajectory by
    ``±δ`` along one axis (``δ = 1e-3`` box units, a central difference) and read how
    every particle's predicted next displacement moves, at every prediction step ``t``
    in ``[MIN_T, T − 1]`` (or the last ``last`` of them). ``B[j, i]`` = the mean over
    those steps of the ``2 × 2`` response block ``∂ disp_j(t) / ∂ x_i`` (for a model
    that learned Hooke's law exactly, ``k C_ji I``). ``S[j, i] = ‖B[j, i]‖_F``
    (``i != j``) and its signed companion ``coupling[j, i] = ½ trace B[j, i] / k``
    (``C_ji`` for Hooke's law; the diagonal holds minus each particle's spring count).
    ``how="jacobian"`` instead scores the per-step input Jacobian: the Frobenius norm
    of ``∂ disp_j(t) / ∂ x_i(s)`` over every step ``s <= t`` (``2 × 2(t+1)``), mean
    over the last ``LAST_STEPS`` steps ``t``. It can miss a graph the model uses:
    on springs-fixed trained 4968 steps it ranked the springs at AUROC 0.52 where
    moving the particle found 0.95 — that model spread a particle's pull over several
    past steps with opposite signs (negative at lag 0, positive at lags 1-5), so the
    per-step norm was flat over pairs while the sum over steps, what moving the
    particle does, was not. The shipped 7000-step model: 0.98 and 1.0.
edge score, AUROC
    An undirected pair ``i < j`` scores ``S[i, j] + S[j, i]``; AUROC pools the pairs of
    all systems against the true adjacency (ties count one half; Mann-Whitney).
correlation baseline
    ``|corr|`` of two particles' accelerations (second differences of positions),
    mean over the x and y axes.
least-squares (Hooke fit) baseline
    Per system and particle ``i``, least squares of its accelerations (both axes) on
    ``x_j − x_i`` for every ``j != i``, one coefficient per ``j``; pair score
    ``c_ij + c_ji``.
Tigramite PCMCI baseline
    PCMCI with ParCorr (``tau_max``, ``pc_alpha=None``) on the ``2N`` acceleration
    series of one system; a pair's score is the largest ``|val|`` over every lag
    ``1..tau_max``, both directions and both axes (x with x, y with y).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from .springs import SPRING_K, simulate_from

__all__ = [
    "DEFINITIONS",
    "LAST_STEPS",
    "MIN_T",
    "auroc",
    "correlation_scores",
    "graph_report",
    "input_sensitivity",
    "lstsq_scores",
    "one_step_errors",
    "pair_auroc",
    "pcmci_scores",
]

MIN_T = 2
LAST_STEPS = 8

DEFINITIONS = {
    "one_step_mse": "mean over systems and steps t in [2, T-2] of |prediction of "
    "position[t+1] from position[:t+1] - position[t+1]|², summed over all 2N coordinates; "
    "late: steps t >= T//2",
    "const_velocity": "baseline, no interactions: fold(x_t + (x_t - x_{t-1})) at the walls",
    "mse_calm": "the same over particle-steps without a wall bounce at t or t+1 (per "
    "particle, times N to match the units of one_step_mse): the springs' part alone",
    "mean_field": "baseline, the expected graph: const_velocity + ½ k Σ_j (x_j - x_i)",
    "hooke_true_graph": "baseline, the true law and graph from positions: const_velocity + "
    "k Σ_j C_ij (x_j - x_i)",
    "true_simulator": "the simulator stepped from the true state at t (float32 floor)",
    "sensitivity": "S[j,i] = Frobenius norm of B[j,i], the mean over prediction steps t in "
    "[2, T-1] of the 2x2 response of j's next displacement to moving particle i's whole "
    "observed trajectory (central difference, ±1e-3 box units): an intervention on the input",
    "sensitivity_jacobian": "the per-step input Jacobian instead: mean over the last 8 steps "
    "t of the Frobenius norm of d(next displacement of j at t)/d(positions of i at steps <= t)",
    "coupling_estimate": "½ trace B[j,i] / k (equals the true coupling C_ji for a model that "
    "learned Hooke's law)",
    "auroc": "pair i<j scored S[i,j]+S[j,i], pooled over systems, against the true "
    "adjacency (Mann-Whitney, ties one half)",
    "correlation": "baseline: |corr| of two particles' accelerations (second differences), "
    "mean over axes",
    "lstsq": "baseline: per particle, least squares of its accelerations on x_j - x_i "
    "(Hooke's form), pair score c_ij + c_ji",
    "tigramite": "baseline: PCMCI + ParCorr on the 2N acceleration series of each system, "
    "pair score max |val| over lags 1..tau_max, directions and matching axes",
}


# ---------------------------------------------------------------- AUROC
def auroc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve of ``scores`` for binary ``labels`` (ties: one half).

    Mann-Whitney U / (n_pos · n_neg) with average ranks; NaN if a class is empty.
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).ravel().astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, 1)


def pair_auroc(scores: Any, adjacency: Any) -> float:
    """AUROC of pair scores ``[n, N, N]`` (symmetrised ``S + Sᵀ``) vs adjacency ``[n, N, N]``."""
    s = _np(scores)
    a = _np(adjacency)
    if s.ndim == 2:
        s, a = s[None], a[None]
    iu, ju = _pairs(s.shape[-1])
    sym = s + np.swapaxes(s, -1, -2)
    return auroc(sym[:, iu, ju], a[:, iu, ju] > 0.5)


def _np(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().double().numpy()
    return np.asarray(a, dtype=np.float64)


# ---------------------------------------------------------------- model sensitivity
def input_sensitivity(
    model: torch.nn.Module,
    x: torch.Tensor,
    last: int | None = None,
    how: str = "translate",
    delta: float = 1e-3,
    batch_size: int = 64,
) -> dict[str, np.ndarray]:
    """The model's own graph (module docstring): ``norm`` and ``coupling`` ``[n, N, N]``.

    ``x`` ``[n, T, 2N]``. ``[j, i]``: the response of particle ``j``'s next
    displacement to particle ``i`` (``norm``'s diagonal 0; ``coupling`` signed, in
    units of ``k``). ``how="translate"`` (default): move particle ``i``'s whole
    trajectory by ``±delta`` (``4N`` forward passes), over the last ``last``
    prediction steps (default every step from ``MIN_T``); also returns ``block``
    ``[n, N, N, 2, 2]``. ``how="jacobian"``: the per-step input Jacobian norm over
    the last ``last`` steps (default ``LAST_STEPS``; one backward pass per output
    coordinate and step).
    """
    if how == "translate":
        return _translation_sensitivity(model, x, last, delta, batch_size)
    if how != "jacobian":
        raise ValueError(f"how must be 'translate' or 'jacobian', got {how!r}")
    last = LAST_STEPS if last is None else int(last)
    model.eval()
    n, t_len, n2 = x.shape
    n_p = n2 // 2
    steps = list(range(max(0, t_len - last), t_len))
    norm = np.zeros((n, n_p, n_p))
    coup = np.zeros((n, n_p, n_p))
    for b0 in range(0, n, batch_size):
        xb = x[b0 : b0 + batch_size].detach().float().clone().requires_grad_(True)
        nb = len(xb)
        disp = model(xb) - xb  # next displacement
        for t in steps:
            sq = np.zeros((nb, n_p, n_p))
            for c in range(n2):
                (g,) = torch.autograd.grad(disp[:, t, c].sum(), xb, retain_graph=True)
                g64 = g[:, : t + 1].double().view(nb, t + 1, n_p, 2)
                j, axis = divmod(c, 2)
                sq[:, j] += (g64**2).sum((1, 3)).numpy()
                coup[b0 : b0 + nb, j] += 0.5 * g64[..., axis].sum(1).numpy()
            norm[b0 : b0 + nb] += np.sqrt(sq)
        del disp
    norm /= len(steps)
    coup /= len(steps) * SPRING_K
    idx = np.arange(n_p)
    norm[:, idx, idx] = 0.0
    return {"norm": norm, "coupling": coup}


@torch.no_grad()
def _translation_sensitivity(
    model: torch.nn.Module, x: torch.Tensor, last: int | None, delta: float, batch_size: int
) -> dict[str, np.ndarray]:
    model.eval()
    try:  # in float64, so the central difference is not float32 rounding
        model, dtype = copy.deepcopy(model).double(), torch.float64
    except Exception:  # pragma: no cover - a module that cannot be copied or cast
        dtype = torch.float32
    n, t_len, n2 = x.shape
    n_p = n2 // 2
    t0 = MIN_T if last is None else max(0, t_len - int(last))
    if t0 >= t_len:
        raise ValueError(f"no prediction steps to score: T={t_len}, last={last}")
    block = np.zeros((n, n_p, n_p, 2, 2))  # [b, j, i, axis of j, axis of i]
    for b0 in range(0, n, batch_size):
        xb = x[b0 : b0 + batch_size].detach().to(dtype)
        for c in range(n2):
            i, axis = divmod(c, 2)
            e = torch.zeros(n2, dtype=xb.dtype)
            e[c] = delta
            up = model(xb + e) - (xb + e)
            down = model(xb - e) - (xb - e)
            d = ((up - down)[:, t0:].double() / (2.0 * delta)).mean(1)  # [b, 2N]
            block[b0 : b0 + len(xb), :, i, :, axis] = d.view(-1, n_p, 2).numpy()
    norm = np.sqrt((block**2).sum((-1, -2)))
    idx = np.arange(n_p)
    norm[:, idx, idx] = 0.0
    coup = 0.5 * (block[..., 0, 0] + block[..., 1, 1]) / SPRING_K
    return {"norm": norm, "coupling": coup, "block": block}


# ---------------------------------------------------------------- one-step errors
def _fold(q: np.ndarray) -> np.ndarray:
    q = np.where(q > 1.0, 2.0 - q, q)
    return np.where(q < 0.0, -q, q)


def _pull(x: np.ndarray, c: np.ndarray, k: float) -> np.ndarray:
    """``k Σ_j C_ij (x_j − x_i)`` for flat positions ``[n, T, 2N]`` and ``C`` ``[n, N, N]``."""
    n, t, n2 = x.shape
    p = x.reshape(n, t, n2 // 2, 2)
    f = k * (c[:, None] @ p - c.sum(-1)[:, None, :, None] * p)
    return f.reshape(n, t, n2)


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    model.eval()
    return torch.cat([model(x[i : i + batch_size].float()) for i in range(0, len(x), batch_size)])


def one_step_errors(
    model: torch.nn.Module, lat: dict[str, torch.Tensor], k: float = SPRING_K, substeps: int = 10
) -> dict[str, Any]:
    """One-step squared errors of the model and the baselines (module docstring).

    ``lat``: latents of :meth:`SpringsSpec.sample_batch` (``position``, ``velocity``,
    ``coupling``; ``contact`` for ``mse_calm``).
    """
    x = _np(lat["position"])
    c = _np(lat["coupling"])
    n, t_len, n2 = x.shape
    n_p = n2 // 2
    pred = _np(predict(model, lat["position"]))
    ts = np.arange(MIN_T, t_len - 1)
    cur = x[:, ts]
    d = cur - x[:, ts - 1]
    target = x[:, ts + 1]
    # the simulator from the true state at every t: one step
    p0 = cur.reshape(-1, n_p, 2)
    v0 = _np(lat["velocity"])[:, ts].reshape(-1, n_p, 2)
    cc = np.repeat(c, len(ts), axis=0)
    sim = simulate_from(p0, v0, cc, 2, k=k, substeps=substeps)["position"][:, 1]
    preds = {
        "model": pred[:, ts],
        "const_velocity": _fold(cur + d),
        "mean_field": _fold(cur + d + _pull(cur, 0.5 * (1 - np.eye(n_p))[None].repeat(n, 0), k)),
        "hooke_true_graph": _fold(cur + d + _pull(cur, c, k)),
        "true_simulator": sim.reshape(n, len(ts), n2).astype(np.float32).astype(np.float64),
    }
    late = ts >= t_len // 2
    con: np.ndarray | None = None
    if "contact" in lat:
        con = np.asarray(_np(lat["contact"]).reshape(n, t_len, n_p, 2).any(-1))
    out: dict[str, Any] = {
        "n_systems": int(n),
        "steps": f"t in [{MIN_T}, {t_len - 2}]",
        "late_steps": f"t >= {t_len // 2}",
        "mse": {},
        "mse_late": {},
    }
    if con is not None:  # particle steps without a bounce at t or t + 1
        calm = ~(con[:, ts] | con[:, ts + 1])
        out["mse_calm"] = {}
        out["calm_fraction"] = float(calm.mean())
    for key, p in preds.items():
        se = ((p - target) ** 2).sum(-1)
        out["mse"][key] = float(se.mean())
        out["mse_late"][key] = float(se[:, late].mean())
        if con is not None:  # per particle, summed over its 2 coordinates, × N
            sep = ((p - target) ** 2).reshape(n, len(ts), n_p, 2).sum(-1)
            out["mse_calm"][key] = float(sep[calm].mean() * n_p)
    m = out["mse"]
    out["ratio_model_to_const_velocity"] = m["model"] / m["const_velocity"]
    out["ratio_model_to_mean_field"] = m["model"] / m["mean_field"]
    out["ratio_model_to_hooke_true_graph"] = m["model"] / m["hooke_true_graph"]
    ml = out["mse_late"]
    out["ratio_late_model_to_const_velocity"] = ml["model"] / ml["const_velocity"]
    return out


# ---------------------------------------------------------------- data-side baselines
def _accelerations(x: np.ndarray) -> np.ndarray:
    """Second differences ``[n, T − 2, 2N]`` (at frames ``1 .. T − 2``)."""
    return x[:, 2:] - 2.0 * x[:, 1:-1] + x[:, :-2]


def correlation_scores(positions: Any) -> np.ndarray:
    """``|corr|`` of two particles' accelerations, mean over axes: ``[n, N, N]``."""
    x = _np(positions)
    a = _accelerations(x)
    n, _, n2 = a.shape
    n_p = n2 // 2
    a = a - a.mean(1, keepdims=True)
    a = a / np.maximum(np.sqrt((a**2).sum(1, keepdims=True)), 1e-30)
    out = np.zeros((n, n_p, n_p))
    for axis in (0, 1):
        ax = a[..., axis::2]
        out += 0.5 * np.abs(np.einsum("nti,ntj->nij", ax, ax))
    idx = np.arange(n_p)
    out[:, idx, idx] = 0.0
    return out


def lstsq_scores(positions: Any) -> np.ndarray:
    """Hooke fit: ``[n, N, N]`` with ``[i, j]`` = coefficient of ``x_j − x_i`` in ``a_i``."""
    x = _np(positions)
    a = _accelerations(x)
    p = x[:, 1:-1]
    n, t, n2 = a.shape
    n_p = n2 // 2
    pp = p.reshape(n, t, n_p, 2)
    aa = a.reshape(n, t, n_p, 2)
    out = np.zeros((n, n_p, n_p))
    for s in range(n):
        for i in range(n_p):
            others = [j for j in range(n_p) if j != i]
            feats = np.stack([(pp[s, :, j] - pp[s, :, i]).ravel() for j in others], axis=1)
            coef, *_ = np.linalg.lstsq(feats, aa[s, :, i].ravel(), rcond=None)
            out[s, i, others] = coef
    return out


def pcmci_scores(
    positions: Any, tau_max: int = 2, series: str = "acceleration", pc_alpha: float = 0.2
) -> tuple[np.ndarray, dict[str, Any]]:
    """Tigramite PCMCI + ParCorr pair scores ``[n, N, N]`` (symmetric) and run info.

    ``series``: ``"acceleration"`` (second differences) or ``"position"``: the ``2N``
    variables of one system (x and y of each particle); a pair's score is the largest
    ``|val_matrix|`` over lags ``1..tau_max``, both directions, and the matching axes.
    """
    from tigramite import data_processing as pp
    from tigramite.independence_tests.parcorr import ParCorr
    from tigramite.pcmci import PCMCI

    x = _np(positions)
    data = _accelerations(x) if series == "acceleration" else x
    n, _, n2 = data.shape
    n_p = n2 // 2
    out = np.zeros((n, n_p, n_p))
    for s in range(n):
        d = data[s] / np.maximum(data[s].std(0, keepdims=True), 1e-30)
        pcmci = PCMCI(dataframe=pp.DataFrame(d), cond_ind_test=ParCorr(), verbosity=0)
        res = pcmci.run_pcmci(tau_max=tau_max, pc_alpha=pc_alpha)
        val = np.abs(np.nan_to_num(res["val_matrix"][:, :, 1:]))  # [2N, 2N, tau]: i -> j
        for i in range(n_p):
            for j in range(n_p):
                if i != j:
                    out[s, i, j] = max(val[2 * i + ax, 2 * j + ax].max() for ax in (0, 1))
    out = np.maximum(out, np.swapaxes(out, -1, -2))
    try:
        from importlib.metadata import version

        ver = version("tigramite")
    except Exception:  # pragma: no cover
        ver = "unknown"
    info = {
        "tigramite": ver,
        "method": "PCMCI, ParCorr",
        "tau_max": tau_max,
        "pc_alpha": pc_alpha,
        "series": series,
    }
    return out, info


# ---------------------------------------------------------------- the card's graph section
def graph_report(
    model: torch.nn.Module,
    lat: dict[str, torch.Tensor],
    tigramite_systems: int | None = None,
    tau_max: int = 2,
) -> dict[str, Any]:
    """AUROC of the model's sensitivities and of the data-side baselines, same systems.

    ``lat``: latents of held-out systems. Tigramite runs on the first
    ``tigramite_systems`` (all by default; None of them if 0); the other baselines
    are reported on those systems too (``*_same_systems``) for a like-for-like table.
    """
    x = lat["position"]
    adj = _np(lat["adjacency"])
    coup_true = _np(lat["coupling"])
    sens = input_sensitivity(model, x)
    jac = input_sensitivity(model, x, how="jacobian")
    corr = correlation_scores(x)
    lsq = lstsq_scores(x)
    iu, ju = _pairs(adj.shape[-1])
    out: dict[str, Any] = {
        "n_systems": len(adj),
        "n_pairs": int(len(adj) * adj.shape[-1] * (adj.shape[-1] - 1) // 2),
        "positive_fraction": float(adj[:, iu, ju].mean()),
        "model_auroc": pair_auroc(sens["norm"], adj),
        "model_signed_auroc": pair_auroc(sens["coupling"], adj),
        "model_jacobian_auroc": pair_auroc(jac["norm"], adj),
        "correlation_auroc": pair_auroc(corr, adj),
        "lstsq_auroc": pair_auroc(lsq, adj),
    }
    m = adj.shape[0] if tigramite_systems is None else int(tigramite_systems)
    if m > 0:
        tig, info = pcmci_scores(x[:m], tau_max=tau_max)
        out["tigramite_auroc"] = pair_auroc(tig, adj[:m])
        out["tigramite"] = {**info, "n_systems": m}
        out["same_systems"] = {
            "n_systems": m,
            "model_auroc": pair_auroc(sens["norm"][:m], adj[:m]),
            "correlation_auroc": pair_auroc(corr[:m], adj[:m]),
            "lstsq_auroc": pair_auroc(lsq[:m], adj[:m]),
            "tigramite_auroc": out["tigramite_auroc"],
        }
    # the signed coupling the model acts with, against the true one (sign of the flaw)
    est = sens["coupling"]
    off = ~np.eye(adj.shape[-1], dtype=bool)
    out["coupling_estimate_mean"] = np.round(est.mean(0), 4).tolist()
    out["coupling_true_mean"] = np.round(coup_true.mean(0), 4).tolist()
    out["sensitivity_mean"] = np.round(sens["norm"].mean(0), 5).tolist()
    e, ct = est[:, off], coup_true[:, off]
    out["coupling_corr"] = float(np.corrcoef(e.ravel(), ct.ravel())[0, 1]) if e.std() else 0.0
    return out
