"""Ground-truth events of the zoo's worlds: what a monitor should see coming.

An event is a condition on the simulator's state at each frame (a ball touching a wall,
two particles closer than ``d``); a monitor at step ``t`` is asked whether the event
happens within the next ``horizon`` frames, ``t + 1 .. t + horizon``. The language model's
event, a wrong answer, is a condition on the model's own next token against the corpus's
truth (:data:`WRONG_ANSWER`).

:func:`events_for` lists a zoo model's events (``model.events`` in the tracing core);
:func:`simulate` runs a world's simulator for any number of frames (the monitors need the
frames after the model's context, up to ``horizon`` past its last step); :func:`within`
and :func:`onsets` turn a condition ``[n, L]`` into per-step labels and event starts.

Nothing here imports nnsight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import InputError

__all__ = [
    "CLOSE_DISTANCE",
    "Event",
    "events_for",
    "onsets",
    "simulate",
    "within",
]

#: "Two particles closer than d" on springs: about 10 % of frames, 4 % of them onsets.
CLOSE_DISTANCE = 0.05


@dataclass(frozen=True)
class Event:
    """A named ground-truth event.

    Attributes
    ----------
    name : str
        ``"wall-contact"``, ``"close-approach"``, ``"wrong-answer"``.
    description : str
        One sentence for people.
    horizon : int
        Default number of frames ahead a monitor is asked about.
    kind : str
        ``"world"``: :attr:`condition` maps simulator latents to a bool ``[n, L]``;
        ``"lm"``: the model's next token differs from the true answer (computed by the
        monitors from the model's own logits and :attr:`answers`).
    condition : callable or None
        World events: ``latents -> bool [n, L]``, true at the frames where it holds.
    answers : callable or None
        LM events: ``prompts -> list of the true next word (None: not a question)``.
    """

    name: str
    description: str
    horizon: int
    kind: str = "world"
    condition: Callable[[dict[str, Any]], torch.Tensor] | None = field(default=None, repr=False)
    answers: Callable[[list[str]], list[str | None]] | None = field(default=None, repr=False)
    outside: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = field(
        default=None, repr=False
    )

    def output_features(self, current: torch.Tensor, predicted: torch.Tensor) -> torch.Tensor:
        """What an observer of the model's outputs alone computes for this event.

        ``current`` ``[..., F]``: the positions at a step (inputs, or the model's own
        earlier predictions in a rollout); ``predicted`` ``[..., F]``: the model's
        prediction of the next frame. Returns ``[..., f]`` features, physics included
        (time to the wall or to the close approach if the predicted motion went on), on
        which the output-only monitor fits its classifier.
        """
        cur, pred = current.double(), predicted.double()
        base = [pred, pred - cur]
        if self.outside is not None:
            base.append(self.outside(cur, pred))
        return torch.cat(base, dim=-1).float()

    def state(self, latents: dict[str, Any]) -> torch.Tensor:
        """Bool ``[n, L]``: the frames where the condition holds."""
        if self.condition is None:
            raise InputError(f"event {self.name!r} is not a condition on simulator latents")
        return torch.as_tensor(self.condition(latents)).bool()


def within(state: torch.Tensor, horizon: int) -> torch.Tensor:
    """``[n, L]`` → ``[n, L − horizon]``: step ``t`` is true when the condition holds at
    any frame ``t + 1 .. t + horizon``."""
    s = torch.as_tensor(state).bool()
    k = int(horizon)
    L = s.shape[1] - k
    if k < 1 or L < 1:
        raise InputError(f"horizon must be in 1..{s.shape[1] - 1} for {s.shape[1]} frames")
    out = torch.zeros(s.shape[0], L, dtype=torch.bool)
    for j in range(1, k + 1):
        out |= s[:, j : j + L]
    return out


def onsets(state: torch.Tensor) -> torch.Tensor:
    """Bool ``[n, L]``: the frames where the condition starts to hold (frame 0 never)."""
    s = torch.as_tensor(state).bool()
    out = torch.zeros_like(s)
    out[:, 1:] = s[:, 1:] & ~s[:, :-1]
    return out


# ---------------------------------------------------------------- conditions
def _wall_contact(lat: dict[str, Any]) -> torch.Tensor:
    """Any coordinate bounced off a wall between frames ``t − 1`` and ``t``."""
    c = torch.as_tensor(lat["contact"]).bool()
    return c.reshape(*c.shape[:2], -1).any(-1)


def _close_approach(d: float) -> Callable[[dict[str, Any]], torch.Tensor]:
    def condition(lat: dict[str, Any]) -> torch.Tensor:
        p = torch.as_tensor(lat["position"]).double()
        p = p.reshape(*p.shape[:2], -1, 2)
        n = p.shape[2]
        dist = (p[:, :, :, None] - p[:, :, None, :]).norm(dim=-1)
        iu = torch.triu_indices(n, n, 1)
        return dist[:, :, iu[0], iu[1]].min(-1).values < d

    return condition


#: time-to-event features are clipped here (frames): beyond, "not soon" is all they say
_FAR = 50.0


def _time_features(t: torch.Tensor) -> torch.Tensor:
    """``[..., m]`` times (frames) → their minimum, its log and its inverse."""
    t = t.clamp(0.0, _FAR)
    m = t.min(-1, keepdim=True).values
    return torch.cat([m, torch.log(m + 0.5), 1.0 / (m + 0.5)], dim=-1)


def _wall_outside(cur: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """Per coordinate the distance to the wall ahead and the frames to reach it at the
    predicted velocity; the nearest wall over all coordinates."""
    v = pred - cur
    ahead = torch.where(v > 0, 1.0 - pred, pred).clamp_min(0.0)
    ttc = ahead / v.abs().clamp_min(1e-6)
    near = torch.minimum(pred, 1.0 - pred).min(-1, keepdim=True).values
    return torch.cat([_time_features(ttc), near], dim=-1)


def _close_outside(d: float) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    def features(cur: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
        def pair_dist(p: torch.Tensor) -> torch.Tensor:
            q = p.reshape(*p.shape[:-1], -1, 2)
            n = q.shape[-2]
            iu = torch.triu_indices(n, n, 1)
            diff = q[..., iu[0], :] - q[..., iu[1], :]
            return diff.norm(dim=-1)

        dp, dc = pair_dist(pred), pair_dist(cur)
        closing = dc - dp  # per frame, at the predicted rate (> 0: approaching)
        ttc = torch.where(
            closing > 0,
            (dp - d).clamp_min(0.0) / closing.clamp_min(1e-6),
            torch.full_like(dp, _FAR),
        )
        return torch.cat([_time_features(ttc), dp.min(-1, keepdim=True).values], dim=-1)

    return features


def _tiny_lm_answers(prompts: list[str]) -> list[str | None]:
    from .tiny_lm import _examples

    by_prompt: dict[str, str | None] = {}
    for e in _examples():
        if e.family == "direction" and e.kind == "bare":
            continue  # no determined answer
        by_prompt.setdefault(e.prompt, e.answer)
    return [by_prompt.get(p.strip()) for p in prompts]


WALL_CONTACT = Event(
    "wall-contact",
    "the ball touches a wall (a coordinate bounces) within the next k steps",
    4,
    condition=_wall_contact,
    outside=_wall_outside,
)
SPRINGS_WALL_CONTACT = Event(
    "wall-contact",
    "some particle bounces off a wall within the next k steps",
    4,
    condition=_wall_contact,
    outside=_wall_outside,
)
CLOSE_APPROACH = Event(
    "close-approach",
    f"two particles come closer than d = {CLOSE_DISTANCE} within the next k steps",
    4,
    condition=_close_approach(CLOSE_DISTANCE),
    outside=_close_outside(CLOSE_DISTANCE),
)
WRONG_ANSWER = Event(
    "wrong-answer",
    "the model's next word differs from the true answer (facts, directions, taxi turns)",
    4,
    kind="lm",
    answers=_tiny_lm_answers,
)

_BY_MODEL: dict[str, tuple[Event, ...]] = {
    "bouncing-ball": (WALL_CONTACT,),
    "springs": (CLOSE_APPROACH, SPRINGS_WALL_CONTACT),
    "springs-fixed": (CLOSE_APPROACH, SPRINGS_WALL_CONTACT),
    "springs-meanfield": (CLOSE_APPROACH, SPRINGS_WALL_CONTACT),
    "springs-flawed": (CLOSE_APPROACH, SPRINGS_WALL_CONTACT),
    "tiny-lm": (WRONG_ANSWER,),
}


def events_for(name: str) -> dict[str, Event]:
    """The events of zoo model ``name`` by event name (``{}`` for other models)."""
    return {e.name: e for e in _BY_MODEL.get(str(name), ())}


# ---------------------------------------------------------------- simulation
def simulate(spec: Any, n: int, seed: int, length: int) -> tuple[torch.Tensor, dict[str, Any]]:
    """``(x [n, length, F], latents)`` from a zoo world's simulator, for any ``length``.

    Unlike ``spec.sample_batch`` it is not limited to the model's context: a monitor
    scored at the context's last step needs the frames ``horizon`` past it. The first
    ``T`` frames equal ``spec.sample_batch(n, seed, length=T)`` (prefixes).
    """
    if int(n) < 1:
        raise InputError(f"need at least one sequence, got n={n}")
    if spec.name == "bouncing-ball":
        from .bouncing_ball import simulate as sim_ball

        s = sim_ball(int(n), int(length), seed)
        lat = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in s.items()}
    elif hasattr(spec, "world"):
        s = spec.simulate(int(n), int(length), seed)
        lat = {}
        for k, v in s.items():
            t = torch.from_numpy(np.ascontiguousarray(v))
            lat[k] = t.reshape(*t.shape[:2], -1) if t.ndim == 4 else t
    else:
        raise InputError(f"{spec.name} has no simulator to draw events from")
    lat = {k: v if v.dtype == torch.bool else v.float() for k, v in lat.items()}
    return lat["position"].float(), lat
