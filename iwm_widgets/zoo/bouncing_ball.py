"""The bouncing-ball world: simulator, model and zoo entry.

World
    A point ball in the unit box ``[0, 1]²`` with elastic walls and no gravity. Each
    sequence starts at a uniform position in ``[0.05, 0.95]²`` with a uniform speed in
    ``[0.02, 0.06]`` per step and a uniform direction. Speed never changes.

Model
    A small pre-LayerNorm causal transformer that reads past positions only and predicts
    the next position. Module paths are the nnsight site paths users see:

    - ``embed`` -- output: the residual stream at layer 0 (``embed.proj``: linear map
      of the centred (x, y); ``embed.pos``: learned position embedding);
    - ``blocks.i`` -- output: the residual stream after block ``i`` (a plain tensor
      ``[B, T, D]``); inside: ``ln1``, ``attn`` (``attn.qkv``, ``attn.pattern`` with
      output the attention probabilities ``[B, H, T, T]``, ``attn.out``), ``ln2``,
      ``mlp`` (``mlp.fc_in``, ``mlp.act`` = the neurons, ``mlp.fc_out``);
    - ``ln_f``, ``head`` -- prediction ``x_t + 0.05 * head(ln_f(h_t))``.
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

__all__ = [
    "SPEED_RANGE",
    "START_RANGE",
    "BallConfig",
    "BallWorldModel",
    "BouncingBallSpec",
    "KVCache",
    "RolloutCache",
    "simulate",
    "simulate_from",
    "true_graph",
]

SPEED_RANGE = (0.02, 0.06)
START_RANGE = (0.05, 0.95)

#: Seeds ``TRAIN_SEED_BASE + step`` generate the training batches; the model card is
#: measured on seeds from ``CARD_SEED_BASE`` on, tests use ``TEST_SEED_BASE`` on.
#: ``sample(seed)`` with small seeds is disjoint from all three.
TRAIN_SEED_BASE = 10_000_000
CARD_SEED_BASE = 20_000_000
TEST_SEED_BASE = 30_000_000


# ---------------------------------------------------------------- simulator
def _step(p: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One exact elastic step: ``(p, v) -> (p', v', contact)`` for arrays ``[..., 2]``.

    ``q = p + v``; a component that leaves ``[0, 1]`` is folded back into the box
    (``q > 1 -> 2 - q``, ``q < 0 -> -q``) and its velocity flips. Speeds of at most 0.06
    can cross at most one wall per component per step.
    """
    q = p + v
    over = q > 1.0
    under = q < 0.0
    q = np.where(over, 2.0 - q, np.where(under, -q, q))
    hit = over | under
    return q, np.where(hit, -v, v), hit


def simulate_from(position: np.ndarray, velocity: np.ndarray, length: int) -> dict[str, np.ndarray]:
    """Run the simulator from initial states ``[n, 2]`` for ``length`` steps.

    Returns float64/bool numpy arrays ``position``, ``velocity``, ``contact`` of shape
    ``[n, length, 2]`` and ``speed`` ``[n, length]``; see :func:`simulate`.
    """
    p = np.asarray(position, dtype=np.float64).reshape(-1, 2)
    v = np.asarray(velocity, dtype=np.float64).reshape(-1, 2)
    n = p.shape[0]
    pos = np.empty((n, length, 2))
    vel = np.empty((n, length, 2))
    con = np.zeros((n, length, 2), dtype=bool)
    for t in range(length):
        if t:
            p, v, hit = _step(p, v)
            con[:, t] = hit
        pos[:, t] = p
        vel[:, t] = v
    return {
        "position": pos,
        "velocity": vel,
        "contact": con,
        "speed": np.linalg.norm(vel, axis=-1),
    }


def simulate(n: int, length: int, seed: int) -> dict[str, np.ndarray]:
    """Simulate ``n`` independent sequences of ``length`` steps.

    Parameters
    ----------
    n, length
        Number of sequences and time steps.
    seed
        Seed of a ``numpy.random.Generator``; the result is a deterministic function of
        ``(n, length, seed)``; sequences of a smaller ``length`` are prefixes, and
        the first ``m`` sequences of ``n > m`` are the ``m`` sequences.

    Returns
    -------
    dict of numpy arrays
        ``position`` ``[n, T, 2]`` (float64), ``velocity`` ``[n, T, 2]``: the velocity
        that carries ``position[t]`` to ``position[t + 1]`` (``position[t+1] =
        position[t] + velocity[t]`` without a bounce; with one, the overshoot is folded
        back into the box), already flipped when a bounce happened between ``t - 1``
        and ``t``; ``contact`` ``[n, T, 2]`` (bool): a bounce off an x-wall (component
        0) / y-wall (component 1) happened between steps ``t - 1`` and ``t``, which is
        why ``velocity[t]`` differs from ``velocity[t - 1]`` (``contact[:, 0]`` is
        False); ``speed`` ``[n, T]`` (constant per sequence).
    """
    u = np.random.default_rng(seed).random((n, 4))  # row i only depends on (seed, i)
    p0 = START_RANGE[0] + (START_RANGE[1] - START_RANGE[0]) * u[:, :2]
    speed = SPEED_RANGE[0] + (SPEED_RANGE[1] - SPEED_RANGE[0]) * u[:, 2]
    angle = 2.0 * math.pi * u[:, 3]
    v0 = speed[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    return simulate_from(p0, v0, length)


_NODES = {
    "position_x": ("position", 0, "continuous"),
    "position_y": ("position", 1, "continuous"),
    "velocity_x": ("velocity", 0, "continuous"),
    "velocity_y": ("velocity", 1, "continuous"),
    "contact_x": ("contact", 0, "binary"),
    "contact_y": ("contact", 1, "binary"),
}


def true_graph() -> Any:
    """The simulator's causal graph over one update ``t -> t + 1``.

    The update is a set of structural equations, per axis ``a`` in ``{x, y}``::

        contact_a[t+1]  = (position_a[t] + velocity_a[t]) is outside [0, 1]
        position_a[t+1] = fold(position_a[t] + velocity_a[t])
        velocity_a[t+1] = -velocity_a[t] if contact_a[t+1] else velocity_a[t]

    An edge ``A -> B`` means: variable ``A`` is an argument of the simulator's update of
    ``B``. Edge attribute ``lag=1``: ``A`` at step ``t`` enters ``B`` at step ``t + 1``
    (this includes the self-edges ``position_a -> position_a`` and ``velocity_a ->
    velocity_a``); ``lag=0``: ``A`` at step ``t + 1`` enters ``B`` at the same step
    (only ``contact_a -> velocity_a``: the bounce flag decides the flip). The axes never
    interact: there is no edge between an x variable and a y variable.

    Node attributes: ``latent`` (the key in ``sample(..., latents=True)``),
    ``component`` (0 = x, 1 = y; index into that latent's last axis) and ``type``
    (``"continuous"`` or ``"binary"``).
    """
    import networkx as nx

    g = nx.DiGraph(name="bouncing-ball", time_step="t -> t+1")
    for node, (latent, comp, typ) in _NODES.items():
        g.add_node(node, latent=latent, component=comp, type=typ)
    for a in ("x", "y"):
        p, v, c = f"position_{a}", f"velocity_{a}", f"contact_{a}"
        g.add_edge(p, p, lag=1)
        g.add_edge(v, p, lag=1)
        g.add_edge(p, c, lag=1)
        g.add_edge(v, c, lag=1)
        g.add_edge(v, v, lag=1)
        g.add_edge(c, v, lag=0)
    return g


# ---------------------------------------------------------------- model
@dataclass(frozen=True)
class BallConfig:
    """Sizes of :class:`BallWorldModel`."""

    d_model: int = 64
    n_layers: int = 4
    n_heads: int = 4
    d_mlp: int = 256
    max_len: int = 48
    out_scale: float = 0.05

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class KVCache:
    """One attention layer's keys and values ``[B, H, t, d_head]`` of the positions run
    so far in a cached rollout (plain tensors: no parameters, no modules)."""

    def __init__(self) -> None:
        self.k: torch.Tensor | None = None
        self.v: torch.Tensor | None = None

    def extend(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append the new positions' keys and values; return all of them."""
        if self.k is not None and self.v is not None:
            k = torch.cat([self.k, k], dim=2)
            v = torch.cat([self.v, v], dim=2)
        self.k, self.v = k, v
        return k, v


class RolloutCache:
    """What a cached rollout keeps between steps: every layer's :class:`KVCache`, the
    number of positions run (the next one's index) and the last input row."""

    def __init__(self, n_layers: int) -> None:
        self.layers = [KVCache() for _ in range(n_layers)]
        self.length = 0
        self.last: torch.Tensor | None = None


class Embed(nn.Module):
    """Residual stream at layer 0: ``proj(x - 0.5) + pos(t)``."""

    def __init__(self, d_model: int, max_len: int) -> None:
        super().__init__()
        self.proj = nn.Linear(2, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        nn.init.normal_(self.pos.weight, std=0.02)

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        # start: the position index of x's first row (a cached rollout step: the new one)
        t = torch.arange(start, start + x.shape[1], device=x.device)
        return self.proj(x - 0.5) + self.pos(t)


class Attention(nn.Module):
    """Causal multi-head self-attention, written out (deterministic on CPU)."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError("d_model must be divisible by n_heads")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.pattern = nn.Identity()  # site: attention probabilities [B, H, T, T]
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, kv: KVCache | None = None) -> torch.Tensor:
        """``kv``: a cached rollout's keys and values of the earlier positions of this
        layer (the new ones are appended); ``x`` then holds only the new positions and
        the pattern is ``[B, H, t_new, t_all]``."""
        b, t, d = x.shape
        h = self.n_heads
        q, k, v = self.qkv(x).view(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
        if kv is not None:
            k, v = kv.extend(k, v)
        tk = k.shape[2]  # keys: the earlier positions (cached) and these
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d // h)
        if t > 1:  # causal mask; one new position sees every key, so it needs none
            mask = torch.ones(t, tk, dtype=torch.bool, device=x.device).triu(tk - t + 1)
            scores = scores.masked_fill(mask, float("-inf"))
        probs = self.pattern(scores.softmax(dim=-1))
        y = (probs @ v).transpose(1, 2).reshape(b, t, d)
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
    """Pre-LayerNorm block; the output is the residual stream ``[B, T, D]``."""

    def __init__(self, cfg: BallConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = Attention(cfg.d_model, cfg.n_heads)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg.d_model, cfg.d_mlp)

    def forward(self, x: torch.Tensor, kv: KVCache | None = None) -> torch.Tensor:
        a = self.attn(self.ln1(x)) if kv is None else self.attn(self.ln1(x), kv)
        x = x + a
        return x + self.mlp(self.ln2(x))


class BallWorldModel(nn.Module):
    """Causal transformer predicting the next ball position from past positions.

    ``forward(x)`` with ``x`` of shape ``[B, T, 2]`` (float32, ``T <= max_len``)
    returns ``[B, T, 2]``: entry ``t`` predicts ``x[:, t + 1]`` from ``x[:, :t + 1]``.
    """

    #: ``rollout(x, steps, cache=True)`` exists (``iwm_widgets.tracing.run`` uses it)
    rollout_cache: ClassVar[bool] = True

    def __init__(self, cfg: BallConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or BallConfig()
        self.cfg = cfg
        self.max_len = cfg.max_len
        self.out_scale = cfg.out_scale
        self.embed = Embed(cfg.d_model, cfg.max_len)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, 2)

    def forward(self, x: torch.Tensor, cache: RolloutCache | None = None) -> torch.Tensor:
        """``cache`` (a cached rollout): ``x`` holds the positions after the ones the
        cache has seen (their index starts at ``cache.length``); the cache is updated."""
        if x.ndim != 3 or x.shape[-1] != 2:
            raise ValueError(f"expected positions [batch, steps, 2], got {list(x.shape)}")
        start = 0 if cache is None else cache.length
        if start + x.shape[1] > self.max_len:
            raise ValueError(
                f"at most {self.max_len} steps fit the model, got {start + x.shape[1]}"
            )
        if cache is None:
            h = self.embed(x)
            for block in self.blocks:
                h = block(h)
        else:
            h = self.embed(x, start)
            for block, kv in zip(self.blocks, cache.layers, strict=True):
                h = block(h, kv)
            cache.length = start + x.shape[1]
            cache.last = x[:, -1:]
        return x + self.out_scale * self.head(self.ln_f(h))

    def rollout(self, x: torch.Tensor, steps: int, cache: bool = False) -> torch.Tensor:
        """Predict ``steps`` future positions autoregressively: ``[B, steps, 2]``.

        Each step calls ``self.forward`` once on the whole sequence so far (no cache)
        and appends its last prediction, so every step is one call of every block (what
        ``tracer.iter[:steps]`` iterates over in an nnsight trace of this method).

        ``cache=True``: step 0 runs the context and keeps every attention layer's keys
        and values; each later step runs only the new position against them (every
        site's value is then ``[B, 1, ...]``, the new position only). Equal to the
        uncached rollout up to float rounding; edits applied inside a trace must then
        be offset to the new position (``iwm_widgets.tracing.run`` does this).
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
            return x.new_zeros(x.shape[0], 0, 2)
        return torch.cat(preds, dim=1)


# ---------------------------------------------------------------- zoo entry
def _as_np(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().double().numpy()
    return np.asarray(a, dtype=np.float64)


class BouncingBallSpec(ZooSpec):
    """Zoo entry ``"bouncing-ball"`` (see the module docstring)."""

    name = "bouncing-ball"
    kind = "world"
    description = (
        "A ball bouncing in the unit box (elastic walls, no gravity, speed 0.02-0.06 per "
        "step). A 4-layer causal transformer (width 64) sees past (x, y) positions only "
        "and predicts the next position; velocity is never an input, yet the residual "
        "stream encodes it linearly from blocks.1 on, bounces included."
    )
    layer_sites: ClassVar[list[str]] = ["embed", "blocks.0", "blocks.1", "blocks.2", "blocks.3"]
    default_length = 32
    default_rollout_steps = 16
    weights_file = "bouncing_ball.safetensors"
    card_file = "bouncing_ball.card.json"
    config = BallConfig()

    @property
    def regenerate_hint(self) -> str:
        return (
            "reinstall iwm_widgets to restore the shipped files, or regenerate them with "
            "`python -m iwm_widgets.zoo.train_bouncing_ball`"
        )

    def build_module(self) -> BallWorldModel:
        return BallWorldModel(self.config)

    def sample_batch(
        self, n: int, seed: int, length: int | None = None, latents: bool = False
    ) -> Any:
        """``n`` sequences ``[n, T, 2]`` (float32) from :func:`simulate` with ``seed``.

        With ``latents=True`` returns ``(x, latents)``: torch tensors ``position``
        ``[n, T, 2]`` (equal to ``x``), ``velocity`` ``[n, T, 2]``, ``contact``
        ``[n, T, 2]`` (bool) and ``speed`` ``[n, T]``, aligned with ``x``'s steps.
        """
        length = self.default_length if length is None else int(length)
        if not 1 <= length <= self.config.max_len:
            raise InputError(f"length must be in 1..{self.config.max_len}, got {length}")
        sim = simulate(int(n), length, seed)
        x = torch.from_numpy(sim["position"]).float()
        if not latents:
            return x
        lat = {
            "position": x.clone(),
            "velocity": torch.from_numpy(sim["velocity"]).float(),
            "contact": torch.from_numpy(sim["contact"]),
            "speed": torch.from_numpy(sim["speed"]).float(),
        }
        return x, lat

    def true_graph(self) -> Any:
        return true_graph()

    def simulate_future(
        self,
        latents_or_state: Any,
        steps: int,
        velocity: Any = None,
        return_latents: bool = False,
    ) -> Any:
        """Ground-truth positions after the last state: ``[steps, 2]`` (float32).

        Parameters
        ----------
        latents_or_state
            The latents of a sample (``sample(seed, latents=True)[1]``: ``position`` and
            ``velocity`` ``[T, 2]``, or ``[n, T, 2]`` from :meth:`sample_batch`; the
            last step is the state continued from), a state dict with ``position`` and
            ``velocity`` of shape ``[2]``, or a ``(position, velocity)`` pair (for a
            batch of states use shape ``[n, 1, 2]``).
        steps
            Number of future steps. Entry ``k`` is the position at step ``T + k``.
        velocity
            Counterfactual: use this velocity ``[2]`` (or ``[n, 2]``) instead of the
            last state's velocity, i.e. the one that would carry ``position[T-1]`` to
            ``position[T]``. Walls still reflect it.
        return_latents
            Also return the future latents (dict of ``[steps, ...]`` tensors).

        Returns
        -------
        torch.Tensor
            ``[steps, 2]``, or ``[n, steps, 2]`` for batched latents.
        """
        if isinstance(latents_or_state, dict):
            if "position" not in latents_or_state or "velocity" not in latents_or_state:
                raise TypeError("simulate_future needs 'position' and 'velocity' latents")
            pos = _as_np(latents_or_state["position"])
            vel = _as_np(latents_or_state["velocity"])
        elif isinstance(latents_or_state, (tuple, list)) and len(latents_or_state) == 2:
            pos, vel = (_as_np(a) for a in latents_or_state)
        else:
            raise TypeError(
                "simulate_future takes latents (sample(seed, latents=True)[1]) or a "
                "(position, velocity) state; positions alone do not determine the "
                f"velocity after a bounce. Got {type(latents_or_state).__name__}"
            )
        if pos.shape != vel.shape or pos.shape[-1] != 2 or pos.ndim > 3:
            raise ValueError(f"position {pos.shape} and velocity {vel.shape} do not match")
        batched = pos.ndim == 3
        if pos.ndim == 1:  # one state [2]
            p, v = pos[None], vel[None]
        elif pos.ndim == 2:  # one trajectory [T, 2]: its last state
            p, v = pos[-1:], vel[-1:]
        else:  # a batch of trajectories [n, T, 2]
            p, v = pos[:, -1], vel[:, -1]
        if velocity is not None:
            v = np.broadcast_to(_as_np(velocity).reshape(-1, 2), p.shape).copy()
            if not np.isfinite(v).all():
                raise ValueError("velocity must be finite")
            if (np.abs(v) >= 1.0).any():
                raise ValueError("velocity components must be < 1 per step")
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        sim = simulate_from(p, v, steps + 1)
        fut = {k: torch.from_numpy(a[:, 1:]) for k, a in sim.items()}
        fut = {k: t if t.dtype == torch.bool else t.float() for k, t in fut.items()}
        if not batched:
            fut = {k: t[0] for k, t in fut.items()}
        return (fut["position"], fut) if return_latents else fut["position"]
