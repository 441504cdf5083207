"""Linear read-outs in plain torch: ridge and logistic regression, R² and accuracy.

Shared by the probe sweeps (:mod:`iwm_widgets.tracing.probes`) and the zoo's model
cards. No nnsight here: these functions only see feature matrices.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = [
    "ALPHAS",
    "accuracy",
    "encoding_directions",
    "fit_logistic",
    "fit_ridge",
    "fit_ridge_cv",
    "last_k",
    "predict",
    "r2_score",
    "step_rows",
    "to_raw",
]

ALPHAS = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def step_rows(a: torch.Tensor, min_t: int) -> torch.Tensor:
    """``[n, T, ...]`` → one row per (sequence, step) for steps ``t ≥ min_t``."""
    a = a[:, min_t:]
    return a.reshape(a.shape[0] * a.shape[1], *a.shape[2:])


def last_k(x: torch.Tensor, k: int) -> torch.Tensor:
    """``[n, T, f]`` → ``[n, T, k·f]``: the inputs at steps ``t−k+1..t`` (edge-padded)."""
    pad = torch.cat([x[:, :1].expand(-1, k - 1, -1), x], dim=1)
    return torch.cat([pad[:, i : i + x.shape[1]] for i in range(k)], dim=-1)


def r2_score(y: torch.Tensor, yhat: torch.Tensor) -> float:
    """R² pooled over output columns: ``1 − Σ(y − ŷ)² / Σ(y − ȳ)²``."""
    y, yhat = y.double(), yhat.double()
    ss_res = ((y - yhat) ** 2).sum()
    ss_tot = ((y - y.mean(0)) ** 2).sum()
    return float(1.0 - ss_res / ss_tot)


def accuracy(y: torch.Tensor, yhat: torch.Tensor) -> float:
    """Fraction of rows where the predicted class equals the label."""
    return float((y.reshape(-1) == yhat.reshape(-1)).double().mean())


def fit_ridge(x: torch.Tensor, y: torch.Tensor, alpha: float) -> dict[str, torch.Tensor]:
    """Closed-form ridge on standardised features (intercept not penalised).

    The probe predicts ``((x − mean) / std) @ w + b``; :func:`predict` applies it and
    :func:`to_raw` turns it into ``x @ Wᵀ + bias`` on the raw features.
    """
    x, y = x.double(), y.double()
    mean, std = x.mean(0), x.std(0).clamp_min(1e-8)
    z = (x - mean) / std
    ym = y.mean(0)
    n, d = z.shape
    a = z.T @ z / n + alpha * torch.eye(d, dtype=torch.float64)
    w = torch.linalg.solve(a, z.T @ (y - ym) / n)
    return {"mean": mean, "std": std, "w": w, "b": ym}


def predict(probe: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Apply a probe from :func:`fit_ridge` (or :func:`fit_logistic`: logits)."""
    return ((x.double() - probe["mean"]) / probe["std"]) @ probe["w"] + probe["b"]


def to_raw(probe: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(W [k, d], bias [k])`` with ``predict(probe, x) == x @ W.T + bias``."""
    W = (probe["w"] / probe["std"][:, None]).T
    bias = probe["b"] - probe["mean"] @ W.T
    return W.float(), bias.float()


def fit_ridge_cv(
    x: torch.Tensor,
    y: torch.Tensor,
    groups: torch.Tensor,
    alphas: Sequence[float] = ALPHAS,
) -> tuple[dict[str, torch.Tensor], float]:
    """Choose alpha on a validation split (the last 20% of ``groups``), refit on all rows.

    ``groups`` labels each row with its sequence, so rows of one sequence never sit on
    both sides of the split.
    """
    g = groups.unique()
    cut = g[int(len(g) * 0.8)]
    tr, va = groups < cut, groups >= cut
    scores = [r2_score(y[va], predict(fit_ridge(x[tr], y[tr], a), x[va])) for a in alphas]
    alpha = float(alphas[max(range(len(scores)), key=scores.__getitem__)])
    return fit_ridge(x, y, alpha), alpha


def fit_logistic(
    x: torch.Tensor, y: torch.Tensor, alpha: float = 1e-3, steps: int = 100
) -> dict[str, torch.Tensor]:
    """Multinomial logistic regression (L2 ``alpha``) on standardised features, L-BFGS.

    ``y`` holds integer classes ``0..C−1``; ``predict`` gives logits ``[n, C]``.
    """
    x = x.double()
    y = y.reshape(-1).long()
    mean, std = x.mean(0), x.std(0).clamp_min(1e-8)
    z = (x - mean) / std
    n_classes = int(y.max()) + 1 if y.numel() else 2
    n_classes = max(n_classes, 2)
    w = torch.zeros(z.shape[1], n_classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(z @ w + b, y) + alpha * (w**2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    return {"mean": mean, "std": std, "w": w.detach(), "b": b.detach()}


def encoding_directions(h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Rows ``A [k, d]``: the activation pattern that goes with one unit of each target.

    Least squares of the centred activations on the centred targets,
    ``h − h̄ ≈ (y − ȳ) A``. Moving ``h`` along ``A`` is how the model itself encodes
    the variable, which is not the probe's read direction (see the steering notes).
    """
    h, y = h.double(), y.double()
    if y.ndim == 1:
        y = y[:, None]
    hc, yc = h - h.mean(0), y - y.mean(0)
    return torch.linalg.lstsq(yc, hc).solution.float()
