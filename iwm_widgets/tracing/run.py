"""The one function that turns edits and reads into one nnsight trace."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import nnsight
import torch

from ..errors import EditError, InputError, IWMError, RunError
from . import ops
from ._display_hook import Displayable
from .edits import Edit, apply_edit
from .kvcache import cache_keyword, cache_of, quiet_cache_names, repeat_cache
from .model import Model
from .sites import Site, as_site
from .text import TokenIds

__all__ = ["CACHED_ROLLOUT", "Result", "Summary", "run"]

#: Whether :func:`run` rolls world models out with their key/value cache (each step
#: after the first runs only the new position) when the edits allow it; ``False``:
#: always the uncached rollout (the whole sequence at every step). On by default: equal
#: to the uncached rollout to 1.4e-13 in float64 on every zoo world model, edit and
#: scope; in float32 a one-row matmul rounds differently from the same row in a longer
#: one and the fed-back predictions drift up to 5e-6 in 16 steps (as far as the
#: uncached float32 rollout itself is from float64; tests/test_rollout_cache.py).
#: ``IWM_ROLLOUT_CACHE=0`` starts a process with it off; ``run(..., cache=False)`` per call.
CACHED_ROLLOUT = os.environ.get("IWM_ROLLOUT_CACHE", "1") != "0"


class Summary:
    """A small quantity computed from a site's value inside the trace.

    Views that need less than a whole activation ask for a summary, so a remote run
    sends back only that: ``[B, T]`` norms instead of ``[B, T, d]`` states, the top-k
    of the logit lens instead of ``[B, T, vocab]`` logits, a Variable's readout.
    ``result.summaries[summary.key]`` holds the value (the lens: ``key + ".p"`` the
    probabilities, ``key + ".i"`` the token ids).

    Build with :meth:`norm`, :meth:`dim`, :meth:`readout` or :meth:`lens`.
    """

    def __init__(self, site: Site | str, kind: str, arg: Any = None, key: str = "") -> None:
        if kind not in ("norm", "dim", "readout", "lens"):
            raise ValueError(f"unknown summary kind {kind!r}")
        self.site = as_site(site)
        self.kind = kind
        self.arg = arg
        self.key = key or f"{kind}:{self.site}" + ("" if arg is None else f":{arg}")

    @classmethod
    def norm(cls, site: Site | str) -> Summary:
        """``‖h‖`` over the hidden dimension: ``[B, T]``."""
        return cls(site, "norm")

    @classmethod
    def dim(cls, site: Site | str, d: int) -> Summary:
        """One hidden dimension ``h[..., d]``: ``[B, T]``."""
        return cls(site, "dim", int(d))

    @classmethod
    def readout(cls, site: Site | str, read: torch.Tensor, name: str) -> Summary:
        """``h @ read.T`` for directions ``read`` ``[k, d]``: ``[B, T, k]``."""
        r = torch.as_tensor(read, dtype=torch.float32)
        return cls(site, "readout", r.reshape(-1, r.shape[-1]), key=f"readout:{site}:{name}")

    @classmethod
    def lens(cls, site: Site | str, k: int = 1) -> Summary:
        """Logit lens top-``k``: probabilities ``[B, T, k]`` and token ids."""
        return cls(site, "lens", int(k))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Summary) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Summary({self.key!r})"


@dataclass(frozen=True)
class _From:
    """A summary computed from position ``start`` on (the earlier positions are the
    baseline's); ``start < 0``: not computed at all (all of it is the baseline's)."""

    summary: Summary
    start: int

    @property
    def kind(self) -> str:
        return self.summary.kind

    @property
    def key(self) -> str:
        return self.summary.key


def _summarize(nn: Any, s: Summary | _From, h: torch.Tensor, lens: tuple[str | None, str]) -> Any:
    """Inside a trace: the summary's value(s) of ``h``, marked saved."""
    if isinstance(s, _From):
        return _summarize(nn, s.summary, h[:, s.start :], lens)
    if s.kind == "norm":
        return {s.key: h.float().norm(dim=-1).save()}  # type: ignore[attr-defined]
    if s.kind == "dim":
        return {s.key: h[..., s.arg].float().save()}  # type: ignore[attr-defined]
    if s.kind == "readout":
        return {s.key: (h.float() @ s.arg.T).save()}  # type: ignore[attr-defined]
    norm, head = lens
    x = nn.get(norm)(h) if norm else h
    top = nn.get(head)(x).float().softmax(-1).topk(s.arg, dim=-1)
    return {s.key + ".p": top.values.save(), s.key + ".i": top.indices.save()}  # type: ignore[attr-defined]


def _last_position(out: Any) -> torch.Tensor:
    """Inside a remote trace: the output's last position only (what the views need)."""
    return output_tensor(out)[:, -1:]


@dataclass
class Result(Mapping[str, torch.Tensor], Displayable):
    """What one run produced.

    ``result["blocks.2"]`` is the value read at that site (``[batch, positions, d]``),
    after the edits at that site were applied. Keys are site strings as
    :class:`~iwm_widgets.tracing.sites.Site` prints them (``"blocks.2"``,
    ``"blocks.2.input"``).

    Attributes
    ----------
    activations : dict[str, torch.Tensor]
        Values read, by site.
    output : torch.Tensor
        The model's output on the inputs (world models: next-step predictions for
        every context step; language models: logits).
    rollout : torch.Tensor or None
        World models: the predicted future ``[batch, steps, 2]`` under the edits.
    edits : tuple[Edit, ...]
        The edits that produced this result.
    generation : int
        Increases with every run of a Workspace; widgets draw only the newest.
    inputs : Any
        The prepared inputs.
    elapsed_ms : float
        Wall time of the trace.
    """

    activations: dict[str, torch.Tensor]
    output: torch.Tensor
    rollout: torch.Tensor | None = None
    edits: tuple[Edit, ...] = ()
    generation: int = 0
    inputs: Any = None
    elapsed_ms: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    #: values of the :class:`Summary` objects asked for, by ``Summary.key``
    summaries: dict[str, torch.Tensor] = field(default_factory=dict)
    #: measurements views asked a Workspace for (``Workspace.add_measure``), by key:
    #: each one's value, or the exception it raised
    measures: dict[str, Any] = field(default_factory=dict)
    #: a causal language model's key/value cache of an unedited run (local models): the
    #: positions a later edited run with ``baseline=`` this result need not recompute
    kv: Any = field(default=None, repr=False, compare=False)

    def __getitem__(self, key: str | Site) -> torch.Tensor:
        k = str(as_site(key))
        try:
            return self.activations[k]
        except KeyError:
            raise KeyError(
                f"{k!r} was not read in this run; read sites: {list(self.activations)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.activations)

    def __len__(self) -> int:
        return len(self.activations)

    def __repr__(self) -> str:
        shapes = {k: list(v.shape) for k, v in self.activations.items()}
        return (
            f"<Result gen={self.generation} edits={len(self.edits)} "
            f"sites={shapes} output={list(self.output.shape)}"
            f"{'' if self.rollout is None else f' rollout={list(self.rollout.shape)}'}>"
        )


def output_tensor(out: Any) -> torch.Tensor:
    """The model output as a tensor.

    A Hugging Face ``ModelOutput``: its ``logits`` (a causal LM), else its
    ``last_hidden_state`` (an encoder), else its first field.
    """
    if isinstance(out, torch.Tensor):
        return out
    for name in ("logits", "last_hidden_state"):
        value = getattr(out, name, None)
        if isinstance(value, torch.Tensor):
            return value
    return out[0]


def _value(x: Any) -> torch.Tensor:
    """A site's value: a tensor, or the first value of a tuple or a Hugging Face
    ``ModelOutput`` (the whole model's output, ``Site("")``: logits or last hidden state)."""
    return x if isinstance(x, torch.Tensor) else x[0]


def _plan(
    model: Model,
    edits: Sequence[Edit],
    reads: Iterable[Site | str],
    visit: Iterable[Site] = (),
) -> list[tuple[Site, list[Edit], bool]]:
    """Sites touched, in forward order: (site, its edits, whether to save it)."""
    read_set = {model.check_site(s) for s in reads}
    by_site: dict[Site, list[Edit]] = {}
    for e in edits:
        model.check_site(e.site)
        by_site.setdefault(e.site, []).append(e)
    sites = sorted(read_set | set(by_site) | set(visit), key=model.order_key)
    return [(s, by_site.get(s, []), s in read_set) for s in sites]


def envoy_at(nn: Any, path: str) -> Any:
    """The envoy of the module at ``path`` (as ``named_modules()`` spells it).

    Unlike ``nn.get(path)``, a submodule whose name nnsight reserves (BERT's
    ``encoder.layer.0.output``, served as ``.E_output``) is that submodule, not the
    parent's output.
    """
    env = nn
    for part in path.split(".") if path else []:
        child = getattr(env, "_child_map", {}).get(part)
        env = child if child is not None else getattr(env, part)
    return env


def site_value(nn: Any, site: Site) -> torch.Tensor:
    """Inside a trace: the live tensor at ``site`` (a tuple output's first element;
    ``Site("")``: the whole model's output, a ``ModelOutput``'s first field)."""
    env = envoy_at(nn, site.path)
    return _value(env.input if site.io == "input" else env.output)


def _visit(
    nn: Any,
    plan: list[tuple[Site, list[Edit], bool]],
    step: int,
    saves: dict[str, Any],
    offset: int = 0,
    total: int | None = None,
    summaries: Mapping[Site, Sequence[Summary]] | None = None,
    lens: tuple[str | None, str] = (None, ""),
) -> None:
    """Inside a trace: apply each site's edits, then save it (or its summaries) on step 0."""
    for site, site_edits, keep in plan:
        if step > 0 and not site_edits:
            continue  # rollout steps only need the edits; reads come from the first step
        h = site_value(nn, site)
        for e in site_edits:
            apply_edit(e, h, offset, total)
        if keep and step == 0:
            saves[str(site)] = h.detach().clone().save()  # type: ignore[attr-defined]
        if step == 0 and summaries:
            for s in summaries.get(site, ()):
                saves.update(_summarize(nn, s, h.detach(), lens))


#: the ops known to act on each position on its own (no statistic over positions)
_POSITIONWISE_OPS = (ops.SET, ops.ADD, ops.SCALE, ops.ABLATE, ops.CLAMP)


def _positionwise(e: Edit) -> bool:
    """Whether ``e``'s op is a built-in one known to act on each position on its own."""
    op = ops.find_op(e.op)
    return op is not None and any(op is known for known in _POSITIONWISE_OPS)


def _same_inputs(baseline: Result, x: Any) -> bool:
    """Whether ``baseline`` ran on ``x`` (the same object, or an equal tensor)."""
    return baseline.inputs is x or (
        isinstance(baseline.inputs, torch.Tensor)
        and isinstance(x, torch.Tensor)
        and baseline.inputs.shape == x.shape
        and torch.equal(baseline.inputs, x)
    )


def _rollout_cache_plan(
    model: Model,
    x: Any,
    plan: list[tuple[Site, list[Edit], bool]],
    shapes: Mapping[Site, tuple[int, ...]],
) -> tuple[dict[Site, int] | None, str]:
    """Whether a cached rollout applies ``plan``'s edits exactly as the uncached one.

    Returns ``(rows, "")`` with each edited site's rows per time step (1 for a
    ``[B, T, d]`` site, ``S`` for the springs models' ``[B, T·S, D]`` token sites), or
    ``(None, reason)`` for the uncached rollout. The uncached rollout re-runs every
    position at every step, edits included; the cache keeps the earlier positions'
    keys and values, so it equals the uncached rollout when the edits give every
    earlier position the same value at every step: built-in per-position ops (no mean
    over the run), non-negative positions (a negative one moves with the sequence's
    end), on sites whose second axis is the positions (checked on the shapes of one
    more step), not at the sequence the rollout carries over (the model's own input,
    which an edit there changes for the later steps too).
    """
    module = model.engine_module
    if not getattr(module, "rollout_cache", False):
        return None, "the model has no cached rollout"
    if model.remote is not None:
        return None, "remote models roll out uncached"
    if not isinstance(x, torch.Tensor) or x.ndim < 2:
        return None, "inputs are no [batch, steps, ...] tensor"
    edited = [(site, es) for site, es, _ in plan if es]
    if not edited:
        return {}, ""
    longer = model.inspect(torch.cat([x, x[:, -1:]], dim=1))  # one more step
    T, B = int(x.shape[1]), int(x.shape[0])
    rows: dict[Site, int] = {}
    for site, site_edits in edited:
        for e in site_edits:
            if not _positionwise(e):
                return None, f"edit op {e.op!r} is not known to act per position"
            if ops.get_op(e.op).batch_dependence(e) is not None:
                return None, f"{e.describe()} averages over the run's positions"
            if e.positions is not None and min(e.positions) < 0:
                return None, f"{e.describe()} has negative positions (they move each step)"
        s0, s1 = shapes.get(site), longer.get(site)
        if s0 is None or s1 is None or len(s0) < 3 or len(s1) != len(s0):
            return None, f"{site} has no [batch, positions, ...] value"
        r = s1[1] - s0[1]
        if s0[0] != B or s1[0] != B or tuple(s0[2:]) != tuple(s1[2:]) or r < 1 or s0[1] != r * T:
            return None, f"{site}'s second axis is not its positions"
        if site.io == "input" and tuple(s0) == tuple(x.shape):
            return None, f"an edit at {site} changes the sequence the rollout carries over"
        rows[site] = r
    return rows, ""


def _visit_new(
    nn: Any, plan: list[tuple[Site, list[Edit], bool]], rows: Mapping[Site, int], t: int
) -> None:
    """Inside a trace, a cached rollout's step that runs position ``t`` only: apply each
    site's edits to the new rows (``rows[site]`` per step), at their absolute index."""
    for site, site_edits, _ in plan:
        r = rows.get(site, 1)
        todo = [e for e in site_edits if _reaches(e, t * r, (t + 1) * r)]
        if not todo:
            continue
        h = site_value(nn, site)
        for e in todo:
            apply_edit(e, h, t * r, (t + 1) * r)


def _reaches(e: Edit, lo: int, hi: int) -> bool:
    """Whether ``e``'s scope includes a position in ``lo:hi`` (non-negative positions)."""
    if e.start is not None:
        return e.start < hi
    if e.positions is not None:
        return any(lo <= p < hi for p in e.positions)
    return True


def _first_position(e: Edit, T: int) -> int:
    """The first position ``e`` writes (0 when unknown or every position)."""
    if not _positionwise(e):
        return 0  # a custom op may write anywhere
    if e.start is not None:  # never negative (Edit checks)
        return min(e.start, T)
    if e.positions is not None:
        return min(p % T if p < 0 else p for p in e.positions)
    return 0


def _reusable(
    model: Model,
    x: Any,
    edits: Sequence[Edit],
    by_site: Mapping[Site, Sequence[Summary]],
    baseline: Result,
) -> dict[Summary, int]:
    """The summaries the edits cannot change, with the baseline to take them from:
    ``-1`` for all of a summary (its site is reached before the first edited site, and
    its module runs once), ``p > 0`` for its positions before ``p`` (a causal language
    model, every edit writing from ``p`` on). Only summaries the baseline holds, on the
    same inputs."""
    if not _same_inputs(baseline, x) or baseline.edits:
        return {}
    calls = model.calls(x) if isinstance(x, torch.Tensor) else {}
    first = min(model.order_key(e.site) for e in edits)
    T = int(x.shape[1]) if isinstance(x, torch.Tensor) and x.ndim >= 2 else 0
    p0 = min(_first_position(e, T) for e in edits) if model.kind == "lm" and T else 0
    out: dict[Summary, int] = {}
    for site, sms in by_site.items():
        c = calls.get(site.path)
        before = c is not None and c.count == 1 and model.order_key(site) < first
        for sm in sms:
            have = sm.key in baseline.summaries or sm.key + ".p" in baseline.summaries
            if not have:
                continue
            if before:
                out[sm] = -1
            elif p0 > 0:
                out[sm] = p0
    return out


def _with_reused(
    sums: dict[str, Any], reuse: Mapping[Summary, int], baseline: Result
) -> dict[str, Any]:
    """``sums`` completed from ``baseline``: whole summaries, and the positions before
    each partly computed one's start (axis 1)."""
    out = dict(sums)
    for sm, p in reuse.items():
        for k in (sm.key, sm.key + ".p", sm.key + ".i"):
            if k not in baseline.summaries:
                continue
            base = baseline.summaries[k]
            if p < 0:
                out[k] = base
            elif k in out:
                out[k] = torch.cat([base[:, :p], out[k]], dim=1)
    return out


def _suffix_start(
    model: Model,
    x: Any,
    edits: Sequence[Edit],
    reads: Iterable[Site | str],
    by_site: Mapping[Site, Sequence[Any]],
    shapes: Mapping[Site, tuple[int, ...]],
    baseline: Result,
) -> tuple[int, str]:
    """The first position an edited run of a causal language model must compute, when
    the positions before it can come from ``baseline`` (its key/value cache, values and
    output), or ``(0, why not)``: every edit a built-in per-position op that writes from
    that position on, every value read or summarised ``[batch, positions, d]``, the
    baseline unedited on the same inputs with the same reads and a cache."""
    if model.kind != "lm" or model.remote is not None:
        return 0, "not a local causal language model"
    if baseline.kv is None or baseline.edits:
        return 0, "the baseline kept no key/value cache"
    if not isinstance(x, torch.Tensor) or x.ndim != 2 or getattr(x, "padded", False):
        return 0, "padded or not token ids"
    if not _same_inputs(baseline, x):
        return 0, "the baseline ran on other inputs"
    keyword, why = cache_keyword(model.module)
    if keyword is None:
        return 0, why
    T = int(x.shape[1])
    for e in edits:
        if not _positionwise(e):
            return 0, f"edit op {e.op!r} is not known to act per position"
        if ops.get_op(e.op).batch_dependence(e) is not None:
            return 0, f"{e.describe()} averages over the run's positions"
    p0 = min(_first_position(e, T) for e in edits)
    if p0 <= 0:
        return 0, "an edit writes from the first position"
    sites = {model.check_site(s) for s in reads} | set(by_site) | {e.site for e in edits}
    for site in sites:
        shape = shapes.get(site)
        if shape is None or len(shape) != 3 or shape[1] != T:
            return 0, f"{site} has no [batch, positions, d] value"
    for site in {model.check_site(s) for s in reads}:
        if str(site) not in baseline.activations:
            return 0, f"the baseline did not read {site}"
    for sms in by_site.values():
        for sm in sms:
            if sm.key not in baseline.summaries and sm.key + ".p" not in baseline.summaries:
                return 0, f"the baseline has no {sm.key}"
    return p0, ""


def run(
    model: Model,
    inputs: Any,
    edits: Sequence[Edit] = (),
    reads: Iterable[Site | str] = (),
    *,
    rollout_steps: int = 0,
    generation: int = 0,
    prepared: bool = False,
    summaries: Iterable[Summary] = (),
    backend: Any = None,
    cache: bool | None = None,
    baseline: Result | None = None,
) -> Result:
    """Run ``model`` on ``inputs`` in ONE nnsight trace, applying ``edits``.

    Parameters
    ----------
    model
        From :func:`iwm_widgets.load`.
    inputs
        What the model takes (a tensor, text for language models).
    edits
        Applied in order within each site; sites in forward order.
    reads
        Sites whose (edited) values are returned in ``Result``.
    rollout_steps
        World models: also roll the model out this many steps, with the edits
        applied at every step (one trace over the model's ``rollout``).
    generation
        Stamped on the result.
    summaries
        :class:`Summary` objects computed inside the trace (``result.summaries``).
    backend
        Remote models: a :class:`~iwm_widgets.tracing.remote.Backend` (status
        callback, cancel event); one is made when omitted. A remote result's
        ``output`` holds the last position only.
    cache
        World models' rollout: use the model's key/value cache (step 0 runs the
        context, each later step the new position only, the edits applied to it at
        its own index) where that equals the uncached rollout, else roll out uncached
        (``result.meta["rollout"]`` says which, and why). ``None``:
        :data:`CACHED_ROLLOUT`; ``False``: always uncached.
    baseline
        The unedited run on the same inputs with the same summaries (a Workspace's
        baseline): summaries the edits cannot change are taken from it instead of
        computed (:func:`_reusable`): those of sites the forward reaches before the
        first edited site, and in a causal language model the positions before the
        first edited position. ``result.meta["reused"]`` says what was reused.

    Raises
    ------
    SiteNotFoundError, EditError, InputError
        Before anything runs.
    RunError
        If the trace fails; hooks are removed and weights untouched.
    """
    x = given = inputs if prepared else model.prepare(inputs)
    if isinstance(x, torch.Tensor) and any(e.site.io == "input" for e in edits):
        # an edit at a module's input writes in place; at the first module that tensor
        # is the caller's own (a Workspace's inputs): edit a copy, never theirs
        x = x.clone()
    shapes = model.inspect(x)
    by_site: dict[Site, list[Summary]] = {}
    for sm in dict.fromkeys(summaries):
        by_site.setdefault(model.check_site(sm.site), []).append(sm)
    reuse: dict[Summary, int] = {}
    if baseline is not None and edits and by_site:
        reuse = _reusable(model, x, edits, by_site, baseline)
        # whole summaries from the baseline are not computed; the others from p0 on
        computed: dict[Site, list[Any]] = {}
        for site, sms in by_site.items():
            todo = [sm if reuse.get(sm, 0) == 0 else _From(sm, reuse[sm]) for sm in sms]
            todo = [sm for sm in todo if not (isinstance(sm, _From) and sm.start < 0)]
            if todo:
                computed[site] = todo
        by_site = computed
    suffix, suffix_why = 0, ""
    if baseline is not None and edits and not rollout_steps:
        suffix, suffix_why = _suffix_start(model, x, edits, reads, by_site, shapes, baseline)
        if suffix:  # the trace runs positions suffix.. only: summaries on all of it
            by_site = {
                site: [sm.summary if isinstance(sm, _From) else sm for sm in sms]
                for site, sms in by_site.items()
            }
    lens = (
        _lens_paths(model)
        if any(sm.kind == "lens" for sms in by_site.values() for sm in sms)
        else (None, "")
    )
    plan = _plan(model, edits, reads, by_site)
    length = x.shape[1] if isinstance(x, torch.Tensor) and x.ndim >= 2 else None
    for site, site_edits, _ in plan:
        shape = shapes.get(site)
        for e in site_edits:
            if shape is not None:
                e.check_shape(shape, length)
    if rollout_steps and model.kind not in ("world", "lm"):
        raise EditError(
            "rollout_steps needs a world model (rollout) or a language model (greedy generation)"
        )
    max_len = getattr(model.module, "max_len", None)
    if max_len is None and model.context is not None:
        max_len = model.context[0]
    if rollout_steps and max_len and length is not None and length + rollout_steps > max_len:
        raise InputError(
            f"{length} context steps + {rollout_steps} rollout steps exceed the model's "
            f"context of {max_len}; shorten the input or the rollout"
        )
    if (
        rollout_steps
        and model.kind == "lm"
        and isinstance(x, TokenIds)
        and x.padded
        and bool((x.attention_mask[:, -1] == 0).any())
    ):
        raise InputError(
            "generation continues every row after its last position, but this batch is "
            "padded on the right (some rows end in padding): set "
            "model.tokenizer.padding_side = 'left' before preparing the texts"
        )

    cached: dict[Site, int] | None = None
    why = ""
    if rollout_steps and model.kind == "world":
        use = CACHED_ROLLOUT if cache is None else bool(cache)
        cached, why = _rollout_cache_plan(model, x, plan, shapes) if use else (None, "off")

    nn = model.engine
    remote = model.remote
    kw: dict[str, Any] = {}
    if remote is not None:
        from .remote import Backend

        backend = backend if backend is not None else Backend(remote)
        kw["backend"] = backend
    # Defined inside each traced block so that a remote run sends them back by name.
    saves: dict[str, Any] = {}
    output: Any = None
    rollout: Any = None
    t0 = time.perf_counter()
    with model.lock, torch.no_grad():
        try:
            if rollout_steps and model.kind == "lm":  # greedy generation, edits every step
                T = int(x.shape[-1])
                pad = getattr(model.tokenizer, "pad_token_id", None)
                args, text_kw = model.call_args(x, generate=True)
                with nn.generate(
                    *args,
                    max_new_tokens=rollout_steps,
                    # every step runs, also past an end-of-text token: a generation
                    # that stopped early would never reach the code after the loop
                    eos_token_id=None,
                    do_sample=False,
                    pad_token_id=pad,
                    **text_kw,
                    **kw,
                ) as tracer:
                    saves = {}
                    for step in tracer.iter[:rollout_steps]:
                        off = 0 if step == 0 else T + step - 1
                        _visit(nn, plan, step, saves, off, T + step, by_site, lens)
                        if step == 0:
                            output = (_last_position(nn.output) if remote else nn.output).save()  # type: ignore[union-attr]
                    saves = nnsight.save(saves)
                    generated = tracer.result.save()
                rollout = generated[:, T:]
            elif rollout_steps and cached is not None:  # one new position per step
                rollout_fn = model.engine_module.rollout
                with nn.trace(x, rollout_steps, True, fn=rollout_fn) as tracer:
                    for step in tracer.iter[:rollout_steps]:
                        if step == 0:
                            _visit(nn, plan, 0, saves, summaries=by_site, lens=lens)
                            output = nn.output.save()
                        else:
                            _visit_new(nn, plan, cached, length + step - 1)  # type: ignore[operator]
                    rollout = tracer.result.save()
            elif rollout_steps:
                rollout_fn = model.engine_module.rollout
                with nn.trace(x, rollout_steps, fn=rollout_fn) as tracer:
                    for step in tracer.iter[:rollout_steps]:
                        _visit(nn, plan, step, saves, summaries=by_site, lens=lens)
                        if step == 0:
                            output = nn.output.save()
                    rollout = tracer.result.save()
            elif suffix:  # positions before `suffix`: the baseline's keys and values
                assert baseline is not None
                T = int(x.shape[1])
                args, text_kw = model.call_args(x[:, suffix:])
                past = repeat_cache(baseline.kv, suffix, int(x.shape[0]))
                with (
                    quiet_cache_names(),
                    nn.trace(*args, **text_kw, past_key_values=past, use_cache=True),
                ):
                    saves = {}
                    _visit(nn, plan, 0, saves, suffix, T, summaries=by_site, lens=lens)
                    output = nn.output.save()
                    saves = nnsight.save(saves)
                rollout = None
            else:
                args, text_kw = model.call_args(x)
                with nn.trace(*args, **text_kw, **kw):
                    saves = {}
                    _visit(nn, plan, 0, saves, summaries=by_site, lens=lens)
                    output = (_last_position(nn.output) if remote else nn.output).save()  # type: ignore[union-attr]
                    saves = nnsight.save(saves)
                rollout = None
        except IWMError:
            raise
        except Exception as e:  # nnsight/torch errors: clear message, model untouched
            if remote is not None:
                from .remote import translate

                raise translate(e, remote) from None
            raise RunError(f"the traced run failed: {type(e).__name__}: {e}") from e
    if output is None or (rollout_steps and rollout is None):
        # a trace that ended without running its body to the end (nothing raised)
        raise RunError("the traced run ended before its output was read; nothing was changed")
    elapsed = (time.perf_counter() - t0) * 1e3
    meta: dict[str, Any] = {}
    if rollout_steps and model.kind == "world":
        meta["rollout"] = "cached" if cached is not None else f"uncached: {why}"
    if remote is not None:
        remote.round_trips.append(elapsed)
        meta |= {
            "remote": remote.host,
            "bytes_received": getattr(backend, "bytes_received", 0),
            "bytes_sent": getattr(backend, "bytes_sent", 0),
        }
    keys = {
        k
        for sm in by_site.values()
        for sm2 in sm
        for k in (sm2.key, sm2.key + ".p", sm2.key + ".i")
    }
    sums = {k: v for k, v in saves.items() if k in keys}
    acts = {k: _value(v) for k, v in saves.items() if k not in keys}
    out_t = output_tensor(output)
    kv = None
    if model.kind == "lm" and remote is None and not edits and not rollout_steps:
        kv = cache_of(output)  # for later runs with baseline= this result
    if suffix:
        assert baseline is not None
        meta["suffix"] = {"from": suffix}
        acts = {k: torch.cat([baseline.activations[k][:, :suffix], v], 1) for k, v in acts.items()}
        out_t = torch.cat([baseline.output[:, :suffix], out_t], dim=1)
        for sms in by_site.values():  # computed on the suffix: the rest from the baseline
            for sm in sms:
                reuse.setdefault(sm, suffix)
    elif suffix_why:
        meta["suffix"] = {"from": 0, "why": suffix_why}
    if reuse:
        sums = _with_reused(sums, reuse, baseline)  # type: ignore[arg-type]
        whole = sum(1 for v in reuse.values() if v < 0)
        meta["reused"] = {
            "whole": whole,
            "from_position": {sm.key: p for sm, p in reuse.items() if p > 0},
        }
    return Result(
        activations=acts,
        output=out_t,
        rollout=rollout,
        edits=tuple(edits),
        generation=generation,
        inputs=given,
        elapsed_ms=elapsed,
        meta=meta,
        summaries=sums,
        kv=kv,
    )


def _lens_paths(model: Model) -> tuple[str | None, str]:
    """Paths of the final norm and the unembedding (for the logit lens in a trace)."""
    head = model.engine_module.get_output_embeddings()  # type: ignore[operator]
    names = {id(m): n for n, m in model.engine_module.named_modules()}
    norm = None
    for name, _ in model.module.named_modules():
        if name.split(".")[-1] in ("ln_f", "norm", "final_layernorm", "final_layer_norm"):
            norm = name
    return norm, names[id(head)]
