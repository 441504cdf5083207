"""White-box monitors: alarms from internal variables, scored against what really happened.

A :class:`Monitor` watches one :class:`~iwm_widgets.tracing.probes.Variable` (a probe, a
discovered feature, a contrastive direction, or a raw site) and raises an alarm where
its readout crosses a :class:`Rule`: a threshold (``above``/``below``), a band, or a
logistic classifier fitted on the readout (:func:`iwm_widgets.linear.fit_logistic`).

:meth:`Monitor.evaluate` (or :func:`evaluate` for several monitors on the same inputs)
runs it over a data set in batched traces and scores it against a ground-truth event
of the zoo's simulators (:mod:`iwm_widgets.zoo.events`, ``model.events``):

``mode="inputs"``
    every step of each input sequence (world models; from step ``min_t``) or every
    token of each prompt (language models);
``mode="rollout"``
    every step a world model predicts: one trace rolls the model out, a second reads
    the site over the context and the predictions (a causal model computes each
    position as the rollout did; the read runs the same edits);
``mode="generate"``
    every token a language model generates greedily, the same two traces.

Step ``s`` of a report is the position whose output predicts frame ``s + 1``; its label
(``report.events``) is "the event happens at a frame ``s + 1 .. s + horizon``". Beside
each report stands the **output-only monitor** (``report.baseline``): the same question
asked of the model's outputs alone (world models: a logistic classifier on the current
and predicted positions, fitted on other simulator seeds; language models: one minus the
top next-token probability), at the same alarm rate, so the precisions, recalls and
lead times compare at equal alarm budgets. :meth:`Monitor.fit` also builds the
controls: ``control="shuffled"`` (the classifier fitted on permuted labels) and
``control="random"`` (random directions at the same site).

:meth:`Monitor.attach` streams: the readout joins the Workspace's one trace (a
:class:`~iwm_widgets.tracing.run.Summary`) and the alarms are re-checked after every
run. The Workspace is used only through its public methods (``add_reads``,
``observe``...); this module imports no view.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from .. import linear
from ..errors import FileFormatError, MonitorError
from ._display_hook import Displayable
from .edits import Edit
from .interactions import _ranks
from .model import Model
from .probes import Variable, _progress, load_variables, save_variables
from .run import Result, Summary, run
from .sites import Site
from .text import TokenIds

__all__ = [
    "BASELINE_SEED_BASE",
    "EVAL_SEED_BASE",
    "FIT_SEED_BASE",
    "LAW_FIT_SEED_BASE",
    "RULE_KINDS",
    "LawCheck",
    "Monitor",
    "MonitorReport",
    "MonitorStream",
    "Rule",
    "evaluate",
    "law_check",
    "site_variable",
]

#: Simulator seeds: monitors are fitted on ``FIT_SEED_BASE + seed``, the output-only
#: baseline on ``BASELINE_SEED_BASE + seed``, and scored on ``EVAL_SEED_BASE + seed``;
#: apart from each other and from training (10M), the cards (20M), tests (30M) and
#: discovery (7M).
FIT_SEED_BASE = 8_000_000
BASELINE_SEED_BASE = 8_200_000
EVAL_SEED_BASE = 8_500_000
RULE_KINDS = ("above", "below", "band", "classifier")
MODES = ("inputs", "rollout", "generate")
FORMAT_VERSION = 1


def _sigmoid(x: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(x)


# ---------------------------------------------------------------- Rule
@dataclass(frozen=True)
class Rule:
    """When a readout raises an alarm.

    Every rule maps a readout ``[..., k]`` to one **alarm score** per step (higher is
    more alarming) and alarms where the score exceeds :attr:`cut`; a threshold slider
    moves the cut. Build with :meth:`above`, :meth:`below`, :meth:`band`,
    :meth:`classifier` or :meth:`fit`.

    Attributes
    ----------
    kind : str
        ``"above"``, ``"below"``, ``"band"`` or ``"classifier"``.
    threshold : float
        ``above``/``below``: the value; ``classifier``: the probability (0.5).
    lo, hi : float or None
        ``band``: the normal range; an alarm where the value leaves it.
    component : int, str or None
        Which component of a ``k``-dimensional readout a threshold or band watches (an
        index, a component name, or ``"norm"`` for ``‖readout‖``); ``None`` only for a
        1-D variable. A classifier reads every component.
    weights : tuple of float or None
        ``classifier``: ``p = sigmoid(readout @ weights + bias)``.
    bias : float
        ``classifier``: the intercept.
    """

    kind: str
    threshold: float = 0.0
    lo: float | None = None
    hi: float | None = None
    component: int | str | None = None
    weights: tuple[float, ...] | None = None
    bias: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise MonitorError(f"rule kind must be one of {list(RULE_KINDS)}, got {self.kind!r}")
        for name in ("threshold", "bias", "lo", "hi"):
            v = getattr(self, name)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
            ):
                raise MonitorError(f"rule {name} must be a finite number, got {v!r}")
        if self.kind == "band":
            if self.lo is None or self.hi is None or not self.lo <= self.hi:
                raise MonitorError(f"a band needs lo <= hi, got lo={self.lo!r}, hi={self.hi!r}")
        if self.kind == "classifier":
            if not self.weights:
                raise MonitorError("a classifier rule needs its weights (one per component)")
            if not all(isinstance(w, int | float) and math.isfinite(w) for w in self.weights):
                raise MonitorError("classifier weights must be finite numbers")
            if not 0.0 < self.threshold < 1.0:
                raise MonitorError(
                    f"a classifier's threshold is a probability in (0, 1), got {self.threshold!r}"
                )
            if self.component is not None:
                raise MonitorError("a classifier reads every component; leave component= out")
        c = self.component
        if c is not None and (isinstance(c, bool) or not isinstance(c, int | str)):
            raise MonitorError(f"component must be an index, a name or 'norm', got {c!r}")

    # ------------------------------------------------------------ builders
    @classmethod
    def above(cls, value: float, component: int | str | None = None) -> Rule:
        """Alarm where the readout (its ``component``) exceeds ``value``."""
        return cls("above", float(value), component=component)

    @classmethod
    def below(cls, value: float, component: int | str | None = None) -> Rule:
        """Alarm where the readout (its ``component``) falls below ``value``."""
        return cls("below", float(value), component=component)

    @classmethod
    def band(cls, lo: float, hi: float, component: int | str | None = None) -> Rule:
        """Alarm where the readout (its ``component``) leaves ``[lo, hi]``."""
        return cls("band", lo=float(lo), hi=float(hi), component=component)

    @classmethod
    def classifier(cls, weights: Any, bias: float, threshold: float = 0.5) -> Rule:
        """Alarm where ``sigmoid(readout @ weights + bias)`` exceeds ``threshold``."""
        w = torch.as_tensor(weights, dtype=torch.float64).reshape(-1)
        return cls(
            "classifier", float(threshold), weights=tuple(float(v) for v in w), bias=float(bias)
        )

    @classmethod
    def fit(
        cls,
        readouts: Any,
        labels: Any,
        *,
        threshold: float = 0.5,
        alpha: float = 1e-3,
    ) -> Rule:
        """A logistic classifier of ``labels`` (bool ``[rows]``) on ``readouts``
        ``[rows, k]`` (:func:`iwm_widgets.linear.fit_logistic`, L2 ``alpha``)."""
        x = torch.as_tensor(readouts).double()
        y = torch.as_tensor(labels).reshape(-1).bool()
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[0] != y.shape[0]:
            raise MonitorError(
                f"readouts {list(x.shape)} and labels {list(y.shape)} need one row each"
            )
        if x.shape[0] == 0:
            raise MonitorError("the fit set is empty: no rows to fit the classifier on")
        pos = int(y.sum())
        if pos == 0 or pos == y.numel():
            raise MonitorError(
                f"the fit set has {'no' if pos == 0 else 'only'} events ({pos} of {y.numel()} "
                "rows): a classifier needs both outcomes; give more inputs or another horizon"
            )
        probe = linear.fit_logistic(x, y.long(), alpha=alpha)
        W, b = linear.to_raw(probe)
        w = (W[1] - W[0]).double()
        return cls.classifier(w, float(b[1] - b[0]), threshold)

    # ------------------------------------------------------------ scoring
    @property
    def cut(self) -> float:
        """The alarm score above which the rule alarms (its default threshold)."""
        if self.kind == "above":
            return self.threshold
        if self.kind == "below":
            return -self.threshold
        if self.kind == "band":
            return 0.0
        return self.threshold

    def check(self, variable: Variable) -> None:
        """Raise :class:`MonitorError` if this rule cannot read ``variable``."""
        if self.kind == "classifier":
            assert self.weights is not None
            if len(self.weights) != variable.k:
                raise MonitorError(
                    f"the classifier has {len(self.weights)} weights but {variable.name!r} "
                    f"has {variable.k} components"
                )
            return
        self._index(variable)

    def _index(self, variable: Variable) -> int | None:
        """The component index a threshold/band watches (``None``: the norm)."""
        c = self.component
        if c is None:
            if variable.k != 1:
                raise MonitorError(
                    f"a {self.kind} rule on {variable.name!r} ({variable.k} components: "
                    f"{variable.components}) needs component= (an index, a name, or 'norm')"
                )
            return 0
        if c == "norm":
            return None
        if isinstance(c, str):
            if c not in variable.components:
                raise MonitorError(
                    f"{variable.name!r} has components {variable.components}, not {c!r}"
                )
            return variable.components.index(c)
        if not 0 <= c < variable.k:
            raise MonitorError(f"{variable.name!r} has {variable.k} components, no component {c}")
        return int(c)

    def values(self, readout: torch.Tensor, variable: Variable) -> torch.Tensor:
        """The watched quantity ``[...]``: a component, the norm, or the probability."""
        r = readout.double()
        if self.kind == "classifier":
            assert self.weights is not None
            w = torch.tensor(self.weights, dtype=torch.float64)
            return _sigmoid(r @ w + self.bias)
        i = self._index(variable)
        return r.norm(dim=-1) if i is None else r[..., i]

    def score(self, readout: torch.Tensor, variable: Variable) -> torch.Tensor:
        """The alarm score ``[...]`` (higher is more alarming; alarm where > :attr:`cut`)."""
        v = self.values(readout, variable)
        if self.kind == "below":
            return -v
        if self.kind == "band":
            assert self.lo is not None and self.hi is not None
            return torch.maximum(self.lo - v, v - self.hi)
        return v

    def describe(self, cut: float | None = None, variable: Variable | None = None) -> str:
        """The rule in words at alarm-score cut ``cut`` (default :attr:`cut`)."""
        c = self.cut if cut is None else float(cut)
        comp = self.component
        what = (
            "‖readout‖"
            if comp == "norm"
            else str(comp)
            if isinstance(comp, str)
            else (variable.components[comp] if variable is not None and comp is not None else "")
            or (variable.name if variable is not None else "readout")
        )
        if self.kind == "above":
            return f"{what} > {c:.4g}"
        if self.kind == "below":
            return f"{what} < {-c:.4g}"
        if self.kind == "band":
            assert self.lo is not None and self.hi is not None
            return f"{what} outside [{self.lo - c:.4g}, {self.hi + c:.4g}]"
        k = len(self.weights or ())
        return f"logistic on {k} component{'s' * (k != 1)}: p > {c:.3g}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable (floats exact: JSON keeps Python's shortest repr)."""
        return {
            "kind": self.kind,
            "threshold": self.threshold,
            "lo": self.lo,
            "hi": self.hi,
            "component": self.component,
            "weights": None if self.weights is None else list(self.weights),
            "bias": self.bias,
        }

    @classmethod
    def from_dict(cls, d: Any) -> Rule:
        """Inverse of :meth:`to_dict`; strict (a :class:`FileFormatError` otherwise)."""
        keys = {"kind", "threshold", "lo", "hi", "component", "weights", "bias"}
        if not isinstance(d, dict) or set(d) != keys:
            got = sorted(d) if isinstance(d, dict) else type(d).__name__
            raise FileFormatError(f"a rule is a JSON object with keys {sorted(keys)}, got {got}")
        w = d["weights"]
        if w is not None and (
            not isinstance(w, list) or not all(isinstance(v, int | float) for v in w)
        ):
            raise FileFormatError("a rule's weights must be a list of numbers or null")
        try:
            return cls(
                d["kind"],
                d["threshold"],
                d["lo"],
                d["hi"],
                d["component"],
                None if w is None else tuple(float(v) for v in w),
                d["bias"],
            )
        except MonitorError as e:
            raise FileFormatError(f"a saved rule is not valid: {e}") from None


# ---------------------------------------------------------------- variables
def site_variable(model: Model, site: Site | str, name: str | None = None) -> Variable:
    """The raw site as a Variable: read = write = identity, one component per feature.

    A classifier on it is a logistic probe of the whole site (what :meth:`Monitor.fit`
    builds when given a site instead of a Variable).
    """
    s = model.check_site(site)
    try:
        shape = model.shape(s)
    except RuntimeError:  # no forward seen yet: one plain forward on a tiny input
        if model.kind == "world":
            model.inspect(model.prepare(model.sample(seed=0)))
        elif model.tokenizer is not None:
            special = set(model.tokenizer.all_special_ids)
            first = next(i for i in range(len(model.tokenizer)) if i not in special)
            model.inspect(model.prepare(torch.tensor([[first]])))
        else:
            raise MonitorError(
                f"the width of {s} is not known yet: run the model once on your inputs"
            ) from None
        shape = model.shape(s)
    d = int(shape[-1])
    eye = torch.eye(d)
    label = name or str(s)
    return Variable(
        label,
        s,
        eye,
        torch.zeros(d),
        eye.clone(),
        [f"{label}[{i}]" for i in range(d)],
        {},
        model.name,
    )


#: random directions of the random control for a whole-site variable (which a rotation
#: of as many random directions would merely re-express)
RANDOM_SITE_K = 2


def _random_variable(variable: Variable, seed: int, k: int | None = None) -> Variable:
    """The control: ``k`` random orthonormal read directions at the same site (default:
    as many as the variable has, or :data:`RANDOM_SITE_K` for a whole site)."""
    g = torch.Generator().manual_seed(int(seed) + 991)
    if k is None:
        k = variable.k if variable.k < variable.width else RANDOM_SITE_K
    if not 1 <= int(k) <= variable.width:
        raise MonitorError(f"random_k must be in 1..{variable.width}, got {k!r}")
    k = int(k)
    q = torch.linalg.qr(torch.randn(variable.width, k, generator=g, dtype=torch.float64)).Q.T
    q = q.float()
    return Variable(
        f"random({variable.name})",
        variable.site,
        q,
        torch.zeros(k),
        q.clone(),
        [f"random_{i}" for i in range(k)],
        {"control": "random"},
        variable.model_name,
    )


# ---------------------------------------------------------------- Monitor
@dataclass(eq=False)
class Monitor(Displayable):
    """An alarm on one internal variable.

    Parameters
    ----------
    variable : Variable
        What it watches (``FeatureSet.variable(i)``, ``sweep.variable()``,
        ``contrastive_variable(...)``, or :func:`site_variable`).
    rule : Rule
        When it alarms. A threshold or band on a variable of several components needs
        ``component=`` (else :class:`~iwm_widgets.errors.MonitorError`).
    name : str
        Shown in reports and the MonitorBoard (default: the variable's name).
    event, horizon
        The event it was built to see coming and how many frames ahead (defaults of
        :meth:`evaluate`; set by :meth:`fit`).
    info : dict
        How it was made (fit rows, seeds, control), saved with it.
    """

    variable: Variable
    rule: Rule
    name: str = ""
    event: str = ""
    horizon: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.variable, Variable):
            raise MonitorError(
                f"a Monitor watches a Variable (a probe, a discovered feature, a contrastive "
                f"direction, or site_variable(model, site)), got {type(self.variable).__name__}"
            )
        if isinstance(self.rule, dict):
            self.rule = Rule.from_dict(self.rule)
        if not isinstance(self.rule, Rule):
            raise MonitorError(
                "rule= must be a Rule (Rule.above(0.5), Rule.below, Rule.band, "
                f"Rule.classifier, Rule.fit), got {type(self.rule).__name__}"
            )
        self.rule.check(self.variable)
        self.name = self.name or self.variable.name
        if not isinstance(self.name, str):
            raise MonitorError(f"a Monitor's name is a str, got {self.name!r}")
        if isinstance(self.horizon, bool) or not isinstance(self.horizon, int) or self.horizon < 0:
            raise MonitorError(f"horizon must be a non-negative int, got {self.horizon!r}")
        self.info = dict(self.info)

    @property
    def site(self) -> Site:
        return self.variable.site

    def summary(self) -> Summary:
        """The in-trace readout (without the bias) a run computes for this monitor."""
        return Summary.readout(self.site, self.variable.read, f"monitor:{self.name}")

    def readout(self, x: Result | torch.Tensor) -> torch.Tensor:
        """The variable's readout ``[..., k]`` from a Result (its summary or its site) or
        activations."""
        if isinstance(x, Result):
            key = self.summary().key
            if key in x.summaries:
                return x.summaries[key].float() + self.variable.bias
            if str(self.site) not in x.activations:
                raise MonitorError(
                    f"this result read neither {self.site} nor the monitor's summary; run with "
                    f"reads=[{str(self.site)!r}] or summaries=[monitor.summary()]"
                )
        return self.variable.readout(x)

    def score(self, x: Result | torch.Tensor) -> torch.Tensor:
        """Alarm scores ``[...]`` of a Result or activations (higher: more alarming)."""
        return self.rule.score(self.readout(x), self.variable).float()

    def alarms(self, x: Result | torch.Tensor, threshold: float | None = None) -> torch.Tensor:
        """Bool ``[...]``: where the score exceeds ``threshold`` (default the rule's cut)."""
        cut = self.rule.cut if threshold is None else float(threshold)
        return self.score(x) > cut

    def with_threshold(self, threshold: float) -> Monitor:
        """The same monitor alarming at alarm score ``threshold``."""
        r = self.rule
        t = float(threshold)
        rule = (
            replace(r, threshold=t)
            if r.kind in ("above", "classifier")
            else replace(r, threshold=-t)
            if r.kind == "below"
            else replace(r, lo=(r.lo or 0.0) - t, hi=(r.hi or 0.0) + t)
        )
        return replace(self, rule=rule, info=dict(self.info))

    def describe(self, cut: float | None = None) -> str:
        return self.rule.describe(cut, self.variable)

    # ------------------------------------------------------------ scoring
    def evaluate(
        self,
        model: Model,
        inputs: Any = None,
        event: Any = None,
        horizon: int | None = None,
        **kw: Any,
    ) -> MonitorReport:
        """Score this monitor against ``event`` (see :func:`evaluate` for the arguments)."""
        return evaluate([self], model, inputs, event, horizon, **kw)[self.name]

    @classmethod
    def fit(
        cls,
        model: Model,
        variable: Variable | Site | str,
        event: Any = None,
        horizon: int | None = None,
        *,
        inputs: Any = None,
        truth: Any = None,
        edits: Sequence[Edit] = (),
        n: int = 512,
        seed: int = 0,
        length: int | None = None,
        min_t: int | None = None,
        control: str | None = None,
        random_k: int | None = None,
        name: str | None = None,
        threshold: float = 0.5,
        alpha: float = 1e-3,
        chunk: int = 256,
        progress: bool | None = None,
    ) -> Monitor:
        """A classifier monitor fitted to see ``event`` coming ``horizon`` frames ahead.

        Collects the variable's readout on a fit set (world models: ``n`` simulated
        sequences from seed ``FIT_SEED_BASE + seed``, never the evaluation's; or your
        ``inputs`` with ``truth``) in batched traces, and fits :meth:`Rule.fit` on every
        step's readout against its label.

        Parameters
        ----------
        variable
            A Variable, or a site: a logistic probe of the whole site.
        control
            ``"shuffled"``: fit on permuted labels (chance level of the same
            classifier); ``"random"``: ``random_k`` random orthonormal directions at
            the site (default as many as the variable has; for a whole site
            :data:`RANDOM_SITE_K`, since as many random directions as the site has
            would only rotate it).
        """
        if control not in (None, "shuffled", "random"):
            raise MonitorError(f"control must be None, 'shuffled' or 'random', got {control!r}")
        var = variable if isinstance(variable, Variable) else site_variable(model, variable)
        if control == "random":
            var = _random_variable(var, seed, random_k)
        ev, k = _resolve_event(model, event, horizon, [])
        data = _collect(
            model,
            [var],
            ev,
            k,
            mode="inputs",
            inputs=inputs,
            truth=truth,
            edits=edits,
            n=n,
            seed=FIT_SEED_BASE + int(seed),
            length=length,
            steps=None,
            min_t=min_t,
            chunk=chunk,
            progress=progress,
            outputs=False,
        )
        r = data.readouts[0][data.valid]
        y = data.events[data.valid]
        if control == "shuffled":
            perm = torch.randperm(
                y.numel(), generator=torch.Generator().manual_seed(int(seed) + 17)
            )
            y = y[perm]
        rule = Rule.fit(r, y, threshold=threshold, alpha=alpha)
        label = name or (f"{var.name} ({control})" if control else f"{var.name} → {ev.name}")
        info = {
            "fit_rows": int(y.numel()),
            "fit_events": int(y.sum()),
            "fit_seed": None if inputs is not None else FIT_SEED_BASE + int(seed),
            "control": control or "",
            "n": int(data.n),
        }
        return cls(var, rule, label, ev.name, k, info)

    # ------------------------------------------------------------ streaming
    def attach(
        self, workspace: Any, on_alarm: Callable[[MonitorStream], None] | None = None
    ) -> MonitorStream:
        """Re-check this monitor on every run of ``workspace`` (see :class:`MonitorStream`)."""
        return MonitorStream(workspace, [self], on_alarm)

    # ------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        """The JSON part of a saved monitor (the variable's tensors go to safetensors)."""
        return {
            "name": self.name,
            "rule": self.rule.to_dict(),
            "event": self.event,
            "horizon": self.horizon,
            "info": self.info,
        }

    def save(self, path: str | Path) -> Path:
        """Write ``path`` .json (rule, event, info, the variable's metadata) and ``path``
        .safetensors (the variable's directions). Returns the JSON path."""
        path = Path(path)
        meta = {"format": "iwm-monitor", "version": FORMAT_VERSION, "monitor": self.to_dict()}
        save_variables(path, [self.variable], meta)
        return path.with_suffix(".json")

    @classmethod
    def load(cls, path: str | Path) -> Monitor:
        """Inverse of :meth:`save` (no pickle; every field checked).

        Raises
        ------
        FileFormatError
            Missing or unknown keys, a rule that does not fit the variable, a file
            written by something else.
        """
        variables, meta = load_variables(path)
        where = Path(path).with_suffix(".json")
        if meta.get("format") != "iwm-monitor" or meta.get("version") != FORMAT_VERSION:
            raise FileFormatError(
                f"{where} is not a monitor file (format {meta.get('format')!r}, version "
                f"{meta.get('version')!r}; expected 'iwm-monitor' version {FORMAT_VERSION})"
            )
        if set(meta) != {"format", "version", "monitor"} or len(variables) != 1:
            raise FileFormatError(f"{where} holds more than one monitor's data; save it again")
        d = meta["monitor"]
        keys = {"name", "rule", "event", "horizon", "info"}
        if not isinstance(d, dict) or set(d) != keys:
            raise FileFormatError(
                f"{where}: the monitor entry needs exactly the keys {sorted(keys)}"
            )
        if not isinstance(d["name"], str) or not isinstance(d["event"], str):
            raise FileFormatError(f"{where}: name and event must be strings")
        if not isinstance(d["info"], dict):
            raise FileFormatError(f"{where}: info must be an object")
        h = d["horizon"]
        if isinstance(h, bool) or not isinstance(h, int) or h < 0:
            raise FileFormatError(f"{where}: horizon must be a non-negative integer, got {h!r}")
        rule = Rule.from_dict(d["rule"])
        try:
            return cls(variables[0], rule, d["name"], d["event"], h, d["info"])
        except MonitorError as e:
            raise FileFormatError(f"{where}: {e}") from None

    def __repr__(self) -> str:
        ev = f" event={self.event!r} horizon={self.horizon}" if self.event else ""
        head = f"<Monitor {self.name!r} on {self.variable.name!r} @ {self.site}"
        return f"{head}: {self.describe()}{ev}>"


# ---------------------------------------------------------------- report
@dataclass(eq=False)
class MonitorReport(Displayable):
    """How well one monitor saw an event coming, over a data set.

    Attributes
    ----------
    name, event, mode : str
    horizon : int
    scores : torch.Tensor
        ``[inputs, steps]`` alarm scores (NaN at padding).
    valid : torch.Tensor
        Bool ``[inputs, steps]``: the steps that are scored.
    events : torch.Tensor
        Bool ``[inputs, steps]``: the event happens within ``horizon`` frames after the step.
    onsets : torch.Tensor
        Bool ``[inputs, steps + horizon]``: column ``j`` is the frame ``steps[0] + j``
        (the frame after step ``s`` is column ``s + 1``); true where the event starts.
    steps : torch.Tensor
        ``[steps]`` the positions scored (for a rollout: the context's last step and
        the predicted ones).
    threshold : float
        The alarm-score cut of :attr:`alarms`.
    baselines : dict[str, MonitorReport]
        The output-only monitors on the same steps at the same alarm rate:
        ``"output-only"`` (:attr:`baseline`; world models: a classifier on the predicted
        positions, their motion and the time to the event if it went on; LMs: one minus
        the top next-token probability) and, for world models, ``"output-only
        (linear)"``: a classifier on the predicted positions and motion alone, the
        like-for-like partner of a linear readout of the inside.
    inputs
        The evaluated inputs (world models ``[n, T, F]``; LMs: token ids), so a view can
        open one in a Workspace; ``texts``: the prompts.
    """

    name: str
    event: str
    horizon: int
    mode: str
    scores: torch.Tensor
    valid: torch.Tensor
    events: torch.Tensor
    onsets: torch.Tensor
    steps: torch.Tensor
    threshold: float
    rule: str = ""
    baselines: dict[str, MonitorReport] = field(default_factory=dict)
    model_name: str = ""
    inputs: Any = None
    texts: list[str] | None = None
    tokens: list[list[str]] | None = None
    traces: int = 0
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    _describe: Callable[[float], str] | None = field(default=None, repr=False)

    # ------------------------------------------------------------ alarms
    @property
    def alarms(self) -> torch.Tensor:
        """Bool ``[inputs, steps]``."""
        return self.valid & (torch.nan_to_num(self.scores, nan=-math.inf) > self.threshold)

    def at(self, threshold: float) -> MonitorReport:
        """The same report re-scored at another alarm-score cut; the baseline is
        re-matched to the new alarm rate."""
        out = replace(self, threshold=float(threshold), info=dict(self.info))
        if self._describe is not None:
            out.rule = self._describe(float(threshold))
        out.baselines = {
            k: b.at(_matched_cut(b, out.alarm_rate)) for k, b in self.baselines.items()
        }
        return out

    @property
    def baseline(self) -> MonitorReport | None:
        """The output-only monitor at the same alarm rate (``None`` when not scored)."""
        return self.baselines.get("output-only")

    # ------------------------------------------------------------ metrics
    @property
    def alarm_rate(self) -> float:
        """Share of scored steps with an alarm."""
        return _ratio(self.alarms.sum(), self.valid.sum())

    @property
    def base_rate(self) -> float:
        """Share of scored steps whose label is true."""
        return _ratio((self.events & self.valid).sum(), self.valid.sum())

    @property
    def precision(self) -> float:
        """Alarms at steps whose event follows within the horizon, over all alarms (NaN
        without alarms)."""
        a = self.alarms
        return _ratio((a & self.events).sum(), a.sum())

    @property
    def recall(self) -> float:
        """Steps whose event follows within the horizon that raised an alarm, over all such
        steps."""
        e = self.events & self.valid
        return _ratio((self.alarms & e).sum(), e.sum())

    @property
    def false_alarm_rate(self) -> float:
        """Alarms at steps with no event within the horizon, over all such steps."""
        neg = self.valid & ~self.events
        return _ratio((self.alarms & neg).sum(), neg.sum())

    def _windows(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per onset column: ``hit [k, n, L]`` (alarm at ``ℓ = 1..k`` steps before),
        ``seen [k, n, L]`` (that step is scored), and ``onsets`` ``[n, L]``."""
        k = self.horizon
        n, S = self.alarms.shape
        L = self.onsets.shape[1]
        hit = torch.zeros(k, n, L, dtype=torch.bool)
        seen = torch.zeros(k, n, L, dtype=torch.bool)
        a, v = self.alarms, self.valid
        for li in range(1, k + 1):
            # onset column j is anticipated by step s = j − ℓ
            lo, hi = li, min(L, S + li)
            hit[li - 1, :, lo:hi] = a[:, : hi - li]
            seen[li - 1, :, lo:hi] = v[:, : hi - li]
        return hit, seen, self.onsets

    @property
    def n_events(self) -> int:
        """Event onsets with at least one scored step in the horizon before them."""
        _, seen, on = self._windows()
        return int((on & seen.any(0)).sum())

    @property
    def detection_rate(self) -> float:
        """Share of event onsets with an alarm in the horizon before them."""
        hit, seen, on = self._windows()
        counted = on & seen.any(0)
        return _ratio((counted & hit.any(0)).sum(), counted.sum())

    @property
    def lead_times(self) -> torch.Tensor:
        """Steps from the first alarm to the event, one per detected onset (``[m]``)."""
        hit, _, on = self._windows()
        k = self.horizon
        lead = torch.zeros(on.shape, dtype=torch.long)
        for li in range(1, k + 1):  # the largest ℓ with an alarm wins: the first alarm
            lead = torch.where(hit[li - 1], torch.full_like(lead, li), lead)
        return lead[on & hit.any(0)].double()

    @property
    def lead_time(self) -> float:
        """Mean steps from the first alarm to the event over detected onsets (NaN if none)."""
        lt = self.lead_times
        return float(lt.mean()) if lt.numel() else math.nan

    @property
    def recall_by_lead(self) -> list[float]:
        """For ``ℓ = 1 .. horizon``: the share of onsets with an alarm exactly ``ℓ``
        steps before them (of those whose step ``ℓ`` before is scored)."""
        hit, seen, on = self._windows()
        return [
            _ratio((hit[i] & seen[i] & on).sum(), (seen[i] & on).sum()) for i in range(self.horizon)
        ]

    @property
    def auroc(self) -> float:
        """Area under the ROC curve of the scores against the labels (threshold-free)."""
        s = self.scores[self.valid].double().numpy()
        y = self.events[self.valid].numpy()
        pos = int(y.sum())
        neg = int(y.size - pos)
        if pos == 0 or neg == 0:
            return math.nan
        r = _ranks(s)
        return float((r[y].sum() - pos * (pos + 1) / 2) / (pos * neg))

    def metrics(self) -> dict[str, float]:
        """Every number of this report."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "false_alarm_rate": self.false_alarm_rate,
            "detection_rate": self.detection_rate,
            "lead_time": self.lead_time,
            "auroc": self.auroc,
            "alarm_rate": self.alarm_rate,
            "base_rate": self.base_rate,
            "n_events": float(self.n_events),
        }

    def table(self) -> list[dict[str, Any]]:
        """One row per monitor (this one, then the output-only baseline)."""
        rows = [{"monitor": self.name, "rule": self.rule, **self.metrics()}]
        for b in self.baselines.values():
            rows.append({"monitor": b.name, "rule": b.rule, **b.metrics()})
        return rows

    def __repr__(self) -> str:
        n, S = self.scores.shape
        lines = [
            f"<MonitorReport {self.name!r}: event {self.event!r} within {self.horizon} steps, "
            f"{self.mode}, {n} inputs × {S} steps, {self.n_events} events>"
        ]
        for row in self.table():
            lines.append(
                f"  {row['monitor'][:28]:<28} precision {row['precision']:.3f}  recall "
                f"{row['recall']:.3f}  false alarms {row['false_alarm_rate']:.3f}  detected "
                f"{row['detection_rate']:.3f}  lead {row['lead_time']:.2f}  "
                f"AUROC {row['auroc']:.3f}"
            )
        return "\n".join(lines)


def _ratio(a: Any, b: Any) -> float:
    b = float(b)
    return float(a) / b if b > 0 else math.nan


def _matched_cut(report: MonitorReport, rate: float) -> float:
    """The cut at which ``report``'s scores alarm on (about) ``rate`` of its valid steps."""
    s = report.scores[report.valid].double()
    if s.numel() == 0:
        return math.inf
    m = round(rate * s.numel()) if math.isfinite(rate) else 0
    if m <= 0:
        return float(s.max())
    if m >= s.numel():
        return -math.inf
    return float(torch.sort(s, descending=True).values[m])


# ---------------------------------------------------------------- collection
@dataclass
class _Data:
    readouts: list[torch.Tensor]  # per variable [n, S, k]
    valid: torch.Tensor  # [n, S]
    events: torch.Tensor  # [n, S]
    onsets: torch.Tensor  # [n, S + k]
    steps: torch.Tensor  # [S]
    features: torch.Tensor | None  # world: output-only features [n, S, f]; LM: confidence [n, S]
    inputs: Any
    texts: list[str] | None
    tokens: list[list[str]] | None
    traces: int
    n: int
    seconds: float


def _resolve_event(
    model: Model, event: Any, horizon: int | None, monitors: Sequence[Monitor]
) -> tuple[Any, int]:
    from ..zoo.events import Event, events_for

    known = events_for(model.name)
    if event is None:
        named = {m.event for m in monitors if m.event}
        if len(named) > 1:
            raise MonitorError(
                f"these monitors watch different events {sorted(named)}; pass event="
            )
        event = named.pop() if named else (next(iter(known)) if known else None)
    if isinstance(event, str):
        if event not in known:
            raise MonitorError(
                f"{model.name} has no event {event!r}; model.events lists "
                f"{list(known) or 'none (give your own Event and truth=)'}"
            )
        event = known[event]
    if not isinstance(event, Event):
        raise MonitorError(
            f"event= names one of model.events ({list(known)}) or is an Event, got "
            f"{type(event).__name__}"
        )
    if horizon is None:
        hs = {m.horizon for m in monitors if m.horizon}
        horizon = hs.pop() if len(hs) == 1 else event.horizon
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise MonitorError(f"horizon must be a positive int (frames ahead), got {horizon!r}")
    return event, int(horizon)


def _check_edits_for_reread(edits: Sequence[Edit]) -> None:
    for e in edits:
        if e.positions is not None and min(e.positions) < 0:
            raise MonitorError(
                f"{e.describe()} has negative positions, which move with every rollout step; "
                "a monitor re-reads the rollout in one forward, where they would not: give "
                "start= (every step from a position on) instead"
            )


def _collect(
    model: Model,
    variables: Sequence[Variable],
    event: Any,
    horizon: int,
    *,
    mode: str,
    inputs: Any,
    truth: Any,
    edits: Sequence[Edit],
    n: int,
    seed: int,
    length: int | None,
    steps: int | None,
    min_t: int | None,
    chunk: int,
    progress: bool | None,
    outputs: bool = True,
) -> _Data:
    """Readouts, labels and output-only features over a data set, in batched traces."""
    t0 = time.perf_counter()
    if mode not in MODES:
        raise MonitorError(f"mode must be one of {list(MODES)}, got {mode!r}")
    edits = tuple(edits)
    for e in edits:
        if not isinstance(e, Edit):
            raise MonitorError(f"edits= takes Edit objects, got {type(e).__name__}")
    if event.kind == "lm" or model.kind == "lm":
        return _collect_lm(
            model, variables, event, horizon, mode, inputs, edits, steps, chunk, progress, t0
        )
    if model.kind != "world":
        raise MonitorError(f"{model.name} is neither a world model nor a language model")
    if mode == "generate":
        raise MonitorError("mode='generate' is for language models; world models use 'rollout'")
    rollout = mode == "rollout"
    K = (model.default_rollout_steps or 16) if steps is None else int(steps)
    if rollout and K < 1:
        raise MonitorError(f"a rollout needs at least one step, got steps={K}")
    if rollout:
        _check_edits_for_reread(edits)
    if inputs is None:
        if int(n) < 1:
            raise MonitorError(f"an empty data set (n={n}): give n >= 1 simulated inputs")
        from ..zoo.events import simulate

        T = int(length) if length is not None else int(getattr(model.spec, "default_length", 32))
        if rollout:
            T = min(T, int(getattr(model.module, "max_len", T + K)) - K)
        frames = T + (K - 1 if rollout else 0) + horizon
        x_all, lat = simulate(model.spec, int(n), int(seed), frames)
        x = x_all[:, :T].contiguous()
        state = event.state(lat)
    else:
        if isinstance(inputs, torch.Tensor) and inputs.ndim >= 1 and inputs.shape[0] == 0:
            raise MonitorError("an empty data set: inputs have 0 sequences")
        x = model.prepare(inputs)
        T = int(x.shape[1])
        if truth is None:
            raise MonitorError(
                "your own inputs need their ground truth: truth= the simulator's latents "
                f"covering {T}{' + steps - 1' if rollout else ''} + horizon frames, or a bool "
                "[n, frames] tensor of where the event's condition holds"
            )
        state = event.state(truth) if isinstance(truth, dict) else torch.as_tensor(truth).bool()
    nx_ = int(x.shape[0])
    p0 = T - 1 if rollout else (2 if min_t is None else int(min_t))
    p1 = T - 1 + K if rollout else T
    if not 0 <= p0 < p1:
        raise MonitorError(f"no steps to score: min_t={p0} with {T} context steps")
    need = p1 + horizon
    if state.ndim != 2 or state.shape[0] != nx_ or state.shape[1] < need:
        raise MonitorError(
            f"the ground truth covers {list(state.shape)} (inputs × frames); scoring steps "
            f"{p0}..{p1 - 1} with horizon {horizon} needs [{nx_}, >= {need}]"
        )
    shapes = model.inspect(x[:1])
    for v in variables:
        model.check_site(v.site)
        shape = shapes.get(v.site)
        if shape is None or shape[-1] != v.width or len(shape) != 3:
            raise MonitorError(
                f"{v.name!r} reads {v.width} features at {v.site}, but {model.name} gives "
                f"{'nothing' if shape is None else list(shape)} there"
            )
    sums = [
        Summary.readout(v.site, v.read, f"monitor{i}:{v.name}") for i, v in enumerate(variables)
    ]
    parts: list[list[torch.Tensor]] = [[] for _ in variables]
    feats: list[torch.Tensor] = []
    starts = list(range(0, nx_, int(chunk)))
    bar = _progress(len(starts), "monitoring", progress)
    traces = 0
    for i in starts:
        xc = x[i : i + int(chunk)]
        if rollout:
            r1 = run(model, xc, edits, rollout_steps=K, prepared=True)
            assert r1.rollout is not None
            seq = torch.cat([xc, r1.rollout[:, :-1].to(xc.dtype)], dim=1)
            traces += 1
        else:
            seq = xc
        res = run(model, seq, edits, summaries=sums, prepared=True)
        traces += 1
        for j, (v, sm) in enumerate(zip(variables, sums, strict=True)):
            parts[j].append((res.summaries[sm.key].float() + v.bias)[:, p0:p1])
        if outputs:
            out = res.output.float()
            cur = seq.float()
            feats.append(event.output_features(cur[:, p0:p1], out[:, p0:p1]))
        bar.update(1)
    bar.close()
    S = p1 - p0
    from ..zoo.events import onsets as onsets_of
    from ..zoo.events import within

    lab = within(state[:, :need], horizon)[:, p0:p1]
    ons = onsets_of(state[:, :need])[:, p0 : p0 + S + horizon]
    return _Data(
        [torch.cat(p) for p in parts],
        torch.ones(nx_, S, dtype=torch.bool),
        lab,
        ons,
        torch.arange(p0, p1),
        torch.cat(feats) if feats else None,
        x,
        None,
        None,
        traces,
        nx_,
        time.perf_counter() - t0,
    )


def _default_prompts(model: Model) -> list[str]:
    if model.name != "tiny-lm":
        raise MonitorError(f"{model.name} has no built-in prompts: give inputs= (a list of str)")
    from ..zoo.tiny_lm import _examples

    seen: dict[str, None] = {}
    for e in _examples():
        if not (e.family == "direction" and e.kind == "bare"):
            seen.setdefault(e.prompt, None)
    return list(seen)


def _collect_lm(
    model: Model,
    variables: Sequence[Variable],
    event: Any,
    horizon: int,
    mode: str,
    inputs: Any,
    edits: tuple[Edit, ...],
    steps: int | None,
    chunk: int,
    progress: bool | None,
    t0: float,
) -> _Data:
    """Language models: the event is a wrong next word; labels at the positions up to
    ``horizon`` tokens before the answer (generated tokens in ``mode="generate"``)."""
    if mode == "rollout":
        raise MonitorError("language models use mode='inputs' (prompt tokens) or 'generate'")
    if event.answers is None:
        raise MonitorError(f"event {event.name!r} has no answers for a language model")
    prompts = _default_prompts(model) if inputs is None else inputs
    if isinstance(prompts, str):
        prompts = [prompts]
    if not isinstance(prompts, list | tuple) or not all(isinstance(p, str) for p in prompts):
        raise MonitorError("a language model's monitor data set is a list of prompts (str)")
    if not prompts:
        raise MonitorError("an empty data set: give at least one prompt")
    answers = event.answers(list(prompts))
    keep = [i for i, a in enumerate(answers) if a is not None]
    if not keep:
        raise MonitorError(f"none of these prompts has a known answer for {event.name!r}")
    prompts = [prompts[i] for i in keep]
    answers = [answers[i] for i in keep]
    tok = model.tokenizer
    gen = mode == "generate"
    G = (1 if steps is None else int(steps)) if gen else 0
    if gen:
        _check_edits_for_reread(edits)
    x = model.prepare(list(prompts))
    assert isinstance(x, TokenIds)
    T = int(x.shape[1])
    for v in variables:
        model.check_site(v.site)
    shapes = model.inspect(x)
    for v in variables:
        shape = shapes.get(v.site)
        if shape is None or shape[-1] != v.width:
            raise MonitorError(
                f"{v.name!r} reads {v.width} features at {v.site}, which gives {shape}"
            )
    sums = [
        Summary.readout(v.site, v.read, f"monitor{i}:{v.name}") for i, v in enumerate(variables)
    ]
    nx_ = int(x.shape[0])
    parts: list[list[torch.Tensor]] = [[] for _ in variables]
    conf: list[torch.Tensor] = []
    firsts: list[torch.Tensor] = []
    masks: list[torch.Tensor] = []
    starts = list(range(0, nx_, int(chunk)))
    bar = _progress(len(starts), "monitoring", progress)
    traces = 0
    for i in starts:
        xc = TokenIds.of(x.ids[i : i + int(chunk)], x.attention_mask[i : i + int(chunk)])
        ids, mask = xc.ids, xc.attention_mask
        seq: TokenIds
        if gen:
            r1 = run(model, xc, edits, rollout_steps=G, prepared=True)
            traces += 1
            assert r1.rollout is not None
            new = r1.rollout[:, : G - 1] if G > 1 else ids[:, :0]
            seq_ids = torch.cat([ids, new.to(ids.dtype)], dim=1)
            seq_mask = torch.cat([mask, torch.ones_like(new, dtype=mask.dtype)], dim=1)
            seq = TokenIds.of(seq_ids, seq_mask)
        else:
            seq = xc
            seq_mask = mask
        res = run(model, seq, edits, summaries=sums, prepared=True)
        traces += 1
        for j, (v, sm) in enumerate(zip(variables, sums, strict=True)):
            parts[j].append(res.summaries[sm.key].float() + v.bias)
        logits = res.output.float()
        p = logits.softmax(-1)
        conf.append(1.0 - p.max(-1).values)
        # the first answer token: predicted at the prompt's last position
        firsts.append(logits[:, T - 1].argmax(-1))
        masks.append(seq_mask.bool())
        bar.update(1)
    bar.close()
    readouts = [torch.cat(p) for p in parts]
    valid = torch.cat(masks)
    first = torch.cat(firsts)
    wrong = torch.tensor(
        [tok.decode([int(t)]).strip() != a for t, a in zip(first.tolist(), answers, strict=True)]
    )
    S = T + max(G - 1, 0)
    # the wrong token appears at frame T (after the last prompt position, left padding)
    state = torch.zeros(nx_, S + horizon + 1, dtype=torch.bool)
    state[:, T] = wrong
    from ..zoo.events import within

    lab = within(state, horizon)[:, :S]
    ons = state[:, : S + horizon]
    tokens = [model.labels(x, r) for r in range(nx_)]
    return _Data(
        readouts,
        valid[:, :S],
        lab & valid[:, :S],
        ons,
        torch.arange(S),
        torch.cat(conf)[:, :S],
        x,
        list(prompts),
        tokens,
        traces,
        nx_,
        time.perf_counter() - t0,
    )


def _baseline_rule(
    model: Model, event: Any, horizon: int, T: int, seed: int, n: int, chunk: int, cols: int
) -> Rule:
    """The output-only classifier of a world model on its first ``cols`` output features
    (0: all), fitted on simulator seeds apart from both the monitors' fit and the
    evaluation (cached on the model)."""
    cache = model.__dict__.setdefault("_monitor_baselines", {})
    key = (event.name, horizon, T, seed, n, cols)
    if key not in cache:
        data = _collect(
            model,
            [],
            event,
            horizon,
            mode="inputs",
            inputs=None,
            truth=None,
            edits=(),
            n=n,
            seed=BASELINE_SEED_BASE + seed,
            length=T,
            steps=None,
            min_t=None,
            chunk=chunk,
            progress=False,
        )
        assert data.features is not None
        f = data.features[..., :cols] if cols else data.features
        cache[key] = Rule.fit(f[data.valid], data.events[data.valid])
    rule: Rule = cache[key]
    return rule


# ---------------------------------------------------------------- evaluate
def evaluate(
    monitors: Monitor | Iterable[Monitor],
    model: Model,
    inputs: Any = None,
    event: Any = None,
    horizon: int | None = None,
    *,
    mode: str = "inputs",
    truth: Any = None,
    edits: Sequence[Edit] = (),
    n: int = 256,
    seed: int = 0,
    length: int | None = None,
    steps: int | None = None,
    min_t: int | None = None,
    baseline: bool = True,
    baseline_n: int = 512,
    chunk: int = 256,
    progress: bool | None = None,
) -> dict[str, MonitorReport]:
    """Score monitors against a ground-truth event on the same inputs, in batched traces.

    Parameters
    ----------
    monitors
        One or several :class:`Monitor` (unique names); all readouts join the same traces.
    model
        From :func:`iwm_widgets.load`.
    inputs
        Default: ``n`` simulated sequences (seed ``EVAL_SEED_BASE + seed``) for zoo world
        models, the zoo's prompts with a known answer for tiny-lm. Your own world inputs
        need ``truth=``; prompts are a list of str.
    event, horizon
        One of ``model.events`` (or an :class:`~iwm_widgets.zoo.events.Event`) and the
        frames ahead; default the monitors' own.
    mode
        ``"inputs"``, ``"rollout"`` (world models: every predicted step) or
        ``"generate"`` (LMs: every generated token); see the module notes.
    truth
        With your own inputs: the simulator's latents covering the frames after the
        scored steps (``horizon`` past the last), or a bool ``[n, frames]`` of where the
        event's condition holds.
    edits
        Applied in every trace (monitor a model under an edit).
    length, steps, min_t
        Context steps of simulated inputs (default the zoo's), rollout steps or
        generated tokens (default 16 / 1), first scored step of ``mode="inputs"``
        (world models: 2).
    baseline
        Also score the output-only monitor (``report.baseline``).

    Returns
    -------
    dict[str, MonitorReport]
        By monitor name, in the order given.
    """
    mons = [monitors] if isinstance(monitors, Monitor) else list(monitors)
    if not mons:
        raise MonitorError("give at least one Monitor")
    for m in mons:
        if not isinstance(m, Monitor):
            raise MonitorError(f"evaluate() takes Monitors, got {type(m).__name__}")
    names = [m.name for m in mons]
    if len(set(names)) != len(names):
        raise MonitorError(f"monitor names must be unique, got {names}")
    if not isinstance(model, Model):
        raise TypeError(f"evaluate() takes a Model (from iwm.load), got {type(model).__name__}")
    ev, k = _resolve_event(model, event, horizon, mons)
    data = _collect(
        model,
        [m.variable for m in mons],
        ev,
        k,
        mode=mode,
        inputs=inputs,
        truth=truth,
        edits=edits,
        n=n,
        seed=EVAL_SEED_BASE + int(seed),
        length=length,
        steps=steps,
        min_t=min_t,
        chunk=chunk,
        progress=progress,
    )
    base: dict[str, tuple[torch.Tensor, str]] = {}
    if baseline and data.features is not None:
        if ev.kind == "lm":
            base["output-only"] = (data.features.float(), "1 − top next-token probability")
        elif model.spec is not None:
            T = int(data.inputs.shape[1])
            F = int(data.inputs.shape[-1])
            for key, cols, text in (
                ("output-only", 0, "logistic on predicted positions, motion, time to event"),
                ("output-only (linear)", 2 * F, "logistic on predicted positions and motion"),
            ):
                brule = _baseline_rule(model, ev, k, T, int(seed), int(baseline_n), chunk, cols)
                f = data.features[..., :cols] if cols else data.features
                base[key] = (brule.score(f, _OUTPUT_VARIABLE).float(), text)
    out: dict[str, MonitorReport] = {}
    common = {
        "event": ev.name,
        "horizon": k,
        "mode": mode,
        "valid": data.valid,
        "events": data.events,
        "onsets": data.onsets,
        "steps": data.steps,
        "model_name": model.name,
        "inputs": data.inputs,
        "texts": data.texts,
        "tokens": data.tokens,
        "traces": data.traces,
        "seconds": data.seconds,
    }
    for m, r in zip(mons, data.readouts, strict=True):
        sc = m.rule.score(r, m.variable).float()
        sc = torch.where(data.valid, sc, torch.full_like(sc, math.nan))
        rep = MonitorReport(
            m.name,
            scores=sc,
            threshold=m.rule.cut,
            rule=m.describe(),
            info={**m.info, "site": str(m.site), "variable": m.variable.name},
            _describe=m.describe,
            **common,
        )
        for key, (base_scores, text) in base.items():
            bs = torch.where(data.valid, base_scores, torch.full_like(base_scores, math.nan))
            b = MonitorReport(
                key, scores=bs, threshold=math.inf, rule=text, info={"baseline": True}, **common
            )
            rep.baselines[key] = b.at(_matched_cut(b, rep.alarm_rate))
        out[m.name] = rep
    return out


class _OutputVariable:
    """Stands in for a Variable where the output-only rule reads its features."""

    name = "outputs"
    k = 0
    components: ClassVar[list[str]] = []


_OUTPUT_VARIABLE: Any = _OutputVariable()


# ---------------------------------------------------------------- streaming
class MonitorStream:
    """Monitors re-checked on every run of a Workspace.

    The monitors' readouts join the Workspace's one trace as
    :class:`~iwm_widgets.tracing.run.Summary` objects (no extra trace); after each result
    :attr:`scores` and :attr:`alarms` (``[batch, positions]`` per monitor, the context
    positions) are recomputed and ``on_alarm(stream)`` is called when any alarm is
    raised. Uses only the Workspace's public methods (``add_reads``, ``observe``,
    ``request_run``), so anything offering them works.

    Attributes
    ----------
    alarms, scores : dict[str, torch.Tensor]
        By monitor name, from the newest result.
    history : list of (generation, {name: number of alarms})
    check_ms : list of float
        Wall time of each re-check after a run (the readout itself runs in the trace).
    """

    def __init__(
        self,
        workspace: Any,
        monitors: Sequence[Monitor],
        on_alarm: Callable[[MonitorStream], None] | None = None,
    ) -> None:
        for name in ("add_reads", "observe", "unobserve", "remove_reads", "model"):
            if not hasattr(workspace, name):
                raise TypeError(f"attach() needs a Workspace, got {type(workspace).__name__}")
        self.workspace = workspace
        self.monitors = list(monitors)
        names = [m.name for m in self.monitors]
        if len(set(names)) != len(names):
            raise MonitorError(f"monitor names must be unique, got {names}")
        model = workspace.model
        for m in self.monitors:
            model.check_site(m.site)
            shape = model.inspect(workspace.inputs).get(m.site)
            if shape is None or shape[-1] != m.variable.width:
                raise MonitorError(
                    f"{m.name!r} reads {m.variable.width} features at {m.site}; the Workspace's "
                    f"model gives {shape} there"
                )
        self.on_alarm = on_alarm
        self.alarms: dict[str, torch.Tensor] = {}
        self.scores: dict[str, torch.Tensor] = {}
        self.history: list[tuple[int, dict[str, int]]] = []
        self.check_ms: list[float] = []
        self.generation = -1
        self.error: Exception | None = None
        workspace.add_reads(self, [], summaries=[m.summary() for m in self.monitors])
        workspace.observe(self._on_event)
        if getattr(workspace, "result", None) is not None and hasattr(workspace, "request_run"):
            workspace.request_run()  # the last result has no readout yet

    def _on_event(self, event: str, ws: Any) -> None:
        if event != "result" or ws.result is None:
            return
        t0 = time.perf_counter()
        res = ws.result
        try:
            for m in self.monitors:
                if m.summary().key not in res.summaries:
                    return  # a run scheduled before this stream attached
                sc = m.score(res)
                self.scores[m.name] = sc
                self.alarms[m.name] = sc > m.rule.cut
            self.error = None
        except Exception as e:  # shown by whoever reads the stream; never breaks the run
            self.error = e
            return
        self.generation = int(res.generation)
        counts = {name: int(a.sum()) for name, a in self.alarms.items()}
        self.history.append((self.generation, counts))
        self.check_ms.append((time.perf_counter() - t0) * 1e3)
        if self.on_alarm is not None and any(counts.values()):
            self.on_alarm(self)

    @property
    def alarming(self) -> bool:
        """Whether the newest result raised any alarm."""
        return any(bool(a.any()) for a in self.alarms.values())

    def detach(self) -> None:
        """Stop re-checking; the readouts leave the Workspace's trace."""
        self.workspace.unobserve(self._on_event)
        self.workspace.remove_reads(self)

    def __repr__(self) -> str:
        state = ", ".join(f"{k}: {int(v.sum())} alarms" for k, v in self.alarms.items())
        return (
            f"<MonitorStream {len(self.monitors)} monitors, gen {self.generation}: "
            f"{state or 'no run yet'}>"
        )


# ---------------------------------------------------------------- law check
#: Simulator seeds of :func:`law_check`'s fit (its evaluation uses ``EVAL_SEED_BASE``).
LAW_FIT_SEED_BASE = 8_300_000


@dataclass(eq=False)
class LawCheck:
    """What :func:`law_check` measured: one law monitor per model on the same inputs.

    Attributes
    ----------
    particle : int
        The particle whose law is checked.
    event_particle : int
        The particle whose force difference (model's world law − sound law) is the event.
    site : str
        Where the monitors read.
    d : float
        Event threshold: the laws' forces on ``event_particle`` differ by more than ``d``
        (box units per frame², averaged over the step).
    cut : float
        The alarm threshold on ``‖residual‖`` shared by every monitor: the ``quantile``
        of the sound model's own residual on its fit steps.
    monitors, reports : dict
        By model name (the sound model first): each model's :class:`Monitor` (its
        residual variable, rule ``‖residual‖ > cut``) and its :class:`MonitorReport` on
        the evaluation inputs (``report.baselines["output-only"]``: the same check on the
        model's predicted positions, at the same alarm rate).
    fit : dict
        By model name: held-out R² of the acceleration readout (``"r2_acceleration"``)
        and of the sound-force readout (``"r2_sound_force"``), rows, alphas.
    """

    particle: int
    event_particle: int
    site: str
    d: float
    cut: float
    quantile: float
    world: str
    monitors: dict[str, Monitor]
    reports: dict[str, MonitorReport]
    fit: dict[str, dict[str, float]]
    seconds: float = 0.0

    def table(self) -> list[dict[str, Any]]:
        """One row per model: alarm rate, precision, recall, AUROC, the fit's R²."""
        return [
            {
                "model": name,
                "flaw_share": self.fit[name]["flaw_share"],
                **{k: r.metrics()[k] for k in ("alarm_rate", "precision", "recall", "auroc")},
                "base_rate": r.base_rate,
                **self.fit[name],
            }
            for name, r in self.reports.items()
        ]

    def __repr__(self) -> str:
        lines = [
            f"<LawCheck particle {self.particle} @ {self.site}: alarm where ‖internal "
            f"acceleration − sound Hooke force‖ > {self.cut:.3g} (the sound model's "
            f"{self.quantile:.3g} quantile); event: the laws differ on particle "
            f"{self.event_particle} by > {self.d:.3g}, {self.world} world>"
        ]
        for row in self.table():
            lines.append(
                f"  {row['model']:<16} alarms {row['alarm_rate']:.3f}  precision "
                f"{row['precision']:.3f}  recall {row['recall']:.3f}  AUROC {row['auroc']:.3f}"
                f"  flaw share {row['flaw_share']:.2f}  (events {row['base_rate']:.3f}; R² "
                f"acc {row['r2_acceleration']:.3f}, sound force {row['r2_sound_force']:.3f})"
            )
        return "\n".join(lines)


def _law_world(spec: Any, sound_spec: Any, world: str) -> Any:
    return sound_spec if world == "sound" else spec


def _site_and_output(
    model: Model, x: torch.Tensor, site: str, chunk: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Activations at ``site`` and the output, batched (one trace per chunk)."""
    acts, outs = [], []
    for i in range(0, int(x.shape[0]), int(chunk)):
        res = run(model, x[i : i + int(chunk)], reads=[site], prepared=True)
        acts.append(res[site].float())
        outs.append(res.output.float())
    return torch.cat(acts), torch.cat(outs)


def _accelerations(x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The model's own acceleration per step ``[n, T, F]``: ``out_t − 2 x_t + x_{t−1}``
    (step 0: zero), i.e. its predicted velocity change."""
    a = torch.zeros_like(out, dtype=torch.float64)
    a[:, 1:] = out[:, 1:].double() - 2 * x[:, 1:].double() + x[:, :-1].double()
    return a


def _hooke(pos: torch.Tensor, coupling: np.ndarray, k: float) -> torch.Tensor:
    """``F = k (C x − rowsum(C) x)`` for flat positions ``[n, T, 2N]`` → ``[n, T, N, 2]``."""
    from ..zoo.springs import hooke_force

    n, T, F = pos.shape
    p = pos.double().numpy().reshape(n, T, F // 2, 2)
    return torch.from_numpy(hooke_force(p, coupling, k))


def law_check(
    sound_model: Model,
    model: Model,
    particle: int = 0,
    *,
    event_particle: int | None = None,
    site: str = "blocks.2",
    d: float = 5e-3,
    quantile: float = 0.99,
    world: str = "sound",
    n: int = 128,
    fit_n: int = 128,
    seed: int = 0,
    length: int | None = None,
    min_t: int = 2,
    chunk: int = 256,
) -> LawCheck:
    """Does ``model``'s inside combine its variables by the sound law? A physical monitor.

    For each of ``sound_model`` and ``model`` (springs zoo entries on the same graph),
    two linear readouts of ``site`` are fitted (ridge, alpha by validation) on ``fit_n``
    simulated systems (seeds ``LAW_FIT_SEED_BASE + seed``):

    - the **internal acceleration** of ``particle``: what the model's output will do
      to it, ``out_t − 2 x_t + x_{t−1}`` (the model's own predicted velocity change;
      the label comes from the model, not from any simulator's law);
    - the **sound Hooke force** on ``particle`` from the positions the site holds,
      ``k Σ_j A_pj (x_j − x_p)`` with the true graph ``A`` (labels from the true
      positions; the same law for both models).

    Their difference is the model's **law residual**, a 2-component :class:`Variable`
    (read = the difference of the two probes); the :class:`Monitor` alarms where its norm
    exceeds ``cut``, the ``quantile`` of the *sound model's* residual over its fit steps
    (so the sound model alarms on about ``1 − quantile`` of steps by construction).

    Both monitors are then scored on the same ``n`` fresh systems (seeds
    ``EVAL_SEED_BASE + seed``) against the simulator's ground truth: the event at step
    ``t`` is "the model's world law and the sound law differ in ``event_particle``'s
    force by more than ``d`` over the step ``t → t+1``" (the mean of the difference at
    frames ``t`` and ``t + 1``, from the true positions and couplings). Steps where
    ``particle`` bounces off a wall (at ``t`` or ``t + 1``) are left out (``valid``
    false): the check is about spring forces.

    Parameters
    ----------
    particle, event_particle
        Whose law the monitor checks, and whose force difference is the event (default
        the same). A control: a particle the flaw leaves alone, scored against the
        flawed particle's event.
    world
        ``"sound"``: both models read systems of the sound simulator (the world they
        are deployed in); ``"model"``: each reads its own world's systems (same start
        states and graph, its own law).
    d
        Event threshold (box units per frame²). On springs-fixed's graph the sign flaw
        changes particle 0's force by ``2 ‖F_0‖``, more than 5e-3 on about 55 % of
        steps.

    Returns
    -------
    LawCheck
        ``reports[model.name]`` and ``reports[sound_model.name]``
        (:class:`MonitorReport`, ``horizon`` 1: the event concerns the predicted step).
    """
    t_start = time.perf_counter()
    from ..zoo.springs import coupling_matrix

    if world not in ("sound", "model"):
        raise MonitorError(f"world must be 'sound' or 'model', got {world!r}")
    specs = []
    for m in (sound_model, model):
        if not isinstance(m, Model):
            raise TypeError(f"law_check() takes Models (from iwm.load), got {type(m).__name__}")
        w = getattr(m.spec, "world", None)
        if w is None or not hasattr(w, "flaw"):
            raise MonitorError(f"{m.name} is no springs world model: law_check needs its law")
        specs.append(m.spec)
    sound_spec, spec = specs
    if sound_spec.world.flaw is not None:
        raise MonitorError(f"{sound_model.name} is trained on a flawed law; give a sound model")
    if not (sound_spec.world.fixed_graph and spec.world.fixed_graph):
        raise MonitorError("law_check needs fixed-graph models (springs-fixed, springs-flawed)")
    N = int(sound_spec.n_particles)
    ep = int(particle) if event_particle is None else int(event_particle)
    for p in (int(particle), ep):
        if not 0 <= p < N:
            raise MonitorError(f"particle {p} does not exist (0..{N - 1})")
    if not 0.0 < float(quantile) < 1.0:
        raise MonitorError(f"quantile must be in (0, 1), got {quantile!r}")
    p = int(particle)
    T = int(length) if length is not None else int(sound_spec.default_length)
    k = float(sound_spec.world.k)
    site = str(sound_model.check_site(site))
    model.check_site(site)

    def data(m: Model, nn_: int, seed_: int) -> dict[str, torch.Tensor]:
        from ..zoo.events import simulate as sim

        ws = _law_world(m.spec, sound_spec, world)
        x_all, lat = sim(ws, nn_, seed_, T + 1)
        x = x_all[:, :T].contiguous()
        adj = lat["adjacency"][0].double().numpy()
        pos = lat["position"]
        f_sound = _hooke(pos, adj, k)  # [n, T+1, N, 2]
        f_model = _hooke(pos, coupling_matrix(adj, spec.world.flaw, spec.world.flaw_particle), k)
        diff = (f_model - f_sound)[:, :, ep]  # [n, T+1, 2]
        over_step = 0.5 * (diff[:, :-1] + diff[:, 1:])  # step t: frames t and t+1
        con = lat["contact"].reshape(nn_, T + 1, N, 2).any(-1)[:, :, p]
        calm = ~(con[:, :-1] | con[:, 1:])  # [n, T]: no bounce at t or t+1
        acts, out = _site_and_output(m, x, site, chunk)
        return {
            "x": x,
            "acts": acts,
            "out": out,
            "acc": _accelerations(x, out)[..., 2 * p : 2 * p + 2],
            "sound": f_sound[:, :T, p].double(),
            "delta": (f_model - f_sound)[:, :T, p].double(),
            "events": over_step.norm(dim=-1) > float(d),
            "calm": calm,
        }

    monitors: dict[str, Monitor] = {}
    reports: dict[str, MonitorReport] = {}
    fits: dict[str, dict[str, float]] = {}
    cut = math.nan
    for m in (sound_model, model):
        fd = data(m, int(fit_n), LAW_FIT_SEED_BASE + int(seed))
        rows = fd["calm"].clone()
        rows[:, :min_t] = False
        h = fd["acts"][rows].double()
        groups = torch.arange(int(fit_n))[:, None].expand(-1, T)[rows]
        probes = {}
        for key, y in (("acceleration", fd["acc"]), ("sound_force", fd["sound"])):
            probe, alpha = linear.fit_ridge_cv(h, y[rows], groups)
            # held-out R²: refit on the first 80 % of systems, score on the rest
            tr = groups < int(fit_n * 0.8)
            r2 = linear.r2_score(
                y[rows][~tr], linear.predict(linear.fit_ridge(h[tr], y[rows][tr], alpha), h[~tr])
            )
            probes[key] = (*linear.to_raw(probe), alpha, r2)
        Wa, ba, alpha_a, r2_a = probes["acceleration"]
        Wf, bf, alpha_f, r2_f = probes["sound_force"]
        W, b = (Wa.double() - Wf.double()).float(), (ba.double() - bf.double()).float()
        var = Variable(
            f"law residual {p} ({m.name})",
            Site.parse(site),
            W,
            b,
            W.clone(),
            [f"residual_{p}_x", f"residual_{p}_y"],
            {"r2_acceleration": r2_a, "r2_sound_force": r2_f},
            m.name,
        )
        if m is sound_model:
            res_fit = var.readout(fd["acts"]).double().norm(dim=-1)[rows]
            cut = float(torch.quantile(res_fit, float(quantile)))
        mon = Monitor(
            var,
            Rule.above(cut, component="norm"),
            f"law check {p}: {m.name}",
            "law-differs",
            1,
            {"fit_seed": LAW_FIT_SEED_BASE + int(seed), "fit_n": int(fit_n), "site": site},
        )
        fits[m.name] = {
            "r2_acceleration": float(r2_a),
            "r2_sound_force": float(r2_f),
            "alpha_acceleration": float(alpha_a),
            "alpha_sound_force": float(alpha_f),
            "fit_rows": float(rows.sum()),
        }
        ev = data(m, int(n), EVAL_SEED_BASE + int(seed))
        valid = ev["calm"].clone()
        valid[:, :min_t] = False
        nan = torch.full((int(n), T), math.nan)
        sc = torch.where(valid, mon.score(ev["acts"]), nan)
        # the same check on the outputs: predicted acceleration − sound force of the inputs
        out_sc = torch.where(valid, (ev["acc"] - ev["sound"]).norm(dim=-1).float(), nan)
        lab = ev["events"] & valid
        rd = mon.readout(ev["acts"]).double()[valid]
        dl = ev["delta"][valid]
        den = float((dl * dl).sum())
        fits[m.name]["flaw_share"] = float((rd * dl).sum()) / den if den > 1e-18 else math.nan
        ons = torch.zeros(int(n), T + 1, dtype=torch.bool)
        ons[:, 1:] = lab & ~torch.cat([torch.zeros(int(n), 1, dtype=torch.bool), lab[:, :-1]], 1)
        common: dict[str, Any] = {
            "event": "law-differs",
            "horizon": 1,
            "mode": "inputs",
            "valid": valid,
            "events": lab,
            "onsets": ons,
            "steps": torch.arange(T),
            "model_name": m.name,
            "inputs": ev["x"],
        }
        rep = MonitorReport(
            mon.name,
            scores=sc,
            threshold=cut,
            rule=mon.describe(),
            info={"site": site, "particle": p, "event_particle": ep, "world": world},
            _describe=mon.describe,
            **common,
        )
        b_rep = MonitorReport(
            "output-only",
            scores=out_sc,
            threshold=math.inf,
            rule="‖predicted acceleration − sound force of the inputs‖",
            info={"baseline": True},
            **common,
        )
        rep.baselines["output-only"] = b_rep.at(_matched_cut(b_rep, rep.alarm_rate))
        monitors[m.name] = mon
        reports[m.name] = rep
    return LawCheck(
        p,
        ep,
        site,
        float(d),
        cut,
        float(quantile),
        world,
        monitors,
        reports,
        fits,
        time.perf_counter() - t_start,
    )
