"""Discover candidate dials without labels: PCA, ICA and sparse autoencoders.

:func:`discover` collects a site's activations over a data set in batched traces (one
trace per chunk of sequences), fits ``k`` features on the sequences of a fit split
and returns a :class:`FeatureSet`: per feature a **read** direction (the encoder; a
feature's linear value is ``h @ read[i] + bias[i]``) and a **write** direction (the
decoder: the activation change that goes with one unit of the feature), its values on
every collected row, its explained variance and density.

Methods
-------
``"pca"``
    scikit-learn's PCA. Read = write = the principal axes (orthonormal).
``"ica"``
    scikit-learn's FastICA (``whiten="unit-variance"``). Read = the unmixing rows,
    write = the mixing columns (``read[i] @ write[j] = δij`` inside the whitened
    subspace).
``"sae"``
    A TopK sparse autoencoder (Gao et al. 2024) trained here in torch on the collected
    activations: ``z = TopK(ReLU(W_enc (h − μ)/σ + b_enc))``, ``ĥ = μ + σ W_dec z``.
    No kept library ships one for arbitrary torch sites (SAELens is built around
    TransformerLens hook points and is not in the package registries here); TopK sets
    the sparsity directly and does not shrink the codes the way an L1 penalty does.
    Read = ``W_enc / σ`` (the pre-activation is linear), write = ``σ W_dec``.
``"random"``
    The control: ``k`` random orthonormal directions through the same collection and
    matching, so every score has a chance level beside it.

Rows
----
One row per (sequence, step) for world models, from step ``min_t`` on (default 2: a
velocity needs two positions); one row per real token for language models. Models that
keep **one slot per particle** at the site (the springs zoo's ``"particles"`` design:
``[B, T, N·D]`` with particle ``i`` in ``i·D .. (i+1)·D``) are read per token, as the
model itself does: a row per (sequence, step, particle), features in the slot's ``D``
dimensions, shared by all particles (the model's weights are). That uses the model's
layout, never a label. :meth:`FeatureSet.variable` places a feature in one particle's
slot.

Matching to the truth
---------------------
On zoo models (or with ``truth=``) :meth:`FeatureSet.match`, :attr:`FeatureSet.mcc` and
:meth:`FeatureSet.subspaces` score the features against the simulator's variables on
the **held-out** sequences (never used in the fit): |correlation| and the R² of a 1-D
fit per (feature, variable); the mean correlation coefficient of the best one-to-one
matching (Hungarian); for 2-D variables the pair of features chosen on the fit split
whose span has the highest mean canonical correlation with the variable, reported on
held-out rows next to a supervised ridge probe's R² from the whole site (or slot).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import linear
from ..errors import EditError, FileFormatError, InputError
from ..safefiles import read_json, read_safetensors
from ._display_hook import Displayable
from ._threads import one_torch_thread
from .interactions import _ranks
from .model import Model
from .probes import Variable, collect
from .sites import Site, as_site
from .text import TokenIds

__all__ = ["METHODS", "FeatureSet", "discover"]

METHODS = ("pca", "ica", "sae", "random")
#: Simulator seeds of discovery data sets (apart from training and model-card seeds).
DISCOVER_SEED_BASE = 7_000_000
FORMAT_VERSION = 1


# ---------------------------------------------------------------- fitting
def _fit_pca(X: torch.Tensor, k: int, seed: int) -> dict[str, torch.Tensor]:
    from sklearn.decomposition import PCA

    p = PCA(n_components=k, svd_solver="full", random_state=seed).fit(X.numpy())
    comp = torch.from_numpy(p.components_).double()
    mean = torch.from_numpy(p.mean_).double()
    comp = _fix_signs(comp, comp)
    return {"read": comp, "bias": -(mean @ comp.T), "write": comp.clone(), "mean": mean}


def _fit_random(X: torch.Tensor, k: int, seed: int) -> dict[str, torch.Tensor]:
    """The control: ``k`` random orthonormal directions (same rows, same matching)."""
    g = torch.Generator().manual_seed(seed)
    q = torch.linalg.qr(torch.randn(X.shape[1], k, generator=g, dtype=torch.float64)).Q.T
    mean = X.mean(0)
    return {"read": q, "bias": -(mean @ q.T), "write": q.clone(), "mean": mean}


def _fit_ica(X: torch.Tensor, k: int, seed: int) -> dict[str, torch.Tensor]:
    import warnings

    from sklearn.decomposition import FastICA

    with warnings.catch_warnings():  # convergence warnings are reported in fit_info
        warnings.simplefilter("ignore")
        ica = FastICA(
            n_components=k,
            whiten="unit-variance",
            random_state=seed,
            max_iter=1000,
            tol=1e-4,
        ).fit(X.numpy())
    read = torch.from_numpy(ica.components_).double()
    write = torch.from_numpy(ica.mixing_.T.copy()).double()
    mean = torch.from_numpy(ica.mean_).double()
    # order by the variance each feature carries (unit-variance codes: |write|²)
    order = torch.argsort(-(write**2).sum(1), stable=True)
    read, write = read[order], write[order]
    sign = _signs(write)
    read, write = read * sign[:, None], write * sign[:, None]
    return {
        "read": read,
        "bias": -(mean @ read.T),
        "write": write,
        "mean": mean,
        "n_iter": torch.tensor(float(ica.n_iter_)),
    }


def _signs(write: torch.Tensor) -> torch.Tensor:
    """+1/−1 per row so that each row's largest-magnitude entry is positive."""
    idx = write.abs().argmax(1)
    s = torch.sign(write.gather(1, idx[:, None])[:, 0])
    return torch.where(s == 0, torch.ones_like(s), s)


def _fix_signs(read: torch.Tensor, write: torch.Tensor) -> torch.Tensor:
    return read * _signs(write)[:, None]


def _topk_codes(pre: torch.Tensor, topk: int) -> torch.Tensor:
    z = torch.relu(pre)
    if topk < z.shape[-1]:
        v, i = z.topk(topk, dim=-1)
        z = torch.zeros_like(z).scatter_(-1, i, v)
    return z


def _fit_sae(
    X: torch.Tensor, k: int, seed: int, topk: int, steps: int, batch: int, lr: float
) -> dict[str, torch.Tensor]:
    """A TopK SAE on the rows ``X`` (float64 in, float32 training), on one thread.

    Its matrices are small (a batch of 1024 × d × k): one thread was 4× faster than two
    on a loaded 2-core machine (6.6 vs 27 ms a step at d=64, k=32); the caller's thread
    count is restored.
    """
    with one_torch_thread():
        return _train_sae(X, k, seed, topk, steps, batch, lr)


def _train_sae(
    X: torch.Tensor, k: int, seed: int, topk: int, steps: int, batch: int, lr: float
) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    mean = X.mean(0)
    scale = float((X - mean).pow(2).sum(1).mean().sqrt()) / math.sqrt(X.shape[1])
    if scale == 0:
        raise InputError("the site's activations are constant over the data set")
    Xs = ((X - mean) / scale).float()
    d = Xs.shape[1]
    W_dec = torch.randn(k, d, generator=g)
    W_dec = W_dec / W_dec.norm(dim=1, keepdim=True)
    W_dec.requires_grad_(True)
    W_enc = W_dec.detach().clone().requires_grad_(True)
    b_enc = torch.zeros(k, requires_grad=True)
    b_dec = torch.zeros(d, requires_grad=True)  # where the codes are all off
    opt = torch.optim.Adam([W_dec, W_enc, b_enc, b_dec], lr=lr)
    n = Xs.shape[0]
    last = torch.zeros(k)
    loss = torch.zeros(())
    for step in range(steps):
        idx = torch.randint(0, n, (min(batch, n),), generator=g)
        xb = Xs[idx]
        z = _topk_codes((xb - b_dec) @ W_enc.T + b_enc, topk)
        loss = ((z @ W_dec + b_dec - xb) ** 2).sum(1).mean() / d
        opt.zero_grad(set_to_none=True)
        loss.backward()
        for group in opt.param_groups:  # constant, then linear decay over the last fifth
            group["lr"] = lr * min(1.0, 5.0 * (1.0 - step / max(1, steps)))
        opt.step()
        with torch.no_grad():
            W_dec /= W_dec.norm(dim=1, keepdim=True).clamp_min(1e-8)
            if step >= steps - 200:
                last += (z > 0).float().sum(0)
    with torch.no_grad():
        W_enc_, W_dec_, b_enc_, b_dec_ = (t.double() for t in (W_enc, W_dec, b_enc, b_dec))
        z = _topk_codes((Xs.double() - b_dec_) @ W_enc_.T + b_enc_, topk)
        # order by the variance each feature's reconstruction carries
        var = (z**2).mean(0) * (W_dec_**2).sum(1)
        order = torch.argsort(-var, stable=True)
    read = W_enc_[order] / scale
    return {
        "read": read,
        "bias": b_enc_[order] - (mean / scale + b_dec_) @ W_enc_[order].T,
        "write": W_dec_[order] * scale,
        "mean": mean,
        "offset": mean + scale * b_dec_,
        "final_loss": torch.tensor(float(loss.detach())),
        "dead": torch.tensor(float((last == 0).sum())),
    }


# ---------------------------------------------------------------- FeatureSet
@dataclass(eq=False)
class FeatureSet(Displayable):
    """``k`` features discovered at one site, with their values over a data set.

    Attributes
    ----------
    site : Site
    method : str
        ``"pca"``, ``"ica"`` or ``"sae"``.
    read, write : torch.Tensor
        ``[k, d]`` (``d``: the site's width, or the slot's for per-particle models).
    bias : torch.Tensor
        ``[k]``; the linear value of feature ``i`` is ``h @ read[i] + bias[i]`` (for an
        SAE that is the pre-activation; its code is TopK(ReLU(·)), see :meth:`values`).
    mean : torch.Tensor
        ``[d]`` the fit rows' mean activation.
    activations : torch.Tensor
        ``[rows, k]`` every collected row's feature values (:attr:`rows` says which).
    rows : torch.Tensor
        ``[rows, 3]`` (sequence, step, slot); slot −1 without per-particle slots.
    n_fit : int
        Sequences ``0 .. n_fit − 1`` were fitted on; the rest are held out.
    explained_variance : torch.Tensor
        ``[k]`` share of the held-out rows' variance each feature alone explains.
    reconstruction_error : float
        Share of the held-out rows' variance the ``k`` features leave unexplained.
    density : torch.Tensor
        ``[k]`` share of held-out rows where the feature is non-zero (SAE), or beyond
        one standard deviation of its fit values (PCA, ICA).
    slots : list of (lo, hi) or None
        Per-particle slots of the site, when the model has them.
    inputs
        The collected inputs (world models: ``[n, T, F]``; LMs: token ids).
    truth : dict
        Ground-truth columns per row (``[rows]``, NaN where undefined), for matching.
    groups : dict
        2-D truth variables: name → its two columns.
    tokens : list of list of str or None
        LMs: the tokens of every sequence.
    """

    model_name: str
    site: Site
    method: str
    read: torch.Tensor
    bias: torch.Tensor
    write: torch.Tensor
    mean: torch.Tensor
    activations: torch.Tensor
    rows: torch.Tensor
    n_fit: int
    explained_variance: torch.Tensor
    reconstruction_error: float
    density: torch.Tensor
    slots: list[tuple[int, int]] | None = None
    inputs: Any = None
    truth: dict[str, torch.Tensor] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    tokens: list[list[str]] | None = None
    seed: int = 0
    config: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------ basics
    @property
    def k(self) -> int:
        return int(self.read.shape[0])

    @property
    def width(self) -> int:
        return int(self.read.shape[1])

    @property
    def names(self) -> list[str]:
        return [f"{self.method}_{i}" for i in range(self.k)]

    @property
    def held_out(self) -> torch.Tensor:
        """Bool ``[rows]``: rows of held-out sequences."""
        return self.rows[:, 0] >= self.n_fit

    def values(self, h: torch.Tensor) -> torch.Tensor:
        """Feature values of activations ``h`` ``[..., width]`` (``[..., N, k]`` with slots).

        PCA and ICA: the linear value; SAE: its TopK(ReLU) code.
        """
        h = torch.as_tensor(h)
        if self.slots is not None:
            full = self.width * len(self.slots)
            if h.shape[-1] != full:
                raise InputError(f"{self.site} rows have {full} features here, got {h.shape[-1]}")
            h = h.reshape(*h.shape[:-1], len(self.slots), self.width)
        elif h.shape[-1] != self.width:
            raise InputError(f"{self.site} has {self.width} features here, got {h.shape[-1]}")
        pre = h.double() @ self.read.double().T + self.bias.double()
        if self.method == "sae":
            pre = _topk_codes(pre, int(self.config["topk"]))
        return pre.float()

    def variable(
        self,
        indices: int | Sequence[int],
        name: str | None = None,
        *,
        particle: int | None = None,
    ) -> Variable:
        """Features ``indices`` as one Variable for dials, clamps and graph nodes.

        With per-particle slots, ``particle`` picks the slot the Variable reads and
        writes (zero elsewhere).
        """
        idx = [int(indices)] if isinstance(indices, int | np.integer) else [int(i) for i in indices]
        if not idx:
            raise InputError("variable() needs at least one feature index")
        bad = [i for i in idx if not 0 <= i < self.k]
        if bad:
            raise InputError(f"features {bad} do not exist; this FeatureSet has {self.k}")
        read, write, bias = self.read[idx].float(), self.write[idx].float(), self.bias[idx].float()
        base = name or "_".join(self.names[i] for i in idx)
        if self.slots is not None:
            if particle is None:
                raise InputError(
                    f"{self.site} keeps one slot per particle: say which particle's slot the "
                    f"Variable acts on (particle=0..{len(self.slots) - 1})"
                )
            if not 0 <= int(particle) < len(self.slots):
                raise InputError(f"particle {particle} does not exist (0..{len(self.slots) - 1})")
            lo, hi = self.slots[int(particle)]
            full = self.width * len(self.slots)
            R, W = torch.zeros(len(idx), full), torch.zeros(len(idx), full)
            R[:, lo:hi], W[:, lo:hi] = read, write
            read, write = R, W
            if name is None:
                base = f"{base}_p{particle}"
        elif particle is not None:
            raise InputError(f"{self.site} has no per-particle slots; leave particle= out")
        comps = [base] if len(idx) == 1 else [f"{base}_{j}" for j in range(len(idx))]
        if len(idx) > 1 and name is None:
            comps = [self.names[i] for i in idx]
        score: dict[str, Any] = {"method": self.method, "features": idx}
        try:
            return Variable(base, self.site, read, bias, write, comps, score, self.model_name)
        except EditError as e:
            raise InputError(f"features {idx} cannot make a Variable: {e}") from None

    # ------------------------------------------------------------ matching
    def _truth_matrix(self) -> tuple[list[str], torch.Tensor]:
        names = list(self.truth)
        if not names:
            raise InputError(
                f"this FeatureSet has no ground truth ({self.model_name} has no simulator); "
                "give truth= to discover(): {name: tensor [n, T]} aligned with the inputs"
            )
        return names, torch.stack([self.truth[n].double() for n in names], 1)

    def _corr(self, rows: torch.Tensor) -> torch.Tensor:
        """|corr| ``[k, m]`` of feature values with truth columns on ``rows``."""
        names, Y = self._truth_matrix()
        Z = self.activations[rows].double()
        Y = Y[rows]
        out = torch.zeros(self.k, len(names), dtype=torch.float64)
        for j in range(len(names)):
            ok = torch.isfinite(Y[:, j])
            if int(ok.sum()) < 3:
                continue
            z, y = Z[ok], Y[ok, j]
            z, y = z - z.mean(0), y - y.mean()
            den = z.norm(dim=0) * y.norm()
            c = (z.T @ y) / den.clamp_min(1e-300)
            out[:, j] = torch.where(den > 0, c.abs(), torch.zeros_like(c))
        return out

    def match(self) -> Any:
        """Features × truth variables: a pandas DataFrame of |correlation| on held-out rows.

        Extra columns: ``best`` (the best-matching variable), ``best_corr``, ``best_r2``
        (a 1-D linear fit of that variable from the feature on the fit rows, scored on
        held-out rows), and ``auroc`` for binary variables (the sign chosen on the fit
        rows).
        """
        import pandas as pd

        if "match" in self._cache:
            return self._cache["match"].copy()
        names, Y = self._truth_matrix()
        C = self._corr(self.held_out)
        df = pd.DataFrame(C.numpy(), index=self.names, columns=names)
        best = C.argmax(1)
        df["best"] = [names[int(j)] for j in best]
        df["best_corr"] = C.max(1).values.numpy()
        fit, held = ~self.held_out, self.held_out
        r2, au = [], []
        Z = self.activations.double()
        for i in range(self.k):
            j = int(best[i])
            r2.append(_r2_1d(Z[fit, i], Y[fit, j], Z[held, i], Y[held, j]))
            au.append(_auroc_signed(Z[fit, i], Y[fit, j], Z[held, i], Y[held, j]))
        df["best_r2"] = r2
        df["auroc"] = au
        self._cache["match"] = df
        return df.copy()

    @property
    def mcc(self) -> float:
        """Mean |correlation| of the best one-to-one feature ↔ variable matching (held out).

        Hungarian matching (scipy) over all truth columns, averaged over the matched
        pairs. With per-particle slots a feature read at particle ``p``'s token is its
        own candidate, so the matching is one-to-one within each particle's columns and
        a feature may serve every particle (the model's weights are shared).
        """
        from scipy.optimize import linear_sum_assignment

        if "mcc" not in self._cache:
            names = list(self.truth)
            C = self._corr(self.held_out).numpy()
            vals, pairs = [], []
            for cols in self._blocks().values():
                j = [names.index(c) for c in cols]
                r, c = linear_sum_assignment(-C[:, j])
                vals += [float(C[a, j[b]]) for a, b in zip(r, c, strict=True)]
                pairs += [(int(a), names[j[b]]) for a, b in zip(r, c, strict=True)]
            self._cache["mcc"] = float(np.mean(vals)) if vals else float("nan")
            self._cache["mcc_pairs"] = pairs
        return float(self._cache["mcc"])

    @property
    def mcc_pairs(self) -> list[tuple[int, str]]:
        """The matching behind :attr:`mcc`: (feature, truth column) pairs."""
        _ = self.mcc
        return list(self._cache["mcc_pairs"])

    def _blocks(self) -> dict[int, list[str]]:
        """Truth columns by the slot they are defined on (−1: every row)."""
        out: dict[int, list[str]] = {}
        for name, v in self.truth.items():
            slots = self.rows[torch.isfinite(v), 2].unique().tolist()
            b = int(slots[0]) if self.slots is not None and len(slots) == 1 else -1
            out.setdefault(b, []).append(name)
        return out

    def subspaces(self, probe: bool = True) -> Any:
        """The best feature pair for each 2-D truth variable: a pandas DataFrame.

        Pairs are chosen on the fit rows (greedy one-to-one: the best (variable, pair) by
        mean canonical correlation first, no feature used twice), then scored on
        held-out rows: both canonical correlations and their mean, the R² of a linear
        fit of the variable from the pair, and (``probe=True``) a supervised ridge
        probe's R² from the whole site (or slot) on the same rows. With per-particle
        slots, particle ``p``'s variables are matched on its slot's rows (one-to-one among
        its variables; a feature may serve several particles).
        """
        import pandas as pd

        key = f"subspaces{probe}"
        if key in self._cache:
            return self._cache[key].copy()
        if not self.groups:
            raise InputError("no 2-D truth variables to match (the truth has no groups)")
        if self.k < 2:
            raise InputError("matching 2-D subspaces needs k ≥ 2 features")
        fit, held = ~self.held_out, self.held_out
        Z = self.activations.double()
        H = self._cache.get("site_rows")
        block_of = {c: b for b, cols in self._blocks().items() for c in cols}
        out = []
        for b in sorted({block_of[self.groups[g][0]] for g in self.groups}):
            sel = self.rows[:, 2] == b if b >= 0 else torch.ones(len(self.rows), dtype=torch.bool)
            mine = [g for g in self.groups if block_of[self.groups[g][0]] == b]
            chosen = _greedy_pairs(
                Z[fit & sel], {g: self._group(g)[fit & sel] for g in mine}, self.k
            )
            for g, (a, c) in chosen.items():
                Y = self._group(g)
                tr, te = fit & sel, held & sel
                cc = _canon(Z[te][:, [a, c]], Y[te])
                row: dict[str, Any] = {
                    "variable": g,
                    "features": (a, c),
                    "cc1": float(cc[0]),
                    "cc2": float(cc[1]),
                    "mean_cc": float(cc.mean()),
                    "r2_pair": _r2_multi(Z[tr][:, [a, c]], Y[tr], Z[te][:, [a, c]], Y[te]),
                }
                if probe and H is not None:
                    row["probe_r2"] = _probe_r2(H[tr], Y[tr], H[te], Y[te], self.rows[tr, 0])
                out.append(row)
        df = pd.DataFrame(out).set_index("variable")
        self._cache[key] = df
        return df.copy()

    def separations(self) -> Any:
        """Per binary truth variable, the feature that separates it best: a DataFrame.

        The feature and its sign are chosen by AUROC on the fit rows; ``auroc`` is that
        feature's AUROC on held-out rows (``fit_auroc`` beside it), with the counts of
        held-out positives and negatives. On tiny-lm the binary variables are the
        answers (``direction=left``, ``city=Paris``) at each prompt's last token.
        """
        import pandas as pd

        if "separations" in self._cache:
            return self._cache["separations"].copy()
        fit, held = ~self.held_out, self.held_out
        Z = self.activations.double()
        out = []
        for name, y in self.truth.items():
            if not _binary(y):
                continue
            a, b = fit & torch.isfinite(y), held & torch.isfinite(y)
            if not (bool((y[a] == 1).any()) and bool((y[a] == 0).any())):
                continue
            au = torch.tensor([_auroc(Z[a, i], y[a]) for i in range(self.k)])
            strength = (au - 0.5).abs()
            i = int(strength.argmax())
            sign = 1.0 if float(au[i]) >= 0.5 else -1.0
            out.append(
                {
                    "variable": name,
                    "feature": i,
                    "sign": int(sign),
                    "fit_auroc": float(max(au[i], 1 - au[i])),
                    "auroc": _auroc(sign * Z[b, i], y[b]),
                    "held_out_pos": int((y[b] == 1).sum()),
                    "held_out_neg": int((y[b] == 0).sum()),
                }
            )
        if not out:
            raise InputError("no binary truth variable with both classes in the fit rows")
        df = pd.DataFrame(out).set_index("variable")
        self._cache["separations"] = df
        return df.copy()

    def steering(
        self,
        model: Model,
        indices: int | Sequence[int],
        *,
        particle: int | None = None,
        inputs: torch.Tensor | None = None,
        n: int = 16,
        values: int = 9,
        radius: float | None = None,
    ) -> dict[str, Any]:
        """Is this unsupervised dial a real dial? Turn it and read the simulator's variable.

        One feature: clamp it (from the last context step on) to ``values`` quantiles
        (5 % .. 95 %) of its held-out values, roll out one step in one batched trace
        (:func:`~iwm_widgets.tracing.probes.dial_scan`), and read its matched position or
        velocity column off the rollout (velocity: the first step's displacement).
        ``rho``: the mean over inputs of Spearman's ρ between the dial value (signed by
        the fit rows' correlation) and that change: does the rollout move in order?
        ``gain``: how far it moves per unit of what the feature reads (the variable's
        1-D fit from the feature on fit rows); 1 = the model follows the dial fully. A
        random direction can have ρ = 1 with a gain near 0, so read both.

        Two features: their matched 2-D velocity; a linear map from the pair to the
        velocity (fit rows) sets the pair for 12 headings at ``radius`` (default: the
        median held-out speed); ``angle_error_deg`` is the mean gap between the heading
        asked for and the first step's direction.

        ``inputs``: world inputs ``[n, T, F]``; default ``n`` fresh simulated sequences.
        """
        from .interactions import spearman
        from .probes import dial_scan

        if model.name != self.model_name:
            raise InputError(f"this FeatureSet belongs to {self.model_name!r}, not {model.name!r}")
        if model.kind != "world":
            raise InputError(
                "steering() reads the rollout of a world model; on a language model turn the "
                "Variable in SteeringDials and read the logits"
            )
        idx = [int(indices)] if isinstance(indices, int | np.integer) else [int(i) for i in indices]
        if len(idx) not in (1, 2):
            raise InputError("steering() turns one feature or a pair (a 2-D velocity dial)")
        var = self.variable(idx, particle=particle)
        if inputs is None:
            inputs = model.spec.sample_batch(int(n), DISCOVER_SEED_BASE + 99_991 + self.seed)
        x = model.prepare(inputs)
        sel = self.rows[:, 2] == (-1 if particle is None else int(particle))
        fit, held = ~self.held_out & sel, self.held_out & sel
        names = list(self.truth)
        wanted = "" if particle is None or self.slots is None else f"_{int(particle)}_"
        cands = [
            c
            for c in names
            if c.startswith(("position", "velocity")) and wanted in c and c[-2:] in ("_x", "_y")
        ]
        if not cands:
            raise InputError("no position or velocity truth to read off the rollout")
        Z = self.activations.double()
        if len(idx) == 1:
            i = idx[0]
            C = self._corr(held)[i]
            col = max(cands, key=lambda c: float(C[names.index(c)]))
            feat = _input_column(col, x.shape[-1])
            y = self.truth[col]
            ok = fit & torch.isfinite(y)
            zc, yc = Z[ok, i] - Z[ok, i].mean(), y[ok] - y[ok].mean()
            sign = 1.0 if float(zc @ yc) >= 0 else -1.0
            vals = torch.quantile(Z[held, i], torch.linspace(0.05, 0.95, int(values)).double())
            fut = dial_scan(model, x, var, vals.float(), steps=1)
            first = fut[:, :, 0, feat]
            change = first - x[:, None, -1, feat] if col.startswith("velocity") else first
            rhos = [spearman(sign * vals, change[j]) for j in range(x.shape[0])]
            # gain: how far the rollout moves per unit of what the feature reads (the 1-D
            # fit variable ~ a·feature + b on fit rows); 1 = the model follows fully
            a = float(zc @ yc) / max(float(zc @ zc), 1e-300)
            asked = a * (vals - vals.mean())
            got = change.double() - change.double().mean(1, keepdim=True)
            gain = float((got @ asked).mean() / max(float(asked @ asked), 1e-300))
            return {
                "feature": i,
                "variable": col,
                "rho": float(np.nanmean(rhos)),
                "gain": gain,
                "values": vals.float(),
                "change": change,
            }
        groups = [g for g in self.groups if g.startswith("velocity") and self.groups[g][0] in cands]
        if not groups:
            raise InputError("no 2-D velocity truth to steer a pair of features against")
        best = max(
            groups, key=lambda g: float(_canon(Z[held][:, idx], self._group(g)[held]).mean())
        )
        Y = self._group(best)
        ok = fit & torch.isfinite(Y).all(1)
        A = torch.cat([Z[ok][:, idx], torch.ones(int(ok.sum()), 1, dtype=torch.float64)], 1)
        M = torch.linalg.lstsq(A, Y[ok]).solution  # [3, 2]: pair -> velocity
        r = float(Y[held].norm(dim=1).median()) if radius is None else float(radius)
        angles = torch.arange(0.0, 360.0, 30.0, dtype=torch.float64)
        rad = torch.deg2rad(angles)
        target_v = r * torch.stack([rad.cos(), rad.sin()], 1)
        target_f = torch.linalg.solve(M[:2].T, (target_v - M[2]).T).T
        fut = dial_scan(model, x, var, target_f.float(), steps=1)
        f0 = _input_column(self.groups[best][0], x.shape[-1])
        step = fut[:, :, 0, f0 : f0 + 2] - x[:, None, -1, f0 : f0 + 2]
        got = torch.rad2deg(torch.atan2(step[..., 1], step[..., 0])).double()
        err = ((got - angles + 180) % 360 - 180).abs()
        return {
            "features": idx,
            "variable": best,
            "angle_error_deg": float(err.mean()),
            "radius": r,
            "first_step": step,
        }

    def _group(self, g: str) -> torch.Tensor:
        return torch.stack([self.truth[c].double() for c in self.groups[g]], 1)

    # ------------------------------------------------------------ browsing
    def top_rows(self, i: int, n: int = 10, held_out: bool = False) -> list[dict[str, Any]]:
        """The ``n`` rows where feature ``i`` is largest: sequence, step, slot, value."""
        if not 0 <= int(i) < self.k:
            raise InputError(f"feature {i} does not exist; this FeatureSet has {self.k}")
        v = self.activations[:, int(i)]
        if held_out:
            v = torch.where(self.held_out, v, torch.full_like(v, -math.inf))
        top = torch.argsort(-v, stable=True)[: int(n)]
        out = []
        for r in top.tolist():
            s, t, p = (int(x) for x in self.rows[r])
            d: dict[str, Any] = {"row": r, "sequence": s, "step": t, "value": float(v[r])}
            if p >= 0:
                d["particle"] = p
            if self.tokens is not None:
                toks = self.tokens[s]
                d["token"] = toks[t]
                window = [w for w in toks[max(0, t - 8) : t + 1] if w]  # no padding
                d["context"] = str(self.config.get("token_join", "")).join(window)
            out.append(d)
        return out

    def summary(self) -> list[dict[str, Any]]:
        """One dict per feature: explained variance, density, best match (when known)."""
        rows = []
        m = self.match() if self.truth else None
        for i in range(self.k):
            d: dict[str, Any] = {
                "feature": i,
                "name": self.names[i],
                "explained_variance": float(self.explained_variance[i]),
                "density": float(self.density[i]),
            }
            if m is not None:
                d["best"] = str(m["best"].iloc[i])
                d["best_corr"] = float(m["best_corr"].iloc[i])
            rows.append(d)
        return rows

    # ------------------------------------------------------------ files
    def save(self, path: str | Path) -> None:
        """``path``.json (metadata) + ``path``.safetensors (tensors); no pickle."""
        from safetensors.torch import save_file

        path = Path(path)
        tensors = {
            "read": self.read.float(),
            "bias": self.bias.float(),
            "write": self.write.float(),
            "mean": self.mean.float(),
            "activations": self.activations.float(),
            "rows": self.rows.long(),
            "explained_variance": self.explained_variance.float(),
            "density": self.density.float(),
        }
        if isinstance(self.inputs, torch.Tensor):
            tensors["inputs"] = torch.as_tensor(self.inputs).contiguous()
        for n, t in self.truth.items():
            tensors[f"truth.{n}"] = t.float()
        meta = {
            "format": "iwm_widgets.FeatureSet",
            "version": FORMAT_VERSION,
            "model": self.model_name,
            "site": self.site.to_dict(),
            "method": self.method,
            "n_fit": self.n_fit,
            "reconstruction_error": self.reconstruction_error,
            "slots": self.slots,
            "groups": self.groups,
            "truth": list(self.truth),
            "tokens": self.tokens,
            "seed": self.seed,
            "config": self.config,
            "timing": self.timing,
        }
        save_file(
            {k: v.contiguous() for k, v in tensors.items()}, str(path.with_suffix(".safetensors"))
        )
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1))

    @classmethod
    def load(cls, path: str | Path) -> FeatureSet:
        """Inverse of :meth:`save`; a :class:`FileFormatError` for anything malformed."""
        path = Path(path)
        jpath, tpath = path.with_suffix(".json"), path.with_suffix(".safetensors")
        meta = read_json(jpath, "FeatureSet file")
        if not isinstance(meta, dict) or meta.get("format") != "iwm_widgets.FeatureSet":
            raise FileFormatError(f"{jpath} was not written by FeatureSet.save")
        if meta.get("version") != FORMAT_VERSION:
            raise FileFormatError(
                f"{jpath} has FeatureSet format version {meta.get('version')!r}; this "
                f"iwm_widgets reads version {FORMAT_VERSION}"
            )
        t = read_safetensors(tpath, "FeatureSet file")
        need = {"read", "bias", "write", "mean", "activations", "rows", "explained_variance"}
        need |= {"density"} | {f"truth.{n}" for n in meta.get("truth", [])}
        if need - set(t):
            raise FileFormatError(f"{tpath} is missing tensors {sorted(need - set(t))}")
        k, d = t["read"].shape if t["read"].ndim == 2 else (0, 0)
        shapes_ok = (
            k > 0
            and tuple(t["write"].shape) == (k, d)
            and tuple(t["bias"].shape) == (k,)
            and tuple(t["mean"].shape) == (d,)
            and t["activations"].ndim == 2
            and t["activations"].shape[1] == k
            and tuple(t["rows"].shape) == (t["activations"].shape[0], 3)
        )
        if not shapes_ok:
            raise FileFormatError(f"{tpath}: tensor shapes do not fit together (k={k}, d={d})")
        for key in ("read", "bias", "write", "mean", "activations"):
            if not bool(torch.isfinite(t[key]).all()):
                raise FileFormatError(f"{tpath}: {key} holds NaN or inf")
        try:
            site = Site.from_dict(meta["site"])
            slots = None if meta["slots"] is None else [tuple(s) for s in meta["slots"]]
            return cls(
                str(meta["model"]),
                site,
                str(meta["method"]),
                t["read"].double(),
                t["bias"].double(),
                t["write"].double(),
                t["mean"].double(),
                t["activations"],
                t["rows"],
                int(meta["n_fit"]),
                t["explained_variance"],
                float(meta["reconstruction_error"]),
                t["density"],
                slots,  # type: ignore[arg-type]
                t.get("inputs"),
                {n: t[f"truth.{n}"].double() for n in meta.get("truth", [])},
                dict(meta.get("groups", {})),
                meta.get("tokens"),
                int(meta.get("seed", 0)),
                dict(meta.get("config", {})),
                dict(meta.get("timing", {})),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise FileFormatError(f"{jpath}: malformed FeatureSet metadata ({e})") from None

    def __repr__(self) -> str:
        s = f"<FeatureSet {self.method} k={self.k} @ {self.site} of {self.model_name!r}"
        s += f", {len(self.rows)} rows, unexplained {self.reconstruction_error:.3f}"
        if self.truth:
            s += f", MCC {self.mcc:.3f}"
        return s + ">"


def _input_column(col: str, n_features: int) -> int:
    """The world input's column of a truth column: ``position_2_y`` → 5, ``velocity_x`` → 0."""
    parts = col.split("_")
    axis = "xy".index(parts[-1])
    p = int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else 0
    j = 2 * p + axis
    if j >= n_features:
        raise InputError(f"{col!r} has no column in inputs with {n_features} features")
    return j


# ---------------------------------------------------------------- statistics
def _r2_1d(ztr: torch.Tensor, ytr: torch.Tensor, zte: torch.Tensor, yte: torch.Tensor) -> float:
    a, b = torch.isfinite(ytr), torch.isfinite(yte)
    if int(a.sum()) < 3 or int(b.sum()) < 2:
        return float("nan")
    return _r2_multi(ztr[a, None], ytr[a, None], zte[b, None], yte[b, None])


def _r2_multi(ftr: torch.Tensor, ytr: torch.Tensor, fte: torch.Tensor, yte: torch.Tensor) -> float:
    """Held-out R² of least squares (with intercept) from ``ftr`` to ``ytr``."""
    ok_tr = torch.isfinite(ytr).all(1)
    ok_te = torch.isfinite(yte).all(1)
    if int(ok_tr.sum()) <= ftr.shape[1] + 1 or int(ok_te.sum()) < 2:
        return float("nan")
    A = torch.cat([ftr[ok_tr], torch.ones(int(ok_tr.sum()), 1, dtype=ftr.dtype)], 1)
    W = torch.linalg.lstsq(A, ytr[ok_tr]).solution
    B = torch.cat([fte[ok_te], torch.ones(int(ok_te.sum()), 1, dtype=fte.dtype)], 1)
    return linear.r2_score(yte[ok_te], B @ W)


def _probe_r2(
    htr: torch.Tensor, ytr: torch.Tensor, hte: torch.Tensor, yte: torch.Tensor, groups: torch.Tensor
) -> float:
    ok_tr, ok_te = torch.isfinite(ytr).all(1), torch.isfinite(yte).all(1)
    if int(ok_tr.sum()) < 10 or int(ok_te.sum()) < 2:
        return float("nan")
    probe, _ = linear.fit_ridge_cv(htr[ok_tr].double(), ytr[ok_tr], groups[ok_tr])
    return linear.r2_score(yte[ok_te], linear.predict(probe, hte[ok_te].double()))


def _binary(y: torch.Tensor) -> bool:
    v = y[torch.isfinite(y)]
    return v.numel() > 0 and bool(((v == 0) | (v == 1)).all()) and v.unique().numel() == 2


def _auroc(score: torch.Tensor, y: torch.Tensor) -> float:
    """AUROC of ``score`` for binary ``y`` (ties count half)."""
    pos, neg = score[y == 1], score[y == 0]
    if pos.numel() == 0 or neg.numel() == 0:
        return float("nan")
    allv = torch.cat([pos, neg])
    ranks = torch.from_numpy(_ranks(allv.double().numpy()))
    r_pos = ranks[: pos.numel()].sum()
    return float((r_pos - pos.numel() * (pos.numel() + 1) / 2) / (pos.numel() * neg.numel()))


def _auroc_signed(
    ztr: torch.Tensor, ytr: torch.Tensor, zte: torch.Tensor, yte: torch.Tensor
) -> float:
    """Held-out AUROC of a feature for a binary variable, its sign chosen on fit rows."""
    if not _binary(torch.cat([ytr, yte])):
        return float("nan")
    a, b = torch.isfinite(ytr), torch.isfinite(yte)
    sign = 1.0 if _auroc(ztr[a], ytr[a]) >= 0.5 else -1.0
    return _auroc(sign * zte[b], yte[b])


def _canon(F: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Canonical correlations (descending) between the columns of ``F`` and ``Y``."""
    ok = torch.isfinite(Y).all(1)
    F, Y = F[ok].double(), Y[ok].double()
    F, Y = F - F.mean(0), Y - Y.mean(0)
    qf = torch.linalg.qr(F).Q
    qy = torch.linalg.qr(Y).Q
    s = torch.linalg.svdvals(qf.T @ qy)
    return s.clamp(0, 1)


def _greedy_pairs(
    Z: torch.Tensor, groups: Mapping[str, torch.Tensor], k: int
) -> dict[str, tuple[int, int]]:
    """Greedy one-to-one (variable, feature pair) matching by mean canonical correlation.

    Canonical correlations of every pair with every 2-D variable from covariance
    matrices, batched: ``M = Cpp^{-1/2} Cpy Cyy^{-1/2}``.
    """
    pairs = torch.combinations(torch.arange(k), 2)
    score = {}
    for g, Y in groups.items():
        ok = torch.isfinite(Y).all(1)
        z, y = Z[ok] - Z[ok].mean(0), Y[ok] - Y[ok].mean(0)
        n = z.shape[0]
        Czz, Czy, Cyy = z.T @ z / n, z.T @ y / n, y.T @ y / n
        Cpp = Czz[pairs[:, :, None], pairs[:, None, :]]  # [P, 2, 2]
        Cpy = Czy[pairs]  # [P, 2, 2]
        ep, Vp = torch.linalg.eigh(Cpp + 1e-12 * torch.eye(2, dtype=Cpp.dtype))
        inv_p = Vp @ torch.diag_embed(ep.clamp_min(1e-18).rsqrt()) @ Vp.transpose(1, 2)
        ey, Vy = torch.linalg.eigh(Cyy)
        inv_y = Vy @ torch.diag(ey.clamp_min(1e-18).rsqrt()) @ Vy.T
        s = torch.linalg.svdvals(inv_p @ Cpy @ inv_y).clamp(0, 1)
        score[g] = s.mean(1)
    chosen: dict[str, tuple[int, int]] = {}
    used: set[int] = set()
    left = dict(score)
    while left:
        best = None
        for g, s in left.items():
            free = torch.tensor([a not in used and b not in used for a, b in pairs.tolist()])
            if not bool(free.any()):
                continue
            j = int(torch.where(free, s, torch.full_like(s, -1.0)).argmax())
            if best is None or float(s[j]) > best[0]:
                best = (float(s[j]), g, j)
        if best is None:
            break
        _, g, j = best
        a, b = (int(v) for v in pairs[j])
        chosen[g] = (a, b)
        used |= {a, b}
        del left[g]
    return {g: chosen[g] for g in groups if g in chosen}


# ---------------------------------------------------------------- data
def _slots(model: Model, width: int) -> list[tuple[int, int]] | None:
    n_p = getattr(model.spec, "n_particles", None)
    fn = getattr(model.spec, "particle_features", None)
    if n_p is None or fn is None:
        return None
    sl = [fn(p, width) for p in range(int(n_p))]
    if any(s is None for s in sl):
        return None
    return [(int(a), int(b)) for a, b in sl]  # type: ignore[misc]


def _world_truth(
    lat: dict[str, torch.Tensor], n_particles: int | None, n_slots: int, T: int
) -> tuple[dict[str, torch.Tensor], dict[str, list[str]]]:
    """Truth columns ``[n, T, n_slots]`` per (sequence, step, slot) and the 2-D groups.

    Particle ``p``'s columns (``velocity_3_x``) are named alike with or without slots;
    with one slot per particle they are defined on slot ``p``'s rows only (NaN on the
    others), so each is matched at the token that should carry it. Continuous 2-D
    latents (position, velocity, force) become groups; flags (contact) stay single
    columns; latents not per step (the spring graph) are left out.
    """
    cols: dict[str, torch.Tensor] = {}
    groups: dict[str, list[str]] = {}
    slotted = n_slots > 1

    def put(name: str, v: torch.Tensor, slot: int | None) -> None:
        out = torch.full((*v.shape[:2], n_slots), math.nan, dtype=torch.float64)
        if slot is None or not slotted:
            out[:] = v.double()[..., None]
        else:
            out[..., slot] = v.double()
        cols[name] = out

    for name, v in lat.items():
        v = torch.as_tensor(v)
        if v.ndim < 2 or v.shape[1] != T or v.ndim > 3:
            continue
        grouped = v.is_floating_point()
        if v.ndim == 2:  # [n, T] scalar per step
            put(name, v, None)
            continue
        c = v.shape[-1]
        if n_particles and c == 2 * n_particles:
            per = v.reshape(*v.shape[:2], n_particles, 2)
            for p in range(n_particles):
                for j, ax in enumerate("xy"):
                    put(f"{name}_{p}_{ax}", per[:, :, p, j], p)
                if grouped:
                    groups[f"{name}_{p}"] = [f"{name}_{p}_x", f"{name}_{p}_y"]
        elif c == 2:
            for j, ax in enumerate("xy"):
                put(f"{name}_{ax}", v[..., j], None)
            if grouped:
                groups[name] = [f"{name}_x", f"{name}_y"]
        else:
            for j in range(c):
                put(f"{name}_{j}", v[..., j], None)
    return cols, groups


def _lm_truth(
    model: Model, prompts: list[str], ids: TokenIds
) -> tuple[dict[str, torch.Tensor], dict[str, list[str]]]:
    """tiny-lm: one-hot answer labels at each prompt's last token (NaN elsewhere)."""
    from ..zoo import tiny_lm

    by_prompt = {e.prompt: e for e in tiny_lm._examples()}
    n, T = ids.shape
    last = _last_real(ids)
    fam_of = {"direction": "direction", "fact": "city", "taxi": "heading"}
    labels: dict[str, list[str | None]] = {v: [None] * n for v in fam_of.values()}
    for i, p in enumerate(prompts):
        e = by_prompt.get(p)
        if e is not None and not (e.family == "direction" and e.kind == "bare"):
            labels[fam_of[e.family]][i] = e.answer
    cols: dict[str, torch.Tensor] = {}
    for fam, vals in labels.items():
        for value in sorted({v for v in vals if v is not None}):
            col = torch.full((n, T), math.nan, dtype=torch.float64)
            for i, v in enumerate(vals):
                if v is not None:
                    col[i, last[i]] = float(v == value)
            cols[f"{fam}={value}"] = col
    return cols, {}


def _last_real(ids: TokenIds) -> list[int]:
    mask = ids.attention_mask.bool()
    T = mask.shape[1]
    idx = torch.arange(T).expand_as(mask)
    return torch.where(mask, idx, torch.full_like(idx, -1)).max(1).values.tolist()


def _default_prompts(model: Model) -> list[str]:
    if model.name != "tiny-lm":
        raise InputError(
            f"{model.name} has no built-in data set: give inputs= (a list of str or token ids)"
        )
    from ..zoo import tiny_lm

    seen, out = set(), []
    for e in tiny_lm._examples():
        if e.prompt not in seen and not (e.family == "direction" and e.kind == "bare"):
            seen.add(e.prompt)
            out.append(e.prompt)
    return out


# ---------------------------------------------------------------- discover
def discover(
    model: Model,
    sites: str | Site | Sequence[str | Site] | None = None,
    method: str = "pca",
    k: int = 16,
    inputs: Any = None,
    seed: int = 0,
    *,
    n: int = 512,
    min_t: int | None = None,
    test_fraction: float = 0.25,
    truth: Mapping[str, Any] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    topk: int | None = None,
    sae_steps: int = 3000,
    sae_batch: int = 1024,
    sae_lr: float = 1e-3,
    chunk: int = 256,
    progress: bool | None = None,
) -> Any:
    """Find ``k`` candidate dials at ``sites`` without labels.

    Parameters
    ----------
    model
        From :func:`iwm_widgets.load`.
    sites
        One site (a str) or a list; default: the model's last layer. One site gives a
        :class:`FeatureSet`; several give ``{site: FeatureSet}`` from one collection.
    method
        ``"pca"``, ``"ica"`` or ``"sae"`` (see the module notes).
    k
        Number of features.
    inputs
        The data set. Default: ``n`` simulated sequences for zoo world models (seeds
        apart from training's), the zoo's prompts for tiny-lm. Your own: world inputs
        ``[n, T, F]``, or a list of str / token ids for an LM.
    seed
        Seeds the simulator's data set and the method: same seed, same features.
    min_t
        World models: rows from this step on (default 2); LMs: 0.
    test_fraction
        Share of sequences held out from the fit (scored by :meth:`FeatureSet.match`).
    truth
        Your own ground truth ``{name: [n, T]}`` (NaN where undefined), aligned with
        ``inputs``; zoo models bring theirs.
    groups
        With ``truth``: 2-D variables for :meth:`FeatureSet.subspaces`, ``{name: [col_x,
        col_y]}`` naming two of its columns.
    topk, sae_steps, sae_batch, sae_lr
        The SAE's active features per row (default ``max(1, k // 8)``) and training.
    """
    t0 = time.perf_counter()
    groups_arg = groups
    if groups_arg is not None and truth is None:
        raise InputError("groups= names columns of truth=: give truth= too")
    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}, got {method!r}")
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        raise InputError(f"k must be a positive int, got {k!r}")
    k = int(k)
    if not 0 < test_fraction < 1:
        raise InputError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    if sites is None:
        sites = [model.layers[-1]]
    one = isinstance(sites, str | Site)
    if isinstance(sites, str | Site):
        site_list = [as_site(sites)]
    else:
        site_list = [as_site(s) for s in sites]
    if not site_list:
        raise InputError("give at least one site")
    for s in site_list:
        model.check_site(s)
    world = model.kind == "world"
    lm = model.tokenizer is not None
    prompts: list[str] | None = None
    lat = None
    if inputs is None:
        if lm:
            prompts = _default_prompts(model)
            x = model.prepare(prompts)
        elif not world:
            raise InputError(
                f"{model.name} has no simulator or built-in data set: give inputs= "
                "(tensors [n, T, ...] your model takes)"
            )
        else:
            x, lat = model.spec.sample_batch(int(n), DISCOVER_SEED_BASE + int(seed), latents=True)
            x = model.prepare(x)
    else:
        if lm and isinstance(inputs, list) and all(isinstance(p, str) for p in inputs):
            prompts = list(inputs)
        x = model.prepare(inputs)
    n_seq = int(x.shape[0])
    if n_seq < 2:
        raise InputError("discovery needs at least 2 sequences (a fit and a held-out split)")
    min_t = (2 if world else 0) if min_t is None else int(min_t)
    # shuffle sequences into fit / held-out by seed (LM prompt lists are ordered by family)
    perm = torch.randperm(n_seq, generator=torch.Generator().manual_seed(int(seed)))
    if world and inputs is None:
        perm = torch.arange(n_seq)  # simulated sequences are exchangeable already
    x = x[perm]
    if prompts is not None:
        prompts = [prompts[int(i)] for i in perm]
    n_fit = n_seq - max(1, round(n_seq * test_fraction))
    if n_fit < 1:
        raise InputError(f"{n_seq} sequences leave none to fit on; give more inputs")
    # activations: one trace per chunk of sequences
    t1 = time.perf_counter()
    acts = collect(model, x, site_list, chunk=chunk, progress=progress)
    n_traces = math.ceil(n_seq / chunk)
    collect_s = time.perf_counter() - t1
    # truth
    truth_cols: dict[str, torch.Tensor] = {}
    grp: dict[str, list[str]] = {}
    tokens = None
    if lm:
        tokens = _tokens(model, x)
        join = _token_join(model, x)
    out = {}
    for s in site_list:
        A = acts[str(s)]
        if A.ndim != 3 or A.shape[:2] != x.shape[:2]:
            raise InputError(
                f"{s} gives activations of shape {list(A.shape)}; discovery needs one vector "
                f"per position ([n, T, d] with n, T = {list(x.shape[:2])})"
            )
        slots = _slots(model, A.shape[-1]) if world else None
        if slots is not None:
            N = len(slots)
            D = slots[0][1] - slots[0][0]
            H3 = A.reshape(*A.shape[:2], N, D)
        else:
            H3 = A[:, :, None, :]
        T = A.shape[1]
        seq = torch.arange(n_seq)[:, None, None].expand(n_seq, T, H3.shape[2])
        stp = torch.arange(T)[None, :, None].expand_as(seq)
        slt = (
            torch.arange(H3.shape[2])[None, None, :].expand_as(seq)
            if slots is not None
            else torch.full_like(seq, -1)
        )
        keep = stp >= min_t
        if isinstance(x, TokenIds):
            keep = keep & x.attention_mask.bool()[:, :, None]
        rows = torch.stack([seq[keep], stp[keep], slt[keep]], 1)
        H = H3[keep].double()
        fit_rows = rows[:, 0] < n_fit
        if int(fit_rows.sum()) <= k:
            raise InputError(f"{int(fit_rows.sum())} fit rows cannot fit k={k} features")
        if k > H.shape[1] and method != "sae":
            raise InputError(
                f"{method} finds at most {H.shape[1]} features at {s} (its width); "
                f"got k={k} (an SAE can be overcomplete)"
            )
        # truth per row
        tc: dict[str, torch.Tensor] = {}
        if truth is not None:
            for name, v in truth.items():
                v = torch.as_tensor(v).double()
                if tuple(v.shape[:2]) != (n_seq, T):
                    raise InputError(
                        f"truth {name!r} has shape {list(v.shape)}; need [{n_seq}, {T}] like "
                        "the inputs"
                    )
                v = v[perm]
                if v.ndim == 2:
                    v = v[:, :, None].expand(-1, -1, H3.shape[2])
                tc[str(name)] = v[keep]
            grp = {}
            for g, named in (groups_arg or {}).items():
                pair = [str(c) for c in named]
                if len(pair) != 2 or any(c not in tc for c in pair):
                    raise InputError(
                        f"group {g!r} must name two columns of truth= ({sorted(tc)}), got {pair}"
                    )
                grp[str(g)] = pair
        elif lat is not None:
            cols, grp = _world_truth(lat, getattr(model.spec, "n_particles", None), H3.shape[2], T)
            tc = {name: v[keep] for name, v in cols.items()}
        elif lm and prompts is not None and model.name == "tiny-lm":
            cols, grp = _lm_truth(model, prompts, x)
            for name, v in cols.items():
                tc[name] = v[:, :, None][keep]
        truth_cols = tc
        # fit
        t2 = time.perf_counter()
        torch.manual_seed(int(seed))
        Xf = H[fit_rows]
        cfg: dict[str, Any] = {"k": k, "min_t": min_t, "n_sequences": n_seq}
        if lm:
            cfg["token_join"] = join
        if method == "pca":
            p = _fit_pca(Xf, k, int(seed))
        elif method == "ica":
            p = _fit_ica(Xf, k, int(seed))
        elif method == "random":
            p = _fit_random(Xf, k, int(seed))
        else:
            tk = max(1, k // 8) if topk is None else int(topk)
            if not 1 <= tk <= k:
                raise InputError(f"topk must be in 1..{k}, got {topk!r}")
            cfg.update(topk=tk, steps=int(sae_steps), batch=int(sae_batch), lr=float(sae_lr))
            p = _fit_sae(Xf, k, int(seed), tk, int(sae_steps), int(sae_batch), float(sae_lr))
            cfg.update(final_loss=float(p["final_loss"]), dead_features=int(p["dead"]))
        if "n_iter" in p:
            cfg["ica_iterations"] = int(p["n_iter"])
        fit_s = time.perf_counter() - t2
        read, bias, write, mean = p["read"], p["bias"], p["write"], p["mean"]
        pre = H @ read.T + bias
        Z = _topk_codes(pre, cfg["topk"]) if method == "sae" else pre
        held = ~fit_rows
        tot = float(((H[held] - mean) ** 2).sum())
        Xc = H[held] - p.get("offset", mean)  # an SAE reconstructs from its own origin
        Zh = Z[held]
        fvu = float(((Xc - Zh @ write) ** 2).sum()) / max(tot, 1e-300)
        base = float((Xc**2).sum())
        ev = torch.tensor(
            [
                (base - float(((Xc - Zh[:, i : i + 1] * write[i]) ** 2).sum())) / max(tot, 1e-300)
                for i in range(k)
            ]
        )
        if method == "sae":
            dens = (Zh != 0).double().mean(0)
        else:
            sd = Z[fit_rows].std(0).clamp_min(1e-300)
            mu = Z[fit_rows].mean(0)
            dens = ((Zh - mu).abs() > sd).double().mean(0)
        fs = FeatureSet(
            model.name,
            s,
            method,
            read,
            bias,
            write,
            mean,
            Z.float(),
            rows,
            n_fit,
            ev.float(),
            fvu,
            dens.float(),
            slots,
            x.ids if isinstance(x, TokenIds) else (x if isinstance(x, torch.Tensor) else None),
            truth_cols,
            grp,
            tokens,
            int(seed),
            cfg,
            {
                "collect_s": collect_s,
                "fit_s": fit_s,
                "traces": float(n_traces),
                "rows": float(len(rows)),
                "total_s": time.perf_counter() - t0,
            },
        )
        fs._cache["site_rows"] = H.float()
        out[str(s)] = fs
    return out[str(site_list[0])] if one else out


def _token_join(model: Model, ids: Any) -> str:
    """``" "`` for word-level tokenizers (decoding two tokens puts a space between
    them), ``""`` for sub-word ones (the space is part of the token)."""
    tok = model.tokenizer
    plain = ids.ids if isinstance(ids, TokenIds) else torch.as_tensor(ids)
    mask = ids.attention_mask if isinstance(ids, TokenIds) else torch.ones_like(plain)
    real = [int(t) for t, m in zip(plain[0], mask[0], strict=True) if int(m)]
    if len(real) < 2:
        return ""
    a, b = real[0], real[1]
    both = tok.decode([a, b])
    return " " if both == tok.decode([a]) + " " + tok.decode([b]) else ""


def _tokens(model: Model, ids: Any) -> list[list[str]]:
    """Each sequence's tokens as text; padding positions are empty strings."""
    tok = model.tokenizer
    plain = ids.ids if isinstance(ids, TokenIds) else torch.as_tensor(ids)
    mask = ids.attention_mask if isinstance(ids, TokenIds) else torch.ones_like(plain)
    return [
        [tok.decode([int(t)]) if int(m) else "" for t, m in zip(row, mrow, strict=True)]
        for row, mrow in zip(plain, mask, strict=True)
    ]
