"""CognitiveMap: does a taxi route model carry a map of its city?

The true city (intersections on the grid, streets, one-way streets, diagonals, closed
streets), where a position probe decodes every intersection (a dot and a displacement
arrow from its true place), the model's implied map (false and missing streets, the
reconstruction of Vafa et al. 2024), and the Workspace's route with the model's
next-token distribution at one step. Clicking an intersection steers the model's "where
am I" variable there (one Workspace edit) and says whether the predicted move is legal
at the steered-to intersection, at the true one, or both.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch
import traitlets

from ..errors import InputError
from ..tracing import Edit, Site
from ..tracing._threads import one_torch_thread
from ..tracing.cognitive_map import (
    DecodedPositions,
    ImpliedGraph,
    PositionProbe,
    decoded_positions,
    implied_graph,
    position_probe,
)
from ..transport import to_buffer
from ..workspace import Workspace
from ..zoo.city_taxi import OFFSETS
from ._base import WorkspaceWidget, _message, esm

__all__ = ["SEED_BASE", "CognitiveMap", "route_steps"]

#: Routes the widget samples for its own probe and maps: ``SEED_BASE + 10 * seed`` (probe
#: train), ``+ 1`` (probe test) and ``+ 2`` (the held-out routes of the maps); apart from
#: the training (``TRAIN_SEED_BASE``), card and test seeds of the zoo.
SEED_BASE = 40_000_000
METHODS = ("mean_diff", "probe")


def _city_spec(ws: Workspace) -> Any:
    """The city-taxi zoo entry of ``ws``'s model, or a clear InputError."""
    spec = ws.model.spec
    needed = ("city", "legal_in", "state", "sample_routes", "node_xy", "move_ids")
    if ws.model.kind != "world" or spec is None or not all(hasattr(spec, a) for a in needed):
        what = getattr(spec, "name", None) or ws.model.name
        raise InputError(
            f"CognitiveMap shows a city-taxi world (routes through a city), but {what!r} is "
            "not one: load iwm.load('city-taxi') or 'city-taxi-shortest' and make its "
            "Workspace from model.sample(seed, latents=True)"
        )
    x = ws.inputs
    if not isinstance(x, torch.Tensor) or x.ndim != 2 or x.is_floating_point():
        shape = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError(f"CognitiveMap needs token ids [batch, tokens], got {shape}")
    return spec


def route_steps(spec: Any, ids: Any) -> dict[str, Any]:
    """The truth of one route's tokens ``ids`` ``[T]``, step by step, from the automaton.

    Works for a whole route (``..., END``, padding after it) and for a route cut short
    (a prompt). Returns ``tokens``, ``states`` (the DFA state after each token),
    ``node`` (the intersection at each step, ``-1`` before the origin is read),
    ``destination`` and ``steps``: the positions where the taxi stands at an
    intersection and the next token is a move or ``END`` (the destination token and the
    moves).

    Raises
    ------
    InputError
        A token that is not legal where it stands.
    """
    row = [int(t) for t in torch.as_tensor(ids).reshape(-1).tolist()]
    tokens = [spec.vocab[t] for t in row]
    states: list[tuple[Any, ...]] = []
    node: list[int] = []
    for t in range(len(row)):
        st = spec.state(row[: t + 1])
        if st[0] == "dead":
            if row[t] == spec.pad_id and states and states[-1][0] == "end":
                st = states[-1]  # padding after END
            else:
                raise InputError(
                    f"CognitiveMap needs a legal route: token {t} ({tokens[t]!r}) is not "
                    f"legal after {' '.join(tokens[:t]) or 'nothing'}"
                )
        states.append(st)
        prev = node[-1] if node else -1
        node.append(int(st[1]) if st[0] in ("origin", "route") else prev)
    steps = [t for t, st in enumerate(states) if st[0] == "route"]
    dest = next((int(st[2]) for st in states if st[0] == "route"), -1)
    return {"tokens": tokens, "states": states, "node": node, "destination": dest, "steps": steps}


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


class CognitiveMap(WorkspaceWidget):
    """The city, the model's map of it, and its "where am I" under steering.

    Drawn: the true city (intersections at their grid places, y up; streets, one-way
    streets with an arrowhead, diagonals, closed streets crossed out); the probe-decoded
    position of every intersection (mean over held-out routes' move tokens) as a dot
    with an arrow from its true place; on request the model's implied map (false edges
    red, missing edges dashed; counts, precision and recall; the probe's R² at the layer
    and its shuffled control); and batch row 0 of the Workspace's route with a step
    strip. At the shown :attr:`step`: the true intersection, the position the probe
    decodes from the latest Workspace result (after every run) and the model's
    next-token distribution as arrows out of the intersection (width ∝ probability,
    legal moves in one colour, illegal in another, ``END`` a ring).

    Steering: clicking an intersection ``b`` (or :meth:`steer_to`) adds ONE Workspace
    edit, replacing this view's previous one: ``Edit.add`` at the probe's layer, at the
    shown step only, of ``node_mean[b] - node_mean[a]`` (``a`` the true intersection
    there; means over the probe's train routes) or, with ``method="probe"``, the probe's
    encoding direction for the shift ``xy(b) - xy(a)`` (as
    :func:`~iwm_widgets.tracing.cognitive_map.steer_position`). The predicted arrows
    are then drawn at ``a`` and at ``b``, each coloured by what is legal there, and the
    view says whether the top token is legal at ``b`` and at ``a``.
    :meth:`clear_steering` removes only that edit; choosing another step removes it too
    (an edit is at one position).

    The step follows ``ws.selection`` (another view's selected position, e.g. an
    ActivationMap's cell) and choosing a step sets ``ws.selection`` to
    ``{"site": layer, "position": step}``.

    Parameters
    ----------
    ws
        A Workspace of a city-taxi model (``iwm.load("city-taxi")`` or
        ``"city-taxi-shortest"``) made from ``model.sample(seed, latents=True)`` (or any
        legal route's token ids). Batch row 0 is shown.
    probe
        A :class:`~iwm_widgets.tracing.cognitive_map.PositionProbe` of this model.
        ``None``: fit one on ``n_routes`` fresh routes (and ``n_routes // 2`` held out to
        score it; seeds from :data:`SEED_BASE`).
    layer
        The probe's layer drawn and steered (default: its best layer).
    routes
        Held-out ``(ids, truth)`` routes for the decoded positions and the implied map
        (``spec.sample_routes``). ``None``: ``n_routes`` fresh ones.
    implied
        A precomputed :class:`~iwm_widgets.tracing.cognitive_map.ImpliedGraph`
        (``None``: :func:`~iwm_widgets.tracing.cognitive_map.implied_graph` of ``routes``).
    n_routes
        How many routes to sample for what is not given.
    seed
        Which fresh routes.
    """

    _esm = esm("cognitive_map")

    title = traitlets.Unicode("", help="Title shown above the map.").tag(sync=True)
    size = traitlets.Int(0, help="The grid's side (intersections per row).").tag(sync=True)
    node_xy = traitlets.Dict(help="{buffer, dtype, shape=[N, 2]}: true (x, y) of each node.").tag(
        sync=True
    )
    streets: traitlets.List[list[Any]] = traitlets.List(
        help="The city's street segments [u, v, kind, one_way]: kind 'street' or "
        "'diagonal'; one_way true: traversable u -> v only."
    ).tag(sync=True)
    closed: traitlets.List[list[int]] = traitlets.List(
        help="Closed streets [[u, v], ...] (grid neighbours, no street)."
    ).tag(sync=True)
    move_offsets = traitlets.Dict(help="{move: [dx, dy]}: the grid offset of each move token.").tag(
        sync=True
    )
    decoded_xy = traitlets.Dict(
        help="{buffer, dtype, shape=[N, 2]}: mean probe-decoded (x, y) per node (NaN: unvisited)."
    ).tag(sync=True)
    counts = traitlets.List(
        traitlets.Int(), help="Move tokens each decoded position averages, per node."
    ).tag(sync=True)
    implied_edges = traitlets.Dict(
        help="The implied map: {false, missing: [[node, move, to], ...], n_true, precision, "
        "recall, n_prefixes} (to = -1: off the grid)."
    ).tag(sync=True)
    show_implied = traitlets.Bool(
        False, help="Draw the implied map's false and missing streets."
    ).tag(sync=True)
    probe_info = traitlets.Dict(
        help="{layer, r2, r2_shuffled, dead_reckoning, mean_error}: the probe at the layer."
    ).tag(sync=True)
    tokens = traitlets.List(traitlets.Unicode(), help="The route's tokens (batch row 0).").tag(
        sync=True
    )
    route_nodes = traitlets.List(
        traitlets.Int(), help="The true intersection after each token (-1 before the origin)."
    ).tag(sync=True)
    destination = traitlets.Int(-1, help="The route's destination.").tag(sync=True)
    steps = traitlets.List(
        traitlets.Int(), help="The steps that can be shown: the destination token and the moves."
    ).tag(sync=True)
    step = traitlets.Int(0, help="The route position shown (default: the last move token).").tag(
        sync=True
    )
    live = traitlets.Dict(
        help="At the shown step, from the latest result: {step, node, target, decoded, "
        "probs (buffer [9]: the moves then END), others (p of every other token), legal_node, "
        "legal_target ([9] bool), top, top_p, legal_at_true, legal_at_target, base_top, "
        "base_p}."
    ).tag(sync=True)
    steering = traitlets.Dict(
        help="{} or {target, source, step, layer, method, scale, norm, id}: this view's edit."
    ).tag(sync=True)
    steer_method = traitlets.Unicode(
        "mean_diff", help="How a click steers: 'mean_diff' or 'probe'."
    ).tag(sync=True)
    steer_scale = traitlets.Float(1.0, help="Scale of a click's steering vector.").tag(sync=True)

    def __init__(
        self,
        ws: Workspace,
        probe: PositionProbe | None = None,
        layer: str | None = None,
        routes: Any = None,
        implied: ImpliedGraph | None = None,
        n_routes: int = 256,
        seed: int = 0,
    ) -> None:
        if not isinstance(ws, Workspace):
            raise TypeError(f"expected a Workspace, got {type(ws).__name__}")
        spec = _city_spec(ws)
        model = ws.model
        if isinstance(n_routes, bool) or not isinstance(n_routes, int) or n_routes < 8:
            raise InputError(f"n_routes must be an integer >= 8, got {n_routes!r}")
        if probe is not None and not isinstance(probe, PositionProbe):
            raise TypeError(
                f"probe must be a PositionProbe (iwm.position_probe), got {type(probe).__name__}"
            )
        if implied is not None and not isinstance(implied, ImpliedGraph):
            raise TypeError(
                f"implied must be an ImpliedGraph (iwm.implied_graph), got {type(implied).__name__}"
            )
        if layer is not None and layer not in model.layers:
            raise InputError(f"layer must be one of {model.layers}, got {layer!r}")
        if probe is not None:
            if probe.model_name and probe.model_name != model.name:
                raise InputError(
                    f"the probe was fitted on {probe.model_name!r}, not on {model.name!r}"
                )
            if layer is not None and layer not in probe.layers:
                raise InputError(f"the probe has no layer {layer!r}; probed: {probe.layers}")
        self._spec = spec
        self._route = route_steps(spec, ws.inputs[0])
        self._route_inputs = ws.inputs
        if not self._route["steps"]:
            raise InputError(
                "CognitiveMap needs a route with at least its origin and destination "
                f"tokens, got {' '.join(self._route['tokens'])!r}"
            )
        base = SEED_BASE + 10 * int(seed)
        with one_torch_thread():
            if probe is None:
                train = spec.sample_routes(n_routes, base)
                test = spec.sample_routes(max(n_routes // 2, 8), base + 1)
                probe = position_probe(model, train, test, layers=[layer] if layer else None)
            self.probe: PositionProbe = probe
            self.layer: str = layer or probe.best_layer
            self._var = probe.variable(self.layer)
            self._means = probe.node_means(self.layer)
            if routes is None:
                routes = spec.sample_routes(n_routes, base + 2)
            self._routes = routes
            self.decoded: DecodedPositions = decoded_positions(model, probe, routes, self.layer)
            self.implied: ImpliedGraph = (
                implied if implied is not None else implied_graph(model, routes)
            )
        self._steer: dict[str, Any] | None = None
        self._keep_steering = False
        self._from_selection = False
        super().__init__(ws)
        self._send_static()
        self.observe(self._on_step, names=["step"])
        self.on_msg(self._on_msg)
        self._start()

    # ---- what does not change -------------------------------------------
    def _sites(self) -> list[str]:
        return [self.layer]

    def _send_static(self) -> None:
        spec, g = self._spec, self._spec.city
        streets: list[list[Any]] = []
        for u, v, kind in g.edges(data="kind"):
            if g.has_edge(v, u):
                if u < v:
                    streets.append([int(u), int(v), kind, False])
            else:
                streets.append([int(u), int(v), kind, True])
        dec = torch.tensor(self.decoded.decoded_xy, dtype=torch.float32)
        imp = self.implied
        r = self._route
        p = self.probe
        with self.hold_sync():
            self.size = round(spec.n_nodes**0.5)
            self.node_xy = to_buffer(torch.as_tensor(spec.node_xy, dtype=torch.float32))
            self.streets = sorted(streets)
            self.closed = [[int(a), int(b)] for a, b in g.graph.get("closed", [])]
            self.move_offsets = {m: list(OFFSETS[m]) for m in spec.moves}
            self.decoded_xy = to_buffer(dec)
            self.counts = list(self.decoded.counts)
            self.implied_edges = {
                "false": imp.false_edges,
                "missing": imp.missing_edges,
                "n_true": len(imp.true_edges),
                "precision": _finite(imp.precision),
                "recall": _finite(imp.recall),
                "n_prefixes": imp.n_prefixes,
            }
            self.probe_info = {
                "layer": self.layer,
                "r2": _finite(p.r2[self.layer]),
                "r2_shuffled": _finite(p.r2_shuffled[self.layer]),
                "dead_reckoning": _finite(p.baselines.get("dead_reckoning", float("nan"))),
                "mean_error": _finite(self.decoded.mean_error),
            }
            self.tokens = list(r["tokens"])
            self.route_nodes = list(r["node"])
            self.destination = int(r["destination"])
            self.steps = list(r["steps"])
            self.step = self._default_step()
            self.title = f"{self.ws.model.name}: where the model thinks it is ({self.layer})"

    def _new_route(self, inputs: Any) -> None:
        """The Workspace got new inputs: show their route (this view's steering goes)."""
        route = route_steps(self._spec, inputs[0])
        if not route["steps"]:
            raise InputError("CognitiveMap needs a route with its origin and destination tokens")
        if self._steer is not None:
            sid, self._steer = self._steer["id"], None
            self.steering = {}
            if any(e.id == sid for e in self.ws.edits):
                self.ws.remove_edit(sid)
        self._route, self._route_inputs = route, inputs
        self.tokens = list(route["tokens"])
        self.route_nodes = list(route["node"])
        self.destination = int(route["destination"])
        self.steps = list(route["steps"])
        self._from_selection = True  # not another view's choice: keep ws.selection
        try:
            self.step = self._default_step()
        finally:
            self._from_selection = False

    def _default_step(self) -> int:
        return int(self._route["steps"][-1])

    # ---- the step -------------------------------------------------------
    def _check_step(self, step: Any) -> int:
        steps = self._route["steps"]
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step not in steps:
            raise InputError(
                f"step must be a position where the taxi stands at an intersection (the "
                f"destination token or a move): {steps[0]}..{steps[-1]} of this route "
                f"({' '.join(self._route['tokens'])}), got {step!r}"
            )
        return int(step)

    @traitlets.validate("step")
    def _validate_step(self, proposal: dict[str, Any]) -> int:
        if getattr(self, "_route", None) is None:
            return int(proposal["value"])
        try:
            return self._check_step(proposal["value"])
        except InputError as e:
            self.error = _message(e)
            raise traitlets.TraitError(str(e)) from e

    def _on_step(self, change: dict[str, Any]) -> None:
        self.error = ""
        new = int(change["new"])
        if self._steer is not None and not self._keep_steering and self._steer["step"] != new:
            self._drop_steering()  # the edit is at one position: it goes with its step
        else:
            self._refresh_live()
        if not self._from_selection:
            self.ws.selection = {"site": self.layer, "position": new}

    def _on_selection(self, selection: dict[str, Any]) -> None:
        pos = selection.get("position")
        if isinstance(pos, numbers.Integral) and pos in self._route["steps"] and pos != self.step:
            self._from_selection = True
            try:
                self.step = int(pos)
            finally:
                self._from_selection = False

    # ---- steering -------------------------------------------------------
    def steering_edit(
        self, node: int, step: int | None = None, method: str = "mean_diff", scale: float = 1.0
    ) -> Edit:
        """The edit that moves "where am I" from the true intersection at ``step`` (default:
        the shown step) to ``node`` (what :meth:`steer_to` adds; nothing is changed)."""
        n = self._spec.n_nodes
        if isinstance(node, bool) or not isinstance(node, numbers.Integral) or not 0 <= node < n:
            raise InputError(f"node must be an intersection 0..{n - 1}, got {node!r}")
        node = int(node)
        step = self.step if step is None else self._check_step(step)
        if method not in METHODS:
            raise InputError(f"method must be one of {METHODS}, got {method!r}")
        try:
            scale = float(scale)
        except (TypeError, ValueError):
            raise InputError(f"scale must be a number, got {scale!r}") from None
        if not math.isfinite(scale):
            raise InputError(f"scale must be finite, got {scale!r}")
        a = int(self._route["node"][step])
        if node == a:
            raise InputError(
                f"the taxi is at intersection {a} at step {step} already: pick another one"
            )
        for u in (a, node):
            if u not in self._means:
                raise InputError(
                    f"intersection {u} never occurs in the probe's train routes: no mean "
                    "activation to steer with (fit the probe on more routes)"
                )
        where = f"where am I: {a} -> {node} at step {step}"
        if method == "mean_diff":
            vec = self._means[node] - self._means[a]
            e = Edit.add(Site.parse(self.layer), vec, scale, positions=(step,), label=where)
        else:
            xy = torch.as_tensor(self._spec.node_xy, dtype=torch.float32)
            e = Edit.add(self._var, xy[node] - xy[a], scale, positions=(step,), label=where)
        if self.ws.inputs.shape[0] > 1:
            e = e.with_(rows=(0,))  # batch row 0 is the route shown
        return e

    def steer_to(
        self, node: int, step: int | None = None, method: str = "mean_diff", scale: float = 1.0
    ) -> str:
        """Steer the model's "where am I" to intersection ``node`` at ``step`` (default:
        the shown step; another step is shown first): ONE Workspace edit, replacing this
        view's previous one (:meth:`steering_edit`). Returns the edit's id.

        The Workspace re-runs; with a background Workspace (the default) the steered
        prediction arrives with the next result (``ws.wait()`` before
        :meth:`prediction`).

        Raises
        ------
        InputError
            A node, step, method or scale that cannot be steered with (also shown in the
            widget; the Workspace is unchanged).
        """
        try:
            e = self.steering_edit(node, step, method, scale)
        except Exception as err:
            self.error = _message(err)
            raise
        step = self.step if step is None else int(step)
        present = {x.id for x in self.ws.edits}
        old = [self._steer["id"]] if self._steer and self._steer["id"] in present else []
        before = self._steer
        self._steer = {
            "target": int(node),
            "source": int(self._route["node"][step]),
            "step": step,
            "layer": self.layer,
            "method": method,
            "scale": float(scale),
            "norm": float((e.value.float() * e.scale_).norm()) if e.value is not None else 0.0,
            "id": e.id,
        }
        self._keep_steering = True
        try:
            with self.hold_trait_notifications():
                self.steer_method = method
                self.steer_scale = float(scale)
                self.step = step
        finally:
            self._keep_steering = False
        try:
            self.ws.swap_edits(old, [e])
        except Exception as err:
            self._steer = before
            self.error = _message(err)
            raise
        self.steering = {k: v for k, v in self._steer.items()}
        return e.id

    def clear_steering(self) -> None:
        """Remove this view's steering edit (the Workspace's other edits stay)."""
        self._drop_steering()

    def _drop_steering(self) -> None:
        sid = self._steer["id"] if self._steer else None
        self._steer = None
        self.steering = {}
        if sid is not None and any(e.id == sid for e in self.ws.edits):
            try:
                self.ws.remove_edit(sid)  # re-runs; the redraw follows
            except Exception as err:
                self.error = _message(err)
        else:
            self._refresh_live()

    def _on_msg(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "steer":
                node: Any = content.get("node")
                self.steer_to(node, None, self.steer_method, self.steer_scale)
            elif kind == "clear":
                self.clear_steering()
        except Exception as err:  # shown in the widget; the Workspace stays usable
            self.error = _message(err)

    # ---- the prediction -------------------------------------------------
    def _target_in(self, result: Any, step: int) -> int | None:
        s = self._steer
        if s is None or s["step"] != step or not any(e.id == s["id"] for e in result.edits):
            return None
        return int(s["target"])

    def _prediction(self, result: Any, step: int) -> dict[str, Any]:
        spec, vocab = self._spec, self._spec.vocab
        probs = result.output[0, step].float().softmax(-1)
        top = int(probs.argmax())
        a, d = int(self._route["node"][step]), int(self._route["destination"])
        legal_a = spec.legal_in(self._route["states"][step])
        b = self._target_in(result, step)
        legal_b = spec.legal_in(("route", b, d)) if b is not None else None
        dec = self._var.readout(result[self.layer][0, step]).double()
        return {
            "step": step,
            "probs": {tok: float(p) for tok, p in zip(vocab, probs.tolist(), strict=True)},
            "top": vocab[top],
            "top_p": float(probs[top]),
            "legal_at_true": bool(legal_a[top]),
            "legal_at_target": None if legal_b is None else bool(legal_b[top]),
            "node": a,
            "target": b,
            "decoded_xy": [float(dec[0]), float(dec[1])],
            "_probs": probs,
            "_legal_a": legal_a,
            "_legal_b": legal_b,
        }

    def prediction(self) -> dict[str, Any]:
        """The model's next token at the shown step, from the Workspace's latest result.

        Returns
        -------
        dict
            ``probs`` (token -> probability), ``top`` and ``top_p``, ``legal_at_true``
            (the top token is legal at the true intersection), ``legal_at_target``
            (legal at the steered-to intersection; ``None`` when not steered), ``node``
            (true), ``target`` (steered-to or ``None``), ``decoded_xy`` (what the probe
            reads at this step) and ``step``.
        """
        res = self.ws.result
        if res is None:
            raise RuntimeError("no result yet: the Workspace has not run")
        p = self._prediction(res, int(self.step))
        return {k: v for k, v in p.items() if not k.startswith("_")}

    def _refresh_live(self) -> None:
        res = self.ws.result
        if res is not None and self.layer in res.activations:
            self.live = self._live(res)

    def _live(self, result: Any) -> dict[str, Any]:
        spec = self._spec
        nine = [*spec.move_ids, spec.end_id]
        p = self._prediction(result, int(self.step))
        probs = p["_probs"]
        out = {
            "step": p["step"],
            "node": p["node"],
            "target": p["target"],
            "decoded": p["decoded_xy"],
            "probs": to_buffer(probs[nine]),
            "others": float(1.0 - probs[nine].sum()),
            "legal_node": [bool(v) for v in p["_legal_a"][nine]],
            "legal_target": [] if p["_legal_b"] is None else [bool(v) for v in p["_legal_b"][nine]],
            "top": p["top"],
            "top_p": p["top_p"],
            "legal_at_true": p["legal_at_true"],
            "legal_at_target": p["legal_at_target"],
        }
        base = self.ws.baseline
        if base is not None and p["target"] is not None:
            bp = base.output[0, int(self.step)].float().softmax(-1)
            k = int(bp.argmax())
            out["base_top"], out["base_p"] = spec.vocab[k], float(bp[k])
        return out

    def _redraw(self, result: Any) -> None:
        if result.inputs is not None and result.inputs is not self._route_inputs:
            self._new_route(result.inputs)
        if self._steer is not None and not any(e.id == self._steer["id"] for e in self.ws.edits):
            self._steer = None  # removed elsewhere (e.g. ws.clear_edits())
            self.steering = {}
        self.live = self._live(result)
