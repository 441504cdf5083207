"""Showing objects: ``iwm.show(obj)`` picks a widget by type, and static summaries.

One registry, as in Treescope: for each type one entry holding its widget factory and,
for the library's own types, its plain-text and HTML summaries (tables, no JavaScript:
what terminals, nbviewer and GitHub show where no widget can run). Entries are looked
up along the MRO; third-party types join with :func:`register_display` or an
``__iwm_show__`` method.

Display depends on tracing, never the reverse: the tracing core's data classes carry no
display code. Importing this module gives them their ``_repr_mimebundle_`` (and the
sweeps their ``widget()``, ``chart()`` and ``_ipython_display_``) from here, as IPython
formatters do. ``iwm_widgets/__init__.py`` imports this module, and Python runs it
before any submodule (``import iwm_widgets.tracing`` included), so the reprs are always
there. Widgets are imported when one is made.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .tracing import (
    CausalEffects,
    Edit,
    FeatureSet,
    Model,
    Monitor,
    MonitorReport,
    Node,
    PatchingSweep,
    ProbeSweep,
    Result,
    Variable,
    load,
)
from .workspace import Workspace

__all__ = [
    "StaticView",
    "display_widget",
    "mimebundle",
    "register_display",
    "show",
    "summary_html",
    "summary_text",
    "supported",
    "unregister_display",
]

Factory = Callable[..., Any]


@dataclass(frozen=True)
class _Entry:
    """What the registry knows about one type."""

    factory: Factory | None  # None: shown by no widget (only summarised)
    auto: bool  # shown by the notebook extension when the object is displayed
    html: Callable[[Any], str] | None = None  # the static HTML summary (the library's types)
    text: Callable[[Any], str] | None = None  # the plain-text summary (default: repr)


# type, or "module.QualName" for types whose module may not be imported yet
_REGISTRY: dict[type | str, _Entry] = {}
#: called with (key, entry or None) whenever the registry changes (the extension listens)
_listeners: list[Callable[[type | str, _Entry | None], None]] = []


def _full_name(t: type | str) -> str:
    return t if isinstance(t, str) else f"{t.__module__}.{t.__qualname__}"


def _label(t: type | str) -> str:
    """How error messages name a registered type: ours by class name, others in full."""
    name = _full_name(t)
    if name.startswith(__name__.split(".")[0] + "."):
        return name.rsplit(".", 1)[-1]
    return _ALIASES.get(name, name)


# how supported() names some types outside this package
_ALIASES = {
    "torch.nn.modules.module.Module": "torch.nn.Module",
    "ipywidgets.widgets.widget.Widget": "ipywidgets.Widget",
}


def register_display(cls: type | str, factory: Factory | None = None, *, auto: bool = True) -> Any:
    """Teach :func:`show` to show instances of ``cls`` (and its subclasses).

    Parameters
    ----------
    cls
        A type, or its ``"module.QualName"`` (registers without importing the module).
    factory
        ``factory(obj, **kwargs) -> widget`` (anything Jupyter can display). Without it,
        ``register_display`` is a decorator.
    auto
        With ``%load_ext iwm_widgets``, displaying such an object at the end of a cell
        shows ``factory(obj)`` (``False``: only ``iwm.show`` does).

    Examples
    --------
    >>> @iwm.register_display(MyProbe)  # doctest: +SKIP
    ... def _(probe, **kw):
    ...     return iwm.Heatmap(probe.scores, rows=probe.sites, columns=["score"])
    """
    if not isinstance(cls, (type, str)) or (isinstance(cls, str) and "." not in cls):
        raise TypeError(f"register_display takes a type or a 'module.QualName' string, got {cls!r}")
    if factory is None:

        def decorate(f: Factory) -> Factory:
            register_display(cls, f, auto=auto)
            return f

        return decorate
    if not callable(factory):
        raise TypeError(f"factory must be callable, got {type(factory).__name__}")
    old = _REGISTRY.get(cls)  # a new factory for one of ours keeps its summaries
    entry = _Entry(factory, bool(auto), *((None, None) if old is None else (old.html, old.text)))
    _REGISTRY[cls] = entry
    for cb in list(_listeners):
        cb(cls, entry)
    return None


def unregister_display(cls: type | str) -> None:
    """Forget what :func:`register_display` registered for exactly ``cls``."""
    old = _REGISTRY.get(cls)
    if old is None or old.factory is None:
        raise KeyError(f"nothing is registered for {_full_name(cls)}")
    if old.html is None and old.text is None:
        del _REGISTRY[cls]
    else:  # one of ours: its summaries stay
        _REGISTRY[cls] = _Entry(None, False, old.html, old.text)
    for cb in list(_listeners):
        cb(cls, None)


def _find(obj: Any, part: str) -> Any:
    """The nearest ``factory``, ``html`` or ``text`` registered along ``obj``'s MRO."""
    for t in type(obj).__mro__:
        for entry in (_REGISTRY.get(t), _REGISTRY.get(_full_name(t))):
            if entry is not None and getattr(entry, part) is not None:
                return getattr(entry, part)
    return None


def supported() -> list[str]:
    """Names of the types :func:`show` knows, in the order they were registered."""
    return list(dict.fromkeys(_label(k) for k, e in _REGISTRY.items() if e.factory is not None))


def show(obj: Any, **kwargs: Any) -> Any:
    """The widget that fits ``obj``.

    ==================  ==============================================================
    ``Model``           :class:`~iwm_widgets.widgets.module_tree.ModuleTree` (click a
                        site: ActivationMap); ``inputs=``, ``workspace=``
    ``torch.nn.Module`` the same, after ``iwm.load``
    ``Workspace``       :class:`~iwm_widgets.ActivationMap` (its keyword arguments)
    ``Result``          a heatmap of ‖h‖ at every site it read × position
    ``Variable``        :class:`~iwm_widgets.SteeringDials` with ``ws=``; else a summary
    ``Edit``, ``Node``  a summary table
    ``ProbeSweep``      its chart (click a layer to pick it)
    ``PatchingSweep``   its heatmap (``quantity="effect" | "values" | "normalized"``)
    ``CausalEffects``   :class:`~iwm_widgets.CausalGraph` with ``ws=``; else a heatmap
                        of the effects
    ``FeatureSet``      :class:`~iwm_widgets.FeatureBrowser` (``ws=`` for the live
                        trace, ``dials=``, ``graph=``, ``activation_map=``)
    ``MonitorReport``   :class:`~iwm_widgets.MonitorBoard` (``ws=``: a click opens the
                        input there); a list of reports: ``iwm.MonitorBoard(reports)``
    a widget            itself
    ==================  ==============================================================

    Objects with an ``__iwm_show__(**kwargs)`` method show what it returns; other
    types join with :func:`register_display`. Anything else raises ``TypeError``.
    """
    method = getattr(type(obj), "__iwm_show__", None)
    if method is not None:
        return method(obj, **kwargs)
    factory = _find(obj, "factory")
    if factory is None:
        raise TypeError(
            f"iwm.show() does not know how to show objects of type {type(obj).__name__}. It shows: "
            f"{', '.join(supported())}. Teach it with iwm.register_display({type(obj).__name__}, "
            "factory) or give the class an __iwm_show__(self, **kwargs) method."
        )
    return factory(obj, **kwargs)


# ---------------------------------------------------------------------------------------
# Built-in factories (each imports its widget when called).


def _no_kwargs(what: str, kwargs: dict[str, Any]) -> None:
    if kwargs:
        raise TypeError(f"show() of a {what} takes no options, got {sorted(kwargs)}")


def _show_model(model: Any, **kw: Any) -> Any:
    from .widgets.module_tree import ModuleTree

    return ModuleTree(model, **kw)


def _show_workspace(ws: Any, **kw: Any) -> Any:
    from .widgets import ActivationMap

    return ActivationMap(ws, **kw)


def _show_result(result: Any, **kw: Any) -> Any:
    from .widgets import Heatmap

    _no_kwargs("Result", kw)
    rows: list[Any] = []
    sites: list[str] = []
    for site, h in result.activations.items():
        if h.ndim == 3 and (not rows or h.shape[1] == rows[0].shape[0]):
            rows.append(h[0].float().norm(dim=-1))
            sites.append(site)
    if not rows:
        return StaticView(result)
    import torch

    labels = result.meta.get("labels") or [str(i) for i in range(rows[0].shape[0])]
    return Heatmap(
        torch.stack(rows),
        rows=sites,
        columns=list(labels),
        title=f"result (generation {result.generation}): ‖h‖ by site and position",
        label="activation norm ‖h‖",
    )


def _show_variable(var: Any, ws: Any = None, **kw: Any) -> Any:
    if ws is None:
        _no_kwargs("Variable without ws=", kw)
        return StaticView(var)
    from .widgets import SteeringDials

    return SteeringDials(ws, [var], **kw)


def _show_summary(obj: Any, **kw: Any) -> Any:
    _no_kwargs(type(obj).__name__, kw)
    return StaticView(obj)


def _show_probe_sweep(sweep: Any, **kw: Any) -> Any:
    _no_kwargs("ProbeSweep", kw)
    return _probe_widget(sweep)


def _show_patching(sweep: Any, **kw: Any) -> Any:
    return _patching_widget(sweep, **kw)


def _show_effects(effects: Any, ws: Any = None, **kw: Any) -> Any:
    if ws is not None:
        from .widgets import CausalGraph

        return CausalGraph(ws, effects.nodes, **kw)
    _no_kwargs("CausalEffects without ws=", kw)
    import torch

    from .widgets import Heatmap

    ids = [n.id for n in effects.nodes]
    m = torch.where(
        effects.downstream, effects.effects, torch.full_like(effects.effects, torch.nan)
    )
    return Heatmap(
        m,
        rows=ids,
        columns=ids,
        title="causal effects: row node → column node (blank: not downstream)",
        diverging=True,
        label="effect per unit shift",
    )


def _show_feature_set(fs: Any, ws: Any = None, **kw: Any) -> Any:
    from .widgets import FeatureBrowser

    return FeatureBrowser(fs, ws, **kw)


def _show_monitor_report(report: Any, ws: Any = None, **kw: Any) -> Any:
    from .widgets import MonitorBoard

    return MonitorBoard(report, ws, **kw)


def _show_widget(w: Any, **kw: Any) -> Any:
    _no_kwargs("widget", kw)
    return w


def _show_module(module: Any, **kw: Any) -> Any:
    return _show_model(load(module), **kw)


# ---------------------------------------------------------------------------------------
# The sweeps' views: their widget() and chart() methods, given to them at the end.


def _probe_widget(sweep: ProbeSweep) -> Any:
    """The chart as a :class:`~iwm_widgets.widgets.ProbeChart` (an SVG rendered offline);
    clicking a point sets ``selected``, and setting ``selected`` redraws it."""
    from .widgets.probe_chart import ProbeChart

    return ProbeChart(sweep)


def _probe_chart(sweep: ProbeSweep) -> Any:
    """An altair chart: score by layer, the shuffled control, input-only baselines."""
    from .charts import probe_chart

    return probe_chart(sweep)


#: What each quantity of a patching heatmap is, for its legend and tooltip, by mode.
PATCHING_LABELS = {
    ("normalized", "denoising"): "fraction of the clean–corrupt difference restored",
    ("normalized", "noising"): "fraction of the clean–corrupt difference removed",
    ("effect", "denoising"): "change in the metric from the corrupt run",
    ("effect", "noising"): "change in the metric from the clean run",
    ("values", "denoising"): "metric of the corrupt run with this site patched",
    ("values", "noising"): "metric of the clean run with this site patched",
}
#: What a normalised value beyond [0, 1] means (shown in the tooltip of such a cell).
PATCHING_NOTES = {
    "denoising": [
        {
            "above": 1.0,
            "text": "above 1: over-restoration: patching this site moves the metric past "
            "the clean run",
        },
        {
            "below": 0.0,
            "text": "below 0: patching this site moves the metric further from the clean "
            "run than the corrupt run is",
        },
    ],
    "noising": [
        {
            "above": 1.0,
            "text": "above 1: patching this site moves the metric past the corrupt run",
        },
        {
            "below": 0.0,
            "text": "below 0: patching this site moves the metric further from the corrupt "
            "run than the clean run is",
        },
    ],
}


def _patching_widget(sweep: PatchingSweep, quantity: str = "effect") -> Any:
    """The sweep as a heatmap (the ActivationMap front end, static data): ``"effect"``
    (the metric's change from the unpatched base run), ``"normalized"`` (the fraction of
    the clean–corrupt difference restored) or ``"values"`` (the patched metric)."""
    from .widgets.activation_map import Heatmap

    if quantity not in ("effect", "values", "normalized"):
        raise ValueError(f"quantity must be 'effect', 'normalized' or 'values', got {quantity!r}")
    # only the quantity shown is computed: "normalized" refuses equal clean/corrupt metrics
    m = sweep.normalized() if quantity == "normalized" else getattr(sweep, quantity)
    return Heatmap(
        m,
        rows=sweep.sites,
        columns=sweep.labels or [str(p) for p in sweep.positions],
        title=f"patching ({sweep.mode}): {quantity}"
        + (f", under {len(sweep.edits)} edit(s)" if sweep.edits else ""),
        diverging=True,
        label=PATCHING_LABELS.get((quantity, sweep.mode), quantity),
        notes=PATCHING_NOTES.get(sweep.mode, []) if quantity == "normalized" else [],
    )


# (not named _ipython_display_ / _repr_mimebundle_ here: IPython would call them to show
# this module itself)
def _display_with_widget(self: Any) -> None:
    """Display the widget, with the text and HTML summaries beside it for static viewers."""
    display_widget(self, self.widget())


# ---------------------------------------------------------------------------------------
# Static summaries: text/plain and text/html.


@dataclass(frozen=True)
class StaticView:
    """A static summary of an object (what ``show`` gives when no widget fits)."""

    obj: Any

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return mimebundle(self.obj)

    def __repr__(self) -> str:
        return summary_text(self.obj)


def mimebundle(obj: Any) -> dict[str, str]:
    """``{"text/plain": ..., "text/html": ...}`` for one of the library's objects."""
    return {"text/plain": summary_text(obj), "text/html": summary_html(obj)}


def display_widget(obj: Any, widget: Any) -> None:
    """Display ``widget`` with ``obj``'s text and HTML summaries beside it in the bundle.

    Live front ends draw the widget; nbviewer, GitHub and terminals use the summaries.
    """
    from IPython.display import display

    data = dict(widget_bundle(widget))
    data.update(mimebundle(obj))
    display(data, raw=True)


def widget_bundle(widget: Any) -> dict[str, Any]:
    """The mime bundle of a widget (``{}`` for an object with none)."""
    fn = getattr(widget, "_repr_mimebundle_", None)
    out = fn() if callable(fn) else None
    if isinstance(out, tuple):  # (data, metadata)
        out = out[0]
    return dict(out or {})


def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return _e(v)
    return f"{f:.4g}"


def _shape(shape: Iterable[int] | None) -> str:
    return "×".join(str(int(s)) for s in shape) if shape is not None else "–"


def _table(head: list[str], rows: Iterable[list[str]], cls: str = "") -> str:
    """An HTML table; cells are already-escaped HTML."""
    th = "".join(f"<th>{h}</th>" for h in head)
    thead = f"<thead><tr>{th}</tr></thead>" if any(head) else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    c = f' class="{cls}"' if cls else ""
    return f"<table{c}>{thead}<tbody>{body}</tbody></table>"


def _box(kind: str, head: str, *parts: str) -> str:
    return f'<div class="iwm-summary iwm-{kind}"><p>{head}</p>{"".join(parts)}</div>'


MAX_ROWS = 300
MAX_CODE = 4000


def _more(n: int, shown: int, what: str) -> str:
    return f"<p>… and {n - shown} more {what}</p>" if n > shown else ""


def summary_text(obj: Any) -> str:
    """A short plain-text summary (the object's ``repr`` unless it is unreadable)."""
    fn = _find(obj, "text")
    return repr(obj) if fn is None else str(fn(obj))


def summary_html(obj: Any) -> str:
    """A compact HTML summary (tables, no JavaScript) of one of the library's objects."""
    fn = _find(obj, "html")
    if fn is None:
        return f"<pre>{_e(summary_text(obj))}</pre>"
    return str(fn(obj))


def _effects_text(c: Any) -> str:
    edges = c.edges()
    top = max(edges, key=lambda e: abs(e[2]), default=None)
    strongest = (
        ""
        if top is None
        else f", strongest {c.nodes[top[0]].id} -> {c.nodes[top[1]].id} ({top[2]:+.4g})"
    )
    return (
        f"<CausalEffects {len(c.nodes)} nodes, {len(edges)} downstream edges"
        f"{strongest}, {c.seconds:.2f} s>"
    )


def _node_text(n: Any) -> str:
    site = "" if n.site is None else f" @ {n.site}"
    return f"<Node {n.id!r} {n.kind}{site} position {n.position}>"


def _model_html(m: Any) -> str:
    from .widgets.module_tree import last_shapes, module_records

    recs = module_records(m, last_shapes(m))
    n_params = sum(p.numel() for p in m.module.parameters())
    head = (
        f"<b>Model</b> <code>{_e(m.name)}</code> · {_e(m.kind)} · {n_params:,} parameters · "
        f"{len(m.layers)} layers · {len(recs)} modules"
    )
    by_path = {r["path"]: r for r in recs}
    layer_rows = [
        [
            f"<code>{_e(p)}</code>",
            _e(by_path[p]["type"]) if p in by_path else "",
            _shape(by_path[p]["shape"]) if p in by_path else "–",
            f"{by_path[p]['params']:,}" if p in by_path else "",
        ]
        for p in m.layers
    ]
    all_rows = [
        [
            f"<code>{'&nbsp;' * 2 * r['depth']}{_e(r['path'])}</code>",
            _e(r["type"]),
            _shape(r["shape"]),
            f"{r['params']:,}",
        ]
        for r in recs[:MAX_ROWS]
    ]
    cols = ["module", "type", "output shape", "parameters"]
    return _box(
        "model",
        head,
        _table(["layer", *cols[1:]], layer_rows, "iwm-layers"),
        f"<details><summary>all {len(recs)} modules</summary>"
        + _table(cols, all_rows, "iwm-modules")
        + _more(len(recs), len(all_rows), "modules")
        + "</details>",
        "<p>Interactive: <code>iwm.show(model)</code> or <code>%iwm show</code></p>",
    )


def _result_html(r: Any) -> str:
    head = (
        f"<b>Result</b> generation {r.generation} · {len(r.edits)} edits · "
        f"output {_shape(r.output.shape)}"
        + ("" if r.rollout is None else f" · rollout {_shape(r.rollout.shape)}")
        + f" · {r.elapsed_ms:.1f} ms"
    )
    items = list(r.activations.items())
    rows = [
        [f"<code>{_e(k)}</code>", _shape(v.shape), _num(v[0].float().norm(dim=-1).mean())]
        for k, v in items[:MAX_ROWS]
    ]
    edits = "".join(f"<li><code>{_e(e.describe())}</code></li>" for e in r.edits)
    return _box(
        "result",
        head,
        _table(["site", "shape", "mean ‖h‖ (row 0)"], rows, "iwm-sites"),
        _more(len(items), len(rows), "sites"),
        f"<p>edits:</p><ul>{edits}</ul>" if edits else "",
    )


def _variable_html(v: Any) -> str:
    head = (
        f"<b>Variable</b> <code>{_e(v.name)}</code> @ <code>{_e(v.site)}</code> · "
        f"{v.k} component{'s' if v.k != 1 else ''} · width {v.width}"
        + (f" · model <code>{_e(v.model_name)}</code>" if v.model_name else "")
    )
    comp = [
        [
            f"<code>{_e(c)}</code>",
            _num(v.read[i].norm()),
            _num(v.bias[i]),
            _num(v.write[i].norm()),
        ]
        for i, c in enumerate(v.components)
    ]
    scores = [[_e(k), _num(x)] for k, x in v.score.items() if isinstance(x, (int, float))]
    return _box(
        "variable",
        head,
        _table(["component", "‖read‖", "bias", "‖write‖"], comp, "iwm-components"),
        _table(["score", "value"], scores, "iwm-scores") if scores else "",
    )


def _edit_html(e: Any) -> str:
    scope = (
        "every position"
        if e.positions is None and e.start is None
        else f"positions {list(e.positions)}"
        if e.positions is not None
        else f"every step from {e.start} on"
    )
    rows = [
        ["op", f"<code>{_e(e.op)}</code>"],
        ["site", f"<code>{_e(e.site)}</code>"],
        ["scope", _e(scope)],
    ]
    if e.rows is not None:
        rows.append(["batch rows", _e(list(e.rows))])
    if e.features is not None:
        rows.append(["features", _e(f"{e.features[0]}:{e.features[1]}")])
    if e.label:
        rows.append(["label", _e(e.label)])
    rows.append(["id", f"<code>{_e(e.id)}</code>"])
    try:
        text = e.to_code()
    except Exception:  # an edit that cannot print code still has a summary
        text = ""
    if len(text) > MAX_CODE:  # long vectors: the page stays light
        text = text[:MAX_CODE] + "\n… (truncated: edit.to_code() gives all of it)"
    code = (
        f"<details><summary>nnsight code</summary><pre>{_e(text)}</pre></details>" if text else ""
    )
    return _box(
        "edit",
        f"<b>Edit</b> <code>{_e(e.describe())}</code>",
        _table(["", ""], rows, "iwm-fields"),
        code,
    )


def _probe_sweep_html(s: Any) -> str:
    metric = "R²" if s.kind == "regression" else "accuracy"
    best = s.best_layer
    keys = list(dict.fromkeys(k for sc in s.scores.values() for k in sc))
    rows = []
    for site in s.sites:
        sc = s.scores[site]
        cells = [_num(sc.get(k, float("nan"))) for k in keys]
        mark = (lambda x: f"<b>{x}</b>") if site == best else (lambda x: x)
        rows.append([mark(f"<code>{_e(site)}</code>"), *[mark(c) for c in cells]])
    base = [[_e(k), _num(v)] for k, v in s.baselines.items()]
    return _box(
        "probe-sweep",
        f"<b>ProbeSweep</b> target <code>{_e(s.target)}</code> · {metric} on held-out "
        f"sequences · {s.n_train} train / {s.n_test} test rows · best layer "
        f"<code>{_e(best)}</code>",
        _table(["site", *[_e(k.replace("_", " ")) for k in keys]], rows, "iwm-scores"),
        _table(["baseline", metric], base, "iwm-baselines") if base else "",
    )


def _patching_html(s: Any) -> str:
    eff = s.effect
    labels = s.labels or [str(p) for p in s.positions]
    per_site = []
    for i, site in enumerate(s.sites):
        j = int(eff[i].abs().argmax())
        per_site.append([f"<code>{_e(site)}</code>", _e(labels[j]), _num(eff[i, j])])
    flat = eff.reshape(-1)
    k = min(10, flat.numel())
    top = flat.abs().topk(k).indices.tolist()
    n_cols = eff.shape[1]
    top_rows = [
        [f"<code>{_e(s.sites[t // n_cols])}</code>", _e(labels[t % n_cols]), _num(flat[t])]
        for t in top
    ]
    agree = "" if s.agreement is None else f" · attribution agreement r = {s.agreement:.3f}"
    return _box(
        "patching-sweep",
        f"<b>PatchingSweep</b> {_e(s.mode)} · {len(s.sites)} sites × {len(s.positions)} "
        f"positions · clean {_num(s.clean_metric)} · corrupt {_num(s.corrupt_metric)} · "
        f"{s.traces} traces in {s.seconds:.2f} s{agree}",
        "<p>largest effect at each site (metric change from the unpatched run):</p>",
        _table(["site", "position", "effect"], per_site, "iwm-per-site"),
        f"<details><summary>top {k} cells</summary>"
        + _table(["site", "position", "effect"], top_rows, "iwm-top")
        + "</details>",
    )


def _effects_html(c: Any) -> str:
    nodes = [
        [
            f"<code>{_e(n.id)}</code>",
            _e(n.kind),
            f"<code>{_e(n.site)}</code>" if n.site is not None else "",
            _num(c.values[i]),
            _num(c.deltas[i]),
        ]
        for i, n in enumerate(c.nodes)
    ]
    edges = sorted(c.edges(), key=lambda e: -abs(e[2]))
    top = [
        [f"<code>{_e(c.nodes[a].id)}</code>", f"<code>{_e(c.nodes[b].id)}</code>", _num(x)]
        for a, b, x in edges[:20]
    ]
    return _box(
        "causal-effects",
        f"<b>CausalEffects</b> {len(c.nodes)} nodes · {len(edges)} downstream edges · "
        f"{c.seconds:.2f} s",
        _table(["node", "kind", "site", "value", "shift"], nodes, "iwm-nodes"),
        "<p>strongest edges (change of target per unit shift of source):</p>"
        + _table(["source", "target", "effect"], top, "iwm-edges")
        + _more(len(edges), len(top), "edges"),
    )


def _feature_set_html(fs: Any) -> str:
    truth = bool(fs.truth)
    m = fs.match() if truth else None
    rows = []
    for i in range(min(fs.k, MAX_ROWS)):
        row = [
            f"<code>{_e(fs.names[i])}</code>",
            _num(fs.explained_variance[i]),
            _num(fs.density[i]),
        ]
        if m is not None:
            row += [f"<code>{_e(m['best'].iloc[i])}</code>", _num(m["best_corr"].iloc[i])]
        rows.append(row)
    head = ["feature", "explained variance", "density"]
    if truth:
        head += ["best true variable", "|corr| (held out)"]
    held = int(fs.held_out.sum())
    return _box(
        "feature-set",
        f"<b>FeatureSet</b> {_e(fs.method)} · {fs.k} features at <code>{_e(fs.site)}</code> "
        f"of <code>{_e(fs.model_name)}</code> · {len(fs.rows)} rows ({held} held out) · "
        f"unexplained {_num(fs.reconstruction_error)}"
        + (f" · MCC {_num(fs.mcc)}" if truth else ""),
        _table(head, rows, "iwm-features"),
        _more(fs.k, len(rows), "features"),
        "<p>Interactive: <code>iwm.FeatureBrowser(fs, ws)</code> or "
        "<code>iwm.show(fs, ws=ws)</code></p>",
    )


def _monitor_html(m: Any) -> str:
    rows = [
        ["variable", f"<code>{_e(m.variable.name)}</code> at <code>{_e(m.site)}</code>"],
        ["rule", _e(m.describe())],
    ]
    if m.event:
        rows.append(["event", f"<code>{_e(m.event)}</code> within {m.horizon} steps"])
    return _box("monitor", f"<b>Monitor</b> <code>{_e(m.name)}</code>", _table(["", ""], rows))


def _monitor_report_html(r: Any) -> str:
    head = ["monitor", "rule", "precision", "recall", "false alarms", "detected", "lead", "AUROC"]
    keys = ("precision", "recall", "false_alarm_rate", "detection_rate", "lead_time", "auroc")
    rows = [
        [f"<code>{_e(row['monitor'])}</code>", _e(row["rule"]), *(_num(row[k]) for k in keys)]
        for row in r.table()
    ]
    n, steps = r.scores.shape
    return _box(
        "monitor-report",
        f"<b>MonitorReport</b> <code>{_e(r.name)}</code> · event <code>{_e(r.event)}</code> "
        f"within {r.horizon} steps · {_e(r.mode)} · {n} inputs × {steps} steps · "
        f"{r.n_events} events · alarm rate {_num(r.alarm_rate)} (baselines matched)",
        _table(head, rows, "iwm-monitors"),
    )


def _node_html(n: Any) -> str:
    rows = [["kind", _e(n.kind)], ["position", _e(n.position)]]
    if n.site is not None:
        rows.insert(1, ["site", f"<code>{_e(n.site)}</code>"])
    if n.truth:
        rows.append(["ground truth", f"<code>{_e(n.truth)}</code>"])
    return _box("node", f"<b>Node</b> <code>{_e(n.id)}</code>", _table(["", ""], rows))


# ---------------------------------------------------------------------------------------
# The built-in entries, and the methods they give the library's own types.


def _builtin(
    cls: type | str,
    factory: Factory,
    *,
    auto: bool = True,
    html: Callable[[Any], str] | None = None,
    text: Callable[[Any], str] | None = None,
    **methods: Callable[..., Any],
) -> None:
    """Register one of our types; a type with a summary gets ``_repr_mimebundle_``."""
    _REGISTRY[cls] = _Entry(factory, auto, html, text)
    # the core's classes get their _repr_mimebundle_ from tracing's Displayable mixin,
    # which asks mimebundle() here (a method set from here would travel with every
    # remote request); only the sweeps' widget/chart/_ipython_display_ are set here
    for name, fn in methods.items():
        assert isinstance(cls, type)
        setattr(cls, name, fn)


_builtin(Model, _show_model, html=_model_html)
_builtin(Workspace, _show_workspace, auto=False)  # each map attaches its reads: only on request
_builtin(Result, _show_result, html=_result_html)
_builtin(Variable, _show_variable, html=_variable_html)
_builtin(Edit, _show_summary, html=_edit_html)
_builtin(
    ProbeSweep,
    _show_probe_sweep,
    html=_probe_sweep_html,
    widget=_probe_widget,
    chart=_probe_chart,
    _ipython_display_=_display_with_widget,
)
_builtin(
    PatchingSweep,
    _show_patching,
    html=_patching_html,
    widget=_patching_widget,
    _ipython_display_=_display_with_widget,
)
_builtin(CausalEffects, _show_effects, html=_effects_html, text=_effects_text)
_builtin(Node, _show_summary, html=_node_html, text=_node_text)
_builtin(FeatureSet, _show_feature_set, html=_feature_set_html)
_builtin(Monitor, _show_summary, html=_monitor_html)
_builtin(MonitorReport, _show_monitor_report, html=_monitor_report_html)
_builtin("torch.nn.modules.module.Module", _show_module, auto=False)
_builtin("ipywidgets.widgets.widget.Widget", _show_widget, auto=False)
