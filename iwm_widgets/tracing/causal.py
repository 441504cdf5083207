"""Causal effects between internal variables, measured by intervention.

Nodes are Variables (one component each), raw sites, or the model's output (a
function of it). For every node A that can be intervened on, one batch row shifts A
(a Variable: by ``delta`` in its own units, along its encoding direction; a site:
zero-ablates it) and every node B is read out again. All rows go into ONE batched
trace, under the Workspace's current edits, so the graph answers "how do the
variables combine in this context".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import InputError
from .edits import Edit
from .model import Model
from .probes import Variable
from .run import Result, run
from .sites import Site, as_site

__all__ = ["CausalEffects", "Node", "causal_effects", "output_node"]


@dataclass(frozen=True, eq=False)
class Node:
    """A node of a causal graph.

    Attributes
    ----------
    id : str
        Unique name (``"velocity_x@blocks.2"``).
    kind : str
        ``"variable"``, ``"site"`` or ``"output"``.
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
    """

    id: str
    kind: str
    site: Site | None = None
    variable: Variable | None = None
    position: int = -1
    fn: Callable[[torch.Tensor], torch.Tensor] | None = None
    truth: str | None = None
    label: str = ""

    def readout(self, result: Result) -> torch.Tensor:
        """The node's value in every batch row ``[B]``."""
        if self.kind == "output":
            assert self.fn is not None
            v = self.fn(result.output)
            if not isinstance(v, torch.Tensor) or v.shape != (result.output.shape[0],):
                raise InputError(f"output node {self.id!r}: fn must return one value per row")
            return v.float()
        h = result[str(self.site)][:, self.position]
        if self.kind == "variable":
            assert self.variable is not None
            return self.variable.readout(h)[:, 0]
        return h.float().norm(dim=-1)


def output_node(
    fn: Callable[[torch.Tensor], torch.Tensor], name: str, truth: str | None = None
) -> Node:
    """A sink node: a scalar per row computed from the model's output."""
    return Node(name, "output", fn=fn, truth=truth, label=name)


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
class CausalEffects:
    """Effects of intervening on each node (rows) on every node (columns).

    ``effects[a, b]`` is the change of ``nodes[b]`` per unit shift of ``nodes[a]``
    (Variables) or when ``nodes[a]`` is ablated (sites); ``downstream[a, b]`` says
    whether ``b`` lies after ``a`` in the forward pass (only those can be causal edges).
    """

    nodes: list[Node]
    effects: torch.Tensor
    downstream: torch.Tensor
    values: torch.Tensor
    deltas: torch.Tensor
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def edges(self, threshold: float = 0.0) -> list[tuple[int, int, float]]:
        """``(a, b, effect)`` for downstream pairs with ``|effect| > threshold``."""
        idx = torch.nonzero(self.downstream & (self.effects.abs() > threshold))
        return [(int(a), int(b), float(self.effects[a, b])) for a, b in idx]

    def to_networkx(self, threshold: float = 0.0) -> Any:
        """A ``networkx.DiGraph``: node attributes (kind, site, value, truth), edge ``effect``."""
        import networkx as nx

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
        for a, b, e in self.edges(threshold):
            g.add_edge(self.nodes[a].id, self.nodes[b].id, effect=e, weight=abs(e))
        return g

    def score(self, true_graph: Any, threshold: float) -> dict[str, Any]:
        """Precision / recall of the recovered variable → output edges against the truth.

        Only pairs whose endpoints map to simulator variables (``Node.truth``) count;
        an edge ``A → B`` with ``B`` an output node (the next step) is compared with the
        true graph's one-step edge ``truth(A) → truth(B)``.
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
        found = {(a, b) for a, b in cand if abs(float(self.effects[a, b])) > threshold}
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


def causal_effects(
    model: Any,
    nodes: Sequence[Any],
    inputs: Any = None,
    *,
    edits: Sequence[Edit] | None = None,
    delta: float | Sequence[float] | None = None,
) -> CausalEffects:
    """Intervene on every node and read every node, in one batched trace.

    Parameters
    ----------
    model
        A :class:`~iwm_widgets.workspace.Workspace` (its inputs and current edits are
        used) or a :class:`Model` (give ``inputs``).
    nodes
        Variables (each component a node), sites, :func:`output_node` s or Nodes.
    delta
        Shift of each Variable node, in its units (default: the standard deviation of
        its readout over the input's positions, or 1).
    """
    t0 = time.perf_counter()
    ws = model if hasattr(model, "edits") and hasattr(model, "model") else None
    m: Model = ws.model if ws is not None else model
    x = m.prepare(ws.inputs if ws is not None and inputs is None else inputs)
    if x.shape[0] != 1:
        raise InputError("causal_effects takes one input (batch size 1)")
    base_edits = list(ws.edits if ws is not None and edits is None else edits or ())
    ns = as_nodes(nodes)
    for n in ns:
        if n.site is not None:
            m.check_site(n.site)
    reads = sorted({n.site for n in ns if n.site is not None}, key=m.order_key)
    T = x.shape[1]
    if delta is None:
        # the current result already holds these sites under these edits: reuse it
        have = ws.result if ws is not None and edits is None and inputs is None else None
        if have is None or any(str(s) not in have.activations for s in reads):
            have = run(m, x, base_edits, reads, prepared=True)
        first = have
        deltas = []
        for n in ns:
            if n.kind == "variable":
                assert n.variable is not None and n.site is not None
                std = float(n.variable.readout(first[str(n.site)][0])[:, 0].std())
                deltas.append(std if std > 0 else 1.0)
            else:
                deltas.append(1.0)
    else:
        d = [float(delta)] * len(ns) if isinstance(delta, (int, float)) else list(delta)
        if len(d) != len(ns):
            raise InputError(f"{len(ns)} nodes but {len(d)} deltas")
        deltas = d
    sources = [i for i, n in enumerate(ns) if n.kind != "output"]
    row_edits = []
    for r, i in enumerate(sources, start=1):
        n = ns[i]
        if n.kind == "variable":
            e = Edit.add(n.variable, [deltas[i]], positions=[n.position])
        else:
            assert n.site is not None
            e = Edit.ablate(n.site, positions=[n.position])
        row_edits.append(e.with_(rows=(r,)))
    xs = x.expand(1 + len(sources), *x.shape[1:]).contiguous()
    res = run(m, xs, [*base_edits, *row_edits], reads, prepared=True)
    vals = torch.stack([n.readout(res) for n in ns], 1)  # [rows, nodes]
    effects = torch.zeros(len(ns), len(ns))
    for r, i in enumerate(sources, start=1):
        change = vals[r] - vals[0]
        effects[i] = change / (deltas[i] if ns[i].kind == "variable" else 1.0)

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
    return CausalEffects(
        ns,
        effects,
        down,
        vals[0],
        torch.tensor(deltas),
        time.perf_counter() - t0,
        {"rows": xs.shape[0], "traces": 2},
    )
