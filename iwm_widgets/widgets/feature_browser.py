"""FeatureBrowser: browse the features :func:`iwm_widgets.discover` found, and make dials.

The list of a :class:`~iwm_widgets.tracing.discovery.FeatureSet`'s features (explained
variance, density, the true variable each matches best), sortable; for the picked
feature its top-activating rows (tokens in context for language models), a histogram
of its values on held-out rows, its trace over one sequence of the data set beside the
matched true variable, and, with a Workspace, its live trace over the Workspace's
inputs, recomputed from every new result (so that turning a dial or adding an edit
redraws it). "make a dial" turns the feature into a Variable and hands it to
SteeringDials and CausalGraph.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Callable
from typing import Any

import anywidget
import torch
import traitlets

from ..errors import InputError
from ..tracing import FeatureSet, Variable
from ..transport import to_buffer
from ..workspace import Workspace
from ._base import WorkspaceWidget, _message, esm, model_title

__all__ = ["FeatureBrowser", "FeatureBrowserError"]

SORTS = ("variance", "sparsity", "match")
#: Bins of the held-out histogram.
BINS = 40
#: Tokens shown before and after a language model's top token.
CONTEXT_BEFORE, CONTEXT_AFTER = 8, 4


class FeatureBrowserError(traitlets.TraitError, InputError):
    """A pick the FeatureSet does not have (a feature, sequence, particle or variable that
    does not exist); the browser keeps what it showed."""


def _finite(x: Any) -> float | None:
    """A float for JSON traits: None for NaN/inf (JSON has no NaN)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _check_fs(fs: Any) -> None:
    if not isinstance(fs, FeatureSet):
        raise InputError(
            "FeatureBrowser shows a FeatureSet (fs = iwm.discover(model, site, method=...)), "
            f"got {type(fs).__name__}"
        )
    if fs.k < 1 or fs.activations.ndim != 2 or tuple(fs.activations.shape) != (len(fs.rows), fs.k):
        raise InputError(f"{fs!r} holds no feature values to browse (activations [rows, k])")
    if len(fs.rows) == 0:
        raise InputError(f"{fs!r} has no rows to browse")


def _check_target(fs: FeatureSet, w: Any, what: str, cls: type, full: int) -> None:
    """``w`` (a Workspace or a widget of one) is a ``cls`` on the FeatureSet's model."""
    if not isinstance(w, cls):
        raise InputError(f"{what}= takes a {cls.__name__}, got {type(w).__name__}")
    ws: Workspace = w if isinstance(w, Workspace) else getattr(w, "ws")  # noqa: B009
    if ws.model.name != fs.model_name:
        raise InputError(
            f"{what} is on model {ws.model.name!r}, but the features were discovered on "
            f"{fs.model_name!r}: use a Workspace of the same model"
        )
    ws.model.check_site(fs.site)
    width = int(ws.model.shape(fs.site)[-1])
    if width != full:
        raise InputError(
            f"{fs.site} of {ws.model.name!r} has {width} features, the FeatureSet reads "
            f"{full}: it was discovered on another site or model"
        )


def truth_column(
    latents: dict[str, Any], name: str, T: int, n_particles: int | None, particle: int = 0
) -> torch.Tensor | None:
    """The true variable ``name`` (a FeatureSet's truth column name) over ``T`` steps of
    a simulator's latents (``model.sample(seed, latents=True)[1]``, ``[T, ...]`` each, or
    a batch ``[n, T, ...]``: row 0), or None when the latents do not hold it.

    Names as :func:`iwm_widgets.discover` gives them: ``speed`` (one value per step),
    ``velocity_x`` (a 2-D latent), ``velocity_2_x`` (particle 2 of a per-particle latent;
    ``velocity_x`` there means ``particle``'s), ``contact_3`` (column 3 of another).
    """
    for key, v in latents.items():
        v = torch.as_tensor(v)
        if v.ndim >= 2 and v.shape[0] != T and v.shape[1] == T:
            v = v[0]  # a batch of latents: the Workspace's row 0
        if v.ndim == 0 or v.shape[0] != T:
            continue  # not per step (e.g. the spring graph)
        if v.ndim == 1:
            if name == key:
                return v.float()
            continue
        if v.ndim != 2 or not name.startswith(key + "_"):
            continue
        rest = name[len(key) + 1 :].split("_")
        c = int(v.shape[1])
        if n_particles and c == 2 * n_particles:
            per = v.reshape(T, n_particles, 2)
            if len(rest) == 2 and rest[0].isdigit() and rest[1] in ("x", "y"):
                if int(rest[0]) < n_particles:
                    return per[:, int(rest[0]), "xy".index(rest[1])].float()
            elif len(rest) == 1 and rest[0] in ("x", "y") and 0 <= particle < n_particles:
                return per[:, particle, "xy".index(rest[0])].float()
        elif c == 2 and len(rest) == 1 and rest[0] in ("x", "y"):
            return v[:, "xy".index(rest[0])].float()
        elif len(rest) == 1 and rest[0].isdigit() and int(rest[0]) < c:
            return v[:, int(rest[0])].float()
    return None


def _same_variable_of(name: str, particle: int, names: Any) -> str:
    """``velocity_2_x`` → ``velocity_{particle}_x`` when the FeatureSet has it, else
    ``name`` (the compared variable follows the traced particle)."""
    m = re.fullmatch(r"(.+)_(\d+)_([xy])", name)
    if m:
        other = f"{m.group(1)}_{particle}_{m.group(3)}"
        if other in names:
            return other
    return name


class FeatureBrowser(WorkspaceWidget):
    """The features of a FeatureSet: pick one, see where it fires, make it a dial.

    Parameters
    ----------
    fs
        A :class:`~iwm_widgets.tracing.discovery.FeatureSet` from
        :func:`iwm_widgets.discover`.
    workspace
        Optional :class:`~iwm_widgets.workspace.Workspace` on the same model: the
        browser reads ``fs.site`` in its runs and draws the picked feature's live trace
        over its inputs (batch row 0), next to the unedited run's, after every edit.
    dials
        Optional :class:`~iwm_widgets.SteeringDials`: "make a dial" adds the feature's
        Variable to them (:meth:`SteeringDials.add_variable`).
    graph
        Optional :class:`~iwm_widgets.CausalGraph`: "make a dial" adds the Variable as a
        node (:meth:`CausalGraph.add_node`).
    activation_map
        Optional :class:`~iwm_widgets.ActivationMap`: it shows the picked feature's
        readout (``h · read + bias``; an SAE's pre-activation) at every row.

    Attributes
    ----------
    fs : FeatureSet
    variables : list of Variable
        Every Variable "make a dial" made, in order (also without dials or a graph).
    """

    _esm = esm("feature_browser")

    title = traitlets.Unicode("", help="Title shown above the browser.").tag(sync=True)
    info = traitlets.Dict(
        help="The FeatureSet: {model, site, method, k, rows, held_rows, n_sequences, "
        "n_fit, unexplained, mcc, kind, has_truth}."
    ).tag(sync=True)
    features = traitlets.List(
        traitlets.Dict(),
        help="One entry per feature: {index, name, variance, density, best, corr, r2, "
        "auroc} (best '' and the rest null without truth).",
    ).tag(sync=True)
    sort_by = traitlets.Unicode(
        "variance",
        help="How the list is sorted: 'variance' (most first), 'sparsity' (lowest "
        "density first) or 'match' (highest |corr| with a true variable first).",
    ).tag(sync=True)
    order = traitlets.List(
        traitlets.Int(), help="Feature indices in list order (follows sort_by)."
    ).tag(sync=True)
    feature = traitlets.Int(0, help="The picked feature (an index into the FeatureSet).").tag(
        sync=True
    )
    n_top = traitlets.Int(10, help="How many top-activating rows are listed.").tag(sync=True)
    top = traitlets.List(
        traitlets.Dict(),
        help="The picked feature's top-activating rows: {rank, row, sequence, step, "
        "particle, value, held_out, truth, truth_name, token, before, after} (truth: "
        "`compare` at the row's particle; token/before/after: language models).",
    ).tag(sync=True)
    histogram = traitlets.Dict(
        help="{edges [B+1], counts [B]} (binary) of the picked feature on held-out rows, "
        "with n, mean, std, zero (share of zeros)."
    ).tag(sync=True)
    sequence = traitlets.Int(
        0, help="The data set's sequence whose trace is drawn (a held-out one by default)."
    ).tag(sync=True)
    step = traitlets.Int(-1, help="The step marked in the trace (a picked top row's), or -1.").tag(
        sync=True
    )
    particle = traitlets.Int(
        0, help="Per-particle FeatureSets: the particle traced and dialled (0 otherwise)."
    ).tag(sync=True)
    n_particles = traitlets.Int(0, help="Particles with a slot each (0: no slots).").tag(sync=True)
    compare = traitlets.Unicode(
        "", help="The true variable drawn beside the traces ('' for none; the best match)."
    ).tag(sync=True)
    truth_names = traitlets.List(
        traitlets.Unicode(), help="The FeatureSet's true variables (compare's choices)."
    ).tag(sync=True)
    trace = traitlets.Dict(
        help="The picked feature over `sequence`: {steps, values, truth (binary or null), "
        "truth_name, corr (their signed correlation on held-out rows), labels, sequence, "
        "particle, held_out}."
    ).tag(sync=True)
    live = traitlets.Dict(
        help="With a Workspace: the feature over its inputs (row 0): {values, baseline, "
        "truth (binary or null), truth_name, corr, labels, edits, generation}; {} without one."
    ).tag(sync=True)
    targets = traitlets.Dict(
        help="Where 'make a dial' goes and what is linked: {dials, graph, map, workspace}."
    ).tag(sync=True)
    made = traitlets.List(
        traitlets.Dict(),
        help="Variables made so far: {name, feature, particle, into: [widget names]}.",
    ).tag(sync=True)

    def __init__(
        self,
        fs: FeatureSet,
        workspace: Workspace | None = None,
        *,
        dials: Any = None,
        graph: Any = None,
        activation_map: Any = None,
    ) -> None:
        from .activation_map import ActivationMap
        from .causal_graph import CausalGraph
        from .steering_dials import SteeringDials

        _check_fs(fs)
        full = fs.width * (len(fs.slots) if fs.slots is not None else 1)
        for what, w, cls in (
            ("workspace", workspace, Workspace),
            ("dials", dials, SteeringDials),
            ("graph", graph, CausalGraph),
            ("activation_map", activation_map, ActivationMap),
        ):
            if w is not None:
                _check_target(fs, w, what, cls, full)
        self.fs = fs
        self.variables: list[Variable] = []
        self._callbacks: list[Callable[[Variable], Any]] = []
        self._dials, self._graph, self._map = dials, graph, activation_map
        self._shown = ""  # the last error a bad pick put in the error box
        self._quiet = False  # True while one pick sets several traits
        self._corrs: dict[tuple[int, str], float | None] = {}
        # the newest result's feature values (edited, unedited), its edits and generation
        self._live_vals: tuple[torch.Tensor, torch.Tensor | None, tuple[int, int]] | None = None
        self._n_seq = int(fs.rows[:, 0].max()) + 1 if len(fs.rows) else 0
        self._match = fs.match() if fs.truth else None
        self._steps_of: dict[int, list[int]] = {}  # LMs: each sequence's real positions
        if fs.tokens is not None:
            for s, t in fs.rows[:, :2].tolist():
                self._steps_of.setdefault(int(s), []).append(int(t))
        self.workspace = workspace
        if workspace is not None:
            super().__init__(workspace)  # joins the Workspace: reads fs.site from now on
        else:
            anywidget.AnyWidget.__init__(self)
        owner: Any = (
            workspace.model
            if workspace is not None
            else types.SimpleNamespace(name=fs.model_name, remote=None)
        )
        with self.hold_sync():
            self.title = f"{model_title(owner)}: {fs.method.upper()} features at {fs.site}"
            self.info = self._info()
            self.features = self._feature_rows()
            self.truth_names = list(fs.truth)
            self.n_particles = len(fs.slots) if fs.slots is not None else 0
            self.targets = {
                "dials": dials is not None,
                "graph": graph is not None,
                "map": activation_map is not None,
                "workspace": workspace is not None,
            }
            self.order = self.sorted_order(self.sort_by)
            self._pick(0)
        self.observe(self._on_feature, names=["feature"])
        self.observe(self._on_sort, names=["sort_by"])
        self.observe(self._on_trace, names=["sequence", "particle", "compare"])
        self.observe(self._on_n_top, names=["n_top"])
        self.on_msg(self._on_msg)
        self._link_map()
        if workspace is not None:
            self._start()

    # ---- checks ---------------------------------------------------------
    def _bad(self, msg: str) -> FeatureBrowserError:
        """Show ``msg`` in the error box; the error to raise."""
        self.error = self._shown = f"InputError: {msg}"
        return FeatureBrowserError(msg)

    def _ok(self) -> None:
        """A pick worked: clear the error box if a bad pick filled it."""
        if self._shown and self.error == self._shown:
            self.error = ""
        self._shown = ""

    @traitlets.validate("feature")
    def _valid_feature(self, proposal: dict[str, Any]) -> int:
        i = proposal["value"]
        if isinstance(i, bool) or not 0 <= int(i) < self.fs.k:
            raise self._bad(
                f"feature {i!r} does not exist: this FeatureSet has {self.fs.k} features "
                f"(0..{self.fs.k - 1})"
            )
        return int(i)

    @traitlets.validate("sort_by")
    def _valid_sort(self, proposal: dict[str, Any]) -> str:
        by = proposal["value"]
        if by not in SORTS:
            raise self._bad(f"sort_by must be one of {list(SORTS)}, got {by!r}")
        if by == "match" and not self.fs.truth:
            raise self._bad(
                f"sort_by='match' needs ground truth, and {self.fs.model_name!r} has none: "
                "sort by 'variance' or 'sparsity'"
            )
        return str(by)

    @traitlets.validate("sequence")
    def _valid_sequence(self, proposal: dict[str, Any]) -> int:
        s = proposal["value"]
        if isinstance(s, bool) or not 0 <= int(s) < self._n_seq:
            raise self._bad(
                f"sequence {s!r} is not in the data set: it has {self._n_seq} sequences "
                f"(0..{self._n_seq - 1}; {self.fs.n_fit}.. are held out)"
            )
        return int(s)

    @traitlets.validate("particle")
    def _valid_particle(self, proposal: dict[str, Any]) -> int:
        p = proposal["value"]
        n = len(self.fs.slots) if self.fs.slots is not None else 0
        if n == 0 and p != 0:
            raise self._bad(f"{self.fs.site} has no per-particle slots: particle stays 0")
        if isinstance(p, bool) or (n and not 0 <= int(p) < n):
            raise self._bad(f"particle {p!r} does not exist (0..{n - 1})")
        return int(p)

    @traitlets.validate("compare")
    def _valid_compare(self, proposal: dict[str, Any]) -> str:
        c = proposal["value"]
        if c and c not in self.fs.truth:
            names = ", ".join(self.fs.truth) or "none"
            raise self._bad(f"no true variable {c!r}; the FeatureSet has: {names}")
        return str(c)

    @traitlets.validate("n_top")
    def _valid_n_top(self, proposal: dict[str, Any]) -> int:
        n = proposal["value"]
        if isinstance(n, bool) or not 1 <= int(n) <= 100:
            raise self._bad(f"n_top must be 1..100, got {n!r}")
        return int(n)

    # ---- the list -------------------------------------------------------
    def _info(self) -> dict[str, Any]:
        fs = self.fs
        return {
            "model": fs.model_name,
            "site": str(fs.site),
            "method": fs.method,
            "k": fs.k,
            "rows": len(fs.rows),
            "held_rows": int(fs.held_out.sum()),
            "n_sequences": self._n_seq,
            "n_fit": int(fs.n_fit),
            "unexplained": _finite(fs.reconstruction_error),
            "mcc": _finite(fs.mcc) if fs.truth else None,
            "kind": "lm" if fs.tokens is not None else "world",
            "has_truth": bool(fs.truth),
        }

    def _feature_rows(self) -> list[dict[str, Any]]:
        fs, m = self.fs, self._match
        rows = []
        for i in range(fs.k):
            d: dict[str, Any] = {
                "index": i,
                "name": fs.names[i],
                "variance": _finite(fs.explained_variance[i]),
                "density": _finite(fs.density[i]),
                "best": "",
                "corr": None,
                "r2": None,
                "auroc": None,
            }
            if m is not None:
                d.update(
                    best=str(m["best"].iloc[i]),
                    corr=_finite(m["best_corr"].iloc[i]),
                    r2=_finite(m["best_r2"].iloc[i]),
                    auroc=_finite(m["auroc"].iloc[i]),
                )
            rows.append(d)
        return rows

    def sorted_order(self, by: str = "variance") -> list[int]:
        """Feature indices sorted ``by`` ``"variance"`` (explained variance, most first),
        ``"sparsity"`` (density, lowest first) or ``"match"`` (|corr| with the best true
        variable, highest first); ties keep index order."""
        if by not in SORTS:
            raise InputError(f"sort by one of {list(SORTS)}, got {by!r}")
        fs = self.fs
        if by == "variance":
            key = [-float(v) for v in fs.explained_variance]
        elif by == "sparsity":
            key = [float(v) for v in fs.density]
        else:
            if self._match is None:
                raise InputError(f"{fs.model_name!r} has no ground truth to sort by match")
            key = [
                -(float(c) if math.isfinite(float(c)) else -1.0) for c in self._match["best_corr"]
            ]
        return sorted(range(fs.k), key=lambda i: (key[i], i))

    def _on_sort(self, change: dict[str, Any]) -> None:
        self.order = self.sorted_order(change["new"])
        self._ok()

    # ---- the picked feature --------------------------------------------
    def _on_feature(self, change: dict[str, Any]) -> None:
        with self.hold_sync():
            self._pick(int(change["new"]))
            self._ok()
        self._link_map()

    def _pick(self, i: int) -> None:
        """Everything shown for feature ``i``; the trace moves to its top held-out row
        (its sequence, step and particle), beside its best-matching true variable."""
        fs, m = self.fs, self._match
        top = fs.top_rows(i, 1, held_out=True) if bool(fs.held_out.any()) else []
        top = top or fs.top_rows(i, 1)
        self._quiet = True
        try:
            if top:
                self.sequence = int(top[0]["sequence"])
                if fs.slots is not None:
                    self.particle = int(top[0].get("particle", 0))
                self.step = int(top[0]["step"])
            best = str(m["best"].iloc[i]) if m is not None else ""
            self.compare = _same_variable_of(best, int(self.particle), fs.truth)
        finally:
            self._quiet = False
        self.top = self._top_rows(i)
        self.histogram = self._histogram(i)
        self.trace = self._trace()
        self._send_live()

    def _top_rows(self, i: int) -> list[dict[str, Any]]:
        fs = self.fs
        out = []
        for rank, r in enumerate(fs.top_rows(i, int(self.n_top))):
            # a per-particle variable (velocity_3_x) at the row's own particle
            name = self.compare
            if name and r.get("particle") is not None:
                name = _same_variable_of(name, int(r["particle"]), fs.truth)
            col = fs.truth.get(name) if name else None
            d: dict[str, Any] = {
                "rank": rank,
                "row": int(r["row"]),
                "sequence": int(r["sequence"]),
                "step": int(r["step"]),
                "particle": r.get("particle"),
                "value": _finite(r["value"]),
                "held_out": int(r["sequence"]) >= fs.n_fit,
                "truth": _finite(col[int(r["row"])]) if col is not None else None,
                "truth_name": name if col is not None else "",
            }
            if fs.tokens is not None:
                d.update(self._context(int(r["sequence"]), int(r["step"])))
            out.append(d)
        return out

    def _context(self, s: int, t: int) -> dict[str, str]:
        """A language model's token at (sequence, position) with the real tokens around
        it (padding left out)."""
        toks = self.fs.tokens[s] if self.fs.tokens is not None else []
        steps = self._steps_of.get(s, [t])
        j = steps.index(t) if t in steps else 0
        before = [toks[p] for p in steps[max(0, j - CONTEXT_BEFORE) : j]]
        after = [toks[p] for p in steps[j + 1 : j + 1 + CONTEXT_AFTER]]
        # BPE tokens carry their spaces (" Paris"); a word-level tokenizer's do not
        sep = "" if any(x[:1].isspace() for x in toks if x) else " "
        return {
            "token": toks[t],
            "before": sep.join(before) + (sep if before else ""),
            "after": (sep if after else "") + sep.join(after),
        }

    def _histogram(self, i: int) -> dict[str, Any]:
        fs = self.fs
        held = fs.held_out
        v = fs.activations[held if bool(held.any()) else slice(None), i].double()
        v = v[torch.isfinite(v)]
        if v.numel() == 0:
            return {}
        lo, hi = float(v.min()), float(v.max())
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        counts = torch.histc(v, bins=BINS, min=lo, max=hi)
        return {
            "edges": to_buffer(torch.linspace(lo, hi, BINS + 1)),
            "counts": to_buffer(counts),
            "n": int(v.numel()),
            "mean": _finite(v.mean()),
            "std": _finite(v.std()) if v.numel() > 1 else 0.0,
            "zero": _finite((v == 0).double().mean()),
            "held_out": bool(held.any()),
        }

    def _trace(self) -> dict[str, Any]:
        """The picked feature over one sequence (and particle), with the compared truth."""
        fs = self.fs
        s, p = int(self.sequence), int(self.particle) if fs.slots is not None else -1
        sel = (fs.rows[:, 0] == s) & (fs.rows[:, 2] == p)
        idx = torch.nonzero(sel).reshape(-1)
        steps = fs.rows[idx, 1]
        order = torch.argsort(steps, stable=True)
        idx, steps = idx[order], steps[order]
        col = fs.truth.get(self.compare) if self.compare else None
        labels = []
        if fs.tokens is not None:
            labels = [fs.tokens[s][int(t)] for t in steps]
        return {
            "steps": to_buffer(steps, "int32"),
            "values": to_buffer(fs.activations[idx, int(self.feature)]),
            "truth": to_buffer(col[idx].float()) if col is not None else None,
            "truth_name": self.compare,
            "corr": self.signed_corr(int(self.feature), self.compare) if col is not None else None,
            "labels": labels,
            "sequence": s,
            "particle": p if p >= 0 else None,
            "held_out": s >= fs.n_fit,
        }

    def signed_corr(self, i: int, name: str) -> float | None:
        """The correlation (with its sign) of feature ``i`` with the true variable
        ``name`` on held-out rows where it is defined; None when it cannot be computed.
        (``fs.match()`` gives its absolute value; a negative one draws the variable's
        axis flipped, so that the two traces overlay.)"""
        key = (int(i), str(name))
        if key not in self._corrs:
            fs = self.fs
            col = fs.truth.get(name)
            out = None
            if col is not None:
                ok = fs.held_out & torch.isfinite(col)
                z, y = fs.activations[ok, int(i)].double(), col[ok].double()
                if z.numel() > 2:
                    z, y = z - z.mean(), y - y.mean()
                    den = float(z.norm() * y.norm())
                    out = _finite(float(z @ y) / den) if den > 0 else None
            self._corrs[key] = out
        return self._corrs[key]

    def _on_trace(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        with self.hold_sync():
            if change["name"] in ("sequence", "particle"):
                self.step = -1  # the marked step was another sequence's
            if change["name"] == "particle":
                self._follow_particle()
            if change["name"] == "compare":
                self.top = self._top_rows(int(self.feature))
            self.trace = self._trace()
            self._send_live()
            self._ok()
        if change["name"] == "particle":
            self._link_map()

    def _follow_particle(self) -> None:
        """The compared per-particle variable moves to the traced particle."""
        other = _same_variable_of(self.compare, int(self.particle), self.fs.truth)
        if other != self.compare:
            quiet, self._quiet = self._quiet, True
            try:
                self.compare = other
            finally:
                self._quiet = quiet
            self.top = self._top_rows(int(self.feature))

    def _on_n_top(self, change: dict[str, Any]) -> None:
        self.top = self._top_rows(int(self.feature))
        self._ok()

    def pick_row(self, rank: int) -> None:
        """Trace the sequence (and particle) of top row ``rank``, its step marked."""
        if isinstance(rank, bool) or not 0 <= int(rank) < len(self.top):
            raise self._bad(f"top row {rank!r} does not exist (0..{len(self.top) - 1})")
        r = self.top[int(rank)]
        moved = False
        self._quiet = True
        try:
            self.sequence = int(r["sequence"])
            if self.fs.slots is not None and r.get("particle") is not None:
                moved = int(r["particle"]) != self.particle
                self.particle = int(r["particle"])
            self.step = int(r["step"])
            if moved:
                self._follow_particle()
        finally:
            self._quiet = False
        with self.hold_sync():
            if moved:
                self.top = self._top_rows(int(self.feature))
            self.trace = self._trace()
            self._send_live()
            self._ok()
        if moved:
            self._link_map()

    # ---- the live trace -------------------------------------------------
    def _sites(self) -> list[str]:
        return [str(self.fs.site)]

    def _redraw(self, result: Any) -> None:
        h = result[str(self.fs.site)]
        vals = self.fs.values(h[0].detach().float())
        base = None
        b = self.ws.baseline
        if result.edits and b is not None and str(self.fs.site) in b.activations:
            base = self.fs.values(b[str(self.fs.site)][0].detach().float())
        self._live_vals = (vals, base, (len(result.edits), int(result.generation)))
        self._send_live()

    def live_values(self, baseline: bool = False) -> torch.Tensor:
        """The picked feature over the Workspace's inputs (row 0) in the newest result
        (``baseline=True``: the unedited run's), ``[T]``; at :attr:`particle` with slots."""
        if self._live_vals is None:
            raise RuntimeError("no live trace: give a Workspace (workspace=) and let it run")
        vals, base, _ = self._live_vals
        v = (base if base is not None else vals) if baseline else vals
        return self._column(v)

    def _column(self, v: torch.Tensor) -> torch.Tensor:
        if self.fs.slots is not None:
            return v[:, int(self.particle), int(self.feature)]
        return v[:, int(self.feature)]

    def _send_live(self) -> None:
        if self._live_vals is None:
            self.live = {}
            return
        vals, base, (n_edits, generation) = self._live_vals
        truth = self._live_truth(int(vals.shape[0]))
        self.live = {
            "values": to_buffer(self._column(vals)),
            "baseline": to_buffer(self._column(base)) if base is not None else None,
            "truth": to_buffer(truth) if truth is not None else None,
            "truth_name": self.compare if truth is not None else "",
            "corr": self.signed_corr(int(self.feature), self.compare)
            if truth is not None
            else None,
            "labels": self.ws.columns() if self.fs.tokens is not None else [],
            "edits": n_edits,
            "generation": generation,
        }

    def _live_truth(self, T: int) -> torch.Tensor | None:
        """The compared true variable over the Workspace's inputs, when the Workspace
        carries the simulator's latents (``model.sample(seed, latents=True)``)."""
        ws, name = self.workspace, self.compare
        if ws is None or not ws.truth or not name or self.fs.tokens is not None:
            return None
        n_p = getattr(ws.model.spec, "n_particles", None)
        return truth_column(ws.truth, name, T, n_p, int(self.particle))

    # ---- make a dial ----------------------------------------------------
    def make_dial(
        self, feature: int | None = None, *, particle: int | None = None, name: str | None = None
    ) -> Variable:
        """The feature as a Variable (``fs.variable([feature])``), added to the dials and
        the graph given, kept in :attr:`variables` and passed to every :meth:`on_dial`
        callback. Default: the picked feature (and :attr:`particle` with slots).

        A feature made before (same name) is returned again, not added twice.
        """
        fs = self.fs
        i = int(self.feature) if feature is None else int(feature)
        if not 0 <= i < fs.k:
            raise self._bad(f"feature {i} does not exist: this FeatureSet has {fs.k} features")
        p = None
        if fs.slots is not None:
            p = int(self.particle) if particle is None else int(particle)
        elif particle is not None:
            raise self._bad(f"{fs.site} has no per-particle slots: leave particle= out")
        try:
            v = fs.variable([i], name, particle=p)
        except InputError as e:
            self.error = self._shown = _message(e)
            raise
        known = next((x for x in self.variables if x.name == v.name), None)
        if known is not None:
            self._ok()
            return known
        into: list[str] = []
        failed: list[str] = []
        for label, w, add in (
            ("SteeringDials", self._dials, "add_variable"),
            ("CausalGraph", self._graph, "add_node"),
        ):
            if w is None:
                continue
            try:
                getattr(w, add)(v)
                into.append(label)
            except Exception as e:
                failed.append(f"{label}: {_message(e)}")
        self.variables.append(v)
        self.made = [
            *self.made,
            {"name": v.name, "feature": i, "particle": p, "into": into, "site": str(fs.site)},
        ]
        for cb in list(self._callbacks):
            try:
                cb(v)
            except Exception as e:
                failed.append(f"on_dial callback: {_message(e)}")
        if failed:
            self.error = self._shown = f"{v.name} was made, but: " + "; ".join(failed)
        else:
            self._ok()
        return v

    def on_dial(self, callback: Callable[[Variable], Any]) -> Callable[[Variable], Any]:
        """Call ``callback(variable)`` whenever "make a dial" makes a Variable. Returns it."""
        if not callable(callback):
            raise InputError(f"on_dial takes a function, got {type(callback).__name__}")
        self._callbacks.append(callback)
        return callback

    # ---- the ActivationMap ---------------------------------------------
    def _link_map(self) -> None:
        if self._map is None:
            return
        fs = self.fs
        try:
            v = fs.variable([int(self.feature)], particle=int(self.particle) if fs.slots else None)
            what = "pre-activation" if fs.method == "sae" else "value"
            self._map.set_direction(
                v.read[0], f"{v.name} (discovered feature, {what})", bias=float(v.bias[0])
            )
        except Exception as e:
            self.error = self._shown = f"ActivationMap: {_message(e)}"

    # ---- messages -------------------------------------------------------
    def _on_msg(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "make_dial":
                self.make_dial()
            elif kind == "pick_row":
                self.pick_row(int(content.get("rank", -1)))
        except Exception:
            pass  # shown in the widget through `error`

    def close(self) -> None:
        self._callbacks = []
        super().close()
