"""Activation patching: which (site, position) carries the difference between two inputs.

:func:`patching_sweep` runs the corrupt input many times in ONE batched trace per chunk,
each row with one (site, position) replaced by its value from the clean input, and
scores every row with a metric. Rows are chunked to a memory budget; never one trace
per pair. Work that patching cannot change is not redone: a layer that finishes before
the patched site is replaced (``Envoy.skip``) by its output cached from one reference
trace, and the patched layer itself by its cached output with the patched cells
written in, so a sweep over the layers of a 12-layer model runs about half of the
layers. In a causal language model a patch at position ``p`` cannot change an earlier
position either: rows are grouped into blocks of positions and each block runs only the
suffix from its first position, its earlier positions' keys and values taken from the
base run's cache (``PatchingSweep.computed`` says how much of the full forwards ran).
:func:`attribution_patching` is the gradient approximation (one forward and one
backward), reported beside real patching as a fast preview.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

from ..errors import InputError, RunError
from ._display_hook import Displayable
from .edits import Edit, apply_edit
from .kvcache import cache_keyword, quiet_cache_names, repeat_cache
from .model import Model, require_model
from .ops import get_op
from .run import envoy_at, output_tensor, site_value
from .sites import Site, as_site

__all__ = ["PatchingSweep", "attribution_patching", "patching_sweep"]

Metric = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class PatchingSweep(Displayable):
    """Patching effects over sites × positions.

    ``values[i, j]`` is the metric of the *base* run with ``sites[i]`` at
    ``positions[j]`` patched from the *source* run. With ``mode="denoising"`` (the
    default) the base is the corrupt input and the source the clean one; with
    ``"noising"`` the other way round. ``clean_metric`` / ``corrupt_metric`` are the two
    unpatched references.

    ``sweep.widget(quantity="effect")`` (a heatmap; ``"values"`` or ``"normalized"``)
    and the notebook reprs are given to this class by :mod:`iwm_widgets.display`: the
    tracing core knows no view.
    """

    values: torch.Tensor
    sites: list[str]
    positions: list[int]
    clean_metric: float
    corrupt_metric: float
    mode: str
    labels: list[str] = field(default_factory=list)
    attribution: torch.Tensor | None = None
    agreement: float | None = None
    seconds: float = 0.0
    traces: int = 0
    reused: float = 0.0
    """Fraction of the layer calls (``model.layers`` × rows) served from the cache."""
    edits: list[str] = field(default_factory=list)
    """The edits in force in every run (descriptions)."""
    computed: float = 1.0
    """Layer-positions the patched rows ran (layers of ``model.layers`` × positions), as a
    fraction of a full forward of every row: below 1 by the layer reuse and, in a causal
    language model, the position suffix."""
    suffix: str = ""
    """How positions were reused: ``"suffix"`` (each block of positions ran from its
    first one on, earlier keys and values from the base run's cache) or why not."""

    @property
    def effect(self) -> torch.Tensor:
        """``values`` minus the unpatched base metric (how much each patch moved it)."""
        base = self.corrupt_metric if self.mode == "denoising" else self.clean_metric
        return self.values - base

    def normalized(self) -> torch.Tensor:
        """0 at the base run, 1 at the other run (the fraction of the gap restored)."""
        gap = self.clean_metric - self.corrupt_metric
        if gap == 0:
            raise InputError(
                f"cannot normalise: the clean and the corrupt run give the same metric "
                f"({self.clean_metric:.6g}), so there is no difference to restore. Use "
                "`effect` (sweep.widget('effect')), or inputs or a metric that tell them apart"
            )
        sign = 1.0 if self.mode == "denoising" else -1.0
        return sign * self.effect / gap

    def __repr__(self) -> str:
        agree = "" if self.agreement is None else f", attribution agreement r={self.agreement:.3f}"
        if self.edits:
            agree += f", under {len(self.edits)} edit(s)"
        return (
            f"<PatchingSweep {self.mode} {len(self.sites)} sites × {len(self.positions)} "
            f"positions, clean {self.clean_metric:.4g}, corrupt {self.corrupt_metric:.4g}, "
            f"{self.traces} traces in {self.seconds:.2f} s{agree}>"
        )


def _prepare_pair(
    model: Model, clean: Any, corrupt: Any, align: str | None
) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = model.prepare(clean), model.prepare(corrupt)
    if a.shape[0] != 1 or b.shape[0] != 1:
        raise InputError("clean and corrupt must each be ONE input (batch size 1)")
    if a.shape[1:] != b.shape[1:]:
        if align != "last" or a.shape[2:] != b.shape[2:]:
            raise InputError(
                f"clean has {a.shape[1]} positions and corrupt {b.shape[1]}; patching needs "
                "equal lengths. Pass align='last' to drop leading positions of the longer "
                "one so that both end at the same last position."
            )
        n = min(a.shape[1], b.shape[1])
        a, b = a[:, -n:], b[:, -n:]
    return a, b


def _check_metric(metric: Metric, out: torch.Tensor, rows: int) -> torch.Tensor:
    m = metric(out)
    if not isinstance(m, torch.Tensor) or m.shape != (rows,):
        shape = list(m.shape) if isinstance(m, torch.Tensor) else type(m).__name__
        raise InputError(
            f"metric must return one scalar per batch row, shape [{rows}]; got {shape}. "
            "Index the output per row, e.g. lambda out: out[:, -1, 0]"
        )
    return m.detach().float()


def patching_sweep(
    model: Model,
    clean: Any,
    corrupt: Any,
    metric: Metric,
    *,
    sites: Sequence[str | Site] | None = None,
    positions: Sequence[int] | None = None,
    mode: Literal["denoising", "noising"] = "denoising",
    align: str | None = None,
    max_rows: int = 256,
    attribution: bool = False,
    edits: Sequence[Edit] | None = None,
    reuse_positions: bool = True,
) -> PatchingSweep:
    """Patch every (site, position) from one input into the other, in batched traces.

    Parameters
    ----------
    model
        A :class:`Model`. (``iwm.patching_sweep`` also takes a
        :class:`~iwm_widgets.workspace.Workspace`: its model and current edits.)
    clean, corrupt
        One input each, of the same length (``align="last"`` trims the longer one
        from the start).
    metric
        ``metric(output) -> [batch]``: one scalar per row (e.g. a logit difference).
    sites
        Default: ``model.layers``. Site values must be ``[batch, positions, d]``.
    positions
        Default: every position.
    mode
        ``"denoising"``: run corrupt, patch in clean; ``"noising"``: the reverse.
    max_rows
        Batch rows per trace (the memory budget).
    attribution
        Also compute :func:`attribution_patching` and its agreement with the real one
        (on the plain model: the estimate ignores ``edits``).
    edits
        Interventions in force in both runs and every patched row (the patch itself is
        written after the edits at its site). Default: none.
    reuse_positions
        In a causal language model (a Hugging Face one that takes a key/value cache),
        run each patched row from its block's first position on, the earlier positions'
        keys and values from the base run (they cannot change). ``False``: every row
        runs every position (the results are the same, to float rounding).
    """
    model = require_model(model, "patching_sweep")
    if mode not in ("denoising", "noising"):
        raise InputError(f"mode must be 'denoising' or 'noising', got {mode!r}")
    edits = list(edits or ())
    for e in edits:
        model.check_site(e.site)
        if e.rows is not None:
            raise InputError(
                f"edit {e.label or e.op} at {e.site} is for batch rows {list(e.rows)}; patching "
                "runs one clean and one corrupt input: give edits without rows"
            )
        reads_batch = get_op(e.op).batch_dependence(e)  # e.g. a mean ablation without a mean
        if reads_batch is not None:
            reason, fix = reads_batch
            raise InputError(f"{reason}, which patching fills with patched rows: {fix}")
    t0 = time.perf_counter()
    a, b = _prepare_pair(model, clean, corrupt, align)
    source, base = (a, b) if mode == "denoising" else (b, a)
    site_list = [as_site(s) for s in (sites if sites is not None else model.layers)]
    for s in site_list:
        model.check_site(s)
    T = a.shape[1]
    positions = list(range(T)) if positions is None else [int(p) for p in positions]
    bad = [p for p in positions if not -T <= p < T]
    if bad:
        raise InputError(f"positions {bad} are outside the inputs (length {T})")
    shapes = model.inspect(base)
    for s in site_list:
        if len(shapes.get(s, ())) < 3:
            raise InputError(f"site {s} has no position axis (shape {list(shapes.get(s, ()))})")
    order = sorted(range(len(site_list)), key=lambda i: model.order_key(site_list[i]))
    if not positions or not site_list:
        raise InputError("nothing to patch: give at least one site and one position")
    nn = model.engine
    skips = _reuse_plan(model, base, site_list)
    cache_kw, why = _suffix_plan(model, base, edits) if reuse_positions else (None, "off")
    prefix_kv: Any = None
    cost = _trace_cost(model) if cache_kw is not None else 0.0
    if cache_kw is not None:  # the base run's keys and values (for every suffix)
        with model.lock, torch.no_grad(), quiet_cache_names():
            ref = model.module(base, use_cache=True)
            prefix_kv = getattr(ref, "cache", None) or ref.past_key_values
    # One reference trace (source and base): the metrics, the source's value at every
    # patched site and the base's output of every layer a patched run can reuse.
    layer_reads = {p for sk in skips for p in sk[0]}
    layer_reads |= {s.path for (_, own), s in zip(skips, site_list, strict=True) if own}
    # (forward order, then edits before reads at one site): nnsight 0.8 needs the order
    reads: list[tuple[tuple[Any, ...], str, Any]] = [
        ((model.order_key(e.site), 0), "edit", e) for e in edits
    ]
    reads += [((model.order_key(Site(p)), 1), "layer:" + p, Site(p)) for p in layer_reads]
    reads += [((model.order_key(s), 2), "site:" + str(s), s) for s in dict.fromkeys(site_list)]
    reads.sort(key=lambda r: r[0])
    saves: dict[str, Any] = {}
    with model.lock, torch.no_grad():
        try:
            args, kw = model.call_args(torch.cat([source, base]))
            with nn.trace(*args, **kw):
                for _, key, item in reads:
                    if key == "edit":
                        apply_edit(item, site_value(nn, item.site))
                    elif key.startswith("layer:"):  # a copy: later edits work in place
                        saves[key] = _copy_out(envoy_at(nn, item.path).output).save()
                    else:
                        saves[key] = site_value(nn, item).detach().clone().save()  # type: ignore[attr-defined]
                saves["out"] = nn.output.save()
        except Exception as e:
            raise RunError(f"patching trace failed: {type(e).__name__}: {e}") from e
    m = _check_metric(metric, output_tensor(saves["out"]), 2)
    ref = {"source": float(m[0]), "base": float(m[1])}
    # Chunks: rows of sites that reuse the same layers share a trace, in forward order; a
    # site whose own layer is replaced (by its cached output, patched) gets its own.
    groups: dict[tuple[tuple[str, ...], int], list[tuple[int, int]]] = {}
    for i in order:
        group = (skips[i][0], i if skips[i][1] else -1)
        groups.setdefault(group, []).extend((i, j) for j in range(len(positions)))
    blocks_of: dict[tuple[tuple[str, ...], int], list[tuple[int, list[tuple[int, int]]]]] = {}
    for gkey, rows_of_group in groups.items():
        if cache_kw is not None:  # later blocks first: see clean_below
            blocks_of[gkey] = _position_blocks(rows_of_group, positions, T, max_rows, cost)[::-1]
        else:
            blocks_of[gkey] = [
                (0, rows_of_group[c : c + max_rows]) for c in range(0, len(rows_of_group), max_rows)
            ]
    blocks_all = [b for bs in blocks_of.values() for b in bs]
    # Suffix runs: one buffer of full outputs for the metric; its positions below
    # ``clean_below`` hold the base run's output in every row.
    full: torch.Tensor | None = None
    base_out = output_tensor(saves["out"])[1:2]
    clean_below = T
    values = torch.empty(len(site_list), len(positions))
    traces, reused_calls, ran = 1, 0, 0
    n_layers = max(1, len(model.layers))
    for (prefix, own_i), blocks in blocks_of.items():
        own = site_list[own_i].path if own_i >= 0 else None
        for p0, chunk in blocks:
            n = len(chunk)
            sites_here = sorted({i for i, _ in chunk}, key=order.index)
            plan = []
            for i in sites_here:
                rows = torch.tensor([r for r, (si, _) in enumerate(chunk) if si == i])
                pos = torch.tensor([positions[j] % T for si, j in chunk if si == i])
                src = saves["site:" + str(site_list[i])][0]
                plan.append((site_list[i], rows, pos - p0, src[pos]))
            # a skipped layer's output feeds nothing but the next layer: only the one the
            # running part starts from is copied (an edit may write into it), the others
            # are views of the cached row
            feeds = prefix[-1] if own is None and prefix else None
            replace = {
                p: _suffix_of(_rows_of(saves["layer:" + p], 1, n, copy=p == feeds), p0, T)
                for p in prefix
            }
            if own is not None:
                _, rows, pos, vals = plan[0]
                out = _suffix_of(_rows_of(saves["layer:" + own], 1, n), p0, T)
                first = out[0] if isinstance(out, tuple) else out
                first[rows, pos] = vals
                replace[own] = out
                plan = []
            # Edits inside a replaced layer are in its cached output (and its modules do
            # not run); the others apply as usual, before a patch at the same site.
            gone = tuple(replace)
            steps: list[tuple[tuple[Any, ...], str, Any]] = [
                ((model.order_key(Site(p, "input")), 0), "skip", (p, v)) for p, v in replace.items()
            ]
            steps += [
                ((model.order_key(e.site), 1), "edit", e)
                for e in edits
                if not any(e.site.path == g or e.site.path.startswith(g + ".") for g in gone)
            ]
            steps += [((model.order_key(st[0]), 2), "patch", st) for st in plan]
            steps.sort(key=lambda r: r[0])
            with model.lock, torch.no_grad():
                try:
                    suffix = base[:, p0:]
                    args, kw = model.call_args(suffix.expand(n, *suffix.shape[1:]))
                    if p0 and cache_kw is not None:
                        kw = {**kw, cache_kw: repeat_cache(prefix_kv, p0, n), "use_cache": True}
                    with quiet_cache_names(), nn.trace(*args, **kw):
                        for _, kind, item in steps:
                            if kind == "skip":
                                envoy_at(nn, item[0]).skip(item[1])
                            elif kind == "edit":
                                apply_edit(item, site_value(nn, item.site))
                            else:
                                _patch(nn, [item])
                        saves["chunk"] = nn.output.save()
                except Exception as e:
                    raise RunError(f"patching trace failed: {type(e).__name__}: {e}") from e
            traces += 1
            reused_calls += n * len(replace)
            ran += n * (n_layers - sum(1 for p in replace if p in model.layers)) * (T - p0)
            out_n = output_tensor(saves.pop("chunk"))
            if cache_kw is not None:  # the positions before p0: the base run's (unchanged)
                if full is None:
                    most = max(len(c) for _, c in blocks_all)
                    full = base_out.expand(most, *base_out.shape[1:]).clone()
                if p0 > clean_below:  # positions an earlier block wrote: the base's again
                    full[:, clean_below:p0] = base_out[:, clean_below:p0]
                full[:n, p0:] = out_n
                clean_below = p0
                out_n = full[:n]
            m = _check_metric(metric, out_n, n)
            for r, (i, j) in enumerate(chunk):
                values[i, j] = m[r]
    clean_m, corrupt_m = (
        (ref["source"], ref["base"]) if mode == "denoising" else (ref["base"], ref["source"])
    )
    sweep = PatchingSweep(
        values,
        [str(s) for s in site_list],
        positions,
        clean_m,
        corrupt_m,
        mode,
        labels=[model.labels(base)[p] for p in positions],
        traces=traces,
        reused=reused_calls / max(1, values.numel() * len(model.layers)),
        edits=[e.describe() for e in edits],
        computed=ran / max(1, values.numel() * n_layers * T),
        suffix="suffix" if cache_kw is not None else why,
    )
    if attribution:
        attr = attribution_patching(
            model,
            clean,
            corrupt,
            metric,
            sites=site_list,
            positions=positions,
            mode=mode,
            align=align,
        )
        sweep.attribution = attr
        real = sweep.effect.reshape(-1)
        est = attr.reshape(-1)
        if real.std() > 0 and est.std() > 0:
            sweep.agreement = float(torch.corrcoef(torch.stack([real, est]))[0, 1])
    sweep.seconds = time.perf_counter() - t0
    return sweep


def _patch(nn: Any, plan: list[tuple[Site, torch.Tensor, torch.Tensor, torch.Tensor]]) -> None:
    """Inside a trace: write the source's values into the planned (row, position) cells."""
    for site, rows, pos, vals in plan:
        h = site_value(nn, site)
        h[rows, pos] = vals


def _copy_out(value: Any) -> Any:
    """A module output with its tensors copied (the next module may edit them in place)."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return tuple(v.detach().clone() if isinstance(v, torch.Tensor) else v for v in value)


def _rows_of(value: Any, row: int, n: int, copy: bool = True) -> Any:
    """``value``'s batch row ``row`` repeated ``n`` times (tensors; tuples of them);
    ``copy=False``: a view (every row the same memory; nothing may write into it)."""
    if isinstance(value, torch.Tensor):
        rows = value[row : row + 1].expand(n, *value.shape[1:])
        return rows.clone() if copy else rows
    return tuple(_rows_of(v, row, n, copy) if isinstance(v, torch.Tensor) else v for v in value)


def _reuse_plan(
    model: Model, base: torch.Tensor, sites: Sequence[Site]
) -> list[tuple[tuple[str, ...], bool]]:
    """Per site: the layers a patched run may replace by cached outputs, and itself?

    A layer may be replaced when it is called once, its output can be cached and
    repeated per row, and its call ends before the patched value exists (before the
    site's module ends, for an output; before it starts, for an input): nothing it
    computes can depend on the patch. Layers inside another replaced layer are dropped
    (they do not run). From :meth:`Model.calls` on the base input.
    """
    if model.remote is not None:
        return [((), False) for _ in sites]
    calls = model.calls(base)
    layers = [
        p for p in model.layers if p in calls and calls[p].count == 1 and calls[p].batch_major
    ]
    plans: list[tuple[tuple[str, ...], bool]] = []
    for s in sites:
        c = calls.get(s.path)
        if c is None or c.count != 1:
            plans.append(((), False))
            continue
        bound = c.end if s.io == "output" else c.start
        before = [p for p in layers if p != s.path and calls[p].end < bound]
        before = [p for p in before if not any(p.startswith(q + ".") for q in before)]
        own = s.io == "output" and s.path in layers
        plans.append((tuple(before), own))
    return plans


def _suffix_plan(model: Model, base: torch.Tensor, edits: Sequence[Edit]) -> tuple[str | None, str]:
    """The keyword that passes a key/value cache to ``model``'s forward, or why a sweep
    runs every position: position reuse needs a local causal language model that takes
    a cache (Hugging Face), an unpadded input and no edits (an edit's positions would
    need shifting into each suffix)."""
    if model.remote is not None:
        return None, "remote model"
    if model.kind != "lm":
        return None, "not a causal language model"
    if edits:
        return None, "edits in force"
    if getattr(base, "padded", False):
        return None, "padded input"
    return cache_keyword(model.module)


def _trace_cost(model: Model) -> float:
    """A trace's fixed cost in row-positions (one position of one row through the whole
    model), to weigh more traces against fewer positions: ~6 ms plus 150 µs per module
    for nnsight's set-up, the key/value cache's copies and the full output the metric
    reads (measured on 2 CPU cores: fewer, longer blocks beat the ~2 ms + 50 µs first
    assumed), one position ~2 FLOPs per parameter at ~20 GFLOP/s (a CPU core). Only the
    plan depends on it, never the values; deterministic by design."""
    module = model.module
    n_params = sum(p.numel() for p in module.parameters())
    n_modules = sum(1 for _ in module.modules())
    per_position = max(1e-7, 2.0 * n_params / 2e10)
    return max(1.0, (6e-3 + 1.5e-4 * n_modules) / per_position)


def _position_blocks(
    rows: list[tuple[int, int]],
    positions: Sequence[int],
    T: int,
    max_rows: int,
    trace_cost: float,
) -> list[tuple[int, list[tuple[int, int]]]]:
    """Split ``rows`` ((site, position index) pairs) into blocks of consecutive
    positions, each run from its first position ``p0``: the fewest row-positions
    (rows × (T - p0)) plus ``trace_cost`` per trace (:func:`_trace_cost`), by dynamic
    programming over the rows sorted by position, at most ``max_rows`` rows a block."""
    order = sorted(rows, key=lambda r: positions[r[1]] % T)
    pos = [positions[j] % T for _, j in order]
    n = len(order)
    best = [0.0] + [float("inf")] * n  # best[k]: cost of the first k rows
    cut = [0] * (n + 1)
    for k in range(1, n + 1):
        for i in range(max(0, k - max_rows), k):  # block = rows i .. k-1, from pos[i]
            c = best[i] + (k - i) * (T - pos[i]) + trace_cost
            if c < best[k]:
                best[k], cut[k] = c, i
    out: list[tuple[int, list[tuple[int, int]]]] = []
    k = n
    while k > 0:
        i = cut[k]
        out.append((pos[i], order[i:k]))
        k = i
    return out[::-1]


def _suffix_of(value: Any, p0: int, T: int) -> Any:
    """A cached module output from position ``p0`` on (tensors whose axis 1 has ``T``)."""
    if not p0:
        return value
    if isinstance(value, torch.Tensor):
        return value[:, p0:] if value.ndim >= 2 and value.shape[1] == T else value
    return tuple(_suffix_of(v, p0, T) if isinstance(v, torch.Tensor) else v for v in value)


def attribution_patching(
    model: Model,
    clean: Any,
    corrupt: Any,
    metric: Metric,
    *,
    sites: Sequence[str | Site] | None = None,
    positions: Sequence[int] | None = None,
    mode: str = "denoising",
    align: str | None = None,
) -> torch.Tensor:
    """First-order estimate of every patch's effect: ``(h_source − h_base) · ∂metric/∂h``.

    One traced forward on each input (gradients kept on the base run) and one backward.
    Returns ``[sites, positions]``, comparable to ``PatchingSweep.effect``. ``model`` is a
    :class:`Model` (``iwm.attribution_patching`` also takes a Workspace: its model).
    """
    model = require_model(model, "attribution_patching")
    a, b = _prepare_pair(model, clean, corrupt, align)
    source, base = (a, b) if mode == "denoising" else (b, a)
    site_list = [as_site(s) for s in (sites if sites is not None else model.layers)]
    T = a.shape[1]
    positions = list(range(T)) if positions is None else list(positions)
    ordered = sorted(site_list, key=model.order_key)
    nn = model.engine
    with model.lock:
        try:
            src: dict[str, Any] = {}
            args, kw = model.call_args(source)
            with torch.no_grad(), nn.trace(*args, **kw):
                for s in ordered:
                    src[str(s)] = site_value(nn, s).detach().clone().save()  # type: ignore[attr-defined]
            hs: dict[str, Any] = {}
            args, kw = model.call_args(base)
            with torch.enable_grad(), nn.trace(*args, **kw):
                for s in ordered:
                    h = site_value(nn, s)
                    h.retain_grad()
                    hs[str(s)] = h.save()  # type: ignore[attr-defined]
                hs["__out__"] = nn.output.save()
            with torch.enable_grad():
                m = metric(output_tensor(hs["__out__"]))
                leaves = [hs[str(s)] for s in site_list]
                grads = torch.autograd.grad(m.sum(), leaves, allow_unused=True)
        except InputError:
            raise
        except Exception as e:
            raise RunError(f"attribution patching failed: {type(e).__name__}: {e}") from e
    out = torch.zeros(len(site_list), len(positions))
    for i, (s, g) in enumerate(zip(site_list, grads, strict=True)):
        if g is None:
            continue
        diff = src[str(s)] - hs[str(s)].detach()
        out[i] = (diff[0, positions] * g[0, positions]).sum(-1)
    return out
