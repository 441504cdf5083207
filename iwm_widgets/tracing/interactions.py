"""Recovering a world model's interaction graph from its internals, by intervention.

For multi-particle worlds (the zoo's ``springs``): the model predicts every particle's
next position ``x̂_j(t+1)`` from past positions. :func:`interaction_graph` intervenes on
particle ``i``'s internal variable — its position or velocity :class:`Variable` at one
layer (shifted by ``delta`` in the variable's own units, along its encoding
directions), or its own slice of a site's features (mean-ablated) — and measures how
particle ``j``'s *predicted acceleration* ``â_j(t) = x̂_j(t+1) − 2 x_j(t) + x_j(t−1)``
moves over the last ``window`` prediction steps. The inputs are not edited, so the
change of ``â_j(t)`` is the change of ``x̂_j(t+1)``.

Edge score ``scores[b, j, i]`` (system ``b``; the layout of
:func:`~iwm_widgets.zoo.springs_metrics.input_sensitivity`, ``[j, i]``: effect *on*
``j`` *of* ``i``)::

    shift, scope="past":  ‖mean over t in the window of Δâ_j(t)‖ / delta  (Frobenius
            over the k components of i's variable and the 2 axes of j)
    shift, other scopes:  mean over t of ‖Δâ_j(t)‖ / delta
    ablate: mean over t of ‖Δâ_j(t)‖

``scope="past"`` (the default) shifts the variable at every step (one row per particle
and component: a prediction at ``t`` sees the shifted steps ``0..t``): shifting each
particle's *position* Variable this way at the first layer is the internal twin of
moving the particle's whole input trajectory, the zoo's own-sensitivity measure (the
default; Spearman 0.84–0.98 with it on the shipped models); ``scope="step"``
shifts it at one step ``s`` only and reads the prediction at ``s`` (one row per
particle, component and window step: the instantaneous effect); ``scope="each"``
(the default) shifts it at one step ``s`` at a time, for every ``s`` from ``lookback``
steps before the window (default: from step 0) to its end, and reads every
prediction ``t >= s`` of the window: the score
is then ``mean_t ‖Δâ_j(t)‖`` with the norm over the steps ``s`` too — the internal
twin of the input-Jacobian norm of
:func:`~iwm_widgets.zoo.springs_metrics.input_sensitivity` (which runs over all
``s <= t``). An undirected pair
``i < j`` scores ``S[i, j] + S[j, i]``; AUROC and precision/recall pool the pairs of
every system against the true adjacency.

Every intervention is one batch row and the rows of many systems share a trace (each
system's unedited baseline is a row of the same trace): ``traces`` counts them, and
``batched=False`` runs the same interventions one trace each (the loop it replaces;
the tests hold both equal).

:func:`spring_patching` is the other half of the issue: two systems that differ only
in one spring, particle ``i``'s slice patched from B into A at a layer, and the change
of ``j``'s prediction.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .. import linear
from ..errors import InputError
from ._display_hook import Displayable
from .edits import Edit
from .model import Model, require_model
from .probes import Variable, collect, particle_features, particle_sweeps
from .run import run
from .sites import as_site

__all__ = [
    "InteractionGraph",
    "SpringPatching",
    "interaction_graph",
    "spearman",
    "spring_patching",
]

#: prediction steps scored by spring_patching by default
WINDOW = 8
#: interaction_graph scores every prediction step from this one on by default (as the
#: zoo's input sensitivities do: before it a particle has no velocity to see)
MIN_T = 2
#: default shift in units of the variable's readout standard deviation
DELTA_STD = 0.1


# ---------------------------------------------------------------- metrics
def _ranks(a: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), 1-based."""
    order = np.argsort(a, kind="mergesort")
    s = a[order]
    ranks = np.empty(len(a))
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i : j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return ranks


def spearman(a: Any, b: Any) -> float:
    """Spearman rank correlation of two equally long score lists (ties: average ranks)."""
    x = np.asarray(_np(a), dtype=np.float64).ravel()
    y = np.asarray(_np(b), dtype=np.float64).ravel()
    if x.shape != y.shape or len(x) < 2:
        raise InputError(
            f"spearman needs two lists of the same length >= 2, got {x.shape}, {y.shape}"
        )
    rx, ry = _ranks(x), _ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def _np(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().double().numpy()
    return np.asarray(a, dtype=np.float64)


def _pairs(scores: np.ndarray) -> np.ndarray:
    """``[n, N, N]`` → ``[n, N(N−1)/2]``: ``S[i, j] + S[j, i]`` for ``i < j``."""
    iu, ju = np.triu_indices(scores.shape[-1], 1)
    return (scores + np.swapaxes(scores, -1, -2))[:, iu, ju]


def _auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    from ..zoo.springs_metrics import auroc

    return auroc(scores, labels)


def _prf(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    pred = scores > threshold
    tp = int((pred & labels).sum())
    fp = int((pred & ~labels).sum())
    fn = int((~pred & labels).sum())
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return {
        "threshold": float(threshold),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _best_f1(scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """The threshold (midway between two adjacent scores) of the best F1."""
    u = np.unique(scores)
    cuts = np.concatenate([[u[0] - 1.0], 0.5 * (u[1:] + u[:-1])]) if len(u) > 1 else u - 1.0
    best: dict[str, float] | None = None
    for c in cuts:
        r = _prf(scores, labels, float(c))
        if best is None or (r["f1"] > best["f1"]) or math.isnan(best["f1"]):
            best = r
    assert best is not None
    return best


# ---------------------------------------------------------------- the result
@dataclass
class InteractionGraph(Displayable):
    """Edge scores between the particles of many systems, from interventions.

    Attributes
    ----------
    scores : torch.Tensor
        ``[n, N, N]`` float64: ``scores[b, j, i]`` is the effect of intervening on
        particle ``i`` on particle ``j``'s predicted acceleration in system ``b``
        (module docstring); the diagonal is 0 (see :attr:`self_scores`).
    self_scores : torch.Tensor
        ``[n, N]``: the same for ``j = i`` (a particle's effect on itself).
    signed : torch.Tensor or None
        ``[n, N, N]`` for 2-component shifts: mean over the window of ``½ trace`` of
        the ``2 × 2`` block ``∂ â_j / ∂ variable_i`` (for a position variable and a
        model that learned Hooke's law: ``k · C_ji``, the sign of the spring).
    adjacency : torch.Tensor or None
        ``[n, N, N]`` the true springs, when known.
    inputs : torch.Tensor
        ``[n, T, 2N]`` the systems' positions.
    sites : list[str]
        Where the interventions were made.
    how : str
        ``"shift"`` (Variables) or ``"ablate"`` (feature slices).
    variables : list[str]
        The intervened Variables (or slices), one per particle.
    delta : float
        The shift, in the variables' units (``nan`` for ablation).
    window : list[int]
        The prediction steps scored.
    scope : str
        ``"past"`` or ``"step"`` (module docstring).
    traces, rows : int
        nnsight traces run and intervention rows in them (baselines included).
    seconds : float
    batched : bool
        False: one trace per intervention (the reference loop).
    fitted : list[Variable]
        The Variable shifted for each particle (empty for slice ablation): pass them
        back as ``variable=`` to score other systems with the same probes.
    """

    scores: torch.Tensor
    self_scores: torch.Tensor
    signed: torch.Tensor | None
    adjacency: torch.Tensor | None
    inputs: torch.Tensor
    sites: list[str]
    how: str
    variables: list[str]
    delta: float
    window: list[int]
    scope: str
    traces: int
    rows: int
    seconds: float = 0.0
    model_name: str = ""
    batched: bool = True
    meta: dict[str, Any] = field(default_factory=dict)
    fitted: list[Variable] = field(default_factory=list)

    @property
    def n_systems(self) -> int:
        return int(self.scores.shape[0])

    @property
    def n_particles(self) -> int:
        return int(self.scores.shape[-1])

    def pair_scores(self) -> torch.Tensor:
        """``[n, N(N−1)/2]``: ``S[i, j] + S[j, i]`` for the pairs ``i < j`` in order."""
        return torch.from_numpy(_pairs(_np(self.scores)))

    def _labels(self) -> np.ndarray:
        if self.adjacency is None:
            raise InputError(
                "no true adjacency: pass adjacency= [n, N, N] (systems=<int> simulates it)"
            )
        iu, ju = np.triu_indices(self.n_particles, 1)
        return np.asarray(_np(self.adjacency)[:, iu, ju] > 0.5)

    def auroc(self) -> float:
        """AUROC of the pair scores against the true adjacency, pooled over systems."""
        return _auroc(_pairs(_np(self.scores)).ravel(), self._labels().ravel())

    def best_f1(self) -> dict[str, float]:
        """The threshold of the best F1 on these systems, with its precision and recall.

        Chosen on the same systems it is scored on (optimistic): for a fair number take
        the threshold from other systems, :meth:`at_threshold`.
        """
        return _best_f1(_pairs(_np(self.scores)).ravel(), self._labels().ravel())

    def at_threshold(self, threshold: float | InteractionGraph) -> dict[str, float]:
        """Precision, recall and F1 of "edge when the pair score > threshold".

        ``threshold``: a number, or another InteractionGraph (separate calibration
        systems of the same model and intervention) whose best-F1 threshold is used.
        """
        if isinstance(threshold, InteractionGraph):
            threshold = threshold.best_f1()["threshold"]
        return _prf(_pairs(_np(self.scores)).ravel(), self._labels().ravel(), float(threshold))

    def edges(self, system: int = 0, threshold: float = 0.0) -> list[tuple[int, int]]:
        """The pairs ``(i, j)``, ``i < j``, of one system whose score exceeds ``threshold``."""
        s = _pairs(_np(self.scores[system : system + 1]))[0]
        iu, ju = np.triu_indices(self.n_particles, 1)
        return [(int(i), int(j)) for i, j, v in zip(iu, ju, s, strict=True) if v > threshold]

    def to_networkx(self, system: int = 0, threshold: float | None = None) -> Any:
        """One system's graph: an undirected ``networkx.Graph`` over particles.

        Every pair is an edge with ``weight`` (its pair score) and ``recovered``
        (score > ``threshold``; default: the best-F1 threshold when the truth is known,
        else 0); with the truth also ``true`` (a spring). Edges neither recovered nor
        true are left out.
        """
        import networkx as nx

        if threshold is None:
            threshold = self.best_f1()["threshold"] if self.adjacency is not None else 0.0
        g = nx.Graph(name=f"interactions of system {system}", threshold=float(threshold))
        g.add_nodes_from(range(self.n_particles))
        s = _pairs(_np(self.scores[system : system + 1]))[0]
        iu, ju = np.triu_indices(self.n_particles, 1)
        truth = None if self.adjacency is None else _np(self.adjacency[system])
        for i, j, v in zip(iu, ju, s, strict=True):
            rec = bool(v > threshold)
            true = None if truth is None else bool(truth[i, j] > 0.5)
            if rec or true:
                attrs: dict[str, Any] = {"weight": float(v), "recovered": rec}
                if true is not None:
                    attrs["true"] = true
                g.add_edge(int(i), int(j), **attrs)
        return g

    def faithfulness(self, reference: Any = None, model: Any = None) -> dict[str, float]:
        """Spearman between these edge scores and the model's own input sensitivities.

        ``reference``: scores ``[n, N, N]`` in the same ``[j, i]`` layout (e.g.
        ``input_sensitivity(...)["norm"]``); default: computed from ``model`` (a Model
        or a torch module) on :attr:`inputs` over the same last steps. Returns
        ``directed`` (over every ordered pair ``j != i`` of every system) and
        ``pairs`` (over the undirected pair scores).
        """
        if reference is None:
            if model is None:
                raise InputError("give reference= scores or model= to compute them")
            from ..zoo.springs_metrics import input_sensitivity

            module = model.module if isinstance(model, Model) else model
            reference = input_sensitivity(module, self.inputs, last=len(self.window))["norm"]
        ref = _np(reference)
        if ref.shape != tuple(self.scores.shape):
            raise InputError(
                f"reference scores have shape {list(ref.shape)}, need {list(self.scores.shape)}"
            )
        off = ~np.eye(self.n_particles, dtype=bool)
        mine = _np(self.scores)
        return {
            "directed": spearman(mine[:, off], ref[:, off]),
            "pairs": spearman(_pairs(mine), _pairs(ref)),
        }

    def report(self) -> dict[str, Any]:
        """The numbers in one dict (AUROC and best F1 when the truth is known)."""
        out: dict[str, Any] = {
            "n_systems": self.n_systems,
            "n_particles": self.n_particles,
            "sites": list(self.sites),
            "how": self.how,
            "scope": self.scope,
            "delta": self.delta,
            "window": list(self.window),
            "traces": self.traces,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
        }
        if self.adjacency is not None:
            out["auroc"] = self.auroc()
            out["best_f1"] = self.best_f1()
        return out

    def __repr__(self) -> str:
        au = ""
        if self.adjacency is not None:
            au = f", AUROC {self.auroc():.3f}"
        return (
            f"<InteractionGraph {self.how} {_family(self.variables)} @ "
            f"{', '.join(dict.fromkeys(self.sites))}: {self.n_systems} systems × "
            f"{self.n_particles} particles{au}, {self.traces} traces, {self.seconds:.2f} s>"
        )


def _family(names: list[str]) -> str:
    """``["velocity_0", "velocity_1"]`` → ``"velocity_i"``."""
    stems = {n.rsplit("_", 1)[0] for n in names}
    return f"{stems.pop()}_i" if len(stems) == 1 and len(names) > 1 else ", ".join(names)


# ---------------------------------------------------------------- the measurement
def _as_adjacency(a: Any) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        return a.detach().float().cpu()
    return torch.tensor(np.array(a, dtype=np.float32))


def _systems(
    model: Model, systems: Any, adjacency: Any, seed: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    if isinstance(systems, int) and not isinstance(systems, bool):
        if model.kind != "world" or not hasattr(model.spec, "sample_batch"):
            raise InputError("systems=<int> simulates systems: it needs a zoo world model")
        x, lat = model.spec.sample_batch(int(systems), seed, latents=True)
        adj = lat.get("adjacency") if adjacency is None else _as_adjacency(adjacency)
        return x, None if adj is None else adj.float()
    x = model.prepare(systems)
    adj = None if adjacency is None else _as_adjacency(adjacency)
    if adj is not None and adj.ndim == 2:
        adj = adj.expand(x.shape[0], *adj.shape).clone()
    return x, adj


def _target_names(variable: Any) -> list[str]:
    """``"velocity"`` or ``("position", "velocity")`` → target names; else ``[]``."""
    if isinstance(variable, str):
        return [variable]
    if (
        isinstance(variable, (tuple, list))
        and variable
        and all(isinstance(v, str) for v in variable)
    ):
        return list(variable)
    return []


def _stack(vs: Sequence[Variable], family: str) -> Variable:
    """One Variable of particle ``i`` from several (its position and velocity: k = 4)."""
    if len(vs) == 1:
        return vs[0]
    particle = vs[0].name.rsplit("_", 1)[-1]
    return Variable(
        f"{family}_{particle}",
        vs[0].site,
        torch.cat([v.read for v in vs]),
        torch.cat([v.bias for v in vs]),
        torch.cat([v.write for v in vs]),
        [c for v in vs for c in v.components],
        {f"{v.name}.{k}": val for v in vs for k, val in v.score.items()},
        vs[0].model_name,
    )


def _joint_writes(
    model: Model, targets: Sequence[str], where: str, n_p: int, n: int, seed: int
) -> list[list[torch.Tensor]]:
    """Write directions of every particle's variables fitted together: ``[target][i]``.

    Where one row holds all particles, particle ``i``'s own encoding fit (activations
    regressed on its variable alone) also carries whatever goes with the other
    particles' correlated variables (joined particles move together); regressing the
    activations on every particle's variables at once leaves each its own part.
    """
    x, lat = model.spec.sample_batch(n, seed, latents=True)
    h = collect(model, x, [where])[where][:, MIN_T:]
    y = torch.cat([torch.as_tensor(lat[tg])[:, MIN_T:] for tg in targets], dim=-1)
    a = linear.encoding_directions(h.reshape(-1, h.shape[-1]), y.reshape(-1, y.shape[-1]))
    w = 2 * n_p
    return [[a[t * w + 2 * i : t * w + 2 * i + 2] for i in range(n_p)] for t in range(len(targets))]


def _n_particles(model: Model, x: torch.Tensor) -> int:
    n_p = getattr(model.spec, "n_particles", None)
    return int(n_p) if n_p is not None else int(x.shape[-1]) // 2


def interaction_graph(
    model: Model,
    systems: Any = 64,
    *,
    adjacency: Any = None,
    variable: str | Sequence[str] | Sequence[Variable] | None = "position",
    site: str | None = None,
    layer: str | None = None,
    features: str = "auto",
    delta: float | None = None,
    window: int | None = None,
    scope: str = "past",
    lookback: int | None = None,
    seed: int = 54321,
    fit_systems: int = 256,
    fit_seed: int = 12345,
    max_rows: int = 64,
    batched: bool = True,
) -> InteractionGraph:
    """Intervene on each particle's internal variable; score its effect on the others.

    Parameters
    ----------
    model
        A multi-particle world model (the zoo's springs models) or any model whose
        inputs are positions ``[n, T, 2N]`` and whose output predicts the next ones.
    systems
        How many held-out systems to simulate (from ``seed``; their true springs score
        the result), or the inputs ``[n, T, 2N]`` themselves (then ``adjacency=``).
    adjacency
        ``[n, N, N]`` (or one ``[N, N]`` for all) true springs, for inputs you give.
    variable
        ``"position"`` or ``"velocity"`` (a simulator latent): per-particle probes
        are fitted at ``layer`` on ``fit_systems`` other systems
        (:func:`~iwm_widgets.tracing.probes.particle_sweeps`) and each particle's
        Variable is shifted; several names (``("position", "velocity")``) stack
        them into one Variable per particle (each component shifted by ``delta`` in
        turn: with ``scope="each"`` the twin of moving the input ``x_i(s)``, which
        moves both the position and the last displacement); or a list of one Variable
        per particle (shifted as given);
        ``None`` with ``site``: mean-ablate each particle's own feature slice.
    site, layer
        Where: ``layer`` for fitted probes (default ``site``, else the first layer:
        the effect through the whole model, comparable to input sensitivities);
        ``site`` alone (``variable=None``) for slice ablation.
    features
        For fitted probes: ``"own"`` (the particle's slice), ``"all"`` (the whole row)
        or ``"auto"`` (own where the model has per-particle slices).
    delta
        The shift in the variable's units (default: 0.1 × the standard deviation of
        its readout over the systems).
    window
        How many last prediction steps are scored (default: every step from
        ``MIN_T`` = 2, as the zoo's input sensitivities).
    scope, lookback
        ``"past"`` (the default): shift at every step — with ``variable="position"``
        at the first layer the internal twin of moving particle ``i``'s whole input
        trajectory (:func:`~iwm_widgets.zoo.springs_metrics.input_sensitivity`);
        ``"step"``: at one step at a time, reading that step's prediction;
        ``"each"``: at one step at a time from ``lookback`` steps before the window
        on (``None``: every step, the twin of the per-step input Jacobian), reading
        every later prediction of the window (module docstring). Measured on the
        shipped springs models (8 fresh systems, 128 fit systems, at ``embed``):
        Spearman with the input sensitivities (directed pairs, window 30) 0.98
        springs-fixed, 0.92 springs, 0.85 springs-meanfield, 0.84 springs-flawed for
        the position Variable over the past; 0.30 / 0.53 / 0.75 / 0.28 for the
        velocity Variable over the past.
    max_rows
        Batch rows per trace: systems are packed whole. Small batches are faster on a
        CPU (the attention scores stay in cache): 100 springs-fixed systems (900 rows)
        took 8.2 s at 1024 rows per trace, 4.9 s at 256, 1.6 s at 64 and 2.0 s at 16
        on 2 cores (a raw forward of all 900 rows at once: 4.0 s; 900 one-row ones
        3.3 s).
    batched
        False: every intervention (and every baseline) in its own trace, the reference
        loop the batched traces replace.
    """
    t0 = time.perf_counter()
    model = require_model(model, "interaction_graph")
    if scope not in ("past", "step", "each"):
        raise InputError(f"scope must be 'past', 'step' or 'each', got {scope!r}")
    x, adj = _systems(model, systems, adjacency, seed)
    n, T = int(x.shape[0]), int(x.shape[1])
    n_p = _n_particles(model, x)
    if x.shape[-1] != 2 * n_p:
        raise InputError(f"inputs must be positions [n, T, {2 * n_p}], got {list(x.shape)}")
    window = max(1, T - MIN_T) if window is None else int(window)
    if not 1 <= window <= T:
        raise InputError(f"window must be in 1..{T} (the input length), got {window}")
    steps = list(range(T - window, T))
    traces = 0
    # ---- what to intervene on, per particle
    variables: list[Variable] | None = None
    slices: list[tuple[int, int]] = []
    mean_slices: list[torch.Tensor] = []
    targets = _target_names(variable)
    if targets:
        where = layer or site or model.layers[0]
        width = model.inspect(x[:1])[model.check_site(where)][-1]
        has_slices = particle_features(model, 0, width) is not None
        feats = ("own" if has_slices else "all") if features == "auto" else features
        per_target = []
        for tg in targets:
            sweeps = particle_sweeps(
                model,
                tg,
                features=feats,
                sites=[where],
                n=fit_systems,
                seed=fit_seed,
                progress=False,
            )
            per_target.append([sw.variable(layer=where) for sw in sweeps])
            traces += -(-fit_systems // 256)
        if feats == "all":  # one row holds every particle: encode them jointly
            writes = _joint_writes(model, targets, where, n_p, fit_systems, fit_seed)
            traces += -(-fit_systems // 256)
            per_target = [
                [dataclasses.replace(v, write=w) for v, w in zip(vs, ws, strict=True)]
                for vs, ws in zip(per_target, writes, strict=True)
            ]
        variables = [_stack(vs, "+".join(targets)) for vs in zip(*per_target, strict=True)]
    elif variable is not None:
        variables = [v for v in variable if isinstance(v, Variable)]
        if (
            len(variables) != len(variable)
            or len(variables) != n_p
            or not all(isinstance(v, Variable) for v in variables)
        ):
            raise InputError(f"give one Variable per particle ({n_p}), got {len(variables)}")
    elif site is None:
        raise InputError("give variable= (a target name or Variables) or site=")
    if variables is not None:
        how = "shift"
        k = variables[0].k
        if any(v.k != k for v in variables):
            raise InputError("the particles' Variables must have the same number of components")
        sites = [str(v.site) for v in variables]
        names = [v.name for v in variables]
        if delta is None:
            acts = collect(model, x, list(dict.fromkeys(sites)))
            traces += -(-n // 256)
            sd = torch.stack([v.readout(acts[str(v.site)]).std() for v in variables])
            delta = float(DELTA_STD * sd.mean())
        delta = float(delta)
        if not math.isfinite(delta) or delta == 0:
            raise InputError(f"delta must be a finite nonzero number, got {delta}")
        comps = [[v.component(c) for c in range(k)] for v in variables]
    else:
        how, k = "ablate", 1
        assert site is not None
        s = str(as_site(site))
        width = model.inspect(x[:1])[model.check_site(s)][-1]
        for i in range(n_p):
            sl = particle_features(model, i, width)
            if sl is None:
                raise InputError(
                    f"{model.name} has no per-particle slice at {s}: it keeps all particles "
                    "in one slot; intervene on per-particle Variables instead (variable=)"
                )
            slices.append(sl)
        acts = collect(model, x, [s])
        traces += -(-n // 256)
        flat = acts[s].reshape(-1, acts[s].shape[-1])
        mean_slices = [flat[:, lo:hi].mean(0) for lo, hi in slices]
        sites, names = [s] * n_p, [f"particle {i} @ {s}" for i in range(n_p)]
        delta = float("nan")

    # ---- the interventions of one system, in row order (row 0: the baseline)
    per_step = scope in ("step", "each") and how == "shift"
    if scope == "each":
        first = 0 if lookback is None else max(0, T - window - int(lookback))
        shift_steps = list(range(first, T))
    else:
        shift_steps = steps
    plan: list[tuple[int, int, int | None]] = [
        (i, c, s)
        for i in range(n_p)
        for c in range(k)
        for s in (shift_steps if per_step else [None])
    ]
    R = 1 + len(plan)

    def edit(r: int, rows: tuple[int, ...] | None) -> Edit:
        i, c, s = plan[r]
        if how == "shift":
            assert variables is not None
            scope_kw: dict[str, Any] = {"positions": (s,)} if s is not None else {"start": 0}
            e = Edit.add(comps[i][c], [delta], **scope_kw)
        else:
            e = Edit.set(sites[i], mean_slices[i], start=0).with_(features=slices[i])
        return e if rows is None else e.with_(rows=rows)

    out = torch.empty(n, R, T, 2 * n_p)
    if batched:
        per = max(1, int(max_rows) // R)
        for b0 in range(0, n, per):
            m = min(per, n - b0)
            xb = x[b0 : b0 + m].repeat_interleave(R, dim=0)
            edits = [edit(r, tuple(b * R + 1 + r for b in range(m))) for r in range(len(plan))]
            res = run(model, xb, edits, prepared=True)
            traces += 1
            out[b0 : b0 + m] = res.output.float().reshape(m, R, T, 2 * n_p)
    else:
        for b in range(n):
            xb = x[b : b + 1]
            out[b, 0] = run(model, xb, prepared=True).output[0].float()
            for r in range(len(plan)):
                out[b, 1 + r] = run(model, xb, [edit(r, None)], prepared=True).output[0].float()
            traces += R
    # ---- scores
    diff = (out[:, 1:] - out[:, :1]).double()  # [n, R-1, T, 2N]
    if scope == "each" and how == "shift":  # row (i, c, s): every prediction of the window
        d = diff.view(n, n_p, k, len(shift_steps), T, n_p, 2)[:, :, :, :, steps]
        d = d.reshape(n, n_p, k * len(shift_steps), window, n_p, 2)
    elif per_step:  # row (i, c, s): the prediction at step s
        d = diff.view(n, n_p, k, len(steps), T, n_p, 2)
        idx = torch.tensor(steps)
        d = d[:, :, :, torch.arange(len(steps)), idx]  # [n, N_i, k, W, N_j, 2]
    else:
        d = diff.view(n, n_p, k, T, n_p, 2)[:, :, :, steps]  # [n, N_i, k, W, N_j, 2]
    if how == "shift":
        d = d / delta
    if scope == "past":  # the block of the mean response, as moving the input's particle
        eff = d.mean(3).pow(2).sum((2, 4)).sqrt()  # [n, N_i, N_j]
    else:
        eff = d.pow(2).sum((2, 5)).sqrt().mean(2)
    full = eff.transpose(1, 2).contiguous()  # [n, j, i]
    idx_p = torch.arange(n_p)
    self_scores = full[:, idx_p, idx_p].clone()
    full[:, idx_p, idx_p] = 0.0
    signed = None
    if how == "shift" and k == 2:  # ½ trace of the 2 × 2 block, mean over the window
        if scope == "each":  # summed over the shifted steps (moving i's recent past)
            dd = d.view(n, n_p, 2, len(shift_steps), window, n_p, 2).sum(3)
        else:
            dd = d
        tr = 0.5 * (dd[:, :, 0, :, :, 0] + dd[:, :, 1, :, :, 1]).mean(2)  # [n, N_i, N_j]
        signed = tr.transpose(1, 2).contiguous()
    return InteractionGraph(
        full,
        self_scores,
        signed,
        adj,
        x.detach().clone(),
        sites,
        how,
        names,
        float(delta),
        steps,
        scope,
        traces,
        n * R,
        time.perf_counter() - t0,
        model.name,
        batched,
        fitted=list(variables or []),
    )


# ---------------------------------------------------------------- patching one spring
@dataclass
class SpringPatching(Displayable):
    """Patching particle slices between systems that differ in one spring.

    ``effects[p, s, j, i]``: in pair ``p``, with particle ``i``'s slice at ``sites[s]``
    patched from system B into system A (every step), the mean over the window of
    ``‖x̂_j − x̂_j^A‖`` (the change of ``j``'s predicted position, hence of its predicted
    acceleration). ``total[p, j]``: the same for the whole of B against A (unpatched).
    ``edges[p]``: the spring ``(a, b)`` the pair differs in.
    """

    effects: torch.Tensor
    total: torch.Tensor
    sites: list[str]
    edges: list[tuple[int, int]]
    window: list[int]
    traces: int
    seconds: float = 0.0

    def fraction(self) -> torch.Tensor:
        """``effects / total`` (per pair and particle ``j``; 0 where B does not move j)."""
        tot = self.total[:, None, :, None]
        return torch.where(tot > 0, self.effects / tot.clamp_min(1e-30), torch.zeros(()))

    def __repr__(self) -> str:
        return (
            f"<SpringPatching {len(self.edges)} pairs × {len(self.sites)} sites, "
            f"{self.traces} traces, {self.seconds:.2f} s>"
        )


def spring_patching(
    model: Model,
    system_a: Any,
    system_b: Any,
    *,
    edges: Sequence[tuple[int, int]] | None = None,
    sites: Sequence[str] | None = None,
    window: int = WINDOW,
    max_rows: int = 1024,
) -> SpringPatching:
    """Patch each particle's slice from system B into system A, at each site.

    ``system_a``, ``system_b``: positions ``[n, T, 2N]`` (or ``[T, 2N]``) of ``n``
    pairs that differ only in one spring (``spec.sample_spring_pairs``); ``edges``: that
    spring per pair (kept in the result). Rows: A, B and one row per (site, particle)
    for every pair, in batched traces (B's activations come from one more).
    """
    t0 = time.perf_counter()
    model = require_model(model, "spring_patching")
    a, b = model.prepare(system_a), model.prepare(system_b)
    if a.shape != b.shape:
        raise InputError(
            f"systems A and B must have one shape, got {list(a.shape)}, {list(b.shape)}"
        )
    n, T = int(a.shape[0]), int(a.shape[1])
    n_p = _n_particles(model, a)
    site_list = [str(as_site(s)) for s in (sites if sites is not None else model.layers)]
    shapes = model.inspect(a[:1])
    slices: dict[str, list[tuple[int, int]]] = {}
    for s in site_list:
        width = shapes[model.check_site(s)][-1]
        sl = [particle_features(model, i, width) for i in range(n_p)]
        if any(v is None for v in sl):
            raise InputError(
                f"{model.name} has no per-particle slice at {s}: it keeps all particles in "
                "one slot, so there is no particle to patch there"
            )
        slices[s] = sl  # type: ignore[assignment]
    window = int(window)
    if not 1 <= window <= T:
        raise InputError(f"window must be in 1..{T}, got {window}")
    steps = list(range(T - window, T))
    acts_b = collect(model, b, site_list)
    traces = -(-n // 256)
    plan = [(s, i) for s in site_list for i in range(n_p)]
    R = 2 + len(plan)
    per = max(1, int(max_rows) // R)
    out = torch.empty(n, R, T, 2 * n_p)
    for p0 in range(0, n, per):
        m = min(per, n - p0)
        xb = torch.cat([torch.stack([a[p], b[p]] + [a[p]] * len(plan)) for p in range(p0, p0 + m)])
        edits = []
        for q in range(m):
            for r, (s, i) in enumerate(plan):
                lo, hi = slices[s][i]
                v = acts_b[s][p0 + q, :, lo:hi]
                edits.append(
                    Edit.set(s, v, start=0).with_(features=(lo, hi), rows=(q * R + 2 + r,))
                )
        res = run(model, xb, edits, prepared=True)
        traces += 1
        out[p0 : p0 + m] = res.output.float().reshape(m, R, T, 2 * n_p)
    base = out[:, :1, steps].double().view(n, 1, window, n_p, 2)
    rest = out[:, 1:, steps].double().view(n, R - 1, window, n_p, 2)
    mag = (rest - base).pow(2).sum(-1).sqrt().mean(2)  # [n, R-1, N_j]
    total = mag[:, 0]
    eff = mag[:, 1:].view(n, len(site_list), n_p, n_p).transpose(2, 3).contiguous()  # [n,S,j,i]
    return SpringPatching(
        eff,
        total,
        site_list,
        [tuple(map(int, e)) for e in edges] if edges is not None else [],  # type: ignore[misc]
        steps,
        traces,
        time.perf_counter() - t0,
    )
