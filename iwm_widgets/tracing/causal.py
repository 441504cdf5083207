"""Causal effects between internal variables, measured by intervention.

Nodes are Variables (one component each), raw sites, attention heads (a slice of the
input of an attention block's output projection) or the model's output (a function of
it). For every node A that can be intervened on, one batch row intervenes on A —
shifts a Variable by ``delta`` in its own units along its encoding direction, sets it
to a value, zero- or mean-ablates a site or a head — and every node B is read out
again. All rows go into ONE batched trace, under the given edits (``iwm.causal_effects``
of a Workspace: its current edits), so the graph answers "how do the variables combine
in this context".

Over a batch of ``B`` inputs every input gets its own rows (its baseline and one row per
intervention, still one trace): the per-input effects ``[B]`` of each edge give its mean
(the average causal effect), standard error and a 95% Student-t interval.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import InputError
from ._display_hook import Displayable
from .edits import Edit
from .model import Model, require_model
from .ops import get_op
from .probes import Variable
from .run import Result, run
from .sites import Site, as_site

__all__ = ["CausalEffects", "Node", "attention_heads", "causal_effects", "output_node"]

INTERVENTIONS = ("auto", "shift", "zero", "mean", "set")
_HEAD_ATTRS = ("n_heads", "num_heads", "n_head", "num_attention_heads")
_OUT_PROJ = ("out", "out_proj", "c_proj", "o_proj", "dense")


@dataclass(frozen=True, eq=False)
class Node(Displayable):
    """A node of a causal graph.

    Attributes
    ----------
    id : str
        Unique name (``"velocity_x@blocks.2"``).
    kind : str
        ``"variable"``, ``"site"``, ``"head"`` or ``"output"``.
    site : Site or None
        Where it lives (``None`` for output nodes).
    variable : Variable or None
        The 1-D Variable read out (``kind="variable"``).
    position : int
        Position read and intervened on (negative counts from the end).
    fn : callable or None
        ``fn(output) -> [batch]`` for output nodes.
    truth : str or None
        The simulator variable this node stands for, for ground-truth scoring.
    features : (int, int) or None
        ``kind="head"``: the head's slice ``lo:hi`` of the site's last axis.
    """

    id: str
    kind: str
    site: Site | None = None
    variable: Variable | None = None
    position: int = -1
    fn: Callable[[torch.Tensor], torch.Tensor] | None = None
    truth: str | None = None
    label: str = ""
    features: tuple[int, int] | None = None

    def readout(self, result: Result) -> torch.Tensor:
        """The node's value in every batch row ``[B]``."""
        if self.kind == "output":
            assert self.fn is not None
            v = self.fn(result.output)
            if not isinstance(v, torch.Tensor) or v.shape != (result.output.shape[0],):
                raise InputError(f"output node {self.id!r}: fn must return one value per row")
            return v.float()
        h = result[str(self.site)][:, self.position]
        if self.features is not None:
            h = h[..., self.features[0] : self.features[1]]
        if self.kind == "variable":
            assert self.variable is not None
            return self.variable.readout(h)[:, 0]
        return h.float().norm(dim=-1)


def output_node(
    fn: Callable[[torch.Tensor], torch.Tensor], name: str, truth: str | None = None
) -> Node:
    """A sink node: a scalar per row computed from the model's output."""
    return Node(name, "output", fn=fn, truth=truth, label=name)


def attention_heads(
    model: Model, layers: Sequence[int] | None = None, position: int = -1
) -> list[Node]:
    """One node per attention head: its slice of the output projection's input.

    Finds every module with a head count (``n_heads``, ``num_heads``, ``n_head`` or
    ``num_attention_heads``) and an output projection child (``out``, ``out_proj``,
    ``c_proj``, ``o_proj`` or ``dense``), or one sibling holding such a projection
    (BERT: ``attention.self`` counts the heads, ``attention.output.dense`` projects
    them; the nodes are named after the block ``attention``). Head ``h`` of
    ``d``-wide heads is the input's features ``h*d:(h+1)*d`` — what the head writes
    before the projection mixes heads. Intervening zero-ablates that slice; the node's
    value is its norm.

    Parameters
    ----------
    model
        A :class:`Model` (``iwm.attention_heads`` also takes a Workspace: its model).
    layers
        Indices into the attention modules found (default: all).
    position
        The position read and intervened on.
    """
    m = require_model(model, "attention_heads")
    found = []
    root = m.engine_module
    for path, mod in root.named_modules():
        n_heads = next(
            (getattr(mod, a) for a in _HEAD_ATTRS if isinstance(getattr(mod, a, None), int)),
            None,
        )
        if not n_heads:
            continue
        proj = _out_proj(mod)
        if proj is not None:
            found.append((path, f"{path}.{proj}" if path else proj, int(n_heads)))
        elif path:
            # BERT: the heads (attention.self) and their output projection
            # (attention.output.dense) are siblings: the block is their parent
            parent = path.rpartition(".")[0]
            sib = _sibling_proj(root.get_submodule(parent), path.rpartition(".")[2])
            sib_path = f"{parent}.{sib}" if parent and sib else sib
            if sib_path is not None and _splits(root.get_submodule(sib_path), int(n_heads)):
                found.append((parent or path, sib_path, int(n_heads)))
    if not found:
        raise InputError(
            "no attention modules found: looked for a module with a head count "
            f"({', '.join(_HEAD_ATTRS)}) and an output projection ({', '.join(_OUT_PROJ)})"
        )
    pick = range(len(found)) if layers is None else list(layers)
    bad = [i for i in pick if not -len(found) <= i < len(found)]
    if bad:
        raise InputError(f"layers {bad} out of range: the model has {len(found)} attention modules")
    out: list[Node] = []
    for li in pick:
        path, proj, n_heads = found[li]
        site = Site(proj, "input")
        width = _in_features(m.engine_module.get_submodule(proj))
        if width % n_heads:
            raise InputError(f"{proj} has {width} input features, not divisible by {n_heads} heads")
        d = width // n_heads
        layer = li % len(found)
        for h in range(n_heads):
            out.append(
                Node(
                    f"L{layer}.H{h}@{path}",
                    "head",
                    site,
                    position=position,
                    label=f"L{layer}.H{h}",
                    features=(h * d, (h + 1) * d),
                )
            )
    return out


def _out_proj(mod: torch.nn.Module) -> str | None:
    """The name of ``mod``'s output projection child (``out``, ``c_proj``, ...), if any."""
    name = next((c for c in _OUT_PROJ if hasattr(mod, c)), None)
    return name if name is not None and isinstance(getattr(mod, name), torch.nn.Module) else None


def _sibling_proj(parent: torch.nn.Module, own: str) -> str | None:
    """``"output.dense"``: the one output projection among the children of ``parent``
    other than ``own`` (a child's own projection child), or None (none, or several)."""
    hits = []
    for name, child in parent.named_children():
        if name == own:
            continue
        proj = _out_proj(child)
        if proj is not None:
            hits.append(f"{name}.{proj}")
    return hits[0] if len(hits) == 1 else None


def _splits(proj: torch.nn.Module, n_heads: int) -> bool:
    """Whether ``proj``'s input splits into ``n_heads`` equal slices (a sibling found
    by name alone must fit the heads before it is taken for their projection)."""
    try:
        return _in_features(proj) % n_heads == 0
    except InputError:
        return False


def _in_features(mod: torch.nn.Module) -> int:
    """Input width of a projection: ``nn.Linear`` or GPT-2's ``Conv1D`` (weight ``[in, out]``)."""
    for attr in ("in_features", "nx"):
        if isinstance(getattr(mod, attr, None), int):
            return int(getattr(mod, attr))
    w = getattr(mod, "weight", None)
    if isinstance(w, torch.Tensor) and w.ndim == 2:
        return int(w.shape[1])
    raise InputError(f"cannot tell the input width of {type(mod).__name__}")


def as_nodes(items: Sequence[Any], position: int = -1) -> list[Node]:
    """Nodes from Variables (split into components), site strings and Nodes."""
    out: list[Node] = []
    for it in items:
        if isinstance(it, Node):
            out.append(it)
        elif isinstance(it, Variable):
            for i in range(it.k):
                v = it.component(i) if it.k > 1 else it
                name = v.components[0]
                out.append(
                    Node(
                        f"{name}@{v.site}", "variable", v.site, v, position, truth=name, label=name
                    )
                )
        elif isinstance(it, (str, Site)):
            s = as_site(it)
            out.append(Node(str(s), "site", s, position=position, label=str(s)))
        else:
            raise TypeError(f"a node is a Variable, a site or a Node, got {type(it).__name__}")
    ids = [n.id for n in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise InputError(f"duplicate nodes {sorted(dup)}")
    return out


@dataclass
class CausalEffects(Displayable):
    """Effects of intervening on each node (rows) on every node (columns).

    ``effects[a, b]`` is the change of ``nodes[b]`` per unit shift of ``nodes[a]``
    (Variables) or when ``nodes[a]`` is ablated (sites); ``downstream[a, b]`` says
    whether ``b`` lies after ``a`` in the forward pass (only those can be causal edges).

    Over ``n`` inputs, ``effects`` (also :attr:`mean`) is the mean of the per-input
    effects ``per_input[:, a, b]``, ``se`` its standard error (sample standard
    deviation / √n) and ``[lo, hi]`` the 95% Student-t interval
    ``mean ± t(0.975, n−1)·se``. With one input ``effects`` is that input's effect and
    ``se``, ``lo``, ``hi`` are NaN (undefined). ``values`` and ``deltas`` are means over
    the inputs (``meta["input_values"]``, ``meta["input_deltas"]``: per input).
    """

    nodes: list[Node]
    effects: torch.Tensor
    downstream: torch.Tensor
    values: torch.Tensor
    deltas: torch.Tensor
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    #: per-input effects ``[n, nodes, nodes]``
    per_input: torch.Tensor | None = None
    #: standard error of ``effects`` (NaN with one input)
    se: torch.Tensor | None = None
    #: 95% interval of ``effects``: ``lo`` ≤ mean ≤ ``hi`` (NaN with one input)
    lo: torch.Tensor | None = None
    hi: torch.Tensor | None = None
    #: whether :meth:`edges`, :meth:`to_networkx` and :meth:`score` keep only edges whose
    #: interval excludes 0 (their default; ``causal_effects(significant=True)``)
    significant: bool = False

    def __post_init__(self) -> None:
        if self.per_input is None:
            self.per_input = self.effects[None]
        if self.se is None or self.lo is None or self.hi is None:
            nan = torch.full_like(self.effects, math.nan)
            self.se, self.lo, self.hi = nan, nan.clone(), nan.clone()

    @property
    def n(self) -> int:
        """How many inputs the effects are averaged over."""
        assert self.per_input is not None
        return int(self.per_input.shape[0])

    @property
    def mean(self) -> torch.Tensor:
        """The mean effect over the inputs (the same tensor as ``effects``)."""
        return self.effects

    def excludes_zero(self) -> torch.Tensor:
        """``[nodes, nodes]`` bool: the 95% interval lies wholly above or below 0.

        Raises :class:`InputError` with one input (an interval needs two or more).
        """
        if self.n < 2:
            raise InputError(
                "significant=True needs two or more inputs (a batch): with one input "
                "an effect has no interval"
            )
        assert self.lo is not None and self.hi is not None
        return (self.lo > 0) | (self.hi < 0)

    def _keep(self, threshold: float, significant: bool | None) -> torch.Tensor:
        keep = self.downstream & (self.effects.abs() > threshold)
        if self.significant if significant is None else significant:
            keep = keep & self.excludes_zero()
        return keep

    def edges(
        self, threshold: float = 0.0, significant: bool | None = None
    ) -> list[tuple[int, int, float]]:
        """``(a, b, effect)`` for downstream pairs with ``|effect| > threshold``.

        ``significant`` (default: as measured, ``self.significant``) also drops edges
        whose 95% interval contains 0.
        """
        idx = torch.nonzero(self._keep(threshold, significant))
        return [(int(a), int(b), float(self.effects[a, b])) for a, b in idx]

    def to_networkx(self, threshold: float = 0.0, significant: bool | None = None) -> Any:
        """A ``networkx.DiGraph``: node attributes (kind, site, value, truth), edge
        ``effect`` (= ``mean``), ``weight`` (``|effect|``) and ``n``; over two or more
        inputs also ``se``, ``lo`` and ``hi`` (the 95% interval)."""
        import networkx as nx

        assert self.se is not None and self.lo is not None and self.hi is not None
        g = nx.DiGraph()
        for i, n in enumerate(self.nodes):
            g.add_node(
                n.id,
                kind=n.kind,
                site=str(n.site) if n.site else "",
                value=float(self.values[i]),
                truth=n.truth or "",
                position=n.position,
            )
        for a, b, e in self.edges(threshold, significant):
            stats: dict[str, Any] = {"mean": e, "n": self.n}
            if self.n > 1:
                stats.update(
                    se=float(self.se[a, b]), lo=float(self.lo[a, b]), hi=float(self.hi[a, b])
                )
            g.add_edge(self.nodes[a].id, self.nodes[b].id, effect=e, weight=abs(e), **stats)
        return g

    def score(
        self, true_graph: Any, threshold: float, significant: bool | None = None
    ) -> dict[str, Any]:
        """Precision / recall of the recovered variable → output edges against the truth.

        Only pairs whose endpoints map to simulator variables (``Node.truth``) count;
        an edge ``A → B`` with ``B`` an output node (the next step) is compared with the
        true graph's one-step edge ``truth(A) → truth(B)``. An edge is found when
        ``|effect| > threshold`` (and, with ``significant``, its interval excludes 0).
        """
        cand = [
            (a, b)
            for a, na in enumerate(self.nodes)
            for b, nb in enumerate(self.nodes)
            if na.truth
            and nb.truth
            and na.kind != "output"
            and nb.kind == "output"
            and bool(self.downstream[a, b])
        ]
        keep = self._keep(threshold, significant)
        found = {(a, b) for a, b in cand if bool(keep[a, b])}
        true = {
            (a, b) for a, b in cand if true_graph.has_edge(self.nodes[a].truth, self.nodes[b].truth)
        }
        tp = len(found & true)
        return {
            "precision": tp / len(found) if found else 1.0,
            "recall": tp / len(true) if true else 1.0,
            "true_edges": len(true),
            "found_edges": len(found),
            "missed": sorted(f"{self.nodes[a].id} -> {self.nodes[b].id}" for a, b in true - found),
            "extra": sorted(f"{self.nodes[a].id} -> {self.nodes[b].id}" for a, b in found - true),
        }


def _node_edit(n: Node, how: str, amount: float, mean: torch.Tensor | None) -> Edit:
    """The edit of one intervention row (see :func:`causal_effects`)."""
    pos = [n.position]
    if n.kind == "variable":
        assert n.variable is not None
        if how == "shift":
            return Edit.add(n.variable, [amount], positions=pos)
        return Edit.clamp(n.variable, [amount], positions=pos)  # zero / mean / set
    assert n.site is not None
    if how == "zero":
        e = Edit.ablate(n.site, positions=pos)
    elif how == "mean":
        e = Edit.ablate(n.site, "mean", mean=mean, positions=pos)
    else:  # set
        e = Edit.set(n.site, amount, positions=pos)
    return e.with_(features=n.features)


def causal_effects(
    model: Model,
    nodes: Sequence[Any],
    inputs: Any = None,
    *,
    edits: Sequence[Edit] | None = None,
    result: Result | None = None,
    delta: float | Sequence[float] | None = None,
    intervention: str | Mapping[str, str] = "auto",
    value: float | Mapping[str, float] | None = None,
    significant: bool = False,
) -> CausalEffects:
    """Intervene on every node and read every node, in one batched trace.

    Parameters
    ----------
    model
        A :class:`Model`. (``iwm.causal_effects`` also takes a
        :class:`~iwm_widgets.workspace.Workspace`: its inputs, its current edits and
        its current result, unless given.)
    nodes
        Variables (each component a node), sites, :func:`attention_heads`,
        :func:`output_node` s or Nodes.
    inputs
        One input or a batch of ``B``. Over a batch each input is intervened on and read
        on its own (its own baseline, deltas and means), all in the same trace of
        ``B × (1 + sources)`` rows, and the result holds the mean effect, its standard
        error and a 95% interval.
    edits
        Interventions in force in every row (default: none).
    result
        A :class:`Result` of ``inputs`` under ``edits`` already at hand (a Workspace's
        current result): sites it read are not traced again for the unintervened values.
    delta
        Shift of each Variable node, in its units (default: the standard deviation of
        its readout over the input's positions, or 1; per input in a batch).
    intervention
        ``"auto"`` (Variables shifted by ``delta``, sites and heads zero-ablated),
        ``"shift"`` (Variables only), ``"zero"`` (Variables clamped to 0, sites and
        heads zeroed), ``"mean"`` (set to their mean over the input's positions in the
        unintervened run), ``"set"`` (set to ``value``: a Variable's readout, or every
        feature of a site or head). A dict maps node ids to one of these (others
        ``"auto"``).
    value
        For ``"set"``: one number, or a dict from node id to number.
    significant
        Keep only edges whose 95% interval excludes 0 (the default of the result's
        :meth:`~CausalEffects.edges`, ``to_networkx`` and ``score``); needs two or more
        inputs.

    Returns
    -------
    CausalEffects
        ``effects[a, b]``: for a Variable source, the change of ``b`` per unit change
        of ``a``'s readout; for a site or head, the change of ``b`` it caused; over a
        batch, the mean of the per-input effects (``per_input``), with ``se``, ``lo``
        and ``hi``. The interval is Student-t: ``mean ± t(0.975, n−1)·se``, with
        ``se = std(per_input, ddof=1) / √n``.
    """
    t0 = time.perf_counter()
    m = require_model(model, "causal_effects")
    x = m.prepare(inputs)
    B = int(x.shape[0])
    if B < 1:
        raise InputError("causal_effects needs at least one input (the batch is empty)")
    if significant and B < 2:
        raise InputError(
            "significant=True needs two or more inputs (a batch): with one input an "
            "effect has no interval"
        )
    base_edits = list(edits or ())
    ns = as_nodes(nodes)
    for n in ns:
        if n.site is not None:
            m.check_site(n.site)
    hows, targets = _interventions(ns, intervention, value)
    reads = sorted({n.site for n in ns if n.site is not None}, key=m.order_key)
    T = x.shape[1]
    # the unintervened values, needed for default deltas, means and clamp distances;
    # a result at hand (a Workspace's current one) may already hold them: reuse it
    have = result
    need = any(
        (n.kind == "variable" and (delta is None or how != "shift")) or how == "mean"
        for n, how in zip(ns, hows, strict=True)
    )
    if need and (have is None or any(str(s) not in have.activations for s in reads)):
        have = run(m, x, base_edits, reads, prepared=True)
    if delta is None:
        deltas = []  # [B][nodes]: each input's own default
        for b in range(B):
            row = []
            for n in ns:
                if n.kind == "variable":
                    assert n.variable is not None and n.site is not None
                    assert have is not None
                    std = float(n.variable.readout(have[str(n.site)][b])[:, 0].std())
                    row.append(std if std > 0 else 1.0)
                else:
                    row.append(1.0)
            deltas.append(row)
    else:
        d = [float(delta)] * len(ns) if isinstance(delta, (int, float)) else list(delta)
        if len(d) != len(ns):
            raise InputError(f"{len(ns)} nodes but {len(d)} deltas")
        deltas = [list(d) for _ in range(B)]
    sources = [i for i, n in enumerate(ns) if n.kind != "output"]
    R = 1 + len(sources)  # row r * B + b: intervention r (0: none) on input b
    row_edits = []
    moved = torch.ones(B, len(ns))  # how far each Variable source's readout was moved
    now = torch.zeros(B, len(ns))
    if have is not None and need:
        now = torch.stack([n.readout(have) for n in ns], 1)
    for r, i in enumerate(sources, start=1):
        n, how = ns[i], hows[i]
        per: list[tuple[float, torch.Tensor | None]] = []  # (amount, mean) per input
        for b in range(B):
            mean = None
            amount = deltas[b][i] if how == "shift" else targets[i]  # 0 for zero; mean below
            if how == "mean":
                assert have is not None
                h = have[str(n.site)][b]  # [T, ...]
                h = h if n.features is None else h[..., n.features[0] : n.features[1]]
                if n.kind == "variable":
                    assert n.variable is not None
                    amount = float(n.variable.readout(h)[:, 0].mean())
                else:
                    mean = h.reshape(-1, h.shape[-1]).mean(0)
            if n.kind == "variable":
                moved[b, i] = amount if how == "shift" else amount - float(now[b, i])
            per.append((amount, mean))
        if all(mn is None and a == per[0][0] for a, mn in per):  # one edit for every input
            rows = tuple(r * B + b for b in range(B))
            row_edits.append(_node_edit(n, how, per[0][0], None).with_(rows=rows))
        else:
            for b, (a, mn) in enumerate(per):
                row_edits.append(_node_edit(n, how, a, mn).with_(rows=(r * B + b,)))
    xs = x.repeat(R, *[1] * (x.ndim - 1))
    base = [_tile(e, B, R) for e in base_edits]
    res = run(m, xs, [*base, *row_edits], reads, prepared=True)
    vals = torch.stack([n.readout(res) for n in ns], 1).reshape(R, B, len(ns))
    per_input = torch.zeros(B, len(ns), len(ns))
    for r, i in enumerate(sources, start=1):
        change = vals[r] - vals[0]  # [B, nodes]
        if ns[i].kind == "variable":
            # a source its intervention did not move has no measurable effect
            mv = moved[:, i : i + 1]
            change = torch.where(mv.abs() > 1e-12, change / mv, change * 0)
        per_input[:, i] = change
    effects, se, lo, hi = _summary(per_input)

    def key(n: Node) -> tuple[int, int, int]:
        pos = n.position % T
        if n.kind == "output":
            return (1 << 30, 0, pos)
        assert n.site is not None
        return (*m.order_key(n.site), pos)

    keys = [key(n) for n in ns]
    down = torch.zeros(len(ns), len(ns), dtype=torch.bool)
    for a in range(len(ns)):
        for b in range(len(ns)):
            later_site = keys[b][:2] > keys[a][:2]
            down[a, b] = a != b and later_site and keys[b][2] >= keys[a][2]
    dts = torch.tensor(deltas)  # [B, nodes]
    return CausalEffects(
        ns,
        effects,
        down,
        vals[0, 0] if B == 1 else vals[0].mean(0),
        dts[0] if B == 1 else dts.mean(0),
        time.perf_counter() - t0,
        {
            "rows": xs.shape[0],
            "traces": 2,
            "inputs": B,
            "interventions": hows,
            "moved": moved[0] if B == 1 else moved.mean(0),
            "input_moved": moved,
            "input_values": vals[0],
            "input_deltas": dts,
            "interval": "95% Student-t: mean ± t(0.975, n-1) * se, se = std(ddof=1) / sqrt(n)",
        },
        per_input=per_input,
        se=se,
        lo=lo,
        hi=hi,
        significant=significant,
    )


def _tile(e: Edit, B: int, R: int) -> Edit:
    """A workspace edit over ``B`` inputs, for the ``R`` copies of the batch (row
    ``r * B + b`` is input ``b``): its rows and its per-row values (clamp targets) repeat."""
    if R == 1:
        return e
    if e.rows is not None:
        e = e.with_(rows=tuple(r * B + b % B for r in range(R) for b in e.rows))
    if get_op(e.op).per_row(e):  # per-row values (a clamp's targets [rows, k])
        assert e.value is not None
        e = e.with_(value=e.value.repeat(R, 1))
    return e


def _summary(
    per_input: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean, standard error and 95% Student-t interval over the first axis.

    One input: its effects exactly, and NaN for the rest (no spread to measure).
    """
    n = per_input.shape[0]
    if n == 1:
        nan = torch.full_like(per_input[0], math.nan)
        return per_input[0], nan, nan.clone(), nan.clone()
    mean = per_input.mean(0)
    se = per_input.std(0, correction=1) / math.sqrt(n)
    half = t_quantile(0.975, n - 1) * se
    return mean, se, mean - half, mean + half


def _t_two_sided(t: float, df: int) -> float:
    """``P(|T| ≤ t)`` for Student's t with integer ``df`` (Abramowitz & Stegun 26.7.3-4)."""
    theta = math.atan(t / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    term, total = 1.0, 1.0
    if df % 2:  # odd: 2/π (θ + sinθ cosθ (1 + 2/3 cos²θ + ...))
        for k in range(1, (df - 1) // 2):
            term *= 2 * k / (2 * k + 1) * c2
            total += term
        return 2 / math.pi * (theta + (s * math.cos(theta) * total if df > 1 else 0.0))
    for k in range(1, df // 2):  # even: sinθ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + ...)
        term *= (2 * k - 1) / (2 * k) * c2
        total += term
    return s * total


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile (``p`` > 0.5) of Student's t with ``df`` degrees of freedom."""
    if not 0.5 < p < 1 or df < 1:
        raise ValueError(f"need 0.5 < p < 1 and df >= 1, got p={p}, df={df}")
    target = 2 * p - 1
    lo, hi = 0.0, 1.0
    while _t_two_sided(hi, df) < target:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if _t_two_sided(mid, df) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2


def _interventions(
    ns: Sequence[Node], intervention: str | Mapping[str, str], value: Any
) -> tuple[list[str], list[float]]:
    """Each node's intervention (``"auto"`` resolved) and set value (0 unless ``"set"``)."""
    if isinstance(intervention, Mapping):
        unknown = sorted(set(intervention) - {n.id for n in ns})
        if unknown:
            raise InputError(f"intervention names unknown nodes {unknown}")
        asked = [intervention.get(n.id, "auto") for n in ns]
    elif isinstance(intervention, str):
        asked = [intervention] * len(ns)
    else:
        raise InputError("intervention is a name or a dict from node id to a name")
    out, targets = [], []
    for n, how in zip(ns, asked, strict=True):
        if how not in INTERVENTIONS:
            raise InputError(f"unknown intervention {how!r}; expected one of {INTERVENTIONS}")
        if how == "auto":
            how = "shift" if n.kind == "variable" else "zero"
        if how == "shift" and n.kind in ("site", "head"):
            raise InputError(
                f"node {n.id!r} is a {n.kind}: it can be zeroed, mean-ablated or set; it "
                "can not be shifted (shift needs a Variable's direction)"
            )
        if how == "set" and n.kind != "output":
            v = value.get(n.id) if isinstance(value, Mapping) else value
            if v is None:
                raise InputError(f"intervention 'set' on {n.id!r} needs value=")
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                raise InputError(f"value for {n.id!r} must be a finite number, got {v!r}")
            targets.append(float(v))
        else:
            targets.append(0.0)
        out.append(how)
    return out, targets
