"""SystemView: the particles of a springs world, their springs, and two futures.

The box with every particle where the input leaves it, the model's predicted
trajectories (its rollout) over the simulator's (dashed), and a dial on one particle's
velocity: the model re-runs with that particle moving differently, and the rollout shows
how the *other* particles answer through the springs the model believes in, next to
how they answer through the true springs (the simulator's counterfactual).
"""

from __future__ import annotations

from typing import Any

import torch
import traitlets

from ..errors import EditError, InputError
from ..tracing import Edit, Site, Variable
from ..transport import to_buffer
from ..workspace import Workspace
from ._base import WorkspaceWidget, _message, esm
from ._palette import particle_color

__all__ = ["SystemView", "particle_positions"]


def _springs_spec(ws: Workspace) -> Any:
    """The springs zoo entry of ``ws``'s model, or a clear InputError."""
    spec = ws.model.spec
    n = getattr(spec, "n_particles", None)
    x = ws.inputs
    if ws.model.kind != "world" or not isinstance(n, int) or not hasattr(spec, "simulate_future"):
        what = getattr(spec, "name", None) or ws.model.name
        raise InputError(
            f"SystemView shows a springs world (particles joined by hidden springs), but "
            f"{what!r} is not one: load a springs model (iwm.load('springs'), "
            "'springs-fixed', 'springs-meanfield' or 'springs-flawed') and make its "
            "Workspace from model.sample(seed, latents=True)"
        )
    if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[-1] != 2 * n:
        shape = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError(
            f"SystemView needs positions [batch, steps, {2 * n}] for {n} particles, got {shape}"
        )
    if x.shape[1] < 2:
        raise InputError("SystemView needs at least two context steps (a velocity)")
    return spec


def particle_positions(ws: Workspace, row: int = 0, step: int = -1) -> torch.Tensor:
    """Where each particle of a springs Workspace's input is at ``step``: ``[N, 2]``
    (box coordinates, y up; the last context frame by default)."""
    spec = _springs_spec(ws)
    return ws.inputs[row, step].detach().float().reshape(spec.n_particles, 2).clone()


class SystemView(WorkspaceWidget):
    """Particles in the box, their springs, the model's rollout over the simulator's.

    Each particle has its colour (the same as its node in a spatial
    :class:`~iwm_widgets.widgets.causal_graph.CausalGraph`). Its context trajectory
    ends at a dot (where the input leaves it); the model's predicted future continues
    solid, the simulator's dashed. ``show_springs`` reveals the true springs. The dial
    sets one particle's velocity at the last context step: the model re-runs (the
    Workspace's edit) and its counterfactual rollout is drawn bold, the simulator's
    counterfactual (:meth:`simulate_future` with that velocity) bold dashed; the
    futures without the edit stay faint underneath.

    How the dial edits the model: by default the input (``embed.input``): particle
    ``p``'s position one step before the last is moved so that its last displacement
    (the velocity the model reads) equals the dial, everything else unchanged. With
    ``variables={p: Variable}`` (a per-particle velocity Variable, e.g. from a probe),
    the dial clamps that internal Variable from the last step on (rollout included), as
    :class:`~iwm_widgets.widgets.steering_dials.SteeringDials` does.

    Parameters
    ----------
    ws
        A Workspace of a springs model, made from ``model.sample(seed, latents=True)``
        (the truth gives the springs and the simulator's futures; without it only the
        model's futures are drawn). Batch row 0 is shown.
    particle
        The particle the dial turns.
    variables
        Optional ``{particle: Variable}``: 2-D velocity Variables the dial clamps instead
        of editing the input.
    show_springs
        Reveal the true springs at once (default: hidden until asked).
    """

    _esm = esm("system_view")

    n_particles = traitlets.Int(0, help="Number of particles N.").tag(sync=True)
    colors = traitlets.List(
        traitlets.Unicode(), help="Colour of each particle (shared with CausalGraph's nodes)."
    ).tag(sync=True)
    context = traitlets.Dict(help="{buffer, dtype, shape=[T, N, 2]}: the input positions.").tag(
        sync=True
    )
    velocity = traitlets.Dict(
        help="{buffer, dtype, shape=[N, 2]}: the velocity at the last context step "
        "(the simulator's, else the last displacement)."
    ).tag(sync=True)
    velocity_source = traitlets.Unicode(
        "", help="'simulator' or 'displacement': where `velocity` comes from."
    ).tag(sync=True)
    model_future = traitlets.Dict(
        help="{buffer, dtype, shape=[S, N, 2]}: the model's rollout without the dial's edit."
    ).tag(sync=True)
    model_cf = traitlets.Dict(
        help="[S, N, 2]: the model's rollout with the dial's edit ({} when the dial is off)."
    ).tag(sync=True)
    sim_future = traitlets.Dict(
        help="[S, N, 2]: the simulator's future ({} without the truth)."
    ).tag(sync=True)
    sim_cf = traitlets.Dict(
        help="[S, N, 2]: the simulator's future with the dial's velocity ({} when off)."
    ).tag(sync=True)
    show_springs = traitlets.Bool(False, help="Reveal the true springs.").tag(sync=True)
    springs = traitlets.List(
        traitlets.List(traitlets.Int()),
        help="The true springs [[i, j], ...] (i < j); empty until show_springs.",
    ).tag(sync=True)
    has_truth = traitlets.Bool(False, help="Whether the Workspace carries the truth.").tag(
        sync=True
    )
    particle = traitlets.Int(0, help="The particle the dial turns.").tag(sync=True)
    dial = traitlets.Dict(help="{} (off) or {vx, vy}: the dialled particle's velocity.").tag(
        sync=True
    )
    dial_max = traitlets.Float(0.05, help="The dial's largest speed (box/step).").tag(sync=True)
    dial_mode = traitlets.Unicode(
        "input", help="'input' (the dial edits the input) or 'variable' (clamps a Variable)."
    ).tag(sync=True)
    title = traitlets.Unicode("", help="Title shown above the view.").tag(sync=True)
    code = traitlets.Unicode("", help="nnsight code of the Workspace's edits.").tag(sync=True)

    def __init__(
        self,
        ws: Workspace,
        *,
        particle: int = 0,
        variables: dict[int, Variable] | None = None,
        show_springs: bool = False,
        title: str | None = None,
    ) -> None:
        if not isinstance(ws, Workspace):
            raise TypeError(f"expected a Workspace, got {type(ws).__name__}")
        spec = _springs_spec(ws)
        n = int(spec.n_particles)
        if int(ws.rollout_steps) < 1:
            raise InputError(
                "SystemView draws the rollout: make the Workspace with rollout_steps >= 1"
            )
        self._vars: dict[int, Variable] = {}
        for p, v in (variables or {}).items():
            if not isinstance(v, Variable):
                raise TypeError(f"variables[{p!r}] must be a Variable, got {type(v).__name__}")
            if not (isinstance(p, int) and 0 <= p < n):
                raise ValueError(f"variables keys must be particles 0..{n - 1}, got {p!r}")
            if v.k != 2:
                raise EditError(f"variables[{p}] ({v.name}) has {v.k} components, not 2 (vx, vy)")
            ws.model.check_site(v.site)
            self._vars[p] = v
        self._spec = spec
        self._edit_id: str | None = None
        super().__init__(ws)
        x = ws.inputs[0].detach().float()
        T = int(x.shape[0])
        self._T = T
        truth = self._truth()
        if truth is not None:
            vel = truth["velocity"][-1].float().reshape(n, 2)
            self.velocity_source = "simulator"
        else:
            vel = (x[-1] - x[-2]).reshape(n, 2)
            self.velocity_source = "displacement"
        self._vel = vel
        speeds = (x[1:] - x[:-1]).reshape(T - 1, n, 2).norm(dim=-1)
        top = max(float(speeds.max()), float(vel.norm(dim=-1).max()))
        with self.hold_sync():
            self.n_particles = n
            self.colors = [particle_color(i) for i in range(n)]
            self.context = to_buffer(x.reshape(T, n, 2))
            self.velocity = to_buffer(vel)
            self.has_truth = truth is not None
            self.particle = self._check_particle(particle)
            self.dial_max = round(2.0 * top, 4) or 0.05
            self.title = title if title is not None else f"{ws.model.name}: {n} particles"
            self.show_springs = bool(show_springs)
            self.dial_mode = "variable" if self.particle in self._vars else "input"
        self._send_springs()
        self.observe(self._on_dial, names=["dial", "particle"])
        self.observe(lambda _: self._send_springs(), names=["show_springs"])
        self.on_msg(self._on_msg)
        self._start()

    # ---- inputs ---------------------------------------------------------
    def _truth(self) -> dict[str, Any] | None:
        t = self.ws.truth
        if not t or "velocity" not in t:
            return None
        if t["velocity"].ndim == 3:  # sample_batch latents [n, T, ...]: row 0
            return {k: v[0] for k, v in t.items()}
        return t

    def _check_particle(self, p: Any) -> int:
        n = int(self._spec.n_particles)
        if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p < n:
            raise ValueError(f"particle must be one of 0..{n - 1}, got {p!r}")
        return p

    @traitlets.validate("particle")
    def _validate_particle(self, proposal: dict[str, Any]) -> int:
        try:
            return self._check_particle(proposal["value"])
        except ValueError as e:
            raise traitlets.TraitError(str(e)) from e

    def _send_springs(self) -> None:
        truth = self._truth()
        adj = truth.get("adjacency") if truth is not None else None
        if not self.show_springs or adj is None:
            self.springs = []
            return
        a = torch.as_tensor(adj)
        n = int(a.shape[0])
        self.springs = [[i, j] for i in range(n) for j in range(i + 1, n) if float(a[i, j]) != 0]

    # ---- the dial -------------------------------------------------------
    def dial_velocity(self) -> torch.Tensor | None:
        """The dial's velocity ``[2]`` for :attr:`particle`, or None when it is off."""
        d = self.dial or {}
        if "vx" not in d or "vy" not in d:
            return None
        v = torch.tensor([float(d["vx"]), float(d["vy"])])
        if not torch.isfinite(v).all():
            raise EditError(f"the dial got a non-finite velocity {d!r}")
        return v

    def edit(self) -> Edit | None:
        """The edit the dial stands for (None when it is off)."""
        v = self.dial_velocity()
        if v is None:
            return None
        p, T = int(self.particle), self._T
        label = f"particle {p} velocity = ({v[0]:.4g}, {v[1]:.4g})"
        var = self._vars.get(p)
        if var is not None:
            e = Edit.clamp(var, v, start=T - 1, label=label)
        else:
            x = self.ws.inputs[0].detach().float()
            before = x[T - 1, 2 * p : 2 * p + 2] - v  # last displacement = v
            e = Edit(
                "set",
                Site.parse("embed.input"),
                value=before,
                positions=(T - 2,),
                features=(2 * p, 2 * p + 2),
                label=label,
            )
        return e.with_(id=self._edit_id) if self._edit_id else e

    def set_velocity(self, particle: int, vx: float, vy: float) -> SystemView:
        """Turn the dial from Python: particle ``particle`` moves with ``(vx, vy)``."""
        with self.hold_trait_notifications():
            self.particle = self._check_particle(particle)
            self.dial = {"vx": float(vx), "vy": float(vy)}
        return self

    def reset(self) -> None:
        """Turn the dial off (no edit from this view)."""
        self.dial = {}

    def _on_dial(self, change: dict[str, Any]) -> None:
        self.dial_mode = "variable" if self.particle in self._vars else "input"
        try:
            e = self.edit()
        except Exception as err:
            self.error = _message(err)
            return
        present = {x.id for x in self.ws.edits}
        old = [self._edit_id] if self._edit_id in present else []
        try:
            if e is None:
                self._edit_id = None
                self.ws.swap_edits(old, [])
            else:
                self._edit_id = e.id
                self.ws.swap_edits(old if old and old[0] != e.id else [], [e])
        except Exception as err:
            self.error = _message(err)

    def _on_msg(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "reset":
            self.reset()

    # ---- futures --------------------------------------------------------
    def model_rollout(self, result: Any = None) -> torch.Tensor:
        """The model's predicted future ``[S, N, 2]`` of ``result`` (default: the newest)."""
        result = result if result is not None else self.ws.result
        if result is None or result.rollout is None:
            raise RuntimeError("no rollout yet: the Workspace has not run")
        r = result.rollout[0].detach().float()
        return r.reshape(r.shape[0], self.n_particles, 2)

    def simulator_future(self, velocity: Any = None) -> torch.Tensor | None:
        """The simulator's future ``[S, N, 2]`` from the last context frame (``velocity``
        ``[N, 2]``: a counterfactual velocity of every particle); None without truth."""
        truth = self._truth()
        if truth is None:
            return None
        steps = int(self.ws.rollout_steps)
        v = None if velocity is None else torch.as_tensor(velocity).float().reshape(-1)
        fut = self._spec.simulate_future(truth, steps, velocity=v)
        return fut.float().reshape(steps, self.n_particles, 2)

    def _edited_velocity(self) -> torch.Tensor | None:
        v = self.dial_velocity()
        if v is None:
            return None
        out = self._vel.clone()
        out[int(self.particle)] = v
        return out

    def _redraw(self, result: Any) -> None:
        self.code = self.ws.to_code()
        if result.rollout is None:
            raise InputError("the Workspace ran without a rollout (rollout_steps=0)")
        base = self.ws.baseline if self.ws.baseline is not None else result
        mine = self._edit_id is not None and any(e.id == self._edit_id for e in result.edits)
        self.model_future = to_buffer(self.model_rollout(base))
        self.model_cf = to_buffer(self.model_rollout(result)) if mine else {}
        sim = self.simulator_future()
        self.sim_future = to_buffer(sim) if sim is not None else {}
        v = self._edited_velocity() if mine else None
        cf = self.simulator_future(v) if v is not None else None
        self.sim_cf = to_buffer(cf) if cf is not None else {}
