"""The city-taxi world (Vafa et al. 2024): turn-by-turn taxi routes through a small city.

A transformer trained on routes ``origin, destination, move, move, ..., END``: does it
carry a map of the city? The world is a deterministic finite automaton (DFA), so its
states are known exactly and the Myhill–Nerode metrics of
:mod:`iwm_widgets.tracing.cognitive_map` can be scored against them.

City (:func:`build_city`, :data:`CITY_SEED`)
    A ``6 × 6`` grid of intersections, node ``i`` at ``x = i % 6``, ``y = i // 6``
    (node attributes ``x``, ``y``, ``pos = (x, y)``; north is ``+y``). Streets join
    4-neighbours; a few blocks carry one diagonal street (``NE``/``SW`` or
    ``NW``/``SE``; never two crossing in one block). Then some street segments are
    closed (both directions removed) and some become one-way (one direction removed).
    Drawn from one ``numpy.random.Generator(CITY_SEED)``; a draw that is not strongly
    connected is redrawn from the same generator, so the city is one fixed graph.
    ``spec.city`` is the ``networkx.DiGraph``: every edge ``u -> v`` carries ``move``
    (its token), ``kind`` (``"street"`` or ``"diagonal"``) and ``one_way``; the graph
    attributes ``closed`` and ``one_way`` list the closed and one-way segments.

Vocabulary (``spec.vocab``, ids in this order; :data:`VOCAB`)
    ``<pad>`` (0), ``END`` (1), the moves ``N E S W NE NW SE SW`` (2..9), the origin
    tokens ``o:0 .. o:35`` (10..45) and the destination tokens ``d:0 .. d:35``
    (46..81). A move token moves the taxi by its offset (``N`` = ``(0, +1)``,
    ``NE`` = ``(+1, +1)``, ...) along an edge of the city. ``spec.decode(ids)`` gives
    the strings.

Routes (:meth:`CityTaxiSpec.sample_routes`)
    ``[o:origin, d:destination, move, ..., move, END]``, origin != destination, right
    padded with ``<pad>`` in a batch. Every route is legal and ends at its destination.
    Kinds:

    - ``"shortest"``: a shortest path (fewest moves); among the moves that stay on a
      shortest path, one uniformly at random (seeded);
    - ``"noisy"``: at each step with probability ``NOISY_P`` a uniformly random legal
      move, else a shortest-path move from wherever the taxi is; after
      ``NOISY_CAP`` moves only shortest-path moves;
    - ``"walk"``: uniformly random legal moves until the destination is reached;
      after ``WALK_CAP`` moves, a shortest path the rest of the way;
    - ``"mix"``: each route one of the three, uniformly at random.

    A route ends (``END``) the first time it reaches its destination. The ``i``-th
    route of ``sample_routes(n, seed)`` depends only on ``(seed, i)``.

Truth at step ``t`` (after reading tokens ``0..t``)
    ``node``: the current intersection: the origin at ``t = 0, 1``, after a move the
    node it led to, at ``END`` and after it (padding) the destination. ``xy`` its
    coordinates (float). ``heading``: the index (0..7 in ``MOVES``) of the last move
    read, ``-1`` before the first move. ``legal`` ``[T, vocab]``: the tokens legal
    NEXT: after the origin every destination token but the origin's own; after the
    destination token or a move, the moves of the city's edges out of ``node``, plus
    ``END`` if ``node`` is the destination (the taxi may also drive on through it);
    after ``END`` (and at padding) nothing. ``valid``: a real token (not padding).
    ``state``: see below.

DFA state (the true Myhill–Nerode state)
    ``("start",)`` before anything, ``("origin", o)`` after the origin,
    ``("route", node, destination)`` after the destination token and after every
    legal move, ``("end",)`` after ``END``, ``("dead",)`` after any illegal token.
    Two prefixes in different ``route`` states accept different sets of suffixes (a
    move sequence that carries one node to its destination carries another node
    elsewhere), so these are the minimal automaton's states.

Model (:class:`CityTaxiModel`)
    A pre-LayerNorm causal transformer over token ids ``[B, T]`` (long) returning
    next-token logits ``[B, T, vocab]``: entry ``t`` scores token ``t + 1``. Module
    paths are the nnsight sites, as in the springs and bouncing-ball models: ``embed``
    (``embed.tok`` + ``embed.pos``) and ``blocks.i`` output the residual stream
    ``[B, T, D]``; inside a block ``ln1``, ``attn`` (``attn.qkv``, ``attn.pattern`` =
    probabilities ``[B, H, T, T]``, ``attn.out``), ``ln2``, ``mlp`` (``mlp.fc_in``,
    ``mlp.act``, ``mlp.fc_out``); then ``ln_f`` and ``head``. ``rollout(x, steps)``
    continues every row greedily (argmax) for ``steps`` tokens: ``[B, steps]``.

Zoo entries
    ``"city-taxi"``: trained on the ``"mix"`` of routes; ``"city-taxi-shortest"``:
    trained on shortest paths only (the paper's contrast: valid routes, worse map).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from ..errors import InputError
from ._base import ZooSpec
from .springs import MLP, Attention

__all__ = [
    "CARD_SEED_BASE",
    "CITY_SEED",
    "END",
    "KINDS",
    "MOVES",
    "OFFSETS",
    "PAD",
    "SIZE",
    "TEST_SEED_BASE",
    "TRAIN_SEED_BASE",
    "VOCAB",
    "City",
    "CityTaxiConfig",
    "CityTaxiModel",
    "CityTaxiShortestSpec",
    "CityTaxiSpec",
    "build_city",
]

SIZE = 6
N_NODES = SIZE * SIZE
CITY_SEED = 17
N_DIAGONALS = 8
N_CLOSED = 5
N_ONE_WAY = 12
MOVES = ("N", "E", "S", "W", "NE", "NW", "SE", "SW")
OFFSETS: dict[str, tuple[int, int]] = {
    "N": (0, 1),
    "E": (1, 0),
    "S": (0, -1),
    "W": (-1, 0),
    "NE": (1, 1),
    "NW": (-1, 1),
    "SE": (1, -1),
    "SW": (-1, -1),
}
PAD, END = 0, 1
MOVE0 = 2  # id of the first move token
ORIGIN0 = MOVE0 + len(MOVES)
DEST0 = ORIGIN0 + N_NODES
VOCAB: tuple[str, ...] = (
    "<pad>",
    "END",
    *MOVES,
    *(f"o:{i}" for i in range(N_NODES)),
    *(f"d:{i}" for i in range(N_NODES)),
)
KINDS = ("shortest", "noisy", "walk")
NOISY_P = 0.25
NOISY_CAP = 16
WALK_CAP = 20

#: Seeds as for the other worlds: ``TRAIN_SEED_BASE + step`` for training batches, the
#: card from ``CARD_SEED_BASE`` on, tests from ``TEST_SEED_BASE`` on.
TRAIN_SEED_BASE = 10_000_000
CARD_SEED_BASE = 20_000_000
TEST_SEED_BASE = 30_000_000


# ---------------------------------------------------------------- the city
def _node(x: int, y: int) -> int:
    return y * SIZE + x


def _move_between(u: int, v: int) -> str:
    d = (v % SIZE - u % SIZE, v // SIZE - u // SIZE)
    for m, off in OFFSETS.items():
        if off == d:
            return m
    raise ValueError(f"nodes {u} and {v} are not neighbours")


def _draw_city(rng: np.random.Generator) -> Any:
    import networkx as nx

    grid = [(_node(x, y), _node(x + 1, y)) for y in range(SIZE) for x in range(SIZE - 1)]
    grid += [(_node(x, y), _node(x, y + 1)) for y in range(SIZE - 1) for x in range(SIZE)]
    closed_idx = set(rng.choice(len(grid), N_CLOSED, replace=False).tolist())
    closed = [grid[i] for i in sorted(closed_idx)]
    streets = [(s, "street") for i, s in enumerate(grid) if i not in closed_idx]
    cells = rng.choice((SIZE - 1) ** 2, N_DIAGONALS, replace=False)
    for c in sorted(cells.tolist()):
        x, y = c % (SIZE - 1), c // (SIZE - 1)
        if rng.random() < 0.5:
            seg = (_node(x, y), _node(x + 1, y + 1))  # NE / SW
        else:
            seg = (_node(x + 1, y), _node(x, y + 1))  # NW / SE
        streets.append((seg, "diagonal"))
    one_way_idx = set(rng.choice(len(streets), N_ONE_WAY, replace=False).tolist())
    flips = rng.random(len(streets)) < 0.5
    g = nx.DiGraph(name="city", size=SIZE, seed=CITY_SEED)
    for i in range(N_NODES):
        x, y = i % SIZE, i // SIZE
        g.add_node(i, x=x, y=y, pos=(x, y))
    one_way = []
    for i, ((a, b), kind) in enumerate(streets):
        if flips[i]:
            a, b = b, a
        ow = i in one_way_idx
        g.add_edge(a, b, move=_move_between(a, b), kind=kind, one_way=ow)
        if ow:
            one_way.append((a, b))
        else:
            g.add_edge(b, a, move=_move_between(b, a), kind=kind, one_way=False)
    g.graph["closed"] = [list(s) for s in closed]
    g.graph["one_way"] = [list(s) for s in one_way]
    return g


def build_city(seed: int = CITY_SEED, max_draws: int = 100) -> Any:
    """The city as a ``networkx.DiGraph`` (module docstring); deterministic in ``seed``."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    for _ in range(max_draws):
        g = _draw_city(rng)
        if nx.is_strongly_connected(g):
            g.graph["seed"] = seed
            return g
    raise RuntimeError(f"no strongly connected city in {max_draws} draws from seed {seed}")


class City:
    """Lookup tables of one city graph for fast route generation and truth.

    Attributes
    ----------
    graph : networkx.DiGraph
    succ : list[list[tuple[int, int]]]
        Per node, ``(move index, next node)`` of its out-edges, in ``MOVES`` order.
    step : numpy.ndarray
        ``[N, 8]`` int: the node a move leads to, ``-1`` where the city has no edge.
    target : numpy.ndarray
        ``[N, 8]`` int: the grid node at the move's offset (street or not), ``-1``
        off the grid.
    dist : numpy.ndarray
        ``[N, N]`` int: shortest-path lengths in moves, ``dist[u, v]`` from u to v.
    xy : numpy.ndarray
        ``[N, 2]`` float coordinates.
    """

    def __init__(self, graph: Any) -> None:
        import networkx as nx

        self.graph = graph
        n = graph.number_of_nodes()
        self.n = n
        self.step = np.full((n, len(MOVES)), -1, dtype=np.int64)
        self.target = np.full((n, len(MOVES)), -1, dtype=np.int64)
        for u in range(n):
            x, y = u % SIZE, u // SIZE
            for k, m in enumerate(MOVES):
                dx, dy = OFFSETS[m]
                if 0 <= x + dx < SIZE and 0 <= y + dy < SIZE:
                    self.target[u, k] = _node(x + dx, y + dy)
        for u, v, m in graph.edges(data="move"):
            self.step[u, MOVES.index(m)] = v
        self.succ = [
            [(k, int(self.step[u, k])) for k in range(len(MOVES)) if self.step[u, k] >= 0]
            for u in range(n)
        ]
        self.dist = np.zeros((n, n), dtype=np.int64)
        for u, lengths in nx.all_pairs_shortest_path_length(graph):
            for v, d in lengths.items():
                self.dist[u, v] = d
        self.xy = np.array([[u % SIZE, u // SIZE] for u in range(n)], dtype=np.float64)

    @property
    def diameter(self) -> int:
        return int(self.dist.max())

    # ---- route generators: lists of move indices ------------------------
    def _shortest_move(self, u: int, d: int, rng: np.random.Generator) -> tuple[int, int]:
        want = self.dist[u, d] - 1
        opts = [(k, v) for k, v in self.succ[u] if self.dist[v, d] == want]
        return opts[int(rng.integers(len(opts)))]

    def _random_move(self, u: int, rng: np.random.Generator) -> tuple[int, int]:
        opts = self.succ[u]
        return opts[int(rng.integers(len(opts)))]

    def route(self, o: int, d: int, kind: str, rng: np.random.Generator) -> list[int]:
        """Move indices of one route of ``kind`` from ``o`` to ``d`` (module docstring)."""
        moves: list[int] = []
        u = o
        while u != d:
            if kind == "shortest":
                k, u = self._shortest_move(u, d, rng)
            elif kind == "noisy":
                noisy = len(moves) < NOISY_CAP and rng.random() < NOISY_P
                k, u = self._random_move(u, rng) if noisy else self._shortest_move(u, d, rng)
            elif kind == "walk":
                walking = len(moves) < WALK_CAP
                k, u = self._random_move(u, rng) if walking else self._shortest_move(u, d, rng)
            else:
                raise ValueError(f"unknown route kind {kind!r}; use one of {KINDS} or 'mix'")
            moves.append(k)
        return moves

    def max_moves(self) -> int:
        """An upper bound on the moves of any generated route."""
        return max(NOISY_CAP, WALK_CAP) + self.diameter


# ---------------------------------------------------------------- model
@dataclass(frozen=True)
class CityTaxiConfig:
    """Sizes of :class:`CityTaxiModel`."""

    vocab_size: int = len(VOCAB)
    d_model: int = 64
    n_layers: int = 4
    n_heads: int = 4
    d_mlp: int = 256
    max_len: int = 40

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Embed(nn.Module):
    """Residual stream at layer 0: ``tok(x) + pos(t)``."""

    def __init__(self, cfg: CityTaxiConfig) -> None:
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        nn.init.normal_(self.tok.weight, std=0.1)
        nn.init.normal_(self.pos.weight, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = torch.arange(x.shape[1], device=x.device)
        return self.tok(x) + self.pos(t)


class Block(nn.Module):
    """Pre-LayerNorm block over the residual stream ``[B, T, D]``."""

    def __init__(self, cfg: CityTaxiConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = Attention(cfg.d_model, cfg.n_heads, 1)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg.d_model, cfg.d_mlp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class CityTaxiModel(nn.Module):
    """Causal transformer: token ids ``[B, T]`` -> next-token logits ``[B, T, vocab]``."""

    rollout_cache: ClassVar[bool] = False

    def __init__(self, cfg: CityTaxiConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or CityTaxiConfig()
        self.cfg = cfg
        self.max_len = cfg.max_len
        self.vocab_size = cfg.vocab_size
        self.embed = Embed(cfg)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.is_floating_point():
            raise ValueError(f"expected token ids [batch, tokens] (long), got {list(x.shape)}")
        if x.shape[1] > self.max_len:
            raise ValueError(f"at most {self.max_len} tokens fit the model, got {x.shape[1]}")
        h = self.embed(x.long())
        for block in self.blocks:
            h = block(h)
        return self.head(self.ln_f(h))

    def rollout(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        """Greedy continuation: ``steps`` argmax tokens after each row, ``[B, steps]``.

        One ``forward`` per step on the whole sequence so far (no cache), so a trace
        of ``rollout`` sees every module once per step (``tracer.iter``).
        """
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        if x.shape[1] + steps > self.max_len:
            raise ValueError(
                f"{x.shape[1]} tokens + {steps} generated exceed max_len {self.max_len}"
            )
        seq = x.long()
        out = []
        for _ in range(steps):
            nxt = self.forward(seq)[:, -1].argmax(-1, keepdim=True)
            out.append(nxt)
            seq = torch.cat([seq, nxt], dim=1)
        if not out:
            return x.new_zeros(x.shape[0], 0, dtype=torch.long)
        return torch.cat(out, dim=1)


# ---------------------------------------------------------------- zoo entries
_CITY: City | None = None


def _city() -> City:
    global _CITY
    if _CITY is None:
        _CITY = City(build_city())
    return _CITY


class CityTaxiSpec(ZooSpec):
    """Zoo entry ``"city-taxi"``: trained on shortest, noisy and random-walk routes."""

    name = "city-taxi"
    kind = "world"
    description = (
        "Taxi routes through a 6x6 city with diagonal streets, one-way streets and closed "
        "blocks (Vafa et al. 2024). A causal transformer reads 'origin, destination, "
        "move, move, ..., END' and predicts the next token; trained on a mix of shortest "
        "paths, noisy shortest paths and random walks. Does it carry a map of the city?"
    )
    variant = "mix"
    train_kind = "mix"
    config = CityTaxiConfig()
    default_length = 0  # routes have their own lengths
    default_rollout_steps = 0
    weights_file = "city_taxi.safetensors"
    card_file = "city_taxi.card.json"

    #: token strings in id order (see the module docstring)
    vocab: ClassVar[list[str]] = list(VOCAB)
    moves: ClassVar[tuple[str, ...]] = MOVES
    pad_id: ClassVar[int] = PAD
    end_id: ClassVar[int] = END
    move_ids: ClassVar[list[int]] = list(range(MOVE0, MOVE0 + len(MOVES)))

    @property
    def layer_sites(self) -> list[str]:  # type: ignore[override]
        return ["embed", *(f"blocks.{i}" for i in range(self.config.n_layers))]

    @property
    def regenerate_hint(self) -> str:
        return (
            "reinstall iwm_widgets to restore the shipped files, or regenerate them with "
            f"`python -m iwm_widgets.zoo.train_city_taxi --variant {self.variant}`"
        )

    @property
    def tables(self) -> City:
        """The city's lookup tables (:class:`City`)."""
        return _city()

    @property
    def city(self) -> Any:
        """The city (``networkx.DiGraph``, module docstring)."""
        return _city().graph

    @property
    def n_nodes(self) -> int:
        return N_NODES

    @property
    def node_xy(self) -> np.ndarray:
        """``[N, 2]`` float coordinates of the intersections."""
        return _city().xy.copy()

    # ---- tokens --------------------------------------------------------
    def origin_id(self, node: int) -> int:
        return ORIGIN0 + int(node)

    def dest_id(self, node: int) -> int:
        return DEST0 + int(node)

    def move_id(self, move: str | int) -> int:
        return MOVE0 + (MOVES.index(move) if isinstance(move, str) else int(move))

    def token_id(self, token: str) -> int:
        try:
            return VOCAB.index(token)
        except ValueError:
            raise InputError(f"unknown token {token!r}; tokens: {', '.join(VOCAB)}") from None

    def decode(self, ids: Any) -> list[str] | list[list[str]]:
        """Token strings of ids ``[T]`` (a list) or ``[B, T]`` (a list per row)."""
        t = torch.as_tensor(ids)
        if t.ndim == 2:
            return [[VOCAB[int(i)] for i in row] for row in t]
        return [VOCAB[int(i)] for i in t.reshape(-1)]

    def encode(self, tokens: list[str]) -> torch.Tensor:
        """Ids ``[1, T]`` of token strings."""
        return torch.tensor([[self.token_id(s) for s in tokens]], dtype=torch.long)

    # ---- the automaton ---------------------------------------------------
    def state(self, prefix: Any) -> tuple[Any, ...]:
        """The true DFA state after reading ``prefix`` (token ids; module docstring)."""
        c = _city()
        st: tuple[Any, ...] = ("start",)
        for tok in torch.as_tensor(prefix).reshape(-1).tolist():
            st = self._next_state(c, st, int(tok))
        return st

    def _next_state(self, c: City, st: tuple[Any, ...], tok: int) -> tuple[Any, ...]:
        if st[0] == "start":
            return ("origin", tok - ORIGIN0) if ORIGIN0 <= tok < DEST0 else ("dead",)
        if st[0] == "origin":
            d = tok - DEST0
            return ("route", st[1], d) if 0 <= d < N_NODES and d != st[1] else ("dead",)
        if st[0] == "route":
            _, u, d = st
            if tok == END:
                return ("end",) if u == d else ("dead",)
            k = tok - MOVE0
            if 0 <= k < len(MOVES) and c.step[u, k] >= 0:
                return ("route", int(c.step[u, k]), d)
        return ("dead",)

    def legal_in(self, state: tuple[Any, ...]) -> torch.Tensor:
        """``[vocab]`` bool: the tokens legal next in a DFA ``state``."""
        out = torch.zeros(len(VOCAB), dtype=torch.bool)
        if state[0] == "start":
            out[ORIGIN0:DEST0] = True
        elif state[0] == "origin":
            out[DEST0 : DEST0 + N_NODES] = True
            out[DEST0 + state[1]] = False
        elif state[0] == "route":
            _, u, d = state
            for k, _v in _city().succ[u]:
                out[MOVE0 + k] = True
            out[END] = u == d
        return out

    def legal_after(self, prefixes: Any) -> torch.Tensor:
        """``[n, vocab]`` bool: the tokens legal after each prefix (a list of id lists)."""
        return torch.stack([self.legal_in(self.state(p)) for p in prefixes])

    # ---- routes ----------------------------------------------------------
    def route_ids(self, origin: int, destination: int, moves: list[int]) -> list[int]:
        return [self.origin_id(origin), self.dest_id(destination), *(MOVE0 + k for k in moves), END]

    def sample_routes(
        self,
        n: int,
        seed: int,
        kind: str = "mix",
        length: int | None = None,
        with_truth: bool = True,
    ) -> tuple[torch.Tensor, dict[str, Any]]:
        """``n`` routes: ids ``[n, T]`` (long, right-padded with ``<pad>``) and truth.

        Parameters
        ----------
        kind
            ``"shortest"``, ``"noisy"``, ``"walk"`` or ``"mix"`` (module docstring).
        length
            Pad to this many tokens (default: the longest route of the batch).
        with_truth
            ``False``: only ``kind`` in the dict (fast, for training).

        Returns
        -------
        ids, truth
            ``truth``: ``node`` ``[n, T]`` (long), ``xy`` ``[n, T, 2]`` (float32),
            ``heading`` ``[n, T]`` (long, -1 before the first move), ``legal``
            ``[n, T, vocab]`` (bool: legal next), ``valid`` ``[n, T]`` (bool: not
            padding), ``length`` ``[n]``, ``origin``, ``destination`` ``[n]``, ``state``
            (the DFA state per step), ``kind`` (list of str). The city itself is
            ``spec.city`` (not in the truth, so that a Workspace of a route saves as a
            session).
        """
        kinds = (*KINDS, "mix")
        if kind not in kinds:
            raise InputError(f"unknown route kind {kind!r}; use one of {kinds}")
        n = int(n)
        if n < 1:
            raise InputError(f"n must be >= 1, got {n}")
        c = _city()
        routes, meta = [], []
        for i in range(n):
            rng = np.random.default_rng([int(seed), i])
            o = int(rng.integers(N_NODES))
            d = int(rng.integers(N_NODES - 1))
            d = d + 1 if d >= o else d
            k = KINDS[int(rng.integers(len(KINDS)))] if kind == "mix" else kind
            routes.append(self.route_ids(o, d, c.route(o, d, k, rng)))
            meta.append((o, d, k))
        longest = max(len(r) for r in routes)
        T = longest if length is None else int(length)
        if T < longest:
            raise InputError(f"length={T} is shorter than the longest route ({longest} tokens)")
        if T > self.config.max_len:
            raise InputError(f"length {T} exceeds the model's max_len {self.config.max_len}")
        ids = torch.full((n, T), PAD, dtype=torch.long)
        for i, r in enumerate(routes):
            ids[i, : len(r)] = torch.tensor(r)
        if not with_truth:
            return ids, {"kind": [m[2] for m in meta]}
        truth = self.truth_of(ids)
        truth["kind"] = [m[2] for m in meta]
        return ids, truth

    def truth_of(self, ids: torch.Tensor) -> dict[str, Any]:
        """Per-step truth of legal routes ``ids`` ``[n, T]`` (module docstring).

        Raises
        ------
        InputError
            A row is not a legal route followed by padding.
        """
        c = _city()
        ids = torch.as_tensor(ids).long()
        n, T = ids.shape
        node = np.zeros((n, T), dtype=np.int64)
        heading = np.full((n, T), -1, dtype=np.int64)
        phase = np.zeros((n, T), dtype=np.int64)  # 1 origin, 2 route, 3 end / padding
        length = np.zeros(n, dtype=np.int64)
        origin = np.zeros(n, dtype=np.int64)
        dest = np.zeros(n, dtype=np.int64)
        states: list[list[tuple[Any, ...]]] = []
        for i, row in enumerate(ids.tolist()):
            st: tuple[Any, ...] = ("start",)
            u = h = -1
            row_states = []
            for t, tok in enumerate(row):
                if st[0] == "end":
                    if tok != PAD:
                        raise InputError(f"route {i} goes on after END (token {t})")
                else:
                    st = self._next_state(c, st, tok)
                    if st[0] == "dead":
                        name = VOCAB[tok] if 0 <= tok < len(VOCAB) else tok
                        raise InputError(f"route {i} is not legal at token {t} ({name!r})")
                    length[i] = t + 1
                    if st[0] == "origin":
                        u = st[1]
                    elif st[0] == "route":
                        if t == 1:
                            origin[i], dest[i] = st[1], st[2]
                        else:
                            h = tok - MOVE0
                        u = st[1]
                node[i, t], heading[i, t] = u, h
                phase[i, t] = {"origin": 1, "route": 2, "end": 3}[st[0]]
                row_states.append(st)
            if st[0] != "end":
                raise InputError(f"route {i} does not end with END at its destination")
            states.append(row_states)
        legal = np.zeros((n, T, len(VOCAB)), dtype=bool)
        on = phase == 2
        legal[..., MOVE0 : MOVE0 + len(MOVES)] = (c.step[node] >= 0) & on[..., None]
        legal[..., END] = on & (node == dest[:, None])
        at_origin = phase == 1
        legal[..., DEST0 : DEST0 + N_NODES] = at_origin[..., None]
        rows, cols = np.nonzero(at_origin)
        legal[rows, cols, DEST0 + node[rows, cols]] = False
        valid = np.arange(T)[None, :] < length[:, None]
        node_t = torch.from_numpy(node)
        return {
            "node": node_t,
            "xy": torch.from_numpy(c.xy).float()[node_t],
            "heading": torch.from_numpy(heading),
            "legal": torch.from_numpy(legal),
            "valid": torch.from_numpy(valid),
            "length": torch.from_numpy(length),
            "origin": torch.from_numpy(origin),
            "destination": torch.from_numpy(dest),
            "state": states,
        }

    def sample_batch(
        self,
        n: int,
        seed: int,
        length: int | None = None,
        latents: bool = False,
        kind: str | None = None,
    ) -> Any:
        """``n`` routes ``[n, T]`` of the model's training kind (``sample_routes``)."""
        ids, truth = self.sample_routes(n, seed, kind or self.train_kind, length=length)
        return (ids, truth) if latents else ids

    def sample(
        self,
        seed: int = 0,
        latents: bool = False,
        length: int | None = None,
        kind: str | None = None,
    ) -> Any:
        """One route ``[1, T]`` (no padding); ``latents=True``: with its truth ``[T, ...]``."""
        ids, truth = self.sample_routes(1, seed, kind or self.train_kind, length=length)
        if not latents:
            return ids
        one = {
            k: (v[0] if isinstance(v, torch.Tensor) else v[0] if isinstance(v, list) else v)
            for k, v in truth.items()
        }
        return ids, one

    def true_graph(self) -> Any:
        """The city (a ``networkx.DiGraph``): the world's true map."""
        return self.city

    def simulate_future(
        self,
        latents_or_state: Any,
        steps: int,
        velocity: Any = None,
        return_latents: bool = False,
    ) -> Any:
        """A shortest-path continuation ``[steps]`` (ids, padded) from a route's last step.

        ``latents_or_state``: a DFA state ``("route", node, destination)`` or a truth
        dict of one route (its last valid step's ``node`` and its ``destination``).
        Ties between shortest moves go to the first in ``MOVES`` order.
        """
        if velocity is not None:
            raise InputError("city-taxi has no velocity to set")
        st = latents_or_state
        if isinstance(st, dict):  # a route's truth: its state after the last token
            st = st["state"][int(st["length"]) - 1]
        c = _city()
        out: list[int] = []
        if st[0] == "route":
            u, d = int(st[1]), int(st[2])
            while u != d and len(out) < steps:
                k = next(k for k, v in c.succ[u] if c.dist[v, d] == c.dist[u, d] - 1)
                out.append(MOVE0 + k)
                u = int(c.step[u, k])
            if len(out) < steps:
                out.append(END)
        out += [PAD] * (int(steps) - len(out))
        ids = torch.tensor(out[: int(steps)], dtype=torch.long)
        return (ids, {"ids": ids}) if return_latents else ids

    def build_module(self) -> CityTaxiModel:
        return CityTaxiModel(self.config)

    def check_input(self, x: Any) -> torch.Tensor:
        """Validate model inputs: token ids ``[B, T]`` (integer; ``[T]`` is one row)."""
        V, max_len = len(VOCAB), self.config.max_len
        if not isinstance(x, torch.Tensor):
            raise InputError(
                f"{self.name} takes a tensor of token ids [batch, tokens], got "
                f"{type(x).__name__}; use model.sample(seed) for one route, or "
                "model.spec.encode(['o:0', 'd:35', 'N', ...])"
            )
        if x.dtype == torch.bool or x.is_floating_point() or x.is_complex():
            raise InputError(
                f"{self.name} takes integer token ids (torch.long), got dtype {x.dtype}; "
                "token ids index spec.vocab"
            )
        if x.ndim == 1:
            x = x[None]
        if x.ndim != 2:
            raise InputError(
                f"{self.name} takes token ids of shape [batch, tokens], got {list(x.shape)} "
                f"(rank {x.ndim})"
            )
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise InputError(f"{self.name} needs at least one token, got shape {list(x.shape)}")
        if x.shape[1] > max_len:
            raise InputError(
                f"{self.name} takes at most {max_len} tokens, got {x.shape[1]}; pass "
                f"x[:, :{max_len}]"
            )
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= V:
            bad = lo if lo < 0 else hi
            raise InputError(
                f"{self.name} token id {bad} is out of range: ids are 0..{V - 1} (spec.vocab)"
            )
        return x.long()


class CityTaxiShortestSpec(CityTaxiSpec):
    """Zoo entry ``"city-taxi-shortest"``: the same model trained on shortest paths only."""

    name = "city-taxi-shortest"
    variant = "shortest"
    train_kind = "shortest"
    description = (
        "The city-taxi world and model, trained on shortest paths only (the contrast of "
        "Vafa et al. 2024): it drives valid routes, but does it know the streets it "
        "never needs?"
    )
    weights_file = "city_taxi_shortest.safetensors"
    card_file = "city_taxi_shortest.card.json"


#: variant name of train_city_taxi -> spec class
VARIANTS: dict[str, type[CityTaxiSpec]] = {
    "mix": CityTaxiSpec,
    "shortest": CityTaxiShortestSpec,
}
