"""Does a route model carry a map? Metrics of Vafa et al. 2024 and probes of position.

The world is a deterministic finite automaton (DFA; :mod:`iwm_widgets.zoo.city_taxi`
for the city-taxi world): every prefix of tokens leads to one true state, and the
state fixes which continuations are legal. The Myhill–Nerode metrics ask whether a
model's behaviour respects those states; they are written against an abstract
interface so that they can be checked on a hand-made automaton:

``accepts(prefixes) -> bool [n, vocab]``
    Which next tokens are accepted after each prefix (a list of token-id lists). For a
    model (:func:`model_acceptor`): the tokens it gives probability ``> eps`` at the
    prefix's last position. For the truth (:func:`true_acceptor`): the legal tokens.
``true_state(prefix) -> hashable``
    The true DFA state after a prefix.

Definitions
-----------
accepted suffix
    A suffix ``u = (u_1, ..., u_k)`` is accepted after prefix ``p`` when every token is
    accepted in turn: ``u_i`` is in ``accepts(p + u_1..u_{i-1})`` for every ``i``.
boundary (length ``<= L``)
    The Myhill–Nerode boundary of prefixes ``p, q``: the suffixes ``u`` with
    ``|u| <= L`` whose last token is accepted after exactly one of ``p + u[:-1]`` and
    ``q + u[:-1]``, while ``u[:-1]`` is accepted after both (the shortest suffixes that
    tell the two apart). The *true* boundary uses the true acceptor, the *model's*
    boundary the model's. ``L = 1``: the symmetric difference of the two accepted
    next-token sets; ``L = 2`` adds the two-token suffixes through shared tokens.
compression
    Over pairs of distinct prefixes in the SAME true state (true boundary empty): the
    fraction of pairs whose model boundary is empty too, i.e. the model accepts the
    same continuations (up to length ``L``) after both.
distinction (recall) and distinction precision
    Over pairs of prefixes in DIFFERENT true states: recall is the mean, over pairs
    with a non-empty true boundary, of ``|B_model ∩ B_true| / |B_true|`` (how much of
    what truly tells the two apart the model also tells apart); precision is the mean,
    over pairs with a non-empty model boundary, of ``|B_model ∩ B_true| / |B_model|``.
    ``exact``: the fraction of pairs (non-empty true boundary) with ``B_model ==
    B_true``. Pairs whose true boundary is empty at this ``L`` (two states that only
    longer suffixes tell apart) are counted (``n_pairs_empty_true``) but left out.
next-move validity
    The fraction of greedy (top-1) next-token predictions that are legal, over every
    prediction made after the destination token and before ``END`` (positions ``1`` to
    ``length - 2`` of held-out routes: the prediction of each move and of ``END``).
route validity
    Routes generated greedily (argmax, one traced rollout for all prompts) from
    ``[origin, destination]`` prompts for up to ``max_len - 2`` tokens: the fraction
    that are legal at every token and end with ``END`` at the destination.
position probe
    Ridge (:func:`iwm_widgets.linear.fit_ridge_cv`: standardised features, alpha from a
    validation split of the train routes) from a layer's residual activation at each
    move token (positions ``2 .. length - 2``) to the current intersection's ``(x, y)``,
    fit on train routes, R² pooled over x and y on held-out routes. Controls: the same
    probe and alpha fit on shuffled train labels; the embedding layer (``embed``: the
    move token and its position only); and the *dead-reckoning* baseline that needs no
    model internals: the same ridge on the origin (one-hot) and the running count of
    each move so far, from which ``(x, y)`` is an exact linear function.
implied map
    For every move token position of held-out routes (and the destination token, where
    the taxi stands at the origin), the moves the model accepts (probability ``> eps``)
    at that intersection; a move's *share* at a node is the fraction of those prefixes
    that accept it. The model implies the street ``node --move-->`` when its share is
    ``>= vote`` (a majority by default). Against the city's edges: true, false (implied,
    not in the city: a wall, a closed block, the wrong way up a one-way street or off
    the grid) and missing (in the city, not implied) edges, precision and recall.
    ``union`` gives the same with any accepting prefix (share ``> 0``).
decoded positions
    The position probe applied at every move token of a set of routes, averaged per
    true intersection: where the model "thinks" each intersection is.
steering "where am I"
    At one move token per held-out route (true node ``a``, destination ``d``) pick a
    target node ``b`` (random, seeded, ``b`` not ``a`` or ``d``, with a move legal at
    ``b`` that is not legal at ``a``) and add to the residual stream at that token the
    difference of the mean activations at ``b`` and at ``a`` (``method="mean_diff"``,
    means over the probe's train routes) or the probe's encoding direction for the
    shift ``xy(b) - xy(a)`` (``method="probe"``). *Success*: the top-1 predicted token is
    legal at ``(b, d)`` and not legal at ``(a, d)``. Compared with the unsteered run, a
    random direction of the same norm per row, and chance (the share of the 9 move and
    END tokens that are legal at ``b`` and not at ``a``). One trace holds all three
    conditions as batch rows.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import linear
from ..errors import InputError
from .edits import Edit
from .model import Model
from .probes import Variable, collect
from .run import run
from .sites import Site

__all__ = [
    "DEFAULT_EPS",
    "DEFINITIONS",
    "Acceptor",
    "Compression",
    "DecodedPositions",
    "Distinction",
    "ImpliedGraph",
    "PositionProbe",
    "RouteValidity",
    "Steering",
    "Validity",
    "boundary",
    "compression",
    "decoded_positions",
    "distinction",
    "implied_graph",
    "implied_graph_from",
    "measure_card",
    "model_acceptor",
    "model_logits",
    "next_move_validity",
    "position_probe",
    "route_prefixes",
    "route_validity",
    "state_pairs",
    "steer_position",
    "true_acceptor",
]

DEFAULT_EPS = 0.01
DEFINITIONS = (__doc__ or "").split("Definitions\n-----------\n", 1)[1].strip()

Prefix = Sequence[int]
AcceptFn = Callable[[Sequence[Prefix]], torch.Tensor]
StateFn = Callable[[Prefix], Hashable]


def _spec(model: Model) -> Any:
    spec = getattr(model, "spec", None)
    if spec is None or not hasattr(spec, "legal_after"):
        raise InputError(
            f"{getattr(model, 'name', model)!r} is not a route world (city-taxi): it has no "
            "spec with legal_after"
        )
    return spec


def _routes(routes: Any) -> tuple[torch.Tensor, dict[str, Any]]:
    if not (isinstance(routes, tuple) and len(routes) == 2 and isinstance(routes[1], dict)):
        raise InputError(
            "routes must be (ids, truth) as spec.sample_routes(n, seed) returns them, got "
            f"{type(routes).__name__}"
        )
    return routes


# ---------------------------------------------------------------- forwards
class Acceptor:
    """``accepts(prefixes) -> bool [n, vocab]`` of a model: probability ``> eps``.

    Prefixes are right-padded into one ``[n, T]`` batch and run in traces of ``chunk``
    rows (:func:`~iwm_widgets.tracing.run.run`); ``traces`` and ``rows`` count them.
    """

    def __init__(self, model: Model, eps: float = DEFAULT_EPS, chunk: int = 512) -> None:
        self.model, self.eps, self.chunk = model, float(eps), int(chunk)
        self.traces = 0
        self.rows = 0

    def probs(self, prefixes: Sequence[Prefix]) -> torch.Tensor:
        """Next-token probabilities ``[n, vocab]`` after each prefix."""
        if not prefixes:
            raise InputError("no prefixes given")
        lens = torch.tensor([len(p) for p in prefixes])
        if int(lens.min()) < 1:
            raise InputError("every prefix needs at least one token")
        ids = torch.zeros(len(prefixes), int(lens.max()), dtype=torch.long)
        for i, p in enumerate(prefixes):
            ids[i, : len(p)] = torch.as_tensor(list(p), dtype=torch.long)
        out = []
        for i in range(0, len(prefixes), self.chunk):
            logits = run(self.model, ids[i : i + self.chunk]).output
            self.traces += 1
            self.rows += int(logits.shape[0])
            last = lens[i : i + self.chunk] - 1
            out.append(logits[torch.arange(len(last)), last].float().softmax(-1))
        return torch.cat(out)

    def __call__(self, prefixes: Sequence[Prefix]) -> torch.Tensor:
        return self.probs(prefixes) > self.eps


def model_acceptor(model: Model, eps: float = DEFAULT_EPS, chunk: int = 512) -> Acceptor:
    """The model's ``accepts`` function (probability ``> eps``), counting its traces."""
    return Acceptor(model, eps, chunk)


def true_acceptor(spec: Any) -> AcceptFn:
    """The world's ``accepts`` function: the legal next tokens (``spec.legal_after``)."""
    return lambda prefixes: spec.legal_after(prefixes)


def model_logits(model: Model, ids: torch.Tensor, chunk: int = 512) -> tuple[torch.Tensor, int]:
    """Logits ``[n, T, vocab]`` of ``ids`` in traces of ``chunk`` rows; and the trace count."""
    x = model.prepare(ids)
    parts = [run(model, x[i : i + chunk], prepared=True).output for i in range(0, len(x), chunk)]
    return torch.cat(parts), len(parts)


# ---------------------------------------------------------------- Myhill–Nerode
def boundary(
    accepts: AcceptFn, pairs: Sequence[tuple[Prefix, Prefix]], length: int = 1
) -> list[set[tuple[int, ...]]]:
    """The boundary (length ``<= length``, 1 or 2) of each pair under ``accepts``.

    Returns one set of suffixes (token-id tuples) per pair (module docstring). Calls
    ``accepts`` once on the pairs' prefixes and, for ``length=2``, once more on every
    prefix extended by one token accepted after both.
    """
    if length not in (1, 2):
        raise InputError(f"boundary length must be 1 or 2, got {length}")
    if not pairs:
        return []
    flat = [list(p) for pair in pairs for p in pair]
    acc = accepts(flat).bool()
    a, b = acc[0::2], acc[1::2]
    out: list[set[tuple[int, ...]]] = [
        {(int(v),) for v in torch.nonzero(a[i] ^ b[i]).reshape(-1)} for i in range(len(pairs))
    ]
    if length == 1:
        return out
    ext, where = [], []
    for i, (p, q) in enumerate(pairs):
        for v in torch.nonzero(a[i] & b[i]).reshape(-1).tolist():
            ext += [[*p, v], [*q, v]]
            where.append((i, v))
    if ext:
        acc2 = accepts(ext).bool()
        for j, (i, v) in enumerate(where):
            diff = acc2[2 * j] ^ acc2[2 * j + 1]
            out[i] |= {(v, int(w)) for w in torch.nonzero(diff).reshape(-1)}
    return out


@dataclass(frozen=True)
class Compression:
    """Compression over same-state pairs (module docstring)."""

    compression: float
    mean_model_boundary: float
    n_pairs: int
    length: int
    eps: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Distinction:
    """Distinction recall, precision and exactness over different-state pairs."""

    distinction: float  # recall
    precision: float
    exact: float
    mean_true_boundary: float
    mean_model_boundary: float
    n_pairs: int
    n_pairs_empty_true: int
    n_pairs_empty_model: int
    length: int
    eps: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_pairs(pairs: Sequence[tuple[Prefix, Prefix]], true_state: StateFn, same: bool) -> None:
    for p, q in pairs:
        sp, sq = true_state(p), true_state(q)
        if (sp == sq) != same:
            what = "the same" if same else "different"
            raise InputError(
                f"{'compression' if same else 'distinction'} needs pairs in {what} true "
                f"states; {list(p)} -> {sp!r} and {list(q)} -> {sq!r}"
            )


def compression(
    accepts: AcceptFn,
    true_state: StateFn,
    pairs: Sequence[tuple[Prefix, Prefix]],
    length: int = 1,
) -> Compression:
    """Fraction of same-state pairs whose model boundary is empty (module docstring).

    Raises
    ------
    InputError
        A pair's prefixes are in different true states, or identical.
    """
    if not pairs:
        raise InputError("compression needs at least one pair of prefixes")
    if any(list(p) == list(q) for p, q in pairs):
        raise InputError("compression needs pairs of distinct prefixes")
    _check_pairs(pairs, true_state, same=True)
    b = boundary(accepts, pairs, length)
    sizes = [len(s) for s in b]
    return Compression(
        compression=float(np.mean([n == 0 for n in sizes])),
        mean_model_boundary=float(np.mean(sizes)),
        n_pairs=len(pairs),
        length=length,
        eps=getattr(accepts, "eps", None),
    )


def distinction(
    accepts: AcceptFn,
    true_accepts: AcceptFn,
    true_state: StateFn,
    pairs: Sequence[tuple[Prefix, Prefix]],
    length: int = 1,
) -> Distinction:
    """Distinction recall and precision over different-state pairs (module docstring).

    Raises
    ------
    InputError
        A pair's prefixes are in the same true state.
    """
    if not pairs:
        raise InputError("distinction needs at least one pair of prefixes")
    _check_pairs(pairs, true_state, same=False)
    bm = boundary(accepts, pairs, length)
    bt = boundary(true_accepts, pairs, length)
    rec = [len(m & t) / len(t) for m, t in zip(bm, bt, strict=True) if t]
    prec = [len(m & t) / len(m) for m, t in zip(bm, bt, strict=True) if m]
    exact = [m == t for m, t in zip(bm, bt, strict=True) if t]
    nan = float("nan")
    return Distinction(
        distinction=float(np.mean(rec)) if rec else nan,
        precision=float(np.mean(prec)) if prec else nan,
        exact=float(np.mean(exact)) if exact else nan,
        mean_true_boundary=float(np.mean([len(t) for t in bt])),
        mean_model_boundary=float(np.mean([len(m) for m in bm])),
        n_pairs=len(rec),
        n_pairs_empty_true=sum(1 for t in bt if not t),
        n_pairs_empty_model=sum(1 for m in bm if not m),
        length=length,
        eps=getattr(accepts, "eps", None),
    )


def route_prefixes(routes: Any) -> list[list[int]]:
    """Every prefix of held-out routes in a ``route`` state: ending at the destination
    token or at a move (positions ``1 .. length - 2``)."""
    ids, truth = _routes(routes)
    out = []
    for i in range(ids.shape[0]):
        L = int(truth["length"][i])
        row = ids[i, :L].tolist()
        out += [row[: t + 1] for t in range(1, L - 1)]
    return out


def state_pairs(
    prefixes: Sequence[Prefix], true_state: StateFn, n_pairs: int, seed: int = 0
) -> tuple[list[tuple[Prefix, Prefix]], list[tuple[Prefix, Prefix]]]:
    """``(same, different)``: up to ``n_pairs`` pairs each, drawn with ``seed``.

    *same*: a prefix drawn uniformly among those whose state holds another, distinct
    prefix, and one of those others uniformly; *different*: two prefixes drawn
    uniformly whose states differ.
    """
    rng = np.random.default_rng(seed)
    uniq = list({tuple(p): None for p in prefixes})
    states = [true_state(p) for p in uniq]
    groups: dict[Hashable, list[int]] = {}
    for i, s in enumerate(states):
        groups.setdefault(s, []).append(i)
    pool = [i for i, s in enumerate(states) if len(groups[s]) > 1]
    same: list[tuple[Prefix, Prefix]] = []
    for _ in range(n_pairs if pool else 0):
        i = pool[int(rng.integers(len(pool)))]
        others = [j for j in groups[states[i]] if j != i]
        j = others[int(rng.integers(len(others)))]
        same.append((list(uniq[i]), list(uniq[j])))
    diff: list[tuple[Prefix, Prefix]] = []
    tries = 0
    while len(diff) < n_pairs and tries < 20 * n_pairs and len(groups) > 1:
        tries += 1
        i, j = (int(k) for k in rng.integers(len(uniq), size=2))
        if states[i] != states[j]:
            diff.append((list(uniq[i]), list(uniq[j])))
    return same, diff


# ---------------------------------------------------------------- validity
@dataclass(frozen=True)
class Validity:
    """Next-move validity (module docstring)."""

    validity: float
    n_predictions: int
    n_routes: int
    traces: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def next_move_validity(source: Model | torch.Tensor | Callable[..., Any], routes: Any) -> Validity:
    """Fraction of top-1 next-token predictions that are legal (module docstring).

    ``source``: a Model (traced, in batches), logits ``[n, T, vocab]`` of the routes'
    ids, or a callable ``ids -> logits``. ``routes``: ``(ids, truth)``.
    """
    ids, truth = _routes(routes)
    traces = 0
    if isinstance(source, Model):
        logits, traces = model_logits(source, ids)
    elif isinstance(source, torch.Tensor):
        logits = source
    elif callable(source):
        logits = torch.as_tensor(source(ids))
    else:
        raise InputError(f"source must be a Model, logits or a callable, got {type(source)}")
    if logits.shape[:2] != ids.shape:
        raise InputError(f"logits {list(logits.shape)} do not match routes {list(ids.shape)}")
    top = logits.argmax(-1)
    legal = torch.gather(truth["legal"], 2, top[..., None])[..., 0]
    T = ids.shape[1]
    pos = torch.arange(T)[None, :]
    mask = (pos >= 1) & (pos <= truth["length"][:, None] - 2)
    return Validity(float(legal[mask].double().mean()), int(mask.sum()), int(ids.shape[0]), traces)


@dataclass(frozen=True)
class RouteValidity:
    """Greedy route generation from (origin, destination) prompts (module docstring)."""

    validity: float
    legal: float  # every generated token legal (arrived or not)
    reached: float  # END at the destination
    mean_moves: float  # of the valid routes
    mean_shortest: float  # shortest-path moves of the same valid routes
    n_routes: int
    max_tokens: int
    traces: int
    examples: list[list[str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def route_validity(
    model: Model,
    origins: Sequence[int] | None = None,
    destinations: Sequence[int] | None = None,
    *,
    n: int = 256,
    seed: int = 0,
    max_tokens: int | None = None,
) -> RouteValidity:
    """Generate routes greedily for prompts ``[o:origin, d:destination]`` (one trace).

    Without ``origins``/``destinations``: ``n`` pairs drawn with ``seed`` (distinct).
    """
    spec = _spec(model)
    N = spec.n_nodes
    if origins is None or destinations is None:
        rng = np.random.default_rng(seed)
        o = rng.integers(N, size=n)
        d = rng.integers(N - 1, size=n)
        d = np.where(d >= o, d + 1, d)
    else:
        o, d = np.asarray(origins, dtype=np.int64), np.asarray(destinations, dtype=np.int64)
        if o.shape != d.shape or (o == d).any() or o.min() < 0 or d.max() >= N:
            raise InputError("origins and destinations must pair up distinct nodes 0..N-1")
    prompts = torch.tensor(
        [[spec.origin_id(a), spec.dest_id(b)] for a, b in zip(o, d, strict=True)]
    )
    steps = int(max_tokens or spec.config.max_len - 2)
    res = run(model, prompts, rollout_steps=steps)
    gen = res.rollout
    assert gen is not None
    valid, legal_all, reached, moves, short = [], [], [], [], []
    examples: list[list[str]] = []
    tables = spec.tables
    for i in range(len(prompts)):
        st = ("route", int(o[i]), int(d[i]))
        toks = gen[i].tolist()
        k = 0
        while k < len(toks):
            st = spec._next_state(tables, st, int(toks[k]))
            if st[0] != "route":
                break
            k += 1
        ok = st[0] == "end"
        legal_all.append(st[0] != "dead")
        reached.append(ok)
        valid.append(ok)
        if ok:
            moves.append(k)
            short.append(int(tables.dist[o[i], d[i]]))
        if len(examples) < 5:
            examples.append(spec.decode([*prompts[i].tolist(), *toks[: k + 1]]))
    return RouteValidity(
        validity=float(np.mean(valid)),
        legal=float(np.mean(legal_all)),
        reached=float(np.mean(reached)),
        mean_moves=float(np.mean(moves)) if moves else float("nan"),
        mean_shortest=float(np.mean(short)) if short else float("nan"),
        n_routes=len(prompts),
        max_tokens=steps,
        traces=1,
        examples=examples,
    )


# ---------------------------------------------------------------- position probe
def _move_rows(truth: dict[str, Any]) -> torch.Tensor:
    """``[n, T]`` bool: the move tokens (positions 2 .. length - 2)."""
    T = truth["node"].shape[1]
    pos = torch.arange(T)[None, :]
    return (pos >= 2) & (pos <= truth["length"][:, None] - 2)


def _dead_reckoning(ids: torch.Tensor, truth: dict[str, Any], spec: Any) -> torch.Tensor:
    """Features ``[n, T, N + 8]``: origin one-hot and running move counts."""
    n, T = ids.shape
    onehot = torch.zeros(n, T, spec.n_nodes, dtype=torch.float64)
    onehot[torch.arange(n), :, truth["origin"]] = 1.0
    k = ids - spec.move_ids[0]
    is_move = (k >= 0) & (k < len(spec.moves))
    counts = torch.nn.functional.one_hot(k.clamp(0, len(spec.moves) - 1), len(spec.moves))
    counts = (counts * is_move[..., None]).cumsum(1).double()
    return torch.cat([onehot, counts], dim=-1)


@dataclass(frozen=True)
class PositionProbe:
    """Held-out R² of ``(x, y)`` probes per layer, with controls (module docstring).

    ``variable(layer)`` gives the probe as a :class:`~iwm_widgets.tracing.probes.Variable`
    (components ``x``, ``y``) for readouts and edits.
    """

    layers: list[str]
    r2: dict[str, float]
    r2_shuffled: dict[str, float]
    alpha: dict[str, float]
    best_layer: str
    baselines: dict[str, float]
    n_train_rows: int
    n_test_rows: int
    traces: int
    model_name: str = ""
    _probes: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _means: dict[str, dict[int, torch.Tensor]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def variable(self, layer: str | None = None) -> Variable:
        layer = layer or self.best_layer
        if layer not in self._probes:
            raise KeyError(f"no probe at {layer!r}; probed: {self.layers}")
        W, b, A = self._probes[layer]
        score = {"r2": self.r2[layer], "control": self.r2_shuffled[layer]}
        site = Site.parse(layer)
        return Variable("position", site, W, b, A, ["x", "y"], score, self.model_name)

    def node_means(self, layer: str) -> dict[int, torch.Tensor]:
        """Mean activation ``[D]`` at ``layer`` per intersection (probe-train move rows)."""
        return self._means[layer]

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                *("layers", "r2", "r2_shuffled", "alpha", "best_layer", "baselines"),
                *("n_train_rows", "n_test_rows", "traces", "model_name"),
            )
        }


def position_probe(
    model: Model,
    train: Any,
    test: Any,
    layers: Sequence[str] | None = None,
    shuffle_seed: int = 0,
    chunk: int = 256,
) -> PositionProbe:
    """Probe the current intersection's ``(x, y)`` at each layer (module docstring).

    ``train``/``test``: ``(ids, truth)`` of disjoint routes. Activations come from
    :func:`~iwm_widgets.tracing.probes.collect` (one trace per ``chunk`` routes).
    """
    spec = _spec(model)
    layers = list(layers) if layers is not None else list(model.layers)
    (xtr, ttr), (xte, tte) = _routes(train), _routes(test)
    mtr, mte = _move_rows(ttr), _move_rows(tte)
    ytr, yte = ttr["xy"][mtr].double(), tte["xy"][mte].double()
    groups = torch.arange(len(xtr))[:, None].expand_as(mtr)[mtr]
    perm = torch.randperm(len(ytr), generator=torch.Generator().manual_seed(shuffle_seed))
    acts_tr = collect(model, xtr, layers, chunk=chunk, progress=False)
    acts_te = collect(model, xte, layers, chunk=chunk, progress=False)
    traces = 2 * len(range(0, len(xtr), chunk))
    nodes_tr = ttr["node"][mtr]
    r2, r2s, alphas, probes, means = {}, {}, {}, {}, {}
    for s in layers:
        htr, hte = acts_tr[s][mtr].double(), acts_te[s][mte].double()
        probe, alpha = linear.fit_ridge_cv(htr, ytr, groups)
        r2[s] = linear.r2_score(yte, linear.predict(probe, hte))
        ctrl = linear.fit_ridge(htr, ytr[perm], alpha)
        r2s[s] = linear.r2_score(yte, linear.predict(ctrl, hte))
        alphas[s] = alpha
        W, b = linear.to_raw(probe)
        probes[s] = (W, b, linear.encoding_directions(htr, ytr))
        means[s] = {int(u): htr[nodes_tr == u].mean(0).float() for u in nodes_tr.unique()}
    ftr = _dead_reckoning(xtr, ttr, spec)[mtr]
    fte = _dead_reckoning(xte, tte, spec)[mte]
    dr, _ = linear.fit_ridge_cv(ftr, ytr, groups)
    baselines = {"dead_reckoning": linear.r2_score(yte, linear.predict(dr, fte))}
    blocks = [s for s in layers if s != "embed"] or layers
    return PositionProbe(
        layers=layers,
        r2=r2,
        r2_shuffled=r2s,
        alpha=alphas,
        best_layer=max(blocks, key=r2.__getitem__),
        baselines=baselines,
        n_train_rows=len(ytr),
        n_test_rows=len(yte),
        traces=traces,
        model_name=model.name,
        _probes=probes,
        _means=means,
    )


@dataclass(frozen=True)
class DecodedPositions:
    """Probe-decoded ``(x, y)`` per intersection vs the true ``(x, y)``."""

    layer: str
    nodes: list[int]
    true_xy: list[list[float]]
    decoded_xy: list[list[float]]  # NaN where the routes never visit the node
    counts: list[int]
    mean_error: float  # mean over visited nodes of |decoded - true|
    traces: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decoded_positions(
    model: Model, probe: PositionProbe, routes: Any, layer: str | None = None, chunk: int = 256
) -> DecodedPositions:
    """Mean probe-decoded position at each intersection over ``routes``' move tokens."""
    spec = _spec(model)
    ids, truth = _routes(routes)
    var = probe.variable(layer)
    site = str(var.site)
    h = collect(model, ids, [site], chunk=chunk, progress=False)[site]
    rows = _move_rows(truth)
    dec = var.readout(h[rows]).double()
    nodes = truth["node"][rows]
    xy = spec.node_xy
    out, counts, errs = [], [], []
    for u in range(spec.n_nodes):
        sel = nodes == u
        counts.append(int(sel.sum()))
        if counts[-1]:
            m = dec[sel].mean(0)
            out.append([float(m[0]), float(m[1])])
            errs.append(float(np.hypot(*(m.numpy() - xy[u]))))
        else:
            out.append([float("nan"), float("nan")])
    return DecodedPositions(
        layer=site,
        nodes=list(range(spec.n_nodes)),
        true_xy=xy.tolist(),
        decoded_xy=out,
        counts=counts,
        mean_error=float(np.mean(errs)) if errs else float("nan"),
        traces=len(range(0, len(ids), chunk)),
    )


# ---------------------------------------------------------------- implied map
@dataclass(frozen=True)
class ImpliedGraph:
    """The map a model implies, against the city's streets (module docstring).

    Edges are ``[node, move, to]`` with ``to`` the grid node at the move's offset
    (``-1`` off the grid).
    """

    true_edges: list[list[Any]]
    false_edges: list[list[Any]]
    missing_edges: list[list[Any]]
    precision: float
    recall: float
    union_precision: float
    union_recall: float
    share: dict[str, float]  # "node:move" -> share of prefixes at node accepting move
    n_prefixes: int
    unvisited_nodes: list[int]
    vote: float
    eps: float | None
    traces: int
    forwards: int  # rows run through the model

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def graph(self) -> Any:
        """The implied map as a ``networkx.DiGraph`` (edge attributes ``move``, ``true``)."""
        import networkx as nx

        g = nx.DiGraph(name="implied map")
        for u, m, v in self.true_edges + self.false_edges:
            g.add_edge(u, v, move=m, true=[u, m, v] in self.true_edges)
        return g


def implied_graph_from(
    nodes: torch.Tensor, accepted_moves: torch.Tensor, spec: Any, vote: float = 0.5
) -> tuple[dict[str, Any], dict[tuple[int, int], float]]:
    """The implied map from per-prefix acceptance (the abstract part of :func:`implied_graph`).

    ``nodes`` ``[n]``: the intersection of each prefix; ``accepted_moves`` ``[n, 8]``
    bool: the moves accepted there (``spec.moves`` order). Returns the edge lists and
    scores, and the share of every ``(node, move index)`` seen.
    """
    tables = spec.tables
    share: dict[tuple[int, int], float] = {}
    seen = set(int(u) for u in nodes.unique())
    for u in seen:
        sel = accepted_moves[nodes == u].double().mean(0)
        for k in range(len(spec.moves)):
            share[(u, k)] = float(sel[k])
    true_set = {(u, k) for u in range(spec.n_nodes) for k in range(8) if tables.step[u, k] >= 0}

    def edge(u: int, k: int) -> list[Any]:
        return [u, spec.moves[k], int(tables.target[u, k])]

    def score(implied: set[tuple[int, int]]) -> tuple[float, float]:
        hit = len(implied & true_set)
        return (hit / len(implied) if implied else float("nan"), hit / len(true_set))

    implied = {e for e, s in share.items() if s >= vote and s > 0}
    union = {e for e, s in share.items() if s > 0}
    p, r = score(implied)
    up, ur = score(union)
    return (
        {
            "true_edges": [edge(*e) for e in sorted(implied & true_set)],
            "false_edges": [edge(*e) for e in sorted(implied - true_set)],
            "missing_edges": [edge(*e) for e in sorted(true_set - implied)],
            "precision": p,
            "recall": r,
            "union_precision": up,
            "union_recall": ur,
            "unvisited_nodes": sorted(set(range(spec.n_nodes)) - seen),
        },
        share,
    )


def implied_graph(
    model: Model,
    routes: Any,
    eps: float = DEFAULT_EPS,
    vote: float = 0.5,
    chunk: int = 512,
) -> ImpliedGraph:
    """The streets the model treats as traversable (module docstring).

    ``routes``: held-out ``(ids, truth)``; every position ``1 .. length - 2`` is a prefix
    ending at ``truth["node"]``. One trace per ``chunk`` routes reads the next-token
    probabilities at all of their positions at once (the model is causal).
    """
    spec = _spec(model)
    ids, truth = _routes(routes)
    logits, traces = model_logits(model, ids, chunk)
    probs = logits.float().softmax(-1)
    T = ids.shape[1]
    pos = torch.arange(T)[None, :]
    rows = (pos >= 1) & (pos <= truth["length"][:, None] - 2)
    acc = probs[rows][:, spec.move_ids] > eps
    parts, share = implied_graph_from(truth["node"][rows], acc, spec, vote)
    return ImpliedGraph(
        **parts,
        share={f"{u}:{spec.moves[k]}": s for (u, k), s in sorted(share.items())},
        n_prefixes=int(rows.sum()),
        vote=vote,
        eps=eps,
        traces=traces,
        forwards=int(ids.shape[0]),
    )


# ---------------------------------------------------------------- steering
@dataclass(frozen=True)
class Steering:
    """The "where am I" steering check (module docstring). Rates are over rows."""

    layer: str
    method: str
    scale: float
    success: float  # top-1 legal at the target node and not at the true node
    success_unsteered: float
    success_random: float
    chance: float
    legal_at_target: float  # top-1 legal at (b, d), steered
    legal_at_target_unsteered: float
    legal_at_target_random: float
    legal_at_true: float  # top-1 legal at (a, d), steered
    legal_at_true_unsteered: float
    decoded_to_target: float | None  # mean distance of the decoded position to b
    decoded_to_true: float | None  # ... and to a, after steering
    vector_norm: float
    n_rows: int
    traces: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def steer_position(
    model: Model,
    probe: PositionProbe,
    routes: Any,
    layer: str | None = None,
    *,
    method: str = "mean_diff",
    scale: float = 1.0,
    seed: int = 0,
) -> Steering:
    """Move the model's "where am I" from the true node to a target node (module docstring).

    ``probe``: from :func:`position_probe` (its train routes give the node means).
    ``routes``: held-out ``(ids, truth)``; one move token per route is steered.
    """
    if method not in ("mean_diff", "probe"):
        raise InputError(f"method must be 'mean_diff' or 'probe', got {method!r}")
    spec = _spec(model)
    ids, truth = _routes(routes)
    var = probe.variable(layer)
    site = str(var.site)
    means = probe.node_means(site)
    tables = spec.tables
    legal_moves = tables.step >= 0  # [N, 8]
    rng = np.random.default_rng(seed)
    rows, steps, a_nodes, b_nodes = [], [], [], []
    for i in range(ids.shape[0]):
        L = int(truth["length"][i])
        if L < 4:
            continue
        t = int(rng.integers(2, L - 1))
        a, d = int(truth["node"][i, t]), int(truth["destination"][i])
        cands = [
            b
            for b in range(spec.n_nodes)
            if b not in (a, d)
            and b in means
            and a in means
            and (legal_moves[b] & ~legal_moves[a]).any()
        ]
        if not cands:
            continue
        rows.append(i)
        steps.append(t)
        a_nodes.append(a)
        b_nodes.append(cands[int(rng.integers(len(cands)))])
    if not rows:
        raise InputError("no route has a move token to steer")
    n = len(rows)
    x = ids[rows]
    D = var.width
    vecs = torch.zeros(n, D)
    for j, (a, b) in enumerate(zip(a_nodes, b_nodes, strict=True)):
        if method == "mean_diff":
            vecs[j] = means[b] - means[a]
        else:
            shift = torch.tensor(tables.xy[b] - tables.xy[a], dtype=torch.float32)
            e = Edit.add(var, shift)
            assert e.value is not None
            vecs[j] = e.value
    vecs = vecs * float(scale)
    g = torch.Generator().manual_seed(seed)
    rand = torch.randn(n, D, generator=g)
    rand = rand / rand.norm(dim=-1, keepdim=True) * vecs.norm(dim=-1, keepdim=True)
    T = x.shape[1]
    value = torch.zeros(3 * n, T, D)
    idx = torch.arange(n)
    st = torch.tensor(steps)
    value[n + idx, st] = vecs
    value[2 * n + idx, st] = rand
    label = "steer position (rows: unsteered / steered / random)"
    edit = Edit("add", Site.parse(site), value, label=label)
    res = run(model, torch.cat([x, x, x]), [edit], reads=[site])
    logits = res.output.float()
    top = logits[torch.arange(3 * n), st.repeat(3)].argmax(-1)  # [3n]
    dest = truth["destination"][rows]

    def legal_at(nodes: list[int]) -> torch.Tensor:  # [n, vocab] legal at (node, d)
        return torch.stack(
            [
                spec.legal_in(("route", u, int(dd)))
                for u, dd in zip(nodes, dest.tolist(), strict=True)
            ]
        )

    la, lb = legal_at(a_nodes), legal_at(b_nodes)

    def rates(k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        tk = top[k * n : (k + 1) * n]
        at_b = lb[idx, tk]
        at_a = la[idx, tk]
        return at_b & ~at_a, at_b, at_a

    s0, b0, a0 = rates(0)
    s1, b1, a1 = rates(1)
    s2, b2, _ = rates(2)
    tok9 = [*spec.move_ids, spec.end_id]
    chance = (lb[:, tok9] & ~la[:, tok9]).double().sum(-1) / len(tok9)
    h = res[site][n + idx, st]
    dec = var.readout(h).double().numpy()
    xy = tables.xy
    d_b = float(np.mean(np.hypot(*(dec - xy[b_nodes]).T)))
    d_a = float(np.mean(np.hypot(*(dec - xy[a_nodes]).T)))
    return Steering(
        layer=site,
        method=method,
        scale=float(scale),
        success=float(s1.double().mean()),
        success_unsteered=float(s0.double().mean()),
        success_random=float(s2.double().mean()),
        chance=float(chance.mean()),
        legal_at_target=float(b1.double().mean()),
        legal_at_target_unsteered=float(b0.double().mean()),
        legal_at_target_random=float(b2.double().mean()),
        legal_at_true=float(a1.double().mean()),
        legal_at_true_unsteered=float(a0.double().mean()),
        decoded_to_target=d_b,
        decoded_to_true=d_a,
        vector_norm=float(vecs.norm(dim=-1).mean()),
        n_rows=n,
        traces=1,
    )


# ---------------------------------------------------------------- the model card
def measure_card(
    model: Model,
    seed_base: int,
    n_eval: int = 400,
    n_probe_train: int = 400,
    n_probe_test: int = 200,
    n_pairs: int = 500,
    n_generate: int = 300,
    eps: float = DEFAULT_EPS,
    kind: str = "mix",
) -> dict[str, Any]:
    """The card's ``map`` section, on held-out routes with seeds from ``seed_base``.

    Every model is measured on the same routes (``kind``, default the mix of all
    three route kinds) whatever it was trained on.
    """
    spec = _spec(model)
    t0 = time.perf_counter()
    ev = spec.sample_routes(n_eval, seed_base, kind)
    tr = spec.sample_routes(n_probe_train, seed_base + 1, kind)
    te = spec.sample_routes(n_probe_test, seed_base + 2, kind)
    by_kind = {
        k: next_move_validity(
            model, spec.sample_routes(n_eval // 2, seed_base + 10 + i, k)
        ).validity
        for i, k in enumerate(("shortest", "noisy", "walk"))
    }
    nmv = next_move_validity(model, ev)
    rv = route_validity(model, n=n_generate, seed=seed_base + 3)
    acc = model_acceptor(model, eps)
    prefixes = route_prefixes(ev)
    same, diff = state_pairs(prefixes, spec.state, n_pairs, seed=seed_base + 4)
    comp = {L: compression(acc, spec.state, same, L) for L in (1, 2)}
    dist = {L: distinction(acc, true_acceptor(spec), spec.state, diff, L) for L in (1, 2)}
    probe = position_probe(model, tr, te)
    ig = implied_graph(model, ev, eps=eps)
    dec = decoded_positions(model, probe, te)
    steer = {
        s: steer_position(model, probe, te, s, seed=seed_base + 5).to_dict() for s in probe.layers
    }
    steer_probe = steer_position(
        model, probe, te, probe.best_layer, method="probe", seed=seed_base + 5
    )
    igd = ig.to_dict()
    igd.pop("share")
    # the same map metrics on shortest paths only: the shortest-path model's own kind of
    # route (its detours are out of its training distribution on the mix)
    ev_s = spec.sample_routes(n_eval, seed_base + 6, "shortest")
    same_s, diff_s = state_pairs(route_prefixes(ev_s), spec.state, n_pairs, seed=seed_base + 7)
    ig_s = implied_graph(model, ev_s, eps=eps)
    on_shortest = {
        "next_move_validity": next_move_validity(model, ev_s).validity,
        "compression": compression(acc, spec.state, same_s, 1).compression,
        "distinction": distinction(acc, true_acceptor(spec), spec.state, diff_s, 1).distinction,
        "implied_graph_precision": ig_s.precision,
        "implied_graph_recall": ig_s.recall,
        "n_same_pairs": len(same_s),
        "n_different_pairs": len(diff_s),
        "seeds": {"routes": seed_base + 6, "pairs": seed_base + 7},
    }
    return {
        "next_move_validity": nmv.validity,
        "next_move_validity_by_kind": by_kind,
        "route_validity": rv.validity,
        "compression": comp[1].compression,
        "distinction": dist[1].distinction,
        "distinction_precision": dist[1].precision,
        "compression_length2": comp[2].compression,
        "distinction_length2": dist[2].distinction,
        "distinction_precision_length2": dist[2].precision,
        "position_probe_r2": {
            "layers": probe.r2,
            "best_layer": probe.best_layer,
            "best": probe.r2[probe.best_layer],
            "shuffled": probe.r2_shuffled,
            "embed_baseline": probe.r2.get("embed"),
            "dead_reckoning_baseline": probe.baselines["dead_reckoning"],
        },
        "implied_graph": {
            "precision": ig.precision,
            "recall": ig.recall,
            "union_precision": ig.union_precision,
            "union_recall": ig.union_recall,
            "n_true": len(ig.true_edges),
            "n_false": len(ig.false_edges),
            "n_missing": len(ig.missing_edges),
            "false_edges": igd["false_edges"],
            "missing_edges": igd["missing_edges"],
            "traces": ig.traces,
            "forwards": ig.forwards,
        },
        "decoded_positions_mean_error": dec.mean_error,
        "on_shortest_routes": on_shortest,
        "steering": {"mean_diff_by_layer": steer, "probe_best_layer": steer_probe.to_dict()},
        "details": {
            "next_move": nmv.to_dict(),
            "route": rv.to_dict(),
            "compression": {str(k): v.to_dict() for k, v in comp.items()},
            "distinction": {str(k): v.to_dict() for k, v in dist.items()},
            "position_probe": probe.to_dict(),
            "acceptor_traces": acc.traces,
            "acceptor_rows": acc.rows,
        },
        "eval": {
            "kind": kind,
            "eps": eps,
            "seeds": {
                "eval_routes": seed_base,
                "probe_train": seed_base + 1,
                "probe_test": seed_base + 2,
                "generation_prompts": seed_base + 3,
                "pairs": seed_base + 4,
                "steering": seed_base + 5,
                "validity_by_kind": [seed_base + 10, seed_base + 11, seed_base + 12],
            },
            "n_routes": {"eval": n_eval, "probe_train": n_probe_train, "probe_test": n_probe_test},
            "n_pairs": n_pairs,
            "n_generated": n_generate,
            "time_s": round(time.perf_counter() - t0, 1),
        },
        "definitions": DEFINITIONS,
    }


def _load_for_card(variant: str, out_dir: Path) -> Model:
    from ..zoo.city_taxi import VARIANTS

    spec = VARIANTS[variant](
        out_dir / VARIANTS[variant].weights_file, out_dir / VARIANTS[variant].card_file
    )
    module = spec.load_module()  # checks the sha256
    m = Model(module, name=spec.name, kind=spec.kind, layers=spec.layer_sites, spec=spec)
    m.inspect(spec.sample(seed=0))
    return m


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """``python -m iwm_widgets.tracing.cognitive_map --card VARIANT``: write card["map"]."""
    from ..zoo._base import WEIGHTS_DIR
    from ..zoo.city_taxi import CARD_SEED_BASE, VARIANTS

    ap = argparse.ArgumentParser(description="measure a city-taxi card's map section")
    ap.add_argument("--card", choices=sorted(VARIANTS), required=True)
    ap.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = _load_for_card(args.card, args.out_dir)
    section = measure_card(model, CARD_SEED_BASE)
    card_path = model.spec.card_path
    card = json.loads(card_path.read_text())
    card["map"] = section
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    keys = ("next_move_validity", "route_validity", "compression", "distinction")
    print(json.dumps({k: section[k] for k in keys}))
    print(json.dumps(section["position_probe_r2"]))
    ig = section["implied_graph"]
    print(json.dumps({k: ig[k] for k in ("precision", "recall", "n_false", "n_missing")}))
    print(f"wrote the map section of {card_path} in {section['eval']['time_s']} s")
    return section


if __name__ == "__main__":
    main()
