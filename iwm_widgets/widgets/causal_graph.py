"""CausalGraph: a live graph of causal effects between internal variables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import traitlets

from ..errors import EditError, InputError
from ..measures import causal_effects
from ..tracing import Edit
from ..tracing.causal import CausalEffects, Node, as_nodes, output_node
from ..tracing.ops import editor_ops, editor_specs, find_op
from ..transport import to_buffer
from ..workspace import Workspace
from ._base import WorkspaceWidget, _message, esm
from ._palette import particle_color

__all__ = ["CausalGraph", "ParticleGraph", "spatial_layout"]

LAYOUTS = ("layered", "spatial")

MAX_NODES = 200
MAX_EDGES = 2000


def auto_nodes(ws: Workspace) -> list[Node]:
    """Every layer at the last position, plus the output."""
    nodes: list[Any] = list(ws.model.layers)
    if ws.model.kind == "world":
        nodes += [
            output_node(lambda o: o[:, -1, 0], "next x", "position_x"),
            output_node(lambda o: o[:, -1, 1], "next y", "position_y"),
        ]
    elif ws.model.kind == "lm":
        nodes.append(output_node(lambda o: o[:, -1].max(-1).values, "top logit"))
    else:
        nodes.append(output_node(lambda o: o.reshape(o.shape[0], -1).norm(dim=-1), "‖output‖"))
    return as_nodes(nodes)


def spatial_layout(positions: Any, n: int) -> list[tuple[float, float]]:
    """Layout coordinates of nodes placed where their particles are.

    ``positions`` ``[n, 2]`` in box coordinates (the unit box, y up, as the simulator
    has them) -> ``(x, 1 - y)`` per node: the layout's unit square with y = 0 at the top,
    the unit box drawn square. Positions outside the box are clipped to its walls.
    """
    p = torch.as_tensor(positions, dtype=torch.float64).detach().cpu()
    if p.shape != (n, 2):
        raise InputError(
            f"positions must have shape [{n}, 2] (one (x, y) per node), got {list(p.shape)}"
        )
    if not torch.isfinite(p).all():
        raise InputError("positions must be finite")
    p = p.clamp(0.0, 1.0)
    return [(float(x), 1.0 - float(y)) for x, y in p.tolist()]


def _pairs_of(a: Any, n: int, what: str) -> torch.Tensor:
    """An ``[n, n]`` float tensor from a numpy/torch array, checked."""
    t = torch.as_tensor(a.detach().cpu() if isinstance(a, torch.Tensor) else a, dtype=torch.float64)
    if t.shape != (n, n):
        raise InputError(
            f"{what} must be an [{n}, {n}] matrix (one row per particle), got {list(t.shape)}"
        )
    if not torch.isfinite(t).all():
        raise InputError(f"{what} must be finite")
    return t


def edit_scope(position: int, length: int, kind: str, rollout: bool) -> str:
    """What a node's edit edits, in words (the node editor shows it): the one position
    the node reads, as a time step or token, and, for a position counted from the end
    during a rollout or generation, the newest step at every step.

    >>> edit_scope(-1, 30, "world", True)
    'time step 29 only (the last of 30; positions=[-1]), and the newest step at every rollout step'
    """
    unit = {"lm": "token", "world": "time step"}.get(kind, "position")
    p = position % length if length > 0 else position
    of = f"the last of {length}" if length > 0 and p == length - 1 else f"of 0–{length - 1}"
    text = f"{unit} {p} only ({of}; positions=[{position}])"
    if rollout and position < 0:
        more = "generated token" if kind == "lm" else "rollout step"
        text += f", and the newest {'token' if kind == 'lm' else 'step'} at every {more}"
    return text


class CausalGraph(WorkspaceWidget):
    """Nodes are internal variables; edges are measured causal effects, live.

    Every re-run of the Workspace re-measures all effects in one batched trace under
    the current edits. Click a node to edit it (the edit goes into the Workspace).

    Over a Workspace of several inputs, edges carry the mean effect over the inputs,
    its standard error and a 95% Student-t interval (the edge's tooltip reads
    "mean ± se (95% CI [lo, hi]), n=B"); node values are means over the inputs.

    Parameters
    ----------
    ws
        The Workspace.
    nodes
        Variables (each component becomes a node), site paths, attention heads
        (:func:`iwm_widgets.attention_heads`), output nodes
        (:func:`iwm_widgets.output_node`), or ``"auto"`` (every layer + the output).
    threshold
        Only edges with ``|effect|`` above it are drawn and scored.
    delta
        Shift applied to each Variable node when measuring effects (default: the
        std of its readout over the input's positions).
    intervention, value
        How each node is intervened on to measure its effects (``"auto"``, ``"shift"``,
        ``"zero"``, ``"mean"``, ``"set"`` with ``value``; see
        :func:`iwm_widgets.causal_effects`).
    significant
        Draw, export and score only edges whose 95% interval excludes 0 (needs a
        Workspace of two or more inputs).
    layout
        ``"layered"`` (default: x = depth in the forward pass) or ``"spatial"``: nodes
        where their particles are, in a square box (needs ``positions``).
    positions
        ``"spatial"``: ``[len(nodes), 2]`` box coordinates (x, y up) per node, e.g.
        :func:`~iwm_widgets.widgets.system_view.particle_positions` of a springs
        Workspace for one node per particle.
    particles
        ``"spatial"``: the particle of each node; its node gets the particle's colour
        (the :class:`~iwm_widgets.widgets.system_view.SystemView`'s).

    See also :meth:`from_interactions`: a graph over particles from an ``[N, N]`` matrix
    of edge scores, with the true springs.
    """

    _esm = esm("causal_graph")

    nodes = traitlets.List(traitlets.Dict(), help="Node records with layout.").tag(sync=True)
    edges = traitlets.Dict(
        help="{buffer, dtype, shape=[E, 3]}: source, target, effect; over several inputs "
        "[E, 6]: source, target, mean, se, lo, hi (the 95% interval)."
    ).tag(sync=True)
    n_inputs = traitlets.Int(1, help="How many inputs the effects are averaged over.").tag(
        sync=True
    )
    significant = traitlets.Bool(
        False, help="Only edges whose 95% interval excludes 0 (two or more inputs)."
    ).tag(sync=True)
    edge_threshold = traitlets.Float(0.1, help="Edges with |effect| below are hidden.").tag(
        sync=True
    )
    colour_by = traitlets.Unicode("value", help="'value' or 'moved'.").tag(sync=True)
    selected = traitlets.Unicode("", help="Id of the node whose editor is open.").tag(sync=True)
    output = traitlets.Dict(help="{label, before, after}: the output readout.").tag(sync=True)
    score = traitlets.Dict(help="Ground-truth precision/recall (zoo models).").tag(sync=True)
    graph_layout = traitlets.Enum(
        LAYOUTS,
        "layered",
        help="'layered' (x = depth) or 'spatial' (where the particles are); the "
        "constructor's layout= (ipywidgets' own `layout` trait is the widget's CSS box).",
    ).tag(sync=True)
    true_edges = traitlets.List(
        traitlets.List(traitlets.Int()),
        help="True edges [[i, j], ...] by node index, drawn faintly under the recovered "
        "ones; a recovered edge not among them is drawn dashed red ([] when unknown).",
    ).tag(sync=True)
    directed = traitlets.Bool(
        True, help="Edges are directed (arrowheads); False: one undirected edge per pair."
    ).tag(sync=True)
    ops = traitlets.List(
        traitlets.Dict(),
        help="The node editor's ops, from the table of edit ops (tracing/ops.py): "
        "{name, label, field, default, text, kinds} each; a node's `editable` names some.",
    ).tag(sync=True)

    def __init__(
        self,
        ws: Workspace,
        nodes: Sequence[Any] | str = "auto",
        *,
        threshold: float = 0.1,
        delta: Any = None,
        intervention: Any = "auto",
        value: Any = None,
        significant: bool = False,
        layout: str = "layered",
        positions: Any = None,
        particles: Sequence[int] | None = None,
    ) -> None:
        self._auto = isinstance(nodes, str) and nodes == "auto"  # a session saves "auto"
        ns = auto_nodes(ws) if self._auto else as_nodes(list(nodes))
        if len(ns) > MAX_NODES:
            raise InputError(
                f"{len(ns)} nodes is more than the browser budget of {MAX_NODES}; "
                "pick fewer sites or group them"
            )
        for n in ns:
            if n.site is not None:
                ws.model.check_site(n.site)
        self._nodes = ns
        self._spatial = self._check_spatial(layout, positions, particles, len(ns))
        self._measure = {"delta": delta, "intervention": intervention, "value": value}
        self._edit_ids: dict[str, str] = {}
        self._placed: tuple[dict[str, int], list[tuple[float, float]]] | None = None
        self.effects: CausalEffects | None = None
        self.exports: dict[str, str] = {}
        super().__init__(ws)
        self.ops = editor_specs()
        self.edge_threshold = float(threshold)
        self.graph_layout = layout
        self._check_upstream(significant)
        self.significant = bool(significant)
        self.on_msg(self._on_msg)
        self.observe(self._on_threshold, names=["edge_threshold"])
        self.observe(self._on_significant, names=["significant"])
        self._start()

    def _sites(self) -> list[str]:
        return sorted({str(n.site) for n in self._nodes if n.site is not None})

    def add_node(self, node: Any) -> list[Node]:
        """Add a node after the graph was made: a Variable (one node per component, e.g. a
        discovered feature from :meth:`FeatureBrowser.make_dial
        <iwm_widgets.FeatureBrowser.make_dial>`), a site or a :class:`Node`.

        It must be upstream of another node, as in the constructor. The graph is laid out
        again and the Workspace re-runs (the effects are re-measured with the new node).
        Returns the nodes added.
        """
        new = as_nodes([node])
        have = {n.id for n in self._nodes}
        dup = sorted(n.id for n in new if n.id in have)
        if dup:
            raise InputError(f"the graph already has nodes {dup}")
        if len(self._nodes) + len(new) > MAX_NODES:
            raise InputError(f"more than the browser budget of {MAX_NODES} nodes")
        for n in new:
            if n.site is not None:
                self.ws.model.check_site(n.site)
        old = self._nodes
        self._nodes = [*old, *new]
        try:
            self._check_upstream(self.significant)
        except Exception:
            self._nodes = old
            raise
        if self._auto:  # a session saves the nodes now, not "auto"
            self._auto = False
        self._placed = None
        self._update_reads()
        for key, fn in self._measurements().items():  # the measurement of the new nodes
            self.ws.add_measure(self, key, fn)
        self.ws.request_run()
        return new

    @staticmethod
    def _check_spatial(
        layout: Any, positions: Any, particles: Sequence[int] | None, n: int
    ) -> tuple[list[tuple[float, float]], list[str]] | None:
        """``(layout coordinates, node colours)`` of a spatial layout, or None."""
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
        if layout == "layered":
            if positions is not None or particles is not None:
                raise ValueError("positions= and particles= go with layout='spatial'")
            return None
        if positions is None:
            raise ValueError(
                "layout='spatial' needs positions: one (x, y) per node, e.g. "
                "iwm_widgets.widgets.system_view.particle_positions(ws); or use "
                "CausalGraph.from_interactions(ws, scores) for a graph over particles"
            )
        colors = [""] * n
        if particles is not None:
            ps = list(particles)
            if len(ps) != n:
                raise ValueError(f"particles must name one particle per node ({n}), got {len(ps)}")
            colors = [particle_color(int(p)) for p in ps]
        return spatial_layout(positions, n), colors

    def _check_upstream(self, significant: bool) -> None:
        ce = causal_effects(self.ws, self._nodes, **self._measure, significant=significant)
        lonely = [
            n.id
            for i, n in enumerate(self._nodes)
            if n.kind != "output" and not bool(ce.downstream[i].any())
        ]
        if lonely:
            raise InputError(
                f"nodes {lonely} are not upstream of any other node: add a later "
                "node or an output node, or drop them"
            )

    # ---- drawing --------------------------------------------------------
    def _depths(self) -> dict[str, int]:
        """Layer of each node: its site's place in the forward pass; outputs last."""

        def key(n: Node) -> tuple[bool, tuple[int, int]]:
            return (n.kind == "output", self.ws.model.order_key(n.site) if n.site else (0, 0))

        order = sorted({key(n) for n in self._nodes})
        return {n.id: order.index(key(n)) for n in self._nodes}

    def _layout(self, depth: dict[str, int]) -> list[tuple[float, float]]:
        """Node positions in [0, 1]²: networkx's layered layout, by depth."""
        import networkx as nx

        g = nx.DiGraph()
        for n in self._nodes:
            g.add_node(n.id, layer=depth[n.id])
        pos = nx.multipartite_layout(g, subset_key="layer")
        # keep the user's node order within a layer (networkx may permute it)
        for layer in set(depth.values()):
            ids = [n.id for n in self._nodes if depth[n.id] == layer]
            ys_sorted = sorted((float(pos[i][1]) for i in ids), reverse=True)
            for i, y in zip(ids, ys_sorted, strict=True):
                pos[i] = (pos[i][0], y)
        xs = [float(p[0]) for p in pos.values()]
        ys = [float(p[1]) for p in pos.values()]

        def norm(v: float, lo: float, hi: float) -> float:
            return 0.5 if hi - lo < 1e-9 else (v - lo) / (hi - lo)

        return [
            (
                norm(float(pos[n.id][0]), min(xs), max(xs)),
                norm(float(pos[n.id][1]), min(ys), max(ys)),
            )
            for n in self._nodes
        ]

    def _measurements(self) -> dict[str, Any]:
        """The graph's causal effects, measured by the Workspace after each run of the
        state they belong to (one scheduler: latest wins, one lock)."""
        model, nodes, measure = self.ws.model, self._nodes, self._measure

        def effects(result: Any) -> CausalEffects:
            return causal_effects(
                model, nodes, result.inputs, edits=result.edits, result=result, **measure
            )

        return {f"causal_effects:{id(self)}": effects}

    def _redraw(self, result: Any) -> None:
        live = {e.id for e in result.edits}  # edits removed elsewhere (e.g. clear_edits)
        self._edit_ids = {k: v for k, v in self._edit_ids.items() if v in live}
        ce = result.measures.get(f"causal_effects:{id(self)}")
        stale = isinstance(ce, CausalEffects) and len(ce.nodes) != len(self._nodes)
        if ce is None or stale:  # a result from before this graph was attached (or grew)
            ce = self._measurements()[f"causal_effects:{id(self)}"](result)
        if isinstance(ce, BaseException):
            raise ce
        self.effects = ce
        base = self.ws.baseline
        before = torch.stack([n.readout(base).mean() for n in self._nodes]) if base else ce.values
        if self._placed is None:  # the nodes never change: lay them out once
            depth = self._depths()
            spatial = self._spatial
            self._placed = (depth, spatial[0] if spatial else self._layout(depth))
        depth, layout = self._placed
        edited = set(self._edit_ids)
        length = int(result.output.shape[1]) if result.output.ndim >= 2 else 0
        kind, rollout = self.ws.model.kind, int(getattr(self.ws, "rollout_steps", 0) or 0) > 0
        self.nodes = [
            {
                "id": n.id,
                "label": n.label or n.id,
                "kind": n.kind,
                "layer": depth[n.id],
                "x": layout[i][0],
                "y": layout[i][1],
                "value": float(ce.values[i]),
                "moved": float(ce.values[i] - before[i]),
                "site": str(n.site or ""),
                "edited": n.id in edited,
                "truth": n.truth,
                "color": self._spatial[1][i] if self._spatial else "",
                "editable": editor_ops(n.kind),  # outputs are read, not edited
                # what the editor's edit edits (every op of it: positions=[n.position])
                "scope": ""
                if n.kind == "output"
                else edit_scope(n.position, length, kind, rollout),
            }
            for i, n in enumerate(self._nodes)
        ]
        self._send_edges()
        outs = [i for i, n in enumerate(self._nodes) if n.kind == "output"]
        if outs:
            i = outs[0]
            self.output = {
                "label": self._nodes[i].label,
                "before": float(before[i]),
                "after": float(ce.values[i]),
            }
        self._set_score()

    def _send_edges(self) -> None:
        """``edges`` from the current effects: ``[E, 3]`` for one input, ``[E, 6]`` (with
        se, lo, hi) for several; only significant ones when ``significant``."""
        ce = self.effects
        if ce is None:
            return
        assert ce.se is not None and ce.lo is not None and ce.hi is not None
        edges = ce.edges(0.0, self.significant and ce.n > 1)
        if len(edges) > MAX_EDGES:  # aggregate: keep the strongest, say so in the title
            edges = sorted(edges, key=lambda e: -abs(e[2]))[:MAX_EDGES]
        if ce.n > 1:
            rows = [
                (a, b, e, float(ce.se[a, b]), float(ce.lo[a, b]), float(ce.hi[a, b]))
                for a, b, e in edges
            ]
            self.edges = to_buffer(torch.tensor(rows, dtype=torch.float32).reshape(-1, 6))
        else:
            self.edges = to_buffer(torch.tensor(edges, dtype=torch.float32).reshape(-1, 3))
        self.n_inputs = ce.n

    def _on_threshold(self, change: dict[str, Any]) -> None:
        self._set_score()

    def _on_significant(self, change: dict[str, Any]) -> None:
        if change["new"] and self.effects is not None and self.effects.n < 2:
            self.error = (
                "InputError: significant=True needs two or more inputs (a batch): with one "
                "input an effect has no interval"
            )
            self.significant = False
            return
        with self.hold_sync():
            self._send_edges()
            self._set_score()

    def _set_score(self) -> None:
        """Ground-truth precision/recall at the current threshold ({} when nothing to score)."""
        spec = self.ws.model.spec
        if self.effects is None or spec is None:
            return
        s = self.effects.score(
            spec.true_graph(), self.edge_threshold, self.significant and self.effects.n > 1
        )
        self.score = (
            {}
            if not s["true_edges"] and not s["found_edges"]
            else {
                k: s[k]
                for k in ("precision", "recall", "true_edges", "found_edges", "missed", "extra")
            }
        )

    # ---- editing --------------------------------------------------------
    def edit_node(self, node_id: str, op: str, value: float | None = None) -> None:
        """Edit a node with one of its ops (``node["editable"]``: ``"set"``/``"scale"``/
        ``"ablate"`` by default; ``"set"`` of a Variable clamps its readout to the value);
        the edit applies at the node's position only (``node["scope"]`` says which time
        step or token); the graph re-runs."""
        n = next((n for n in self._nodes if n.id == node_id), None)
        try:
            if n is None:
                raise EditError(f"no node {node_id!r}")
            if n.kind == "output":
                raise EditError(f"{node_id!r} is an output; it can be read, not edited")
            e = self._make_edit(n, op, value)
            old = self._edit_ids.get(node_id)
            e = e.with_(id=old) if old else e
            self._edit_ids[node_id] = e.id  # before the re-run, which draws it as edited
            try:
                self.ws.swap_edits([], [e])
            except Exception:
                if old:
                    self._edit_ids[node_id] = old
                else:
                    del self._edit_ids[node_id]
                raise
        except Exception as err:
            self.error = _message(err)
            raise

    def _make_edit(self, n: Node, op: str, value: float | None) -> Edit:
        """The edit of node ``n``, built by the op's editor (the table in tracing/ops.py)."""
        found = find_op(op)
        editor = found.editor if found is not None else None
        if editor is not None and editor.field and value is None:
            raise EditError(f"{op} needs a value")
        if editor is None or n.kind not in editor.kinds:
            raise EditError(
                f"{op!r} is not an edit for a {n.kind} node; "
                f"its edits: {', '.join(editor_ops(n.kind)) or 'none'}"
            )
        current: torch.Tensor | None = None
        ce = self.effects
        if ce is not None:
            i = self._nodes.index(n)
            per_input = ce.meta.get("input_values") if ce.n > 1 else None
            current = ce.values[i].reshape(1) if per_input is None else per_input[:, i]
        return editor.build(Edit, n, value, current, f"graph node {n.id}")

    def remove_node_edit(self, node_id: str) -> None:
        """Remove the edit on a node."""
        eid = self._edit_ids.pop(node_id, None)
        if eid is not None and any(e.id == eid for e in self.ws.edits):
            self.ws.remove_edit(eid)

    def _on_msg(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        kind = content.get("type")
        try:
            if kind == "edit":
                v = content.get("value")
                self.edit_node(
                    str(content.get("node")),
                    str(content.get("op")),
                    None if v is None else float(v),
                )
            elif kind == "remove_edit":
                self.remove_node_edit(str(content.get("node")))
            elif kind == "export":
                self.exports[str(content.get("format"))] = str(content.get("data"))
        except Exception:
            pass  # shown in the widget through `error`

    # ---- export ---------------------------------------------------------
    def to_networkx(self, threshold: float | None = None) -> Any:
        """The current graph as a ``networkx.DiGraph`` with effect sizes on edges (over
        several inputs: ``mean``, ``se``, ``lo``, ``hi``, ``n``)."""
        if self.effects is None:
            raise RuntimeError("the graph has not run yet")
        return self.effects.to_networkx(
            self.edge_threshold if threshold is None else threshold,
            self.significant and self.effects.n > 1,
        )

    def to_json(self) -> str:
        """Nodes and edges as JSON (node-link format)."""
        import networkx as nx

        return json.dumps(nx.node_link_data(self.to_networkx(), edges="edges"))

    def save(self, path: str | Path) -> Path:
        """Write ``.graphml`` / ``.json`` from Python, or ``.png`` / ``.svg`` exported
        by the browser (click the PNG/SVG button first)."""
        import base64

        import networkx as nx

        path = Path(path)
        ext = path.suffix.lower()
        if ext == ".graphml":
            nx.write_graphml(self.to_networkx(), path)
        elif ext == ".json":
            path.write_text(self.to_json())
        elif ext in (".png", ".svg"):
            data = self.exports.get(ext[1:])
            if data is None:
                raise RuntimeError(
                    f"no {ext[1:].upper()} exported yet: click the button in the widget first"
                )
            if ext == ".png":
                path.write_bytes(base64.b64decode(data.split(",", 1)[1]))
            else:
                path.write_text(data)
        else:
            raise ValueError(f"unknown format {ext!r}: use .graphml, .json, .png or .svg")
        return path

    # ---- sessions (iwm_widgets.session) --------------------------------
    def settings(self) -> dict[str, Any]:
        """The graph's user-facing settings (nodes, threshold, how effects are measured),
        as a session saves them; ``edit_ids`` keep the node edits under their ids.

        Raises ``SessionError`` for an output node of your own: its function is code,
        which a session does not hold. ``"auto"`` graphs are saved as ``"auto"``, and
        the output nodes of :func:`auto_nodes` by their id.
        """
        from ..errors import SessionError

        nodes: Any = "auto"
        if not self._auto:
            builtin = _builtin_outputs(self.ws)
            nodes = []
            for n in self._nodes:
                b = builtin.get(n.id)
                same = b is not None and getattr(n.fn, "__code__", None) is getattr(
                    b.fn, "__code__", ()
                )
                if n.fn is not None and not same:
                    raise SessionError(
                        f"output node {n.id!r} computes its value with a Python function, "
                        "which a session cannot hold"
                    )
                nodes.append(
                    {
                        "id": n.id,
                        "kind": n.kind,
                        "site": n.site,
                        "variable": n.variable,
                        "position": int(n.position),
                        "truth": n.truth,
                        "label": n.label,
                        "features": None if n.features is None else list(n.features),
                    }
                )
        return {
            "nodes": nodes,
            "threshold": float(self.edge_threshold),
            "delta": self._measure["delta"],
            "intervention": self._measure["intervention"],
            "value": self._measure["value"],
            "colour_by": self.colour_by,
            "edit_ids": dict(self._edit_ids),
        }

    @classmethod
    def from_settings(cls, ws: Workspace, settings: dict[str, Any]) -> CausalGraph:
        """The graph :meth:`settings` describes, on ``ws``."""
        from ..session import expect_keys

        s = expect_keys(settings, SETTINGS, "CausalGraph settings")
        nodes: Any = s["nodes"]
        if not (isinstance(nodes, str) and nodes == "auto"):
            keys = ("id", "kind", "site", "variable", "position", "truth", "label", "features")
            builtin = _builtin_outputs(ws)
            made = []
            for i, d in enumerate(nodes):
                d = expect_keys(d, keys, f"CausalGraph node {i}")
                fn = None
                if d["kind"] == "output":
                    if d["id"] not in builtin:
                        raise InputError(
                            f"output node {d['id']!r} is none of {sorted(builtin)}; "
                            "a session restores only those"
                        )
                    fn = builtin[d["id"]].fn
                feats = d["features"]
                made.append(
                    Node(
                        d["id"],
                        d["kind"],
                        d["site"],
                        d["variable"],
                        int(d["position"]),
                        fn,
                        truth=d["truth"],
                        label=d["label"],
                        features=None if feats is None else (int(feats[0]), int(feats[1])),
                    )
                )
            nodes = made
        g = cls(
            ws,
            nodes,
            threshold=float(s["threshold"]),
            delta=s["delta"],
            intervention=s["intervention"],
            value=s["value"],
        )
        live = {e.id for e in ws.edits}
        saved = {str(k): str(v) for k, v in dict(s["edit_ids"]).items()}
        g._edit_ids = {k: v for k, v in saved.items() if v in live}
        g.nodes = [{**n, "edited": n["id"] in g._edit_ids} for n in g.nodes]
        g.colour_by = s["colour_by"]
        return g

    @classmethod
    def from_interactions(
        cls,
        ws: Workspace,
        scores: Any,
        *,
        truth: Any = None,
        threshold: float = 0.5,
        positions: Any = None,
        system: int = 0,
    ) -> ParticleGraph:
        """A graph over the particles of a springs Workspace from edge scores.

        Nodes are the particles, placed where they are in the input's last frame
        (``layout="spatial"``), coloured as in the
        :class:`~iwm_widgets.widgets.system_view.SystemView`; an edge ``i → j`` for
        each score above ``threshold`` (width = score). With ``truth``, the true
        springs are drawn faintly underneath, a recovered edge that is no spring is
        drawn dashed red, and the header scores precision and recall.

        Parameters
        ----------
        ws
            A Workspace of a springs model (its input gives the positions).
        scores
            ``[N, N]`` edge scores (numpy or torch; e.g. the graph recovered from the
            model, ``scores[i, j]`` = effect of particle ``i`` on particle ``j``), or
            ``[B, N, N]`` for a batch of systems (row ``system``). A symmetric matrix
            gives one undirected edge per pair.
        truth
            ``[N, N]`` 0/1 true adjacency (``truth["adjacency"]`` of
            ``model.sample(seed, latents=True)``); ``None``: the Workspace's truth if it
            has one, else no truth.
        threshold
            Edges with a score at or below it are not drawn (nor scored).
        positions
            ``[N, 2]`` box coordinates per particle (default: the input's last frame).
        system
            The batch row of ``scores`` and of the input.
        """
        return ParticleGraph(
            ws, scores, truth=truth, threshold=threshold, positions=positions, system=system
        )


class ParticleGraph(CausalGraph):
    """A graph over the particles of a springs world from given edge scores
    (:meth:`CausalGraph.from_interactions`): nothing is measured; the nodes sit where
    the particles are, the edges are the scores, and the true springs lie underneath."""

    def __init__(
        self,
        ws: Workspace,
        scores: Any,
        *,
        truth: Any = None,
        threshold: float = 0.5,
        positions: Any = None,
        system: int = 0,
    ) -> None:
        from .system_view import particle_positions

        if not isinstance(ws, Workspace):
            raise TypeError(f"expected a Workspace, got {type(ws).__name__}")
        n = int(getattr(ws.model.spec, "n_particles", 0) or 0)
        if positions is None:
            positions = particle_positions(ws, row=system)  # a clear error for non-springs
        n = n or int(torch.as_tensor(positions).shape[0])
        s = torch.as_tensor(
            scores.detach().cpu() if isinstance(scores, torch.Tensor) else scores,
            dtype=torch.float64,
        )
        if s.ndim == 3:
            if not 0 <= system < s.shape[0]:
                raise InputError(
                    f"system {system} is out of range: scores has {s.shape[0]} systems"
                )
            s = s[system]
        s = _pairs_of(s, n, "scores")
        if truth is None and ws.truth is not None and "adjacency" in ws.truth:
            adj = ws.truth["adjacency"]
            truth = adj[system] if getattr(adj, "ndim", 2) == 3 else adj
        t = None if truth is None else _pairs_of(truth, n, "truth")
        if t is not None and not bool(((t == 0) | (t == 1)).all()):
            raise InputError("truth must be a 0/1 adjacency matrix")
        self._scores = s
        self._truth_adj = t
        self._directed = not bool(torch.allclose(s, s.T))
        self._positions = torch.as_tensor(positions, dtype=torch.float64).reshape(n, 2)
        self._n = n
        self._spatial = (spatial_layout(self._positions, n), [particle_color(i) for i in range(n)])
        self._nodes = []
        self._auto = False
        self._measure = {}
        self._edit_ids = {}
        self._placed = None
        self.effects = None
        self.exports = {}
        WorkspaceWidget.__init__(self, ws)
        with self.hold_sync():
            self.ops = []
            self.graph_layout = "spatial"
            self.directed = self._directed
            self.edge_threshold = float(threshold)
            self.true_edges = self._true_pairs()
        self.on_msg(self._on_msg)
        self.observe(self._on_threshold, names=["edge_threshold"])
        self._start()

    def _true_pairs(self) -> list[list[int]]:
        t, n = self._truth_adj, self._n
        if t is None:
            return []
        if self._directed:
            return [[i, j] for i in range(n) for j in range(n) if i != j and t[i, j] != 0]
        return [[i, j] for i in range(n) for j in range(i + 1, n) if t[i, j] != 0 or t[j, i] != 0]

    def _sites(self) -> list[str]:
        return []

    def _measurements(self) -> dict[str, Any]:
        return {}

    def _pairs(self) -> list[tuple[int, int, float]]:
        n, s = self._n, self._scores
        if self._directed:
            return [(i, j, float(s[i, j])) for i in range(n) for j in range(n) if i != j]
        return [(i, j, float(s[i, j])) for i in range(n) for j in range(i + 1, n)]

    def _redraw(self, result: Any) -> None:
        assert self._spatial is not None
        layout, colors = self._spatial
        self.nodes = [
            {
                "id": f"particle {i}",
                "label": f"particle {i}",
                "kind": "variable",
                "layer": 0,
                "x": layout[i][0],
                "y": layout[i][1],
                "value": float(self._scores[i].abs().sum() - self._scores[i, i].abs()),
                "moved": 0.0,
                "site": "",
                "edited": False,
                "truth": f"particle_{i}",
                "color": colors[i],
                "editable": [],
                "scope": "",
            }
            for i in range(self._n)
        ]
        rows = self._pairs()
        self.edges = to_buffer(torch.tensor(rows, dtype=torch.float32).reshape(-1, 3))
        self.n_inputs = 1
        self._set_score()

    def _set_score(self) -> None:
        t = self._truth_adj
        if t is None:
            self.score = {}
            return
        th = float(self.edge_threshold)
        arrow = "->" if self._directed else "–"
        found = {(i, j) for i, j, v in self._pairs() if abs(v) > th}
        true = {(i, j) for i, j in (tuple(p) for p in self._true_pairs())}
        tp = len(found & true)
        self.score = {
            "precision": tp / len(found) if found else 1.0,
            "recall": tp / len(true) if true else 1.0,
            "true_edges": len(true),
            "found_edges": len(found),
            "missed": sorted(f"particle {i} {arrow} particle {j}" for i, j in true - found),
            "extra": sorted(f"particle {i} {arrow} particle {j}" for i, j in found - true),
        }

    def positions(self) -> torch.Tensor:
        """The particles' positions the nodes are drawn at: ``[N, 2]`` (box, y up)."""
        return self._positions.float().clone()

    def add_node(self, node: Any) -> list[Node]:
        raise InputError("a graph of given edge scores has its particles as nodes; add none")

    def edit_node(self, node_id: str, op: str, value: float | None = None) -> None:
        err = EditError("a graph of given edge scores has no model nodes to edit")
        self.error = _message(err)
        raise err

    def to_networkx(self, threshold: float | None = None) -> Any:
        """The particles and the edges above ``threshold`` (attribute ``score``; ``true``
        when the truth is known)."""
        import networkx as nx

        th = float(self.edge_threshold if threshold is None else threshold)
        g = nx.DiGraph() if self._directed else nx.Graph()
        for i in range(self._n):
            x, y = (float(v) for v in self._positions[i])
            g.add_node(f"particle {i}", particle=i, x=x, y=y)
        true = {tuple(p) for p in self._true_pairs()}
        for i, j, v in self._pairs():
            if abs(v) > th:
                attrs: dict[str, Any] = {"score": v}
                if self._truth_adj is not None:
                    attrs["true"] = (i, j) in true
                g.add_edge(f"particle {i}", f"particle {j}", **attrs)
        return g

    def settings(self) -> dict[str, Any]:
        from ..errors import SessionError

        raise SessionError("a graph of given edge scores is data, not settings: save the scores")


SETTINGS = ("nodes", "threshold", "delta", "intervention", "value", "colour_by", "edit_ids")


def _builtin_outputs(ws: Workspace) -> dict[str, Node]:
    """The output nodes of :func:`auto_nodes`, by id: a session names them, never codes them."""
    return {n.id: n for n in auto_nodes(ws) if n.kind == "output"}
