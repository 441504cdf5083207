"""MonitorBoard: where white-box monitors alarm, against what really happened.

Shows one or more :class:`~iwm_widgets.tracing.monitors.MonitorReport` (from
:meth:`Monitor.evaluate` or :func:`iwm_widgets.evaluate_monitors`, all on the same
inputs): a compact alarm strip of monitors × inputs, the picked input's strip over its
time steps (tokens for a language model), the simulator's ground-truth event under
both, and per monitor its precision, recall, false-alarm rate, lead time and AUROC next
to the output-only baselines' at the same alarm rate. A threshold slider per monitor
re-scores live: the scores are already computed, so moving it calls
:meth:`MonitorReport.at` (no model run). Clicking an input opens it in the Workspace
given to the board (``ws.inputs = that input``), so every ActivationMap, dial or graph
of that Workspace follows; clicking a step also selects that position.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import anywidget
import torch
import traitlets

from ..errors import InputError
from ..tracing import MonitorReport
from ..transport import to_buffer
from ..workspace import Workspace
from ._base import _message, esm

__all__ = ["MonitorBoard", "MonitorBoardError"]

#: Step codes of the strips (uint8): what a monitor did at one step, against the label.
NONE, HIT, FALSE, MISS, PAD = 0, 1, 2, 3, 255
#: Event codes (uint8): 1 the event follows within the horizon, +2 it starts at the next frame.
LABEL, ONSET_NEXT = 1, 2
#: Slider positions between the lowest and highest score.
SLIDER_STEPS = 200


class MonitorBoardError(traitlets.TraitError, InputError):
    """A threshold, input or monitor the board does not have; the board keeps what it
    showed and puts the message in its error box."""


def _finite(x: Any) -> float | None:
    """A float for JSON traits: None for NaN/inf (JSON has no NaN)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _reports(reports: Any) -> list[MonitorReport]:
    """A report, a list of them, or evaluate_monitors' dict, as a checked list."""
    if isinstance(reports, MonitorReport):
        out = [reports]
    elif isinstance(reports, Mapping):
        out = list(reports.values())
    elif isinstance(reports, Iterable) and not isinstance(reports, str | bytes):
        out = list(reports)
    else:
        raise InputError(
            "MonitorBoard shows MonitorReports (rep = monitor.evaluate(model, ...) or "
            f"iwm.evaluate_monitors([...], model, ...)), got {type(reports).__name__}"
        )
    if not out:
        raise InputError("MonitorBoard needs at least one MonitorReport")
    for r in out:
        if not isinstance(r, MonitorReport):
            raise InputError(
                f"MonitorBoard shows MonitorReports, got a {type(r).__name__} among them"
            )
    names = [r.name for r in out]
    if len(set(names)) != len(names):
        raise InputError(f"the reports' monitor names must be unique, got {names}")
    first = out[0]
    for r in out[1:]:
        same = (
            r.event == first.event
            and r.horizon == first.horizon
            and r.mode == first.mode
            and r.events.shape == first.events.shape
            and torch.equal(r.events, first.events)
            and torch.equal(r.steps, first.steps)
        )
        if not same:
            raise InputError(
                f"{r.name!r} was scored on other inputs or another event than {first.name!r} "
                f"({r.event!r} within {r.horizon}, {r.mode}, {list(r.events.shape)} vs "
                f"{first.event!r} within {first.horizon}, {first.mode}, "
                f"{list(first.events.shape)}): evaluate them together "
                "(iwm.evaluate_monitors([m1, m2], model, ...)) to compare them on one board"
            )
    return out


def step_codes(rep: MonitorReport) -> torch.Tensor:
    """uint8 ``[inputs, steps]``: :data:`HIT` (alarm before an event), :data:`FALSE`
    (alarm, no event within the horizon), :data:`MISS` (event, no alarm), :data:`NONE`,
    :data:`PAD` (not scored)."""
    a, e, v = rep.alarms, rep.events, rep.valid
    out = torch.full(a.shape, NONE, dtype=torch.uint8)
    out[a & e] = HIT
    out[a & ~e] = FALSE
    out[~a & e] = MISS
    out[~v] = PAD
    return out


def event_codes(rep: MonitorReport) -> torch.Tensor:
    """uint8 ``[inputs, steps]``: bit 1 the event follows within the horizon, bit 2 it
    starts at the frame right after the step (``onsets`` column ``s + 1``)."""
    S = rep.events.shape[1]
    out = rep.events.to(torch.uint8) * LABEL
    nxt = rep.onsets[:, 1 : S + 1]
    out[:, : nxt.shape[1]] += nxt.to(torch.uint8) * ONSET_NEXT
    out[~rep.valid] = 0
    return out


class MonitorBoard(anywidget.AnyWidget):
    """Monitors' alarms over inputs and time, the ground truth, and their scores.

    Parameters
    ----------
    reports
        A :class:`~iwm_widgets.tracing.monitors.MonitorReport`, a list of them, or the
        dict :func:`iwm_widgets.evaluate_monitors` returns: scored on the same inputs
        against the same event (else :class:`~iwm_widgets.errors.InputError`).
    workspace
        Optional :class:`~iwm_widgets.workspace.Workspace` on the reports' model:
        clicking an input sets ``workspace.inputs`` to it (every view of that
        Workspace follows); clicking a step also sets ``workspace.selection``.
    baselines
        Show each monitor's output-only baseline as a strip under its own (the summary
        table always lists them).

    Attributes
    ----------
    reports : list of MonitorReport
        As given (their thresholds: the ones they were scored at).
    current : list of MonitorReport
        Each report re-scored at the slider's threshold (``report.at(threshold)``).
    """

    _esm = esm("monitor_board")

    title = traitlets.Unicode("", help="Title shown above the board.").tag(sync=True)
    error = traitlets.Unicode("", help="The last bad threshold or click ('' when fine).").tag(
        sync=True
    )
    info = traitlets.Dict(
        help="The reports: {model, event, horizon, mode, n, steps, kind, n_events, "
        "base_rate, labels (per step: 'step 5' or a token position), workspace}."
    ).tag(sync=True)
    monitors = traitlets.List(
        traitlets.Dict(),
        help="One entry per monitor: {name, rule (at its threshold), threshold, default, "
        "lo, hi, step (the slider's range and step), control}.",
    ).tag(sync=True)
    rows = traitlets.List(
        traitlets.Dict(),
        help="The strips, top to bottom: {name, monitor (index), kind: 'monitor' or "
        "'baseline'}; the event row comes under them.",
    ).tag(sync=True)
    strips = traitlets.Dict(
        help="Binary: {codes uint8 [rows, inputs, steps] (0 none, 1 alarm before an event, "
        "2 false alarm, 3 missed, 255 not scored), events uint8 [inputs, steps] (bit 1: "
        "event within the horizon, bit 2: it starts at the next frame), steps int32 [steps]}."
    ).tag(sync=True)
    summary = traitlets.List(
        traitlets.Dict(),
        help="One row per monitor and per baseline: {monitor (index), name, kind, rule, "
        "threshold, precision, recall, false_alarm_rate, lead_time, detection_rate, auroc, "
        "alarm_rate} (null for NaN).",
    ).tag(sync=True)
    thresholds = traitlets.List(
        traitlets.Float(), help="Each monitor's alarm-score cut (the sliders)."
    ).tag(sync=True)
    input = traitlets.Int(0, help="The input whose steps are drawn (a row of the reports).").tag(
        sync=True
    )
    step = traitlets.Int(-1, help="The step picked in the input's strip (a position), or -1.").tag(
        sync=True
    )
    opened = traitlets.Int(-1, help="The input last opened in the Workspace, or -1.").tag(sync=True)
    show_baselines = traitlets.Bool(
        True, help="Draw each monitor's output-only baseline strip under its own."
    ).tag(sync=True)
    texts = traitlets.List(
        traitlets.Unicode(), help="Language models: the prompts (one per input); [] otherwise."
    ).tag(sync=True)

    def __init__(
        self,
        reports: MonitorReport | Iterable[MonitorReport] | Mapping[str, MonitorReport],
        workspace: Workspace | None = None,
        *,
        baselines: bool = True,
    ) -> None:
        reps = _reports(reports)
        if workspace is not None:
            if not isinstance(workspace, Workspace):
                raise InputError(f"workspace= takes a Workspace, got {type(workspace).__name__}")
            name = reps[0].model_name
            if name and workspace.model.name != name:
                raise InputError(
                    f"the Workspace is on model {workspace.model.name!r}, but the reports were "
                    f"scored on {name!r}: give a Workspace of the same model"
                )
        super().__init__()
        self.reports = reps
        self.current = list(reps)
        self.workspace = workspace
        self._shown = ""
        first = reps[0]
        n, S = first.events.shape
        with self.hold_sync():
            self.show_baselines = bool(baselines)
            self.title = (
                f"{first.model_name or 'model'}: monitors of {first.event!r} within "
                f"{first.horizon} step{'s' * (first.horizon != 1)}"
            )
            self.texts = list(first.texts or [])
            self.info = self._info()
            self.thresholds = [float(r.threshold) for r in reps]
            self.monitors = [self._monitor_entry(i) for i in range(len(reps))]
            self._refresh()
            self.input = 0
        self.observe(self._on_thresholds, names=["thresholds"])
        self.observe(self._on_baselines, names=["show_baselines"])
        self.on_msg(self._on_msg)
        if first.n_events == 0 or not bool((first.events & first.valid).any()):
            self.error = self._shown = (
                f"No {first.event!r} event happens in these {n} inputs × {S} steps: precision, "
                "recall and lead time cannot be scored (they show –). Evaluate on more inputs "
                "(n=...), longer ones, or a longer horizon."
            )

    # ---- state ----------------------------------------------------------
    def _info(self) -> dict[str, Any]:
        r = self.reports[0]
        n, S = r.events.shape
        kind = "lm" if r.texts is not None or r.tokens is not None else "world"
        return {
            "model": r.model_name,
            "event": r.event,
            "horizon": int(r.horizon),
            "mode": r.mode,
            "n": int(n),
            "steps": int(S),
            "kind": kind,
            "n_events": int(r.n_events),
            "base_rate": _finite(r.base_rate),
            "workspace": self.workspace is not None,
        }

    def _monitor_entry(self, i: int) -> dict[str, Any]:
        r, cur = self.reports[i], self.current[i]
        s = r.scores[r.valid]
        s = s[torch.isfinite(s)]
        lo, hi = (float(s.min()), float(s.max())) if s.numel() else (0.0, 1.0)
        t = float(self.thresholds[i])
        lo, hi = min(lo, t), max(hi, t)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        return {
            "name": r.name,
            "rule": cur.rule,
            "threshold": t,
            "default": float(r.threshold),
            "lo": lo,
            "hi": hi,
            "step": (hi - lo) / SLIDER_STEPS,
            "control": str(r.info.get("control", "")),
        }

    def _row_list(self) -> list[tuple[str, int, str, MonitorReport]]:
        rows: list[tuple[str, int, str, MonitorReport]] = []
        for i, cur in enumerate(self.current):
            rows.append((cur.name, i, "monitor", cur))
            b = cur.baseline
            if self.show_baselines and b is not None:
                rows.append((b.name, i, "baseline", b))
        return rows

    def _refresh(self) -> None:
        """Strips and summary from :attr:`current` (no model run)."""
        rows = self._row_list()
        first = self.reports[0]
        codes = torch.stack([step_codes(r) for *_, r in rows])
        self.rows = [{"name": nm, "monitor": i, "kind": k} for nm, i, k, _ in rows]
        self.strips = {
            "codes": to_buffer(codes, "uint8"),
            "events": to_buffer(event_codes(first), "uint8"),
            "steps": to_buffer(first.steps, "int32"),
            "labels": self._labels(),
        }
        table = []
        for i, cur in enumerate(self.current):
            table.append(self._summary_row(i, "monitor", cur))
            for b in cur.baselines.values():
                table.append(self._summary_row(i, "baseline", b))
        self.summary = table

    def _labels(self) -> list[str]:
        """The picked input's step labels (tokens for a language model)."""
        r = self.reports[0]
        steps = [int(s) for s in r.steps]
        toks = r.tokens[int(self.input)] if r.tokens and int(self.input) < len(r.tokens) else None
        if toks is None:
            return []
        return [toks[s] if 0 <= s < len(toks) else "" for s in steps]

    @staticmethod
    def _summary_row(i: int, kind: str, r: MonitorReport) -> dict[str, Any]:
        return {
            "monitor": i,
            "name": r.name,
            "kind": kind,
            "rule": r.rule,
            "threshold": _finite(r.threshold),
            "precision": _finite(r.precision),
            "recall": _finite(r.recall),
            "false_alarm_rate": _finite(r.false_alarm_rate),
            "lead_time": _finite(r.lead_time),
            "detection_rate": _finite(r.detection_rate),
            "auroc": _finite(r.auroc),
            "alarm_rate": _finite(r.alarm_rate),
        }

    # ---- checks ---------------------------------------------------------
    def _bad(self, msg: str) -> MonitorBoardError:
        self.error = self._shown = f"InputError: {msg}"
        return MonitorBoardError(msg)

    def _ok(self) -> None:
        if self._shown and self.error == self._shown:
            self.error = ""
        self._shown = ""

    @traitlets.validate("thresholds")
    def _valid_thresholds(self, proposal: dict[str, Any]) -> list[float]:
        ts = list(proposal["value"])
        if len(ts) != len(self.reports):
            raise self._bad(
                f"thresholds needs one value per monitor ({len(self.reports)}), got {len(ts)}"
            )
        for r, t in zip(self.reports, ts, strict=True):
            if not math.isfinite(float(t)):
                raise self._bad(f"the threshold of {r.name!r} must be a finite number, got {t!r}")
        return [float(t) for t in ts]

    @traitlets.validate("input")
    def _valid_input(self, proposal: dict[str, Any]) -> int:
        i = proposal["value"]
        n = int(self.reports[0].events.shape[0])
        if isinstance(i, bool) or not 0 <= int(i) < n:
            raise self._bad(f"input {i!r} does not exist: the reports have {n} inputs (0..{n - 1})")
        return int(i)

    def _index(self, monitor: int | str) -> int:
        names = [r.name for r in self.reports]
        if isinstance(monitor, str):
            if monitor not in names:
                raise self._bad(f"no monitor {monitor!r} on this board; it has {names}")
            return names.index(monitor)
        if isinstance(monitor, bool) or not 0 <= int(monitor) < len(names):
            raise self._bad(f"monitor {monitor!r} does not exist (0..{len(names) - 1}: {names})")
        return int(monitor)

    # ---- thresholds -----------------------------------------------------
    def set_threshold(self, monitor: int | str, threshold: Any) -> MonitorReport:
        """Re-score ``monitor`` (index or name) at alarm-score cut ``threshold``; returns
        the re-scored report (``report.at(threshold)``). No model run."""
        i = self._index(monitor)
        if threshold is None or (isinstance(threshold, str) and not threshold.strip()):
            raise self._bad(
                f"type a number for the threshold of {self.reports[i].name!r} (the field is "
                "empty, or held something the browser could not read as a number)"
            )
        try:
            t = float(threshold)
        except (TypeError, ValueError):
            raise self._bad(
                f"a threshold is a number, got {threshold!r} for {self.reports[i].name!r}"
            ) from None
        if not math.isfinite(t):
            raise self._bad(f"the threshold of {self.reports[i].name!r} must be finite, got {t}")
        ts = list(self.thresholds)
        ts[i] = t
        self.thresholds = ts
        return self.current[i]

    def reset_thresholds(self) -> None:
        """Every monitor back at the threshold it was scored at."""
        self.thresholds = [float(r.threshold) for r in self.reports]

    def _on_thresholds(self, change: dict[str, Any]) -> None:
        old, new = change["old"], change["new"]
        with self.hold_sync():
            for i, t in enumerate(new):
                if i >= len(old) or old[i] != t or self.current[i].threshold != t:
                    self.current[i] = self.reports[i].at(t)
            self.monitors = [self._monitor_entry(i) for i in range(len(self.reports))]
            self._refresh()
            self._ok()

    def _on_baselines(self, change: dict[str, Any]) -> None:
        with self.hold_sync():
            self._refresh()

    # ---- opening an input -----------------------------------------------
    def input_of(self, i: int) -> Any:
        """Input ``i`` of the reports as a Workspace takes it: ``[1, T, F]`` for a world
        model, the prompt for a language model."""
        r = self.reports[0]
        if r.texts is not None:
            return r.texts[int(i)]
        if r.inputs is None:
            raise self._bad("the reports do not carry their inputs: nothing to open")
        return r.inputs[int(i) : int(i) + 1]

    def open_input(self, i: int, step: int | None = None) -> None:
        """Pick input ``i`` (and ``step``, a position); with a Workspace, open it there
        (``ws.inputs``; ``ws.selection`` at the step)."""
        with self.hold_sync():
            self.input = int(i)
            self.step = -1 if step is None else int(step)
            self.strips = {**self.strips, "labels": self._labels()}
        ws = self.workspace
        if ws is None:
            self._ok()
            return
        try:
            if self.opened != int(i):
                ws.truth = None  # the latents were another input's
                ws.inputs = self.input_of(int(i))
                self.opened = int(i)
            if step is not None:
                site = str(self.reports[0].info.get("site", ""))
                ws.selection = {"site": site, "position": int(step)} if site else {}
        except Exception as e:
            self.error = self._shown = f"opening input {i} in the Workspace failed: {_message(e)}"
            raise
        self._ok()

    # ---- messages -------------------------------------------------------
    def _on_msg(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "threshold":
                self.set_threshold(int(content.get("monitor", -1)), content.get("value"))
            elif kind == "reset":
                self.reset_thresholds()
            elif kind == "open":
                s = content.get("step")
                self.open_input(int(content.get("input", -1)), None if s is None else int(s))
        except Exception:
            pass  # shown in the widget through `error`
