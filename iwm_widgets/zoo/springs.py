"""The springs world (Kipf et al. 2018, NRI): simulator, world models and zoo entries.

World
    ``N`` point particles (default 4; 3 to 5 supported) of unit mass in the unit box
    ``[0, 1]²`` with elastic walls. Each pair is joined with probability 0.5 by a
    zero-rest-length Hooke spring; the spring graph is drawn anew for every system
    (or fixed, ``fixed_graph``). The force on particle ``i`` is::

        F_i = k · Σ_j A_ij (x_j − x_i)          (k = SPRING_K per step²)

    integrated with velocity Verlet in ``SUBSTEPS`` substeps per frame; a coordinate
    that leaves ``[0, 1]`` in a substep is folded back and its velocity flips. Initial
    positions are uniform in ``START_RANGE``, initial velocities uniform in
    ``±VELOCITY_RANGE`` per axis. Time is measured in frames (one model step).

    A *flawed* simulator (``flaw``) changes one particle's law (``flaw_particle``, 0 by
    default): ``"sign"``: that particle's springs push it away from its partners
    (``F_p = −k Σ_j A_pj (x_j − x_p)``) while the partners are still pulled towards it;
    ``"one_way"``: that particle feels no spring force (its partners still do). Both
    keep the spring graph: only row ``p`` of the *coupling* matrix changes
    (``C = A`` for the sound simulator, ``C_p· = −A_p·`` or ``0``), and
    ``F_i = k Σ_j C_ij (x_j − x_i)``.

Model (:class:`SpringsWorldModel`)
    A pre-LayerNorm causal transformer that reads past positions ``[B, T, 2N]``
    (ordered ``x0, y0, x1, y1, ...``) and predicts the next positions ``[B, T, 2N]``:
    entry ``t`` predicts ``x[:, t + 1]`` from ``x[:, :t + 1]`` as
    ``x_t + d_t + out_scale · head(h_t)`` with ``d_t = x_t − x_{t−1}`` (``d_0 = 0``),
    i.e. the head predicts the change from constant velocity. Two designs:

    - ``"particles"``: one token per (time step, particle): the particle's centred
      position and last displacement (× ``in_scale``), plus a learned particle
      embedding and a learned time embedding; a token attends to every particle's
      tokens at the same or earlier steps (a graph-network bias);
    - ``"steps"``: one token per time step carrying all particles' positions and last
      displacements (the "mean-field" design of the feasibility note).

    Module paths are the nnsight sites: ``embed`` and ``blocks.i`` output the residual
    stream ``[B, T, S·D]`` per time step, where the ``S`` slots are the particles
    (``"particles"``: particle ``i`` owns dims ``i·D .. (i+1)·D − 1``) or one slot
    (``"steps"``); inside a block ``ln1``, ``attn`` (``attn.qkv``, ``attn.pattern`` =
    probabilities ``[B, H, T·S, T·S]``, token ``t·S + i``; ``attn.out``), ``ln2``,
    ``mlp`` (``mlp.fc_in``, ``mlp.act``, ``mlp.fc_out``) act on tokens ``[B, T·S, D]``;
    then ``ln_f`` and ``head``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from ..errors import InputError
from ._base import ZooSpec
from .bouncing_ball import KVCache, RolloutCache

__all__ = [
    "CARD_SEED_BASE",
    "FIXED_EDGES",
    "SPRING_K",
    "SUBSTEPS",
    "TEST_SEED_BASE",
    "TRAIN_SEED_BASE",
    "SpringsConfig",
    "SpringsFixedSpec",
    "SpringsFlawedSpec",
    "SpringsMeanfieldSpec",
    "SpringsSpec",
    "SpringsWorld",
    "SpringsWorldModel",
    "coupling_matrix",
    "fixed_adjacency",
    "hooke_force",
    "simulate",
    "simulate_from",
    "spring_energy",
    "spring_graph",
    "true_graph",
]

SPRING_K = 0.006
SUBSTEPS = 10
START_RANGE = (0.1, 0.9)
VELOCITY_RANGE = 0.02
EDGE_PROB = 0.5
FLAWS = ("sign", "one_way")

#: Seeds as for bouncing-ball: ``TRAIN_SEED_BASE + step`` for training batches, the
#: card from ``CARD_SEED_BASE`` on, tests from ``TEST_SEED_BASE`` on.
TRAIN_SEED_BASE = 10_000_000
CARD_SEED_BASE = 20_000_000
TEST_SEED_BASE = 30_000_000

#: The one spring graph of ``fixed_graph=True``, by number of particles: connected,
#: about half of the pairs, no two particles with the same springs.
FIXED_EDGES: dict[int, tuple[tuple[int, int], ...]] = {
    3: ((0, 1), (1, 2)),
    4: ((0, 1), (0, 2), (2, 3)),
    5: ((0, 1), (0, 2), (2, 3), (3, 4), (1, 4)),
}


# ---------------------------------------------------------------- simulator
def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def fixed_adjacency(n_particles: int) -> np.ndarray:
    """The adjacency ``[N, N]`` (0/1 float64) of :data:`FIXED_EDGES`."""
    if n_particles not in FIXED_EDGES:
        raise ValueError(f"no fixed graph for {n_particles} particles (have 3, 4, 5)")
    a = np.zeros((n_particles, n_particles))
    for i, j in FIXED_EDGES[n_particles]:
        a[i, j] = a[j, i] = 1.0
    return a


def coupling_matrix(
    adjacency: np.ndarray, flaw: str | None = None, flaw_particle: int = 0
) -> np.ndarray:
    """The coupling ``C`` with ``F_i = k Σ_j C_ij (x_j − x_i)`` (module docstring)."""
    c = np.array(adjacency, dtype=np.float64, copy=True)
    if flaw is None:
        return c
    if flaw not in FLAWS:
        raise ValueError(f"unknown flaw {flaw!r}; use one of {FLAWS} or None")
    c[..., flaw_particle, :] *= -1.0 if flaw == "sign" else 0.0
    return c


def hooke_force(position: np.ndarray, coupling: np.ndarray, k: float = SPRING_K) -> np.ndarray:
    """``F_i = k Σ_j C_ij (x_j − x_i)`` for positions ``[..., N, 2]``, ``C`` ``[..., N, N]``."""
    p = np.asarray(position, dtype=np.float64)
    c = np.asarray(coupling, dtype=np.float64)
    return k * (c @ p - c.sum(-1)[..., None] * p)


def spring_energy(
    position: np.ndarray, velocity: np.ndarray, adjacency: np.ndarray, k: float = SPRING_K
) -> np.ndarray:
    """Kinetic + spring energy ``Σ ½|v_i|² + ½ k Σ_{i<j} A_ij |x_i − x_j|²`` per frame.

    ``position``/``velocity`` ``[..., N, 2]``, ``adjacency`` ``[..., N, N]`` (broadcast
    over leading frame axes); conserved by the sound simulator away from the walls.
    """
    p = np.asarray(position, dtype=np.float64)
    diff = p[..., :, None, :] - p[..., None, :, :]
    pot = 0.25 * k * (np.asarray(adjacency)[..., :, :] * (diff**2).sum(-1)).sum((-1, -2))
    return 0.5 * (np.asarray(velocity) ** 2).sum((-1, -2)) + pot


def simulate_from(
    position: np.ndarray,
    velocity: np.ndarray,
    coupling: np.ndarray,
    length: int,
    k: float = SPRING_K,
    substeps: int = SUBSTEPS,
    walls: bool = True,
    noise: Any = 0.0,
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Run the simulator from states ``[n, N, 2]`` with coupling ``[n, N, N]``.

    Returns float64 arrays ``position``, ``velocity``, ``force`` ``[n, length, N, 2]``
    (frame 0 is the initial state; ``force[t]`` is the force at ``position[t]``) and
    ``contact`` (bool, same shape): the coordinate bounced off a wall between frames
    ``t − 1`` and ``t``.

    ``noise`` (a std per system ``[n]`` or one for all; 0: none) adds a random kick
    ``noise × N(0, 1)`` (from ``rng``) to every velocity coordinate at the start of each
    frame: forcing that no particle's own past predicts (a training option; the zoo's
    worlds have none).
    """
    std = np.broadcast_to(np.asarray(noise, dtype=np.float64), (np.shape(position)[0],))
    kick = bool(np.any(std != 0))
    if kick and rng is None:
        raise ValueError("simulate_from: noise needs an rng")
    p = np.array(position, dtype=np.float64).copy()
    v = np.array(velocity, dtype=np.float64).copy()
    c = np.asarray(coupling, dtype=np.float64)
    rowsum = c.sum(-1)[..., None]
    h = 1.0 / substeps

    def acc(q: np.ndarray) -> np.ndarray:
        return k * (c @ q - rowsum * q)

    shape = (p.shape[0], length, *p.shape[1:])
    pos, vel, frc = np.empty(shape), np.empty(shape), np.empty(shape)
    con = np.zeros(shape, dtype=bool)
    a = acc(p)
    for t in range(length):
        if t:
            hit = np.zeros(p.shape, dtype=bool)
            if kick:
                assert rng is not None
                v = v + std[:, None, None] * rng.standard_normal(v.shape)
            for _ in range(substeps):
                v = v + 0.5 * h * a
                p = p + h * v
                if walls:
                    over, under = p > 1.0, p < 0.0
                    p = np.where(over, 2.0 - p, np.where(under, -p, p))
                    bounce = over | under
                    v = np.where(bounce, -v, v)
                    hit |= bounce
                a = acc(p)
                v = v + 0.5 * h * a
            con[:, t] = hit
        pos[:, t], vel[:, t], frc[:, t] = p, v, a
    return {"position": pos, "velocity": vel, "force": frc, "contact": con}


def simulate(
    n: int,
    length: int,
    seed: int,
    n_particles: int = 4,
    *,
    fixed_graph: bool | np.ndarray = False,
    flaw: str | None = None,
    flaw_particle: int = 0,
    k: float = SPRING_K,
    substeps: int = SUBSTEPS,
    walls: bool = True,
    noise: float = 0.0,
) -> dict[str, np.ndarray]:
    """Simulate ``n`` independent systems of ``n_particles`` for ``length`` frames.

    Deterministic in all arguments: one ``numpy.random.Generator(seed)`` draws a row of
    uniforms per system (its spring pairs, start positions, start velocities), so the
    first ``m`` systems of ``n > m`` are the ``m`` systems, shorter runs are prefixes,
    and ``fixed_graph`` / ``flaw`` change the graph or the law but not the start states.

    Parameters
    ----------
    fixed_graph
        ``True``: :func:`fixed_adjacency` for every system; an array ``[N, N]``: that
        adjacency for every system; ``False``: a random graph per system (each pair
        with probability ``EDGE_PROB``).
    flaw, flaw_particle
        The flawed law (module docstring), or None.
    walls
        Elastic walls of the unit box (False: free space, for energy checks).
    noise
        Training option: each system's velocities get a random kick every frame, of std
        drawn uniformly in ``[0, noise]`` per system (:func:`simulate_from`), from a
        generator of its own (``seed`` and 1), so the graphs and start states are those
        of ``noise=0``.

    Returns
    -------
    dict of numpy arrays
        ``position``, ``velocity``, ``force``, ``contact`` ``[n, T, N, 2]`` (see
        :func:`simulate_from`), ``adjacency`` ``[n, N, N]`` (0/1, symmetric, zero
        diagonal) and ``coupling`` ``[n, N, N]`` (equal to ``adjacency`` unless flawed).
    """
    nn_ = int(n_particles)
    if not 2 <= nn_ <= 8:
        raise ValueError(f"n_particles must be in 2..8 (3-5 are the zoo's), got {nn_}")
    pairs = _pairs(nn_)
    u = np.random.default_rng(seed).random((int(n), len(pairs) + 4 * nn_))
    if fixed_graph is False or fixed_graph is None:
        adj = np.zeros((int(n), nn_, nn_))
        on = u[:, : len(pairs)] < EDGE_PROB
        for e, (i, j) in enumerate(pairs):
            adj[:, i, j] = adj[:, j, i] = on[:, e]
    else:
        fixed = fixed_adjacency(nn_) if fixed_graph is True else np.asarray(fixed_graph, float)
        if fixed.shape != (nn_, nn_) or not np.array_equal(fixed, fixed.T):
            raise ValueError(f"fixed_graph must be a symmetric [{nn_}, {nn_}] adjacency")
        adj = np.broadcast_to(fixed, (int(n), nn_, nn_)).copy()
    rest = u[:, len(pairs) :].reshape(int(n), 2, nn_, 2)
    p0 = START_RANGE[0] + (START_RANGE[1] - START_RANGE[0]) * rest[:, 0]
    v0 = VELOCITY_RANGE * (2.0 * rest[:, 1] - 1.0)
    coup = coupling_matrix(adj, flaw, flaw_particle)
    rng: np.random.Generator | None = None
    std: Any = 0.0
    if noise:
        rng = np.random.default_rng([seed, 1])
        std = float(noise) * rng.random(int(n))
    out = simulate_from(
        p0, v0, coup, length, k=k, substeps=substeps, walls=walls, noise=std, rng=rng
    )
    out["adjacency"] = adj
    out["coupling"] = coup
    return out


def spring_graph(adjacency: Any) -> Any:
    """The springs of one system as an undirected ``networkx.Graph`` over particles."""
    import networkx as nx

    a = np.asarray(adjacency.detach().cpu() if isinstance(adjacency, torch.Tensor) else adjacency)
    g = nx.Graph(name="springs")
    g.add_nodes_from(range(a.shape[0]))
    g.add_edges_from((i, j) for i, j in _pairs(a.shape[0]) if a[i, j] > 0)
    return g


def true_graph(coupling: Any) -> Any:
    """The simulator's causal graph over one update ``t -> t + 1`` of one system.

    Nodes ``position_i`` / ``velocity_i`` (attributes ``latent``, ``particle`` and
    ``components`` = the two indices ``2i, 2i+1`` into the latent's last axis). Edges
    (``lag=1``): ``position_i -> position_i``, ``velocity_i -> position_i``,
    ``velocity_i -> velocity_i``, ``position_i -> velocity_i`` when ``i`` has a spring,
    and ``position_j -> velocity_i`` for every ``C_ij != 0`` (attribute ``sign``: +1
    pulled towards ``j``, −1 pushed away, the flawed law). Walls act on every particle.
    """
    import networkx as nx

    c = np.asarray(coupling.detach().cpu() if isinstance(coupling, torch.Tensor) else coupling)
    n = c.shape[0]
    g = nx.DiGraph(name="springs", time_step="t -> t+1")
    for i in range(n):
        for lat in ("position", "velocity"):
            g.add_node(f"{lat}_{i}", latent=lat, particle=i, components=(2 * i, 2 * i + 1))
    for i in range(n):
        g.add_edge(f"position_{i}", f"position_{i}", lag=1)
        g.add_edge(f"velocity_{i}", f"position_{i}", lag=1)
        g.add_edge(f"velocity_{i}", f"velocity_{i}", lag=1)
        if np.any(c[i] != 0):
            g.add_edge(f"position_{i}", f"velocity_{i}", lag=1)
        for j in range(n):
            if j != i and c[i, j] != 0:
                g.add_edge(f"position_{j}", f"velocity_{i}", lag=1, sign=int(np.sign(c[i, j])))
    return g


@dataclass(frozen=True)
class SpringsWorld:
    """The simulator settings of one zoo entry (arguments of :func:`simulate`)."""

    n_particles: int = 4
    fixed_graph: bool = False
    flaw: str | None = None
    flaw_particle: int = 0
    k: float = SPRING_K
    substeps: int = SUBSTEPS

    def simulate(self, n: int, length: int, seed: int, noise: float = 0.0) -> dict[str, np.ndarray]:
        return simulate(
            n,
            length,
            seed,
            self.n_particles,
            fixed_graph=self.fixed_graph,
            flaw=self.flaw,
            flaw_particle=self.flaw_particle,
            k=self.k,
            substeps=self.substeps,
            noise=noise,
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.fixed_graph:
            d["fixed_edges"] = [list(e) for e in FIXED_EDGES[self.n_particles]]
        return d


# ---------------------------------------------------------------- model
@dataclass(frozen=True)
class SpringsConfig:
    """Sizes of :class:`SpringsWorldModel` (``design``: ``"particles"`` or ``"steps"``)."""

    n_particles: int = 4
    design: str = "particles"
    d_model: int = 96
    n_layers: int = 4
    n_heads: int = 4
    d_mlp: int = 384
    max_len: int = 48
    in_scale: float = 50.0
    out_scale: float = 0.01

    @property
    def slots(self) -> int:
        return self.n_particles if self.design != "steps" else 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _displacement(x: torch.Tensor, prev: torch.Tensor | None = None) -> torch.Tensor:
    """``d_t = x_t − x_{t−1}`` ``[B, T, 2N]``; ``d_0 = 0``, or ``x_0 − prev`` given the
    step before (a cached rollout step)."""
    first = torch.zeros_like(x[:, :1]) if prev is None else x[:, :1] - prev
    return torch.cat([first, x[:, 1:] - x[:, :-1]], dim=1)


class Embed(nn.Module):
    """Residual stream at layer 0, ``[B, T, S·D]`` (module docstring)."""

    def __init__(self, cfg: SpringsConfig) -> None:
        super().__init__()
        self.cfg = cfg
        n = cfg.n_particles
        self.in_scale = cfg.in_scale
        if cfg.design in ("particles", "relative"):
            # "relative": also every other particle's offset and displacement difference
            # from this one, in the order i+1, i+2, ... (mod N): the same weights for all
            self.proj = nn.Linear(4 if cfg.design == "particles" else 4 * n, cfg.d_model)
            self.particle = nn.Embedding(n, cfg.d_model)
            nn.init.normal_(self.particle.weight, std=0.02)
        else:
            self.proj = nn.Linear(4 * n, cfg.d_model)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        nn.init.normal_(self.pos.weight, std=0.02)

    def forward(
        self, x: torch.Tensor, start: int = 0, prev: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``start``, ``prev`` (a cached rollout step): the index of ``x``'s first step
        and the step before it (``[B, 1, 2N]``, for the first displacement)."""
        b, t, _ = x.shape
        n = self.cfg.n_particles
        d = _displacement(x, prev)
        p = (x - 0.5).view(b, t, n, 2)
        d = (self.in_scale * d).view(b, t, n, 2)
        steps = self.pos(torch.arange(start, start + t, device=x.device))  # [T, D]
        if self.cfg.design in ("particles", "relative"):
            f = [p, d]
            if self.cfg.design == "relative":
                for k in range(1, n):
                    f += [p.roll(-k, dims=2) - p, d.roll(-k, dims=2) - d]
            h = self.proj(torch.cat(f, dim=-1)) + self.particle.weight + steps[:, None]
            return h.reshape(b, t, n * self.cfg.d_model)
        return self.proj(torch.cat([p, d], dim=-1).reshape(b, t, 4 * n)) + steps


class Attention(nn.Module):
    """Multi-head self-attention over tokens ``[B, T·S, D]``; a token at step ``t``
    attends to every token at steps ``<= t`` (written out: deterministic on CPU)."""

    def __init__(self, d_model: int, n_heads: int, slots: int) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError("d_model must be divisible by n_heads")
        self.n_heads = n_heads
        self.slots = slots
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.pattern = nn.Identity()  # site: attention probabilities [B, H, T·S, T·S]
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, kv: KVCache | None = None) -> torch.Tensor:
        """``kv``: a cached rollout's keys and values of this layer's earlier tokens
        (the new ones are appended); ``x`` then holds only the new steps' tokens and
        the pattern is ``[B, H, n_new, n_all]``."""
        b, n, d = x.shape
        h = self.n_heads
        q, k, v = self.qkv(x).view(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        if kv is not None:
            k, v = kv.extend(k, v)
        nk = k.shape[2]  # keys: the earlier tokens (cached) and these
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d // h)
        step = torch.arange(nk, device=x.device) // self.slots
        mask = step[None, :] > step[nk - n :, None]  # key later than query
        probs = self.pattern(scores.masked_fill(mask, float("-inf")).softmax(dim=-1))
        y = (probs @ v).transpose(1, 2).reshape(b, n, d)
        return self.out(y)


class MLP(nn.Module):
    def __init__(self, d_model: int, d_mlp: int) -> None:
        super().__init__()
        self.fc_in = nn.Linear(d_model, d_mlp)
        self.act = nn.GELU()
        self.fc_out = nn.Linear(d_mlp, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc_out(self.act(self.fc_in(x)))


class Block(nn.Module):
    """Pre-LayerNorm block; input and output the residual stream ``[B, T, S·D]``."""

    def __init__(self, cfg: SpringsConfig) -> None:
        super().__init__()
        self.slots = cfg.slots
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = Attention(cfg.d_model, cfg.n_heads, cfg.slots)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg.d_model, cfg.d_mlp)

    def forward(self, x: torch.Tensor, kv: KVCache | None = None) -> torch.Tensor:
        b, t, sd = x.shape
        h = x.reshape(b, t * self.slots, sd // self.slots)
        h = h + (self.attn(self.ln1(h)) if kv is None else self.attn(self.ln1(h), kv))
        h = h + self.mlp(self.ln2(h))
        return h.reshape(b, t, sd)


class SpringsWorldModel(nn.Module):
    """Causal transformer predicting all particles' next positions from past positions.

    ``forward(x)`` with ``x`` ``[B, T, 2N]`` (float32, ``T <= max_len``) returns
    ``[B, T, 2N]``: entry ``t`` predicts ``x[:, t + 1]`` from ``x[:, :t + 1]``.
    """

    #: ``rollout(x, steps, cache=True)`` exists (``iwm_widgets.tracing.run`` uses it)
    rollout_cache: ClassVar[bool] = True

    def __init__(self, cfg: SpringsConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or SpringsConfig()
        if cfg.design not in ("particles", "steps", "relative"):
            raise ValueError(
                f"design must be 'particles', 'relative' or 'steps', got {cfg.design!r}"
            )
        self.cfg = cfg
        self.n_particles = cfg.n_particles
        self.max_len = cfg.max_len
        self.out_scale = cfg.out_scale
        self.embed = Embed(cfg)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        out = 2 if cfg.design != "steps" else 2 * cfg.n_particles
        self.head = nn.Linear(cfg.d_model, out)

    def forward(self, x: torch.Tensor, cache: RolloutCache | None = None) -> torch.Tensor:
        """``cache`` (a cached rollout): ``x`` holds the steps after the ones the cache
        has seen (their index starts at ``cache.length``); the cache is updated."""
        n2 = 2 * self.n_particles
        if x.ndim != 3 or x.shape[-1] != n2:
            raise ValueError(f"expected positions [batch, steps, {n2}], got {list(x.shape)}")
        start = 0 if cache is None else cache.length
        if start + x.shape[1] > self.max_len:
            raise ValueError(
                f"at most {self.max_len} steps fit the model, got {start + x.shape[1]}"
            )
        prev = None if cache is None else cache.last
        if cache is None:
            h = self.embed(x)
            for block in self.blocks:
                h = block(h)
        else:
            h = self.embed(x, start, prev)
            for block, kv in zip(self.blocks, cache.layers, strict=True):
                h = block(h, kv)
            cache.length = start + x.shape[1]
            cache.last = x[:, -1:]
        b, t, sd = h.shape
        s = self.cfg.slots
        delta = self.head(self.ln_f(h.view(b, t, s, sd // s))).reshape(b, t, n2)
        return x + _displacement(x, prev) + self.out_scale * delta

    def rollout(self, x: torch.Tensor, steps: int, cache: bool = False) -> torch.Tensor:
        """Predict ``steps`` future positions autoregressively: ``[B, steps, 2N]``.

        One ``forward`` per step on the whole sequence so far (no cache), as in
        :meth:`BallWorldModel.rollout`; ``cache=True``: step 0 runs the context, each
        later step only the new step's tokens against the kept keys and values (as
        there).
        """
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        if x.shape[1] + steps > self.max_len:
            raise ValueError(
                f"{x.shape[1]} context steps + {steps} rollout steps exceed the model's "
                f"max_len {self.max_len}"
            )
        seq = x
        preds = []
        kv = RolloutCache(len(self.blocks)) if cache else None
        for _ in range(steps):
            nxt = (self.forward(seq) if kv is None else self.forward(seq, kv))[:, -1:, :]
            preds.append(nxt)
            seq = torch.cat([seq, nxt], dim=1) if kv is None else nxt
        if not preds:
            return x.new_zeros(x.shape[0], 0, x.shape[-1])
        return torch.cat(preds, dim=1)


# ---------------------------------------------------------------- zoo entries
def _as_np(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().double().numpy()
    return np.asarray(a, dtype=np.float64)


def _flat(a: np.ndarray) -> torch.Tensor:
    """``[n, T, N, 2]`` -> ``[n, T, 2N]`` (x0, y0, x1, y1, ...)."""
    return torch.from_numpy(np.ascontiguousarray(a.reshape(*a.shape[:2], -1)))


class SpringsSpec(ZooSpec):
    """Zoo entry ``"springs"``: a new random spring graph per system, in-context design.

    Subclasses change :attr:`world` (the simulator) and :attr:`config` (the model).
    """

    name = "springs"
    kind = "world"
    description = (
        "Four particles in the unit box joined by hidden Hooke springs (each pair with "
        "probability 0.5, a new graph for every system; Kipf et al. 2018). A causal "
        "transformer with one token per (step, particle) sees past positions only and "
        "predicts every particle's next position; it must infer the springs in context."
    )
    variant = "incontext"
    world = SpringsWorld()
    config = SpringsConfig()
    default_length = 32
    default_rollout_steps = 16
    weights_file = "springs.safetensors"
    card_file = "springs.card.json"

    @property
    def layer_sites(self) -> list[str]:  # type: ignore[override]
        return ["embed", *(f"blocks.{i}" for i in range(self.config.n_layers))]

    @property
    def n_particles(self) -> int:
        return self.world.n_particles

    @property
    def regenerate_hint(self) -> str:
        return (
            "reinstall iwm_widgets to restore the shipped files, or regenerate them with "
            f"`python -m iwm_widgets.zoo.train_springs --variant {self.variant}`"
        )

    def build_module(self) -> SpringsWorldModel:
        return SpringsWorldModel(self.config)

    def particle_features(self, particle: int, width: int) -> tuple[int, int] | None:
        """Particle ``particle``'s features ``(lo, hi)`` in a residual site of ``width``.

        The residual stream (``embed``, ``blocks.i``) is ``[B, T, S·D]``: with one slot
        per particle (``"particles"`` design) particle ``i`` owns ``i·D .. (i+1)·D``;
        the ``"steps"`` design (one slot) and sites of another width have none (None).
        """
        cfg = self.config
        if cfg.design == "steps" or width != cfg.n_particles * cfg.d_model:
            return None
        if not 0 <= particle < cfg.n_particles:
            raise ValueError(f"particle {particle} does not exist (0..{cfg.n_particles - 1})")
        return particle * cfg.d_model, (particle + 1) * cfg.d_model

    def simulate(self, n: int, length: int, seed: int) -> dict[str, np.ndarray]:
        return self.world.simulate(n, length, seed)

    def sample_batch(
        self, n: int, seed: int, length: int | None = None, latents: bool = False
    ) -> Any:
        """``n`` systems ``[n, T, 2N]`` (float32) from :func:`simulate` with ``seed``.

        With ``latents=True`` returns ``(x, latents)``: ``position``, ``velocity``,
        ``force`` ``[n, T, 2N]`` (float32, same order as ``x``; ``velocity[t]`` and
        ``force[t]`` are the simulator's state at frame ``t``), ``contact`` ``[n, T, 2N]``
        (bool), ``adjacency`` and ``coupling`` ``[n, N, N]`` (float32).
        """
        length = self.default_length if length is None else int(length)
        if not 1 <= length <= self.config.max_len:
            raise InputError(f"length must be in 1..{self.config.max_len}, got {length}")
        sim = self.simulate(int(n), length, seed)
        x = _flat(sim["position"]).float()
        if not latents:
            return x
        lat = {
            "position": x.clone(),
            "velocity": _flat(sim["velocity"]).float(),
            "force": _flat(sim["force"]).float(),
            "contact": _flat(sim["contact"]),
            "adjacency": torch.from_numpy(sim["adjacency"]).float(),
            "coupling": torch.from_numpy(sim["coupling"]).float(),
        }
        return x, lat

    def sample_spring_pairs(
        self, n: int, seed: int, length: int | None = None, edges: Any = None
    ) -> dict[str, torch.Tensor]:
        """``n`` pairs of systems that differ only in one spring.

        System A is :meth:`sample_batch` ``(n, seed)``; system B starts from the same
        state with the same springs except one pair ``edges[p]`` toggled (default: a
        pair drawn per system from ``seed``). Returns ``a``, ``b`` ``[n, T, 2N]``
        (float32), ``adjacency_a``, ``adjacency_b`` ``[n, N, N]`` and ``edges``
        ``[n, 2]`` (``i < j``).
        """
        length = self.default_length if length is None else int(length)
        if not 1 <= length <= self.config.max_len:
            raise InputError(f"length must be in 1..{self.config.max_len}, got {length}")
        w = self.world
        sim = self.simulate(int(n), length, seed)
        pairs = _pairs(self.n_particles)
        if edges is None:
            pick = np.random.default_rng([seed, 7]).integers(0, len(pairs), int(n))
            e = np.array([pairs[q] for q in pick], dtype=np.int64).reshape(-1, 2)
        else:
            e = np.sort(np.asarray(edges, dtype=np.int64).reshape(-1, 2), axis=1)
            e = np.broadcast_to(e, (int(n), 2)).copy()
        if (e[:, 0] == e[:, 1]).any() or e.min() < 0 or e.max() >= self.n_particles:
            raise ValueError(f"edges must be pairs of distinct particles, got {e.tolist()}")
        adj_b = sim["adjacency"].copy()
        rows = np.arange(int(n))
        adj_b[rows, e[:, 0], e[:, 1]] = adj_b[rows, e[:, 1], e[:, 0]] = (
            1 - adj_b[rows, e[:, 0], e[:, 1]]
        )
        coup_b = coupling_matrix(adj_b, w.flaw, w.flaw_particle)
        p0, v0 = sim["position"][:, 0], sim["velocity"][:, 0]
        b = simulate_from(p0, v0, coup_b, length, k=w.k, substeps=w.substeps)["position"]
        return {
            "a": _flat(sim["position"]).float(),
            "b": _flat(b).float(),
            "adjacency_a": torch.from_numpy(sim["adjacency"]).float(),
            "adjacency_b": torch.from_numpy(adj_b).float(),
            "edges": torch.from_numpy(e),
        }

    def true_graph(self, coupling: Any = None) -> Any:
        """:func:`true_graph` of one system (``truth["coupling"]`` or ``"adjacency"``).

        Without an argument only for a fixed-graph entry (its one graph).
        """
        if coupling is None:
            if not self.world.fixed_graph:
                raise ValueError(
                    f"{self.name} draws a new spring graph for every system: pass one, "
                    "e.g. spec.true_graph(truth['coupling']) for "
                    "x, truth = model.sample(seed, latents=True)"
                )
            coupling = coupling_matrix(
                fixed_adjacency(self.n_particles), self.world.flaw, self.world.flaw_particle
            )
        return true_graph(coupling)

    def check_input(self, x: Any) -> torch.Tensor:
        """Validate model inputs: float positions ``[B, T, 2N]`` (``[T, 2N]`` is batched)."""
        n2 = 2 * self.n_particles
        if not isinstance(x, torch.Tensor):
            raise InputError(
                f"{self.name} takes a float tensor of positions [batch, steps, {n2}], got "
                f"{type(x).__name__}; use model.sample(seed) for one"
            )
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[-1] != n2 or x.shape[0] == 0 or x.shape[1] == 0:
            raise InputError(
                f"{self.name} takes positions of shape [batch, steps, {n2}] "
                f"(x0, y0, x1, y1, ...), got {list(x.shape)}"
            )
        if x.shape[1] > self.config.max_len:
            raise InputError(
                f"{self.name} takes at most {self.config.max_len} context steps, got "
                f"{x.shape[1]}; pass x[:, -{self.config.max_len}:]"
            )
        if x.is_complex() or not x.is_floating_point():
            raise InputError(f"{self.name} takes float positions, got dtype {x.dtype}")
        x = x.float()
        if not torch.isfinite(x).all():
            raise InputError(f"{self.name} inputs contain NaN or inf; positions must be finite")
        return x

    def simulate_future(
        self,
        latents_or_state: Any,
        steps: int,
        velocity: Any = None,
        return_latents: bool = False,
    ) -> Any:
        """Ground-truth positions after the last state: ``[steps, 2N]`` (float32).

        ``latents_or_state``: the latents of a sample (``sample(seed, latents=True)[1]``,
        ``[T, ...]``; or ``[n, T, ...]`` from :meth:`sample_batch`), continued from the
        last frame with its ``coupling`` (or ``adjacency``). ``velocity`` ``[2N]`` (or
        ``[n, 2N]``): counterfactual velocity of the last frame. With ``return_latents``
        also the future ``velocity``, ``force``, ``contact``.
        """
        if not isinstance(latents_or_state, dict) or not {"position", "velocity"} <= set(
            latents_or_state
        ):
            raise TypeError(
                "simulate_future takes latents (sample(seed, latents=True)[1]) with "
                "'position', 'velocity' and 'coupling' or 'adjacency'"
            )
        lat = latents_or_state
        pos, vel = _as_np(lat["position"]), _as_np(lat["velocity"])
        coup = lat.get("coupling", lat.get("adjacency"))
        if coup is None:
            raise TypeError("simulate_future needs the system's 'coupling' or 'adjacency'")
        c = _as_np(coup)
        batched = pos.ndim == 3
        if not batched:
            pos, vel, c = pos[None], vel[None], c[None]
        n = self.n_particles
        p = pos[:, -1].reshape(-1, n, 2)
        v = vel[:, -1].reshape(-1, n, 2)
        if velocity is not None:
            v = np.broadcast_to(_as_np(velocity).reshape(-1, n, 2), p.shape).copy()
            if not np.isfinite(v).all():
                raise ValueError("velocity must be finite")
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        w = self.world
        sim = simulate_from(p, v, c, steps + 1, k=w.k, substeps=w.substeps)
        fut = {key: _flat(a[:, 1:]) for key, a in sim.items()}
        fut = {key: t if t.dtype == torch.bool else t.float() for key, t in fut.items()}
        if not batched:
            fut = {key: t[0] for key, t in fut.items()}
        return (fut["position"], fut) if return_latents else fut["position"]


class SpringsFixedSpec(SpringsSpec):
    """Zoo entry ``"springs-fixed"``: the same spring graph (:data:`FIXED_EDGES`) always."""

    name = "springs-fixed"
    variant = "fixed"
    description = (
        "Four particles joined by Hooke springs in one fixed graph (0-1, 0-2, 2-3) for "
        "every system. The same one-token-per-(step, particle) causal transformer as "
        "'springs'; the graph can live in its weights."
    )
    world = SpringsWorld(fixed_graph=True)
    weights_file = "springs_fixed.safetensors"
    card_file = "springs_fixed.card.json"


class SpringsMeanfieldSpec(SpringsSpec):
    """Zoo entry ``"springs-meanfield"``: random graphs, one token per time step."""

    name = "springs-meanfield"
    variant = "meanfield"
    description = (
        "The 'springs' world (a new random spring graph per system) with one token per "
        "time step carrying all particles: it learns an average pull, not the graph."
    )
    config = SpringsConfig(design="steps", d_model=128, d_mlp=512)
    weights_file = "springs_meanfield.safetensors"
    card_file = "springs_meanfield.card.json"


class SpringsFlawedSpec(SpringsSpec):
    """Zoo entry ``"springs-flawed"``: the fixed graph under a wrong law for particle 0."""

    name = "springs-flawed"
    variant = "flawed"
    description = (
        "Trained on a subtly wrong simulator: the fixed graph of 'springs-fixed', but "
        "particle 0's springs push it away from its partners (they still pull the "
        "partners towards it)."
    )
    world = SpringsWorld(fixed_graph=True, flaw="sign", flaw_particle=0)
    weights_file = "springs_flawed.safetensors"
    card_file = "springs_flawed.card.json"


#: variant name of train_springs -> spec class
VARIANTS: dict[str, type[SpringsSpec]] = {
    "incontext": SpringsSpec,
    "fixed": SpringsFixedSpec,
    "meanfield": SpringsMeanfieldSpec,
    "flawed": SpringsFlawedSpec,
}
