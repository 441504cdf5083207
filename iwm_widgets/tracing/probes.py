"""Probes and Variables: find an internal variable, then read and write it.

:func:`probe_sweep` collects activations in batched traces (one trace per chunk of
sequences, never a loop of traces over sequences), fits a linear probe at every
layer on a train split and scores it on held-out sequences beside a shuffled-label
control. :meth:`ProbeSweep.variable` turns the probe at one layer into a
:class:`Variable` with two sets of directions:

* **read** directions ``W`` (the probe's weights): ``readout = h @ Wᵀ + bias``;
* **write** directions ``A`` (the *encoding* directions: the activation pattern that
  goes with one unit of the variable, from regressing activations on the labels).

Writing along ``A`` is how the model itself encodes the variable; writing along the
probe's pseudo-inverse mostly moves the readout without moving the model (see
``shared/notes/bouncing-ball-steering.md``). Both are offered so the difference can
be shown.
"""

from __future__ import annotations

import inspect
import json
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .. import linear
from ..errors import EditError, FileFormatError, InputError
from ..safefiles import read_json, read_safetensors
from ._display_hook import Displayable
from .edits import Edit, _tensor
from .model import Model
from .run import Result, run
from .sites import Site, as_site
from .text import TokenIds

__all__ = [
    "ProbeSweep",
    "Variable",
    "collect",
    "contrastive_variable",
    "dial_scan",
    "particle_features",
    "particle_sweeps",
    "probe_sweep",
]


# ---------------------------------------------------------------- Variable
@dataclass(eq=False)
class Variable(Displayable):
    """A named quantity at a site: ``k`` read directions and ``k`` write directions.

    Attributes
    ----------
    name : str
        E.g. ``"velocity"``.
    site : Site
        Where it lives (``"blocks.2"``).
    read : torch.Tensor
        ``[k, d]``; the readout is ``h @ read.T + bias``.
    bias : torch.Tensor
        ``[k]``.
    write : torch.Tensor
        ``[k, d]`` encoding directions (how the model encodes one unit of each
        component).
    components : list[str]
        Names of the ``k`` components (``["velocity_x", "velocity_y"]``).
    score : dict
        Held-out scores of the probe it came from (R² or accuracy, control...).
    """

    name: str
    site: Site
    read: torch.Tensor
    bias: torch.Tensor
    write: torch.Tensor
    components: list[str] = field(default_factory=list)
    score: dict[str, Any] = field(default_factory=dict)
    model_name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise EditError(f"a Variable needs a name (a non-empty str), got {self.name!r}")
        try:
            self.site = as_site(self.site)
        except (TypeError, ValueError) as e:
            raise EditError(f"Variable {self.name!r} has a bad site: {e}") from None
        # same conversions as edit vectors: float32, finite, exact integers (see Edit)
        read = _tensor(self.read, f"{self.name} read directions")
        if read.ndim == 1:
            read = read[None]
        if read.ndim != 2 or 0 in read.shape:
            raise EditError(
                f"Variable {self.name!r}: read directions must have shape [k, d], got "
                f"{list(read.shape)}"
            )
        k, d = read.shape
        write = _tensor(self.write, f"{self.name} write directions")
        if write.ndim == 1 and k == 1:
            write = write[None]
        if tuple(write.shape) != (k, d):
            raise EditError(
                f"Variable {self.name!r}: write directions have shape {list(write.shape)}, "
                f"need {[k, d]} like the read directions"
            )
        bias = _tensor(self.bias, f"{self.name} bias")
        if bias.numel() != k:
            raise EditError(
                f"Variable {self.name!r}: bias has {bias.numel()} values, need one per "
                f"direction ({k})"
            )
        for what, M in (("read", read), ("write", write)):
            zero = [i for i in range(k) if not bool(M[i].abs().max() > 0)]
            if zero:
                raise EditError(
                    f"Variable {self.name!r}: {what} direction {zero[0]} is all zeros; a "
                    "zero direction cannot read or move anything (refit the probe)"
                )
        self.read, self.write, self.bias = read, write, bias.reshape(k)
        if not self.components:
            self.components = (
                [self.name] if self.k == 1 else [f"{self.name}_{i}" for i in range(self.k)]
            )
        self.components = list(self.components)
        if len(self.components) != self.k or not all(
            isinstance(c, str) and c for c in self.components
        ):
            raise EditError(
                f"Variable {self.name!r}: {self.k} directions need {self.k} component names "
                f"(non-empty str), got {self.components!r}"
            )
        if not isinstance(self.model_name, str):
            raise EditError(f"Variable {self.name!r}: model_name must be a str")
        self.score = dict(self.score)

    @property
    def k(self) -> int:
        """Number of components."""
        return int(self.read.shape[0])

    @property
    def width(self) -> int:
        """Hidden size of the site."""
        return int(self.read.shape[1])

    def readout(self, x: Result | torch.Tensor) -> torch.Tensor:
        """The variable's value ``[..., k]`` from a Result (that read its site) or a tensor."""
        h = x[str(self.site)] if isinstance(x, Result) else x
        if h.shape[-1] != self.width:
            raise EditError(
                f"{self.name} reads {self.width} features, got {h.shape[-1]}"
                + (f" (it was fitted on {self.model_name!r})" if self.model_name else "")
            )
        return h.float() @ self.read.T + self.bias

    def component(self, i: int | str) -> Variable:
        """The 1-D Variable of one component."""
        if isinstance(i, str):
            if i not in self.components:
                raise EditError(f"{self.name} has components {self.components}, not {i!r}")
            j = self.components.index(i)
        else:
            j = int(i)
            if not 0 <= j < self.k:
                raise EditError(f"{self.name} has {self.k} components, no component {j}")
        return Variable(
            self.components[j],
            self.site,
            self.read[j : j + 1],
            self.bias[j : j + 1],
            self.write[j : j + 1],
            [self.components[j]],
            self.score,
            self.model_name,
        )

    def directions(self, direction: str = "encoding") -> torch.Tensor:
        """Write directions: ``"encoding"`` (the model's) or ``"probe"`` (pseudo-inverse)."""
        if direction == "encoding":
            return self.write
        if direction == "probe":
            return self.read
        raise EditError(f"direction must be 'encoding' or 'probe', got {direction!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable (tensors as lists)."""
        return {
            "name": self.name,
            "site": self.site.to_dict(),
            "read": self.read.tolist(),
            "bias": self.bias.tolist(),
            "write": self.write.tolist(),
            "components": list(self.components),
            "score": self.score,
            "model": self.model_name,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Variable:
        """Inverse of :meth:`to_dict`; strict (the dict may come from a file).

        Raises :class:`~iwm_widgets.errors.FileFormatError` for missing or unknown keys,
        values of the wrong type or shape, NaN or inf.
        """
        if not isinstance(d, dict):
            raise FileFormatError(f"a Variable dict is a mapping, got {type(d).__name__}")
        fields = _entry_fields(d, "a Variable dict", tensors=True)
        try:
            return cls(
                fields["name"],
                fields["site"],
                d["read"],
                d["bias"],
                d["write"],
                fields["components"],
                fields["score"],
                fields["model"],
            )
        except EditError as e:
            raise FileFormatError(f"a Variable dict does not hold a valid Variable: {e}") from None

    def __repr__(self) -> str:
        s = ", ".join(f"{k}={v:.3f}" for k, v in self.score.items() if isinstance(v, float))
        return f"<Variable {self.name!r} @ {self.site} k={self.k} {s}>"


# ---------------------------------------------------------------- collection
def collect(
    model: Model,
    inputs: torch.Tensor,
    sites: Sequence[str | Site],
    chunk: int = 256,
    progress: bool | None = None,
) -> dict[str, torch.Tensor]:
    """Activations at ``sites`` for a batch of inputs: one trace per chunk of rows."""
    inputs = model.prepare(inputs)
    n = inputs.shape[0]
    parts: dict[str, list[torch.Tensor]] = {str(as_site(s)): [] for s in sites}
    starts = list(range(0, n, chunk))
    bar = _progress(len(starts), "collecting activations", progress)
    for i in starts:
        res = run(model, inputs[i : i + chunk], reads=sites, prepared=True)
        for k in parts:
            parts[k].append(res[k])
        bar.update(1)
    bar.close()
    return {k: torch.cat(v) for k, v in parts.items()}


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, desc: str, progress: bool | None) -> Any:
    if progress is False or total <= 1:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False)


# ---------------------------------------------------------------- sweeps
@dataclass
class ProbeSweep(Displayable):
    """Probe scores at every layer; pick one with :meth:`variable`.

    Attributes
    ----------
    target : str
    kind : str
        ``"regression"`` (R²) or ``"classification"`` (accuracy).
    sites : list[str]
    scores : dict[str, dict[str, float]]
        Per site: ``score`` (held-out R² or accuracy), ``control`` (the same probe on
        shuffled labels), and for world models ``score_after_bounce``.
    baselines : dict[str, float]
        Input-only probes (raw last-k positions) and, for classification, chance.
    baselines_after_bounce : dict[str, float]
        For world models, the input-only probes scored on the steps right after a bounce
        only (compare with each layer's ``score_after_bounce``).
    best_layer : str
    input_baseline : str | None
        The best input-only baseline (the one the chart draws).

    Notes
    -----
    ``sweep.widget()`` (a :class:`~iwm_widgets.widgets.ProbeChart`: click a point to
    pick its layer), ``sweep.chart()`` (the altair chart) and the notebook reprs are
    given to this class by :mod:`iwm_widgets.display`: the tracing core knows no view.
    """

    model: Model
    target: str
    kind: str
    sites: list[str]
    scores: dict[str, dict[str, float]]
    baselines: dict[str, float]
    components: list[str]
    _probes: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = field(repr=False)
    n_train: int = 0
    n_test: int = 0
    seconds: float = 0.0
    selected: str | None = None
    baselines_after_bounce: dict[str, float] = field(default_factory=dict)

    @property
    def best_layer(self) -> str:
        """The site with the highest held-out score."""
        return max(self.sites, key=lambda s: self.scores[s]["score"])

    @property
    def input_baseline(self) -> str | None:
        """The name of the best input-only baseline (``"input_last_4"``), or None."""
        inputs = {k: v for k, v in self.baselines.items() if k.startswith("input")}
        return max(inputs, key=inputs.__getitem__) if inputs else None

    def readouts(self, result: Result, component: int | str = 0) -> torch.Tensor:
        """Every probed layer read by its own probe: ``[len(sites), B, T]``.

        Row ``i`` is exactly ``self.variable(layer=sites[i]).readout(result)`` for one
        component (an index or a name such as ``"velocity_x"``), bias included.
        ``result`` must hold every probed site (``iwm.run(model, x, reads=sweep.sites)``).
        """
        j = self.components.index(component) if isinstance(component, str) else int(component)
        if not 0 <= j < len(self.components):
            raise IndexError(f"component {component!r}: the probes read {self.components}")
        return torch.stack([self.variable(layer=s).readout(result)[..., j] for s in self.sites])

    def variable(self, name: str | None = None, layer: str | None = None) -> Variable:
        """The probe at ``layer`` (default: the selected layer, else the best) as a Variable."""
        layer = layer or self.selected or self.best_layer
        if layer not in self._probes:
            raise KeyError(f"no probe at {layer!r}; probed sites: {self.sites}")
        W, b, A = self._probes[layer]
        return Variable(
            name or self.target,
            Site.parse(layer),
            W,
            b,
            A,
            list(self.components),
            {k: float(v) for k, v in self.scores[layer].items()},
            self.model.name,
        )

    def table(self) -> list[dict[str, Any]]:
        """Rows ``{site, layer, score, control, ...}`` in layer order."""
        return [{"site": s, "layer": i, **self.scores[s]} for i, s in enumerate(self.sites)]

    def observe(self, callback: Callable[[str, ProbeSweep], None]) -> Callable[..., None]:
        """Call ``callback("selected", sweep)`` whenever ``sweep.selected`` is set (a pick
        in a chart or in code), like :meth:`Workspace.observe
        <iwm_widgets.workspace.Workspace.observe>`. A bound method is held weakly, so a
        view that is dropped stops being called. Returns ``callback``."""
        ref: Any = weakref.WeakMethod(callback) if inspect.ismethod(callback) else callback
        self.__dict__.setdefault("_observers", []).append(ref)
        return callback

    def unobserve(self, callback: Callable[..., None]) -> None:
        obs = self.__dict__.get("_observers", [])
        obs[:] = [r for r in obs if _deref(r) not in (None, callback)]

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "selected":  # live charts follow a pick made in code
            for ref in list(self.__dict__.get("_observers", ())):
                cb = _deref(ref)
                if cb is not None:
                    cb("selected", self)

    def __repr__(self) -> str:
        metric = "R²" if self.kind == "regression" else "accuracy"
        lines = [
            f"ProbeSweep(target={self.target!r}, {metric}, held-out, "
            f"{self.n_train} train / {self.n_test} test rows)"
        ]
        for s in self.sites:
            sc = self.scores[s]
            extra = "".join(f"  {k} {v:+.3f}" for k, v in sc.items() if k not in ("score",))
            lines.append(f"  {s:<12} {sc['score']:+.3f}{extra}")
        for k, v in self.baselines.items():
            after = self.baselines_after_bounce.get(k)
            extra = "" if after is None else f"  score_after_bounce {after:+.3f}"
            lines.append(f"  baseline {k}: {v:+.3f}{extra}")
        lines.append(f"  best layer: {self.best_layer}")
        return "\n".join(lines)


def probe_sweep(
    model: Model,
    target: str = "velocity",
    *,
    labels: torch.Tensor | None = None,
    inputs: torch.Tensor | None = None,
    sites: Sequence[str] | None = None,
    n: int = 512,
    seed: int = 12345,
    min_t: int = 2,
    test_fraction: float = 0.25,
    progress: bool | None = None,
    particle: int | None = None,
    features: str = "all",
) -> ProbeSweep:
    """Fit a linear probe for ``target`` at every layer and score it on held-out data.

    Parameters
    ----------
    model
        From :func:`iwm_widgets.load`.
    target
        For zoo world models, a ground-truth latent of the simulator (``"velocity"``,
        ``"position"``, ``"contact"``, ``"speed"``); with ``labels``, any name.
    labels
        Your own labels aligned with positions, ``[n, T]`` or ``[n, T, k]``: floats
        for regression (ridge, R²), integers or bools for classification (logistic,
        accuracy). Needs ``inputs``.
    inputs
        The inputs the labels belong to (``[n, T, ...]``).
    sites
        Where to probe (default: ``model.layers``).
    n, seed
        For zoo models: how many simulated sequences, and their seed.
    min_t
        Positions before ``min_t`` are left out (too little context).
    test_fraction
        Share of sequences held out for scoring.
    particle
        Multi-particle worlds (``springs``): probe one particle's two columns of the
        target (``"velocity_2"``: components ``velocity_2_x``, ``velocity_2_y``). See
        :func:`particle_sweeps` for every particle at once (one collection).
    features
        With ``particle``: ``"all"`` fits on the whole row of a site, ``"own"`` on
        the particle's own slice of it (models with one slot per particle).
    """
    if particle is not None:
        return particle_sweeps(
            model,
            target,
            particles=[particle],
            features=features,
            labels=labels,
            inputs=inputs,
            sites=sites,
            n=n,
            seed=seed,
            min_t=min_t,
            test_fraction=test_fraction,
            progress=progress,
        )[0]
    if features != "all":
        raise InputError("features= chooses a particle's slice: give particle= too")
    t0 = time.perf_counter()
    sites = list(sites) if sites is not None else list(model.layers)
    x, y, contact = _probe_data(model, target, labels, inputs, n, seed)
    acts = collect(model, x, sites, progress=progress)
    return _fit_sweep(
        model,
        target,
        x,
        y,
        contact,
        acts,
        sites,
        seed=seed,
        min_t=min_t,
        test_fraction=test_fraction,
        simulated=labels is None,
        t0=t0,
    )


def particle_sweeps(
    model: Model,
    target: str = "velocity",
    *,
    particles: Sequence[int] | None = None,
    features: str = "all",
    labels: torch.Tensor | None = None,
    inputs: torch.Tensor | None = None,
    sites: Sequence[str] | None = None,
    n: int = 512,
    seed: int = 12345,
    min_t: int = 2,
    test_fraction: float = 0.25,
    progress: bool | None = None,
) -> list[ProbeSweep]:
    """One :class:`ProbeSweep` per particle of a multi-particle world (``springs``).

    The activations are collected once (batched traces) and every particle's probe is
    fitted on them: sweep ``i`` probes ``target_i`` (the target's columns ``2i, 2i+1``,
    components ``target_i_x``, ``target_i_y``), with the same shuffled-label control
    and input-only baselines (the raw last 2 and 4 positions of *every* particle) as
    :func:`probe_sweep`. ``sweeps[i].variable()`` is particle ``i``'s Variable.

    Parameters
    ----------
    particles
        Which particles (default: all).
    features
        ``"all"``: the probe reads the whole row of a site (``[B, T, N·D]``);
        ``"own"``: only particle ``i``'s slice ``i·D .. (i+1)·D`` (models with one slot
        per particle; the Variable's directions are zero outside the slice, so it reads
        and writes that slice only).
    labels, inputs
        Your own labels ``[n, T, 2N]`` (two columns per particle) with their inputs,
        instead of the simulator's latent ``target``.
    """
    t0 = time.perf_counter()
    n_p = getattr(model.spec, "n_particles", None)
    if n_p is None:
        if labels is None:
            raise InputError(
                f"{model.name} is no multi-particle world (its spec has no n_particles): "
                "particle probes need one, or labels= [n, T, 2N] with inputs="
            )
        n_p = int(torch.as_tensor(labels).shape[-1]) // 2
    if features not in ("all", "own"):
        raise InputError(f"features must be 'all' or 'own', got {features!r}")
    particles = list(range(n_p)) if particles is None else [int(p) for p in particles]
    bad = [p for p in particles if not 0 <= p < n_p]
    if bad:
        raise InputError(f"particles {bad} do not exist; {model.name} has {n_p} (0..{n_p - 1})")
    sites = list(sites) if sites is not None else list(model.layers)
    x, y, contact = _probe_data(model, target, labels, inputs, n, seed)
    if y.ndim != 3 or y.shape[-1] != 2 * n_p:
        raise InputError(
            f"per-particle probes need two columns per particle ([n, T, {2 * n_p}]); "
            f"{target!r} has shape {list(y.shape)}"
        )
    slices: dict[tuple[int, str], tuple[int, int]] = {}
    if features == "own":
        shapes = model.inspect(x[:1])
        for s in sites:
            width = shapes[model.check_site(s)][-1]
            for p in particles:
                sl = particle_features(model, p, width)
                if sl is None:
                    raise InputError(
                        f"{model.name} has no per-particle slice at {s} (width {width}): "
                        "it keeps all particles in one slot; use features='all'"
                    )
                slices[p, s] = sl
    acts = collect(model, x, sites, progress=progress)
    out = []
    for p in particles:
        cont = None if contact is None else contact[..., 2 * p : 2 * p + 2]
        out.append(
            _fit_sweep(
                model,
                f"{target}_{p}",
                x,
                y[..., 2 * p : 2 * p + 2],
                cont,
                acts,
                sites,
                seed=seed,
                min_t=min_t,
                test_fraction=test_fraction,
                simulated=labels is None,
                t0=t0,
                slices={s: slices[p, s] for s in sites} if features == "own" else None,
                components=[f"{target}_{p}_x", f"{target}_{p}_y"],
            )
        )
    return out


def particle_features(model: Model, particle: int, width: int) -> tuple[int, int] | None:
    """Particle ``particle``'s slice ``(lo, hi)`` of a site with ``width`` features.

    From the zoo spec (``spec.particle_features``); ``None`` when the model keeps all
    particles in one slot there (or has no such spec).
    """
    fn = getattr(model.spec, "particle_features", None)
    return None if fn is None else fn(int(particle), int(width))


def _probe_data(
    model: Model,
    target: str,
    labels: torch.Tensor | None,
    inputs: torch.Tensor | None,
    n: int,
    seed: int,
) -> tuple[Any, torch.Tensor, torch.Tensor | None]:
    """``(inputs, labels, contact or None)`` of a sweep: simulated, or the caller's."""
    if labels is None:
        if model.kind != "world":
            raise InputError("give labels= (and inputs=) to probe a model without a simulator")
        x, lat = model.spec.sample_batch(n, seed, latents=True)
        if target not in lat:
            raise InputError(f"unknown probe target {target!r}; the simulator offers {sorted(lat)}")
        return x, lat[target], lat.get("contact")
    if inputs is None:
        raise InputError("labels= needs the inputs= they belong to")
    x = model.prepare(inputs)
    y = torch.as_tensor(labels)
    if y.shape[:2] != x.shape[:2]:
        raise InputError(
            f"labels have shape {list(y.shape)} but inputs have "
            f"{list(x.shape[:2])} (sequences × positions)"
        )
    return x, y, None


def _fit_sweep(
    model: Model,
    target: str,
    x: Any,
    y: torch.Tensor,
    contact: torch.Tensor | None,
    acts: dict[str, torch.Tensor],
    sites: list[str],
    *,
    seed: int,
    min_t: int,
    test_fraction: float,
    simulated: bool,
    t0: float,
    slices: dict[str, tuple[int, int]] | None = None,
    components: list[str] | None = None,
) -> ProbeSweep:
    """Fit and score the probes of one target on collected activations.

    ``slices``: per site, the features ``lo:hi`` the probe reads (its directions are
    zero outside them).
    """
    discrete = not y.is_floating_point()
    if y.ndim == 2:
        y = y[..., None]
    if discrete and y.shape[-1] > 1:  # several binary flags → one class per combination
        y = (y.long() * (2 ** torch.arange(y.shape[-1]))).sum(-1, keepdim=True)
    yr = linear.step_rows(y, min_t).double()
    if (yr.std(0) < 1e-12).all():
        raise InputError(f"target {target!r} is constant; nothing to probe")
    n_seq = x.shape[0]
    n_test = max(1, round(n_seq * test_fraction))
    te_seq = slice(n_seq - n_test, n_seq)
    groups = linear.step_rows(torch.arange(n_seq)[:, None].expand(-1, x.shape[1]), min_t)
    tr, te = groups < n_seq - n_test, groups >= n_seq - n_test
    if isinstance(x, TokenIds) and x.padded:  # padding positions are not data: leave them out
        real = linear.step_rows(x.attention_mask, min_t).bool()
        tr, te = tr & real, te & real
    after = None
    if contact is not None:
        after = linear.step_rows(contact[te_seq], min_t).reshape(-1, contact.shape[-1]).any(-1)
    perm = torch.randperm(int(tr.sum()), generator=torch.Generator().manual_seed(seed))
    k = y.shape[-1]
    if components is None or discrete or len(components) != k:
        components = (
            [f"{target}_{c}" for c in "xy"]
            if k == 2 and target in ("velocity", "position")
            else [target]
            if k == 1
            else [f"{target}_{i}" for i in range(k)]
        )

    def fit(
        ftr: torch.Tensor, fte: torch.Tensor, ytr: torch.Tensor, yte: torch.Tensor
    ) -> tuple[dict[str, float], Any]:
        if discrete:
            probe = linear.fit_logistic(ftr, ytr)
            pred = linear.predict(probe, fte).argmax(-1)
            ctrl = linear.fit_logistic(ftr, ytr[perm])
            out = {
                "score": linear.accuracy(yte, pred),
                "control": linear.accuracy(yte, linear.predict(ctrl, fte).argmax(-1)),
            }
            return out, probe
        probe, alpha = linear.fit_ridge_cv(ftr, ytr, groups[tr])
        pred = linear.predict(probe, fte)
        ctrl = linear.fit_ridge(ftr, ytr[perm], alpha)
        out = {
            "score": linear.r2_score(yte, pred),
            "control": linear.r2_score(yte, linear.predict(ctrl, fte)),
        }
        if after is not None and int(after.sum()) > 10:
            out["score_after_bounce"] = linear.r2_score(yte[after], pred[after])
        return out, probe

    ytr, yte = yr[tr], yr[te]
    scores: dict[str, dict[str, float]] = {}
    probes: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
    for s in sites:
        full = acts[str(as_site(s))]
        lo, hi = slices[s] if slices else (0, full.shape[-1])
        h = linear.step_rows(full[..., lo:hi], min_t).double()
        sc, probe = fit(h[tr], h[te], ytr, yte)
        scores[s] = sc
        if discrete:  # read: the logit difference of class 1 vs 0; write: class-mean diff
            W, b = linear.to_raw(probe)
            W, b = (W[1:2] - W[0:1]), (b[1:2] - b[0:1])
            A = (h[tr][ytr[:, 0] == 1].mean(0) - h[tr][ytr[:, 0] == 0].mean(0))[None].float()
        else:
            W, b = linear.to_raw(probe)
            A = linear.encoding_directions(h[tr], ytr)
        if slices:  # the slice's directions in the site's full width (zero elsewhere)
            W = torch.zeros(W.shape[0], full.shape[-1]).index_copy_(1, torch.arange(lo, hi), W)
            A = torch.zeros(A.shape[0], full.shape[-1]).index_copy_(1, torch.arange(lo, hi), A)
        probes[s] = (W, b, A)
    baselines: dict[str, float] = {}
    baselines_after: dict[str, float] = {}
    if model.kind == "world" and simulated:
        for kk in (2, 4):
            f = linear.step_rows(linear.last_k(x, kk), min_t).double()
            sc = fit(f[tr], f[te], ytr, yte)[0]
            baselines[f"input_last_{kk}"] = sc["score"]
            if "score_after_bounce" in sc:
                baselines_after[f"input_last_{kk}"] = sc["score_after_bounce"]
    if discrete:
        counts = torch.bincount(yte.long().reshape(-1))
        baselines["chance"] = float(counts.max() / counts.sum())
    return ProbeSweep(
        model,
        target,
        "classification" if discrete else "regression",
        sites,
        scores,
        baselines,
        components if not discrete else [target],
        probes,
        int(tr.sum()),
        int(te.sum()),
        time.perf_counter() - t0,
        baselines_after_bounce=baselines_after,
    )


def dial_scan(
    model: Model,
    inputs: torch.Tensor,
    variable: Variable,
    targets: Any,
    *,
    steps: int = 3,
    direction: str = "encoding",
    start: int | None = None,
    max_rows: int = 1024,
) -> torch.Tensor:
    """Roll out every input under every dial value, in batched traces.

    Each (input, target) pair is one batch row; rows are chunked to ``max_rows`` per
    trace, never one trace per value.

    Parameters
    ----------
    inputs
        ``[n, T, ...]`` world-model inputs.
    targets
        ``[m, k]`` (or ``[m]`` for ``k = 1``) values to clamp the variable to.
    steps
        Rollout steps.
    start
        Clamp at every step from this position on (default: the last context step).

    Returns
    -------
    torch.Tensor
        ``[n, m, steps, ...]`` predicted futures.
    """
    x = model.prepare(inputs)
    t = torch.as_tensor(targets, dtype=torch.float32).reshape(-1, variable.k)
    n, m = x.shape[0], t.shape[0]
    rows_x = x.repeat_interleave(m, dim=0)  # row i*m + j: input i, target j
    rows_t = t.repeat(n, 1)
    start = x.shape[1] - 1 if start is None else start
    outs = []
    for i in range(0, n * m, max_rows):
        e = Edit.clamp(variable, rows_t[i : i + max_rows], direction=direction, start=start)
        rollout = run(
            model, rows_x[i : i + max_rows], [e], rollout_steps=steps, prepared=True
        ).rollout
        assert rollout is not None
        outs.append(rollout)
    return torch.cat(outs).reshape(n, m, steps, *outs[0].shape[2:])


def contrastive_variable(
    model: Model,
    positive: Sequence[str],
    negative: Sequence[str],
    site: str,
    name: str = "concept",
    position: int = -1,
) -> Variable:
    """A 1-D Variable from contrastive prompt pairs: the difference of means.

    Reads the site at ``position`` for every prompt in one trace per group; the write
    direction is ``mean(positive) − mean(negative)``; the read direction is the same
    vector scaled so that the readout is 0 at the negative mean and 1 at the positive.
    """
    if model.kind != "lm":
        raise InputError("contrastive prompts need a language model")
    if not positive or not negative:
        raise InputError("give at least one positive and one negative prompt")

    def means(prompts: Sequence[str]) -> torch.Tensor:
        rows = [run(model, p, reads=[site])[site][0, position] for p in prompts]
        return torch.stack(rows).mean(0)

    pos, neg = means(positive), means(negative)
    diff = pos - neg
    scale = float(diff @ diff)
    if scale == 0:
        raise InputError("the positive and negative prompts give the same activations")
    read = (diff / scale)[None]
    bias = -(neg @ read.T)
    return Variable(
        name,
        as_site(site),
        read,
        bias,
        diff[None],
        [name],
        {"n_positive": float(len(positive)), "n_negative": float(len(negative))},
        model.name,
    )


#: Keys of one variable's entry in a saved file (``read``/``bias``/``write``: tensors).
_ENTRY_REQUIRED = {"name", "site", "components"}
_ENTRY_OPTIONAL = {"score", "model"}
_TENSOR_KEYS = ("read", "bias", "write")


def _entry_fields(d: dict[str, Any], where: str, tensors: bool = False) -> dict[str, Any]:
    """The checked metadata fields of one saved variable (``where`` names it in errors)."""
    required = _ENTRY_REQUIRED | (set(_TENSOR_KEYS) if tensors else set())
    if tensors:  # to_dict() output: components may be left out
        required -= {"components"}
    allowed = required | _ENTRY_OPTIONAL | {"components"}
    keys = set(map(str, d))
    if required - keys:
        raise FileFormatError(f"{where} is missing {sorted(required - keys)}")
    if keys - allowed:
        raise FileFormatError(
            f"{where} has unknown keys {sorted(keys - allowed)}; expected {sorted(allowed)}"
        )
    name = d["name"]
    if not isinstance(name, str) or not name:
        raise FileFormatError(f"{where}: name must be a non-empty string, got {name!r}")
    try:
        raw = d["site"]
        site = Site.from_dict(raw) if isinstance(raw, dict) else as_site(raw)
    except (TypeError, ValueError) as e:
        raise FileFormatError(f"{where} ({name!r}): bad site: {e}") from None
    comps = d.get("components", [])
    if not isinstance(comps, list) or not all(isinstance(c, str) for c in comps):
        raise FileFormatError(f"{where} ({name!r}): components must be a list of strings")
    score = d.get("score", {})
    if not isinstance(score, dict):
        raise FileFormatError(f"{where} ({name!r}): score must be a dict")
    model = d.get("model", "")
    if not isinstance(model, str):
        raise FileFormatError(f"{where} ({name!r}): model must be a string")
    return {"name": name, "site": site, "components": comps, "score": score, "model": model}


def save_variables(path: str | Path, variables: Sequence[Variable], meta: dict[str, Any]) -> None:
    """Write variables to ``path`` (.json metadata) + ``path`` .safetensors (tensors)."""
    from safetensors.torch import save_file

    path = Path(path)
    tensors = {}
    entries = []
    for i, v in enumerate(variables):
        for key in _TENSOR_KEYS:
            tensors[f"{i}.{key}"] = getattr(v, key).contiguous()
        d = v.to_dict()
        for key in _TENSOR_KEYS:
            d.pop(key)
        entries.append(d)
    save_file(tensors, str(path.with_suffix(".safetensors")))
    path.with_suffix(".json").write_text(json.dumps({**meta, "variables": entries}, indent=1))


def load_variables(path: str | Path) -> tuple[list[Variable], dict[str, Any]]:
    """Inverse of :func:`save_variables` (no pickle anywhere).

    Both files are checked before use (see :mod:`iwm_widgets.safefiles`): a JSON object
    with a ``variables`` list, one entry per variable with exactly the keys
    :func:`save_variables` writes; a safetensors file whose header fits in the file
    and that holds exactly the tensors ``{i}.read``, ``{i}.bias``, ``{i}.write`` of
    every entry, with shapes ``[k, d]``, ``[k]``, ``[k, d]`` (``k`` components), finite.

    Raises
    ------
    FileFormatError
        Anything else: what was wrong, naming the file. Nothing is half-loaded.
    """
    path = Path(path)
    jpath, tpath = path.with_suffix(".json"), path.with_suffix(".safetensors")
    meta = read_json(jpath, "variables file")
    if not isinstance(meta, dict) or not isinstance(meta.get("variables"), list):
        raise FileFormatError(
            f"variables file {jpath} is not a JSON object with a 'variables' list; it was not "
            "written by save_variables (or save_preset)"
        )
    entries = meta.pop("variables")
    tensors = read_safetensors(tpath, "variables file")
    want = {f"{i}.{key}" for i in range(len(entries)) for key in _TENSOR_KEYS}
    if set(tensors) != want:
        missing, extra = sorted(want - set(tensors)), sorted(set(tensors) - want)
        raise FileFormatError(
            f"{tpath} does not match {jpath.name}: "
            + "; ".join(
                x
                for x in (
                    f"missing tensors {missing}" if missing else "",
                    f"unexpected tensors {extra}" if extra else "",
                )
                if x
            )
            + ". The two files must be saved together."
        )
    out = []
    for i, d in enumerate(entries):
        where = f"variable {i} in {jpath}"
        if not isinstance(d, dict):
            raise FileFormatError(f"{where} is not a JSON object")
        f = _entry_fields(d, where)
        if not f["components"]:
            raise FileFormatError(f"{where} ({f['name']!r}) names no components")
        k = len(f["components"])
        read, bias, write = (tensors[f"{i}.{key}"] for key in _TENSOR_KEYS)
        if read.ndim != 2 or read.shape[0] != k or tuple(write.shape) != tuple(read.shape):
            raise FileFormatError(
                f"{where} ({f['name']!r}): read {list(read.shape)} and write "
                f"{list(write.shape)} must both be [{k}, d] for its {k} components"
            )
        if tuple(bias.shape) != (k,):
            raise FileFormatError(
                f"{where} ({f['name']!r}): bias has shape {list(bias.shape)}, need [{k}]"
            )
        try:
            out.append(
                Variable(
                    f["name"],
                    f["site"],
                    read,
                    bias,
                    write,
                    f["components"],
                    f["score"],
                    f["model"],
                )
            )
        except EditError as e:
            raise FileFormatError(f"{where}: {e}") from None
    return out, meta


def _deref(ref: Any) -> Any:
    """An observer held by :meth:`ProbeSweep.observe` (``None`` once a view is gone)."""
    return ref() if isinstance(ref, weakref.WeakMethod) else ref
