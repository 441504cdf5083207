"""SteeringDials: turn a model's internal variables and watch the counterfactual future."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import traitlets

from ..errors import EditError, FileFormatError, IWMError
from ..tracing import Edit, Variable
from ..tracing.probes import load_variables, save_variables
from ..transport import to_buffer
from ..workspace import Workspace
from ._base import WorkspaceWidget, _message, esm

__all__ = ["SteeringDials"]

SCOPES = ("rollout", "from", "once")
#: units of the zoo world models' quantities (their simulators live in the unit box, and
#: step once per time step): a dial's value and its rollout's axes read in them
WORLD_UNITS = {"velocity": "box/step", "position": "box"}
PRESET_FORMAT = "iwm-dials-preset/1"


def _check_fits(ws: Workspace, variables: Sequence[Variable]) -> None:
    """Each Variable's site exists in ``ws``'s model and has the Variable's width."""
    for v in variables:
        ws.model.check_site(v.site)
        width = ws.model.shape(v.site)[-1]
        if v.width != width:
            fitted = f" (fitted on {v.model_name!r})" if v.model_name else ""
            raise EditError(
                f"{v.name}{fitted} has width {v.width} but {v.site} of {ws.model.name!r} "
                f"has {width} features: a Variable fitted on another model or site does "
                "not fit; fit one on this model"
            )


class SteeringDials(WorkspaceWidget):
    """Dials bound to Variables; each change re-runs the Workspace with clamp edits.

    A 2-D Variable (e.g. velocity) gets a circular dial (angle and radius); a 1-D
    Variable, or each component with ``sliders=True``, gets a slider. A dial that is
    off applies no edit at all, so the result is bit-identical to the unedited run.

    Parameters
    ----------
    ws
        The Workspace to steer.
    variables
        Variables from :meth:`~iwm_widgets.tracing.probes.ProbeSweep.variable`.
    scope
        ``"rollout"`` (every step from the last context step on, rollout included;
        the default for world models), ``"from"`` (every step from ``scope_start``
        on) or ``"once"`` (only at step ``scope_start``).
    scope_start
        The step for ``"from"`` / ``"once"``.
    direction
        ``"encoding"`` (move along the model's encoding directions) or ``"probe"``
        (the probe's pseudo-inverse: correlational, usually much weaker).
    sliders
        One slider per component even for 2-D variables.
    limits
        ``{dial id: (lo, hi)}``: a slider's range (a circular dial's largest radius is
        ``hi``). By default a control spans twice the largest readout of the unedited run,
        which can fall short of a variable's own scale (e.g. a contrastive variable read
        near 0 on the input, but steered to 2).
    """

    _esm = esm("steering_dials")

    dials = traitlets.List(traitlets.Dict(), help="One entry per control (see module).").tag(
        sync=True
    )
    values = traitlets.Dict(help="{dial id: null (off) | float | {angle (degrees), radius}}.").tag(
        sync=True
    )
    scope = traitlets.Unicode("rollout", help="'rollout', 'from' or 'once'.").tag(sync=True)
    scope_start = traitlets.Int(0, help="Step for scope 'from' / 'once'.").tag(sync=True)
    n_steps = traitlets.Int(0, help="Context length of the inputs.").tag(sync=True)
    direction = traitlets.Unicode("encoding", help="'encoding' or 'probe'.").tag(sync=True)
    code = traitlets.Unicode("", help="nnsight code of the current edits.").tag(sync=True)
    rollout = traitlets.Dict(help="Trajectories for the rollout view (binary payloads).").tag(
        sync=True
    )
    latency_ms = traitlets.Float(0.0, help="Wall time of the last traced run.").tag(sync=True)
    lm = traitlets.Dict(
        help="Language models: next-token top-k and greedy continuation, before vs after."
    ).tag(sync=True)
    update_mode = traitlets.Enum(
        ("live", "release", "throttle"),
        "live",
        help="When a dial move is sent: 'live' (throttled to 30 ms), 'release' (when the "
        "drag ends; the default for remote models) or 'throttle' (to throttle_ms).",
    ).tag(sync=True)
    throttle_ms = traitlets.Float(
        0.0, help="Throttle interval of mode 'throttle': the measured remote round trip (ms)."
    ).tag(sync=True)

    def __init__(
        self,
        ws: Workspace,
        variables: Variable | Sequence[Variable],
        *,
        scope: str | None = None,
        scope_start: int | None = None,
        direction: str = "encoding",
        sliders: bool = False,
        update_mode: str | None = None,
        limits: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        self._limits = {str(k): (float(lo), float(hi)) for k, (lo, hi) in (limits or {}).items()}
        for k, (lo, hi) in self._limits.items():
            if not lo < hi:
                raise ValueError(f"limits[{k!r}] = ({lo}, {hi}): need lo < hi")
        if isinstance(variables, Variable):
            variables = [variables]
        if not variables:
            raise ValueError("SteeringDials needs at least one Variable")
        for v in variables:
            if not isinstance(v, Variable):
                raise TypeError(f"expected Variables, got {type(v).__name__}")
        _check_fits(ws, variables)
        self._vars = list(variables)
        self._sliders = sliders
        self._edit_ids: dict[str, str] = {}  # dial id -> edit id in the workspace
        super().__init__(ws)
        T = int(ws.inputs.shape[1]) if getattr(ws.inputs, "ndim", 0) >= 2 else 1
        self.n_steps = T
        self.scope = scope or ("rollout" if ws.model.kind == "world" else "from")
        self.scope_start = T - 1 if scope_start is None else int(scope_start)
        self.direction = direction
        self._by_id: dict[str, dict[str, Any]] = {}
        self.update_mode = update_mode or ("release" if ws.model.remote is not None else "live")
        self._start()  # a first result, to place the dials at the variables' readouts
        self._make_controls()
        unknown = sorted(set(self._limits) - set(self._by_id))
        if unknown:
            raise KeyError(f"limits for unknown dials {unknown}; dials: {sorted(self._by_id)}")
        self.values = {cid: None for cid in self._by_id}
        self.observe(self._on_values, names=["values", "scope", "scope_start", "direction"])
        self.on_msg(self._on_msg)

    # ---- controls -------------------------------------------------------
    def _sites(self) -> list[str]:
        if self.ws.model.remote is not None:
            return []  # remote: only the readouts come back (see _summaries)
        return sorted({str(v.site) for v in self._vars})

    def _summaries(self) -> list[Any]:
        if self.ws.model.remote is None:
            return []
        from ..tracing.run import Summary

        return [Summary.readout(v.site, v.read, v.name) for v in self._vars]

    def _readout(self, v: Variable, result: Any) -> torch.Tensor:
        """The Variable's readout ``[B, T, k]`` (a remote result carries it as a summary)."""
        if self.ws.model.remote is not None:
            return result.summaries[f"readout:{v.site}:{v.name}"] + v.bias
        return v.readout(result)

    def _controls_for(self, v: Variable) -> list[tuple[str, Variable, int | None]]:
        if v.k == 2 and not self._sliders:
            return [(v.name, v, None)]
        return [(v.components[i] if v.k > 1 else v.name, v, i) for i in range(v.k)]

    def _make_controls(self) -> list[dict[str, Any]]:
        controls = []
        base = self.ws.baseline or self.ws.result
        if base is not None and self.ws.model.remote is not None:
            keys = {f"readout:{v.site}:{v.name}" for v in self._vars}
            base = base if keys <= set(base.summaries) else None  # its run is in flight
        self._placed = base is not None
        for v in self._vars:
            r = self._readout(v, base)[0] if base is not None else torch.zeros(self.n_steps, v.k)
            for cid, _, comp in self._controls_for(v):
                if comp is None:
                    radius = float(r.norm(dim=-1).max())
                    if cid in self._limits:
                        radius = self._limits[cid][1] / 2.0
                    controls.append(
                        {
                            "id": cid,
                            "label": v.name,
                            "kind": "circular",
                            "min": 0.0,
                            "max": 2.0 * radius or 1.0,
                            "step": 0.0,
                            "max_radius": 2.0 * radius or 1.0,
                            "readout": [float(x) for x in r[self._start_step()]],
                            "unit": self._unit(v),
                            "variable": v.name,
                            "component": None,
                        }
                    )
                else:
                    col = r[:, comp]
                    lim = float(col.abs().max()) * 2.0 or 1.0
                    lo, hi = self._limits.get(cid, (-lim, lim))
                    controls.append(
                        {
                            "id": cid,
                            "label": v.components[comp],
                            "kind": "slider",
                            "min": lo,
                            "max": hi,
                            "step": (hi - lo) / 400,
                            "readout": float(col[self._start_step()]),
                            "unit": self._unit(v),
                            "variable": v.name,
                            "component": comp,
                        }
                    )
        self._by_id = {str(c["id"]): c for c in controls}
        self.dials = controls
        return controls

    def _unit(self, v: Variable) -> str:
        """The unit of a Variable's values: known for the zoo world models' quantities."""
        if self.ws.model.kind == "world" and self.ws.model.spec is not None:
            return WORLD_UNITS.get(v.name, "")
        return ""

    def _start_step(self) -> int:
        return min(max(self.scope_start, 0), self.n_steps - 1)

    def _scope_kw(self) -> dict[str, Any]:
        if self.scope not in SCOPES:
            raise EditError(f"scope must be one of {SCOPES}, got {self.scope!r}")
        if self.scope == "once":
            return {"positions": [self.scope_start]}
        start = self.n_steps - 1 if self.scope == "rollout" else self.scope_start
        return {"start": start}

    def _target(
        self, control: dict[str, Any], value: Any, var: Variable | None = None
    ) -> tuple[Variable, torch.Tensor]:
        if var is None:
            var = next(v for v in self._vars if v.name == control["variable"])
        comp = control["component"]
        if control["kind"] == "circular":
            if not isinstance(value, dict) or not {"angle", "radius"} <= set(value):
                raise EditError(f"dial {control['id']!r} takes {{angle, radius}}, got {value!r}")
            a = math.radians(float(value["angle"]))
            r = float(value["radius"])
            return var, torch.tensor([r * math.cos(a), r * math.sin(a)])
        return (var if var.k == 1 else var.component(comp)), torch.tensor([float(value)])

    def edits(self) -> list[Edit]:
        """The edits the current dial values stand for (none for dials that are off)."""
        out = []
        for cid, value in self.values.items():
            if value is None:
                continue
            control = self._by_id[cid]
            var, target = self._target(control, value)
            if not torch.isfinite(target).all():
                raise EditError(f"dial {cid!r} got a non-finite value {value!r}")
            e = Edit.clamp(
                var, target, direction=self.direction, **self._scope_kw(), label=f"dial {cid}"
            )
            out.append(e.with_(id=self._edit_ids.setdefault(cid, e.id)))
        return out

    # ---- reacting -------------------------------------------------------
    def _on_values(self, change: dict[str, Any]) -> None:
        if getattr(self, "_adding", False):
            return  # add_variable: a new dial starts off, no edit changes
        try:
            new = self.edits()
        except Exception as e:
            self.error = _message(e)
            return
        active = {e.id for e in new}
        stale = [eid for cid, eid in self._edit_ids.items() if eid not in active]
        present = {e.id for e in self.ws.edits}
        try:
            self.ws.swap_edits([i for i in stale if i in present], new)
        except Exception as e:
            self.error = _message(e)
        for cid in [c for c, eid in self._edit_ids.items() if eid in stale]:
            del self._edit_ids[cid]

    def _on_msg(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        if content.get("type") == "reset":
            self.reset()

    def add_variable(self, variable: Variable) -> SteeringDials:
        """Add a dial (or sliders) for ``variable`` to these dials, turned off.

        For Variables made after the dials, e.g. a discovered feature from
        :meth:`FeatureBrowser.make_dial <iwm_widgets.FeatureBrowser.make_dial>`. The
        Variable must fit the Workspace's model and have a name no dial has; the other
        dials keep their values (adding one applies no edit).
        """
        if not isinstance(variable, Variable):
            raise TypeError(f"expected a Variable, got {type(variable).__name__}")
        if any(v.name == variable.name for v in self._vars):
            raise EditError(f"these dials already turn a Variable named {variable.name!r}")
        clash = {cid for cid, _, _ in self._controls_for(variable)} & set(self._by_id)
        if clash:
            raise EditError(f"dials {sorted(clash)} exist already; rename the Variable")
        _check_fits(self.ws, [variable])
        self._vars = [*self._vars, variable]
        self._update_reads()
        base = self.ws.baseline or self.ws.result
        if self.ws.model.remote is None and (
            base is None or str(variable.site) not in base.activations
        ):
            self._start()  # a site no view read yet: one run to place the new dial
        self._make_controls()
        self._adding = True
        try:
            self.values = {**{cid: None for cid in self._by_id}, **self.values}
        finally:
            self._adding = False
        return self

    def reset(self) -> None:
        """Turn every dial off (no edits from this widget)."""
        self.values = {cid: None for cid in self._by_id}

    def set(self, **values: Any) -> SteeringDials:
        """Set dial values from Python: ``dials.set(velocity={"angle": 90, "radius": .04})``."""
        unknown = set(values) - set(self._by_id)
        if unknown:
            raise KeyError(f"unknown dials {sorted(unknown)}; dials: {sorted(self._by_id)}")
        self.values = {**self.values, **values}
        return self

    # ---- drawing --------------------------------------------------------
    def _redraw(self, result: Any) -> None:
        if not getattr(self, "_placed", True) and self._by_id:
            self._make_controls()  # a remote first result arrived: place the dials now
        self.code = self.ws.to_code()
        self.latency_ms = float(result.elapsed_ms)
        rt = self.ws.model.remote.round_trip_ms if self.ws.model.remote is not None else None
        if rt:
            self.throttle_ms = float(rt)
        if self.ws.model.kind == "lm":
            self.lm = self._lm_payload(result)
            return
        if result.rollout is None:
            self.rollout = {}
            return
        payload: dict[str, Any] = {
            "context": to_buffer(result.inputs[0]),
            "factual": to_buffer(self.ws.baseline.rollout[0])
            if self.ws.baseline is not None and self.ws.baseline.rollout is not None
            else None,
            "counterfactual": to_buffer(result.rollout[0]) if self._edit_ids else None,
            "truth": None,
            "truth_cf": None,
        }
        truth, spec = self.ws.truth, self.ws.model.spec
        steps = int(result.rollout.shape[1])
        if truth is not None and spec is not None:
            payload["truth"] = to_buffer(spec.simulate_future(truth, steps))
            v = self._velocity_target(truth)
            if v is not None:
                payload["truth_cf"] = to_buffer(spec.simulate_future(truth, steps, velocity=v))
        self.rollout = payload

    def _lm_payload(self, result: Any, k: int = 8) -> dict[str, Any]:
        """Top-k next tokens and the greedy continuation, unedited and edited."""
        tok = self.ws.model.tokenizer
        base = self.ws.baseline or result

        def top(res: Any) -> dict[str, Any]:
            probs = res.output[0, -1].float().softmax(-1)
            p, i = probs.topk(min(k, probs.numel()))
            return {"tokens": [tok.decode([int(t)]) for t in i], "probs": to_buffer(p)}

        def text(res: Any) -> str:
            return "" if res.rollout is None else tok.decode(res.rollout[0].tolist())

        edited = bool(self._edit_ids)
        return {
            "prompt": self.ws.columns(),
            "before": top(base),
            "after": top(result) if edited else None,
            "continuation_before": text(base),
            "continuation_after": text(result) if edited else None,
        }

    def _velocity_target(self, truth: dict[str, Any]) -> torch.Tensor | None:
        """The velocity the dials ask for, when they turn the simulator's velocity."""
        v = truth["velocity"][-1].clone().float()
        touched = False
        for cid, value in self.values.items():
            c = self._by_id[cid]
            if value is None or not c["variable"].startswith("velocity"):
                continue
            _, target = self._target(c, value)
            if c["kind"] == "circular":
                v = target.float()
            else:
                v[c["component"] if c["component"] is not None else 0] = float(target[0])
            touched = True
        return v if touched else None

    # ---- presets (JSON + safetensors, no pickle) ----------------------
    def save_preset(self, path: str | Path) -> Path:
        """Write the variables, dial values, scope and direction to ``path``(.json/.safetensors)."""
        meta = {
            "model": self.ws.model.name,
            "values": self.values,
            "scope": self.scope,
            "scope_start": self.scope_start,
            "direction": self.direction,
            "format": PRESET_FORMAT,
        }
        save_variables(path, self._vars, meta)
        return Path(path).with_suffix(".json")

    def load_preset(self, path: str | Path) -> None:
        """Load a preset written by :meth:`save_preset` for the same model.

        The files are checked before anything changes (a tampered, truncated or
        foreign preset raises :class:`~iwm_widgets.errors.FileFormatError` or
        :class:`~iwm_widgets.errors.EditError`, shown in the widget's error box); the
        dials keep their state.
        """
        try:
            variables, meta = load_variables(path)
            if meta.get("format", PRESET_FORMAT) != PRESET_FORMAT:
                raise FileFormatError(
                    f"{path} is a {meta.get('format')!r} file, not a {PRESET_FORMAT!r} preset"
                )
            if meta.get("model") != self.ws.model.name:
                raise EditError(
                    f"this preset was saved for model {meta.get('model')!r}, not "
                    f"{self.ws.model.name!r}"
                )
            names = {v.name for v in variables}
            if names != {v.name for v in self._vars}:
                raise EditError(
                    f"preset has variables {sorted(names)}, these dials turn "
                    f"{sorted(v.name for v in self._vars)}"
                )
            _check_fits(self.ws, variables)
            values = meta.get("values", {})
            if not isinstance(values, dict):
                raise FileFormatError(f"preset {path}: values must be a dict of dial values")
            if set(values) - set(self._by_id):
                extra = sorted(set(values) - set(self._by_id))
                raise EditError(f"preset has unknown dials {extra}")
            scope = meta.get("scope", self.scope)
            scope_start = meta.get("scope_start", self.scope_start)
            direction = meta.get("direction", self.direction)
            if scope not in SCOPES:
                raise FileFormatError(
                    f"preset {path}: scope must be one of {SCOPES}, got {scope!r}"
                )
            if not isinstance(scope_start, int) or isinstance(scope_start, bool):
                raise FileFormatError(f"preset {path}: scope_start must be an integer")
            if direction not in ("encoding", "probe"):
                raise FileFormatError(
                    f"preset {path}: direction must be 'encoding' or 'probe', got {direction!r}"
                )
            by_name = {v.name: v for v in variables}
            for cid, value in values.items():  # each value must make a finite target
                if value is None:
                    continue
                control = self._by_id[cid]
                try:
                    target = self._target(control, value, by_name[control["variable"]])[1]
                except (TypeError, ValueError) as e:
                    raise FileFormatError(f"preset {path}: dial {cid!r} = {value!r}: {e}") from None
                if not torch.isfinite(target).all():
                    raise EditError(f"preset {path}: dial {cid!r} has a non-finite value {value!r}")
        except (OSError, json.JSONDecodeError, KeyError) as e:
            err = FileFormatError(f"cannot read preset {path}: {e}")
            self.error = _message(err)
            raise err from e
        except IWMError as e:
            self.error = _message(e)
            raise
        self._vars = variables
        with self.hold_trait_notifications():
            self.scope = scope
            self.scope_start = scope_start
            self.direction = direction
            self.values = {**{c: None for c in self._by_id}, **values}

    # ---- sessions (iwm_widgets.session) --------------------------------
    def settings(self) -> dict[str, Any]:
        """The dials' user-facing settings (Variables, values, scope...), as a session
        saves them; ``edit_ids`` keep the edits the dials made under their ids."""
        return {
            "variables": list(self._vars),
            "values": dict(self.values),
            "scope": self.scope,
            "scope_start": int(self.scope_start),
            "direction": self.direction,
            "sliders": bool(self._sliders),
            "update_mode": self.update_mode,
            "edit_ids": dict(self._edit_ids),
        }

    @classmethod
    def from_settings(cls, ws: Workspace, settings: dict[str, Any]) -> SteeringDials:
        """The dials :meth:`settings` describes, on ``ws`` (their edits re-made under the
        saved ids, so a Workspace that already holds them keeps one of each)."""
        from ..session import expect_keys

        s = expect_keys(settings, SETTINGS, "SteeringDials settings")
        d = cls(
            ws,
            list(s["variables"]),
            scope=s["scope"],
            scope_start=int(s["scope_start"]),
            direction=s["direction"],
            sliders=bool(s["sliders"]),
            update_mode=s["update_mode"],
        )
        values = dict(s["values"])
        unknown = sorted(set(values) - set(d._by_id))
        if unknown:
            d.close()
            raise EditError(f"unknown dials {unknown}; dials: {sorted(d._by_id)}")
        d._edit_ids = {str(k): str(v) for k, v in dict(s["edit_ids"]).items()}
        d.values = {**d.values, **values}
        return d


SETTINGS = (
    "variables",
    "values",
    "scope",
    "scope_start",
    "direction",
    "sliders",
    "update_mode",
    "edit_ids",
)
