// SteeringDials: sliders and circular dials that set Variables, and the rollout they steer
// (the view of iwm_widgets/widgets/steering_dials.py).
//
// A 1-D variable is a slider; a 2-D variable is a circular dial: the handle's angle is the
// vector's direction (0° = +x, 90° = +y, counter-clockwise, y up as in the rollout plot)
// and its distance from the centre the vector's length, capped at max_radius. A dial whose
// value is null is OFF (no edit); the faint marker shows the variable's unedited value.
//
// While a handle is dragged its value is drawn at once from local state, and sent to
// Python through a leading + trailing throttle (at most one message per THROTTLE_MS); the
// final value is always sent on release. Python runs the workspace (latest wins) and sends
// back the rollout: the context, the model's prediction without (blue) and with (orange)
// the edits, and the simulator's (dashed). For a language model Python fills `lm` instead
// of `rollout`, and the view shows js/lm_panel.js in place of the rollout canvas: the
// prompt, the next-token top-k unedited and with the edits, and the greedy continuations.
//
// Synced traits (see the Python class): dials, values, scope, scope_start, n_steps,
// direction, code, rollout, lm, latency_ms, error, status, generation. The root element
// carries data-render-count, data-generation, data-sent, data-draw-ms, data-copied and
// data-lm ("1" while the LM panel is shown).

import { createLmPanel, LM_CSS, readLm } from "./lm_panel.js";
import { drawRollout, readSeries, renderLegend, themeOf } from "./rollout.js";
import {
  drawScheduler,
  errorBox as makeErrorBox,
  fillSelect,
  generationBadge,
  generationText,
  h,
  RUN_CSS,
  runPanel,
  setTrait,
  showError,
  statusBadge,
  throttle,
} from "./widget_util.js";

export { setTrait, throttle };

/**
 * The slice of anywidget's model that this view uses.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, cb: Function) => void} on
 * @property {(event: string, cb: Function) => void} off
 * @property {() => void} save_changes
 * @property {(content: any) => void} send
 */

/**
 * One control, as Python describes it.
 * @typedef {object} Dial
 * @property {string} id
 * @property {string} label
 * @property {"slider" | "circular"} kind
 * @property {number} min
 * @property {number} max
 * @property {number} step
 * @property {number | number[] | null} [readout] the unedited value: a number, or [x, y]
 * @property {string} [unit]
 * @property {number} [max_radius] circular dials only
 */

/** @typedef {{angle: number, radius: number}} Polar angle in degrees [0, 360) */
/** @typedef {null | number | Polar} Value null = off */
/** @typedef {Record<string, Value>} Values */
/** @typedef {import("./widget_util.js").Clock} Clock */

/** At most one value message per this many ms while dragging. */
export const THROTTLE_MS = 30;
/** The dial's SVG is DIAL_W × DIAL_H px (room for the angle labels); its ring (max_radius)
 * has radius RING_PX around the centre. */
export const DIAL_W = 216;
export const DIAL_H = 184;
export const RING_PX = 70;
/** Arrow keys turn a circular dial by this many degrees (three times that with Shift). */
export const KEY_DEGREES = 5;

export const SCOPES = Object.freeze([
  { value: "rollout", label: "every rollout step from the last context step" },
  { value: "from", label: "every step from step t on" },
  { value: "once", label: "only at step t" },
]);
export const DIRECTIONS = Object.freeze([
  { value: "encoding", label: "model's encoding direction (causal)" },
  { value: "probe", label: "probe's pseudo-inverse (correlational)" },
]);

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM), exported for tests/js.

/**
 * An angle in degrees, wrapped into [0, 360).
 * @param {number} deg
 * @returns {number}
 */
export function wrapAngle(deg) {
  const a = deg % 360;
  return a < 0 ? a + 360 : a === 0 ? 0 : a; // no -0
}

/**
 * Snap to a multiple of `step` (no-op for step <= 0), with float noise removed.
 * @param {number} v
 * @param {number} step
 * @returns {number}
 */
export function snap(v, step) {
  if (!(step > 0)) return v;
  const k = Math.round(v / step);
  const decimals = Math.min(12, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
  return Number((k * step).toFixed(decimals));
}

/**
 * The circular dial's value under the pointer.
 * @param {number} dx px right of the dial's centre
 * @param {number} dy px below the dial's centre (screen y grows downwards)
 * @param {number} ringPx px from the centre to the ring (the ring is max_radius)
 * @param {number} maxRadius
 * @param {number} [step] radius step (0: a thousandth of maxRadius, far below a pixel, so
 *   that pressing the handle where it is gives back the same value)
 * @returns {Polar} angle in whole degrees [0, 360), 0 = right, 90 = up; radius in
 *   [0, maxRadius]
 */
export function polarAt(dx, dy, ringPx, maxRadius, step = 0) {
  const angle = wrapAngle(Math.round((Math.atan2(-dy, dx) * 180) / Math.PI));
  const frac = ringPx > 0 ? Math.min(1, Math.hypot(dx, dy) / ringPx) : 0;
  const q = step > 0 ? step : maxRadius / 1000;
  const radius = Math.min(maxRadius, Math.max(0, snap(frac * maxRadius, q)));
  return { angle: angle === 360 ? 0 : angle, radius };
}

/**
 * Where the handle of a polar value sits, in px from the dial's centre (y down).
 * @param {Polar} value
 * @param {number} ringPx
 * @param {number} maxRadius
 * @returns {[number, number]}
 */
export function handleAt(value, ringPx, maxRadius) {
  const frac = maxRadius > 0 ? Math.min(1, Math.max(0, value.radius / maxRadius)) : 0;
  const a = (value.angle * Math.PI) / 180;
  return [frac * ringPx * Math.cos(a), -frac * ringPx * Math.sin(a)];
}

/**
 * A vector [x, y] as {angle, radius} (the readout of a 2-D variable).
 * @param {ArrayLike<number>} v
 * @returns {Polar | null} null if not a finite 2-vector
 */
export function vectorToPolar(v) {
  if (!v || v.length !== 2) return null;
  const x = Number(v[0]);
  const y = Number(v[1]);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  return { angle: wrapAngle((Math.atan2(y, x) * 180) / Math.PI), radius: Math.hypot(x, y) };
}

/**
 * A polar value as a vector [x, y].
 * @param {Polar} p
 * @returns {[number, number]}
 */
export function polarToVector(p) {
  const a = (p.angle * Math.PI) / 180;
  return [p.radius * Math.cos(a), p.radius * Math.sin(a)];
}

/**
 * Whether a value is a usable polar value.
 * @param {any} v
 * @returns {v is Polar}
 */
export function isPolar(v) {
  return !!v && typeof v === "object" && Number.isFinite(Number(v.angle)) && Number.isFinite(Number(v.radius));
}

/**
 * A number for a label: as many decimals as `step` has (at most 6), else 3 significant
 * digits; "–" for a missing or non-finite value.
 * @param {any} v
 * @param {number} [step]
 * @returns {string}
 */
export function formatNumber(v, step = 0) {
  if (v === null || v === undefined || v === "" || !Number.isFinite(Number(v))) return "–";
  const x = Number(v);
  if (step > 0 && step < 1e6) {
    const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
    const s = x.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  }
  if (x === 0) return "0";
  const a = Math.abs(x);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
  return s;
}

/**
 * An angle for a label: whole degrees in [0, 360), e.g. "37°".
 * @param {number} deg
 * @returns {string}
 */
export function formatAngle(deg) {
  if (!Number.isFinite(deg)) return "–";
  const d = Math.round(wrapAngle(deg));
  return `${d === 360 ? 0 : d}°`;
}

/**
 * The text shown next to a dial for a value (or "off").
 * @param {Dial} dial
 * @param {Value | undefined} v
 * @returns {string}
 */
export function valueText(dial, v) {
  const unit = dial.unit ? ` ${dial.unit}` : "";
  if (v === null || v === undefined) return "off";
  if (dial.kind === "circular") {
    if (!isPolar(v)) return "off";
    return `${formatAngle(v.angle)} · r ${formatNumber(v.radius, dial.step)}${unit}`;
  }
  return `${formatNumber(v, dial.step)}${unit}`;
}

/**
 * The text for a dial's unedited value ("" if there is none).
 * @param {Dial} dial
 * @returns {string}
 */
export function readoutText(dial) {
  const r = dial.readout;
  if (r === null || r === undefined) return "";
  const unit = dial.unit ? ` ${dial.unit}` : "";
  if (dial.kind === "circular") {
    const p = Array.isArray(r) ? vectorToPolar(r) : null;
    return p ? `unedited ${formatAngle(p.angle)} · r ${formatNumber(p.radius, dial.step)}${unit}` : "";
  }
  return Number.isFinite(Number(r)) ? `unedited ${formatNumber(r, dial.step)}${unit}` : "";
}

/**
 * The value a dial starts from when it is turned on without a pointer (a key press):
 * its unedited value, else the middle of its range.
 * @param {Dial} dial
 * @returns {number | Polar}
 */
export function startValue(dial) {
  if (dial.kind === "circular") {
    const p = Array.isArray(dial.readout) ? vectorToPolar(dial.readout) : null;
    const maxR = Number(dial.max_radius) || 1;
    if (p) return { angle: Math.round(p.angle), radius: Math.min(maxR, snap(p.radius, dial.step)) };
    return { angle: 0, radius: maxR / 2 };
  }
  const r = Number(dial.readout);
  if (dial.readout !== null && dial.readout !== undefined && Number.isFinite(r)) {
    return Math.min(dial.max, Math.max(dial.min, r));
  }
  return (dial.min + dial.max) / 2;
}

/**
 * A circular dial's value after a key press, `undefined` for a key it does not handle.
 * Left / Right turn it counter-clockwise / clockwise (like a steering wheel) by
 * KEY_DEGREES (×3 with Shift); Up / Down lengthen / shorten it by one step (max_radius/20
 * without a step); Delete, Backspace and Escape turn it off; Enter and Space turn it on.
 * @param {Dial} dial
 * @param {Value | undefined} value
 * @param {string} key KeyboardEvent.key
 * @param {boolean} [shift]
 * @returns {Value | undefined}
 */
export function keyedPolar(dial, value, key, shift = false) {
  if (key === "Delete" || key === "Backspace" || key === "Escape") return value == null ? undefined : null;
  const keys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Enter", " "];
  if (!keys.includes(key)) return undefined;
  const cur = isPolar(value) ? { angle: Number(value.angle), radius: Number(value.radius) } : /** @type {Polar} */ (startValue(dial));
  if (key === "Enter" || key === " ") return isPolar(value) ? undefined : cur;
  const maxR = Number(dial.max_radius) || 1;
  const dr = (dial.step > 0 ? dial.step : maxR / 20) * (shift ? 3 : 1);
  const da = KEY_DEGREES * (shift ? 3 : 1);
  if (key === "ArrowLeft") return { angle: wrapAngle(cur.angle + da), radius: cur.radius };
  if (key === "ArrowRight") return { angle: wrapAngle(cur.angle - da), radius: cur.radius };
  const r = key === "ArrowUp" ? cur.radius + dr : cur.radius - dr;
  return { angle: cur.angle, radius: Math.min(maxR, Math.max(0, snap(r, dial.step))) };
}

/**
 * A copy of `values` with one dial's value replaced.
 * @param {Values | null | undefined} values
 * @param {string} id
 * @param {Value} v
 * @returns {Values}
 */
export function withValue(values, id, v) {
  return { ...(values || {}), [id]: v };
}

/**
 * Send values to Python (JS -> Python): one message.
 * @param {Model} model
 * @param {Values} values
 */
export function sendValues(model, values) {
  model.set("values", { ...values });
  model.save_changes();
}

/**
 * What the header says about when dial moves are sent.
 * @param {{get: (name: string) => any}} model
 * @returns {string}
 */
export function updateModeText(model) {
  const m = model.get("update_mode") || "live";
  if (m === "release") return "updates on release";
  if (m === "throttle") {
    const ms = Math.max(THROTTLE_MS, Number(model.get("throttle_ms")) || 0);
    return `throttled to ${Math.round(ms)} ms (round trip)`;
  }
  return "";
}

/**
 * The values being edited in this view, and their throttled way to Python.
 *
 * `edit` shows a new value at once (`values`) and sends through a leading + trailing
 * throttle; `commit` ends a gesture and always gets its final value to Python; while a
 * gesture is on (`begin` ... `commit`), values that Python sends (its echo of an older
 * message) do not move the handle back.
 * @param {Model} model
 * @param {{wait?: number, clock?: Clock, onSend?: (n: number) => void}} [opts]
 */
export function valueSender(model, opts = {}) {
  /** @type {Values | null} edited here and not yet confirmed by Python */
  let local = null;
  let active = false;
  let lastSent = "";
  let sent = 0;
  /** @returns {boolean} whether a message went out */
  const send = () => {
    if (!local) return false;
    const key = JSON.stringify(local);
    lastSent = key;
    if (key === JSON.stringify(model.get("values") ?? {})) return false; // Python has it
    sendValues(model, local); // fires change:values here, synchronously
    sent++;
    if (opts.onSend) opts.onSend(sent);
    return true;
  };
  const wait = () =>
    model.get("update_mode") === "throttle"
      ? Math.max(THROTTLE_MS, Number(model.get("throttle_ms")) || 0)
      : (opts.wait ?? THROTTLE_MS);
  const throttled = throttle(send, wait, opts.clock);
  return {
    /** @returns {Values} what the controls show */
    get values() {
      return local ?? model.get("values") ?? {};
    },
    /** @returns {number} messages sent */
    get sent() {
      return sent;
    },
    /** @returns {boolean} whether a gesture is on */
    get active() {
      return active;
    },
    /** A gesture (a drag) starts. */
    begin() {
      active = true;
    },
    /**
     * One dial's new value: shown at once, sent throttled.
     * @param {string} id
     * @param {Value} v
     */
    edit(id, v) {
      local = withValue(local ?? model.get("values"), id, v);
      if (model.get("update_mode") !== "release") throttled(); // "release": commit sends
    },
    /** The gesture ends: its final value reaches Python now. */
    commit() {
      if (!throttled.flush() && local && JSON.stringify(local) !== lastSent) send();
      local = null;
      active = false;
    },
    /** Drop what is pending (Python resets the values). */
    cancel() {
      throttled.cancel();
      local = null;
      active = false;
    },
    /** Python sent values: show them, unless a gesture is on or a send is pending. */
    fromPython() {
      if (!active && !throttled.pending()) local = null;
    },
  };
}

/**
 * The scope's first step from a typed value: an integer in [0, n_steps - 1].
 * @param {any} value
 * @param {number} nSteps
 * @param {number} fallback
 * @returns {number}
 */
export function clampStep(value, nSteps, fallback) {
  let t = Math.trunc(Number(value));
  if (value === "" || value === null || !Number.isFinite(t)) t = fallback;
  return Math.max(0, nSteps > 0 ? Math.min(nSteps - 1, t) : t);
}

/**
 * Fill in what a dial entry from Python may leave out.
 * @param {any} d
 * @returns {Dial}
 */
export function normalizeDial(d) {
  const kind = d && d.kind === "circular" ? "circular" : "slider";
  const min = Number.isFinite(Number(d?.min)) ? Number(d.min) : 0;
  const max = Number.isFinite(Number(d?.max)) && Number(d.max) > min ? Number(d.max) : min + 1;
  const dial = {
    id: String(d?.id ?? ""),
    label: String(d?.label ?? d?.id ?? ""),
    kind: /** @type {"slider" | "circular"} */ (kind),
    min,
    max,
    step: Number(d?.step) > 0 ? Number(d.step) : 0,
    readout: d?.readout ?? null,
    unit: d?.unit ? String(d.unit) : "",
  };
  if (kind === "circular") {
    const r = Number(d?.max_radius);
    return { ...dial, max_radius: r > 0 ? r : Math.max(Math.abs(min), Math.abs(max)) || 1 };
  }
  return dial;
}

// ---------------------------------------------------------------------------------------
// The view.

const CSS = `
.iwm-steering-dials {
  position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
  --iwm-edit: #e8700a; --iwm-muted: var(--jp-ui-font-color2, #666); --iwm-faint: var(--jp-ui-font-color3, #999);
}
.iwm-steering-dials [hidden] { display: none !important; }
.iwm-steering-dials .iwm-header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 6px; }
.iwm-steering-dials .iwm-title { font-weight: 600; }
.iwm-steering-dials .iwm-status { color: var(--iwm-muted); font-style: italic; }
.iwm-steering-dials .iwm-status.iwm-idle { visibility: hidden; }
.iwm-steering-dials .iwm-latency, .iwm-steering-dials .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; }
.iwm-steering-dials .iwm-latency { margin-left: auto; }
.iwm-steering-dials label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-steering-dials select, .iwm-steering-dials input[type="number"], .iwm-steering-dials button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px;
}
.iwm-steering-dials button { cursor: pointer; }
.iwm-steering-dials button:hover { background: var(--jp-layout-color2, #eee); }
.iwm-steering-dials input[type="number"] { width: 4.5em; }
.iwm-steering-dials .iwm-options, .iwm-steering-dials .iwm-actions { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 4px 0; }
.iwm-steering-dials .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
.iwm-steering-dials .iwm-body { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 12px 24px; transition: opacity 0.15s; }
.iwm-steering-dials.iwm-stale .iwm-rollout, .iwm-steering-dials.iwm-stale .iwm-lm { opacity: 0.4; }
.iwm-steering-dials .iwm-dials { display: flex; flex-direction: column; gap: 12px; min-width: 220px; max-width: 320px; }
.iwm-steering-dials .iwm-dial-head { display: flex; align-items: baseline; gap: 8px; }
.iwm-steering-dials .iwm-dial-label { font-weight: 600; }
.iwm-steering-dials .iwm-value { font-variant-numeric: tabular-nums; color: var(--iwm-edit); font-weight: 600; }
.iwm-steering-dials .iwm-dial.iwm-off .iwm-value { color: var(--iwm-muted); font-weight: normal; }
.iwm-steering-dials .iwm-off-button { margin-left: auto; font-size: 0.85em; padding: 0 6px; }
.iwm-steering-dials .iwm-readout { color: var(--iwm-muted); font-size: 0.9em; font-variant-numeric: tabular-nums; }
.iwm-steering-dials .iwm-dial-svg { display: block; touch-action: none; cursor: grab; user-select: none; }
.iwm-steering-dials .iwm-dial-svg:active { cursor: grabbing; }
.iwm-steering-dials .iwm-dial-svg:focus { outline: none; }
.iwm-steering-dials .iwm-dial-svg.iwm-keyboard:focus .iwm-ring { stroke: var(--jp-brand-color1, #1976d2); stroke-width: 2.5; }
.iwm-steering-dials .iwm-disc { fill: var(--jp-layout-color2, #f2f2f2); }
.iwm-steering-dials .iwm-ring { fill: none; stroke: var(--jp-border-color1, #999); stroke-width: 1.5; }
.iwm-steering-dials .iwm-grid { fill: none; stroke: var(--jp-border-color2, #ccc); stroke-width: 1; }
.iwm-steering-dials .iwm-tick-label { fill: var(--iwm-muted); font-size: 10px; }
.iwm-steering-dials .iwm-hint { fill: var(--iwm-muted); font-size: 10px; }
.iwm-steering-dials .iwm-centre { fill: var(--iwm-muted); }
.iwm-steering-dials .iwm-readout-mark { fill: none; stroke: var(--iwm-muted); stroke-width: 1.5; }
.iwm-steering-dials .iwm-readout-line { stroke: var(--iwm-faint); stroke-width: 1; stroke-dasharray: 3 3; }
.iwm-steering-dials .iwm-arm { stroke: var(--iwm-edit); stroke-width: 3; stroke-linecap: round; }
.iwm-steering-dials .iwm-handle { fill: var(--iwm-edit); stroke: #fff; stroke-width: 2; }
.iwm-steering-dials .iwm-slider { position: relative; padding-bottom: 8px; }
.iwm-steering-dials .iwm-range { width: 100%; margin: 4px 0 0 0; accent-color: var(--iwm-edit); }
.iwm-steering-dials .iwm-dial.iwm-off .iwm-range { accent-color: var(--iwm-faint); opacity: 0.6; }
.iwm-steering-dials .iwm-slider-tick {
  position: absolute; bottom: 0; width: 0; height: 0; transform: translateX(-5px);
  border-left: 5px solid transparent; border-right: 5px solid transparent; border-bottom: 7px solid var(--iwm-muted);
}
.iwm-steering-dials .iwm-range-ends { display: flex; justify-content: space-between; color: var(--iwm-faint); font-size: 0.85em; }
.iwm-steering-dials .iwm-rollout { position: relative; flex: 1 1 300px; max-width: 420px; min-width: 200px; transition: opacity 0.15s; }
.iwm-steering-dials .iwm-rollout-canvas { display: block; }
.iwm-steering-dials .iwm-lm { flex: 1 1 480px; max-width: 820px; transition: opacity 0.15s; }
.iwm-steering-dials .iwm-empty {
  display: flex; align-items: center; justify-content: center; height: 120px;
  color: var(--iwm-muted); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-steering-dials .iwm-legend { display: flex; flex-wrap: wrap; gap: 2px 14px; margin-top: 4px; font-size: 12px; }
.iwm-steering-dials .iwm-legend-item { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.iwm-steering-dials .iwm-swatch { display: inline-block; width: 22px; height: 0; }
.iwm-steering-dials .iwm-code { margin-top: 4px; }
.iwm-steering-dials .iwm-code summary { cursor: pointer; color: var(--iwm-muted); }
.iwm-steering-dials .iwm-code-text {
  box-sizing: border-box; width: 100%; min-height: 8em; margin-top: 4px; resize: vertical;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
  color: var(--jp-content-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb);
}
`;

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {Element} [parent]
 * @returns {any}
 */
function s(tag, attrs, parent) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

const EVENTS = [
  "dials", "values", "scope", "scope_start", "n_steps", "direction", "code", "rollout", "lm",
  "latency_ms", "error", "status", "generation", "update_mode", "throttle_ms",
];

/**
 * The DOM of one control and how to update it.
 * @typedef {object} Control
 * @property {Dial} dial
 * @property {HTMLElement} el
 * @property {(v: Value | undefined) => void} update
 * @property {() => void} dispose
 */

/**
 * @param {{model: Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const root = h("div", "iwm-steering-dials", el);
  h("style", "", root).textContent = CSS + LM_CSS + RUN_CSS;

  const header = h("div", "iwm-header", root);
  h("span", "iwm-title", header).textContent = "Steering dials";
  const status = statusBadge(header, "iwm-status iwm-idle");
  const run = runPanel(header, model);
  const mode = h("span", "iwm-update-mode", header);
  mode.title = "when a dial move is sent to Python";
  const latency = h("span", "iwm-latency", header);
  latency.title = "time Python took for the last re-run";
  const genBadge = generationBadge(header);

  const errorBox = makeErrorBox(root);

  const options = h("div", "iwm-options", root);
  const scopeLabel = h("label", "", options);
  scopeLabel.append("edit at");
  const scopeSelect = /** @type {HTMLSelectElement} */ (h("select", "iwm-scope", scopeLabel));
  fillSelect(scopeSelect, SCOPES);
  const startLabel = h("label", "iwm-scope-start-label", options);
  startLabel.append("t =");
  const startInput = /** @type {HTMLInputElement} */ (h("input", "iwm-scope-start", startLabel));
  startInput.type = "number";
  startInput.min = "0";
  startInput.step = "1";
  const dirLabel = h("label", "", options);
  dirLabel.append("along");
  const dirSelect = /** @type {HTMLSelectElement} */ (h("select", "iwm-direction", dirLabel));
  fillSelect(dirSelect, DIRECTIONS);

  const body = h("div", "iwm-body", root);
  const dialsBox = h("div", "iwm-dials", body);
  const rolloutBox = h("div", "iwm-rollout", body);
  const canvas = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-rollout-canvas", rolloutBox));
  canvas.setAttribute("role", "img");
  const empty = h("div", "iwm-empty", rolloutBox);
  empty.textContent = "no rollout yet";
  const legend = h("div", "iwm-legend", rolloutBox);
  const lmPanel = createLmPanel();
  body.appendChild(lmPanel.el);
  lmPanel.el.hidden = true;

  const actions = h("div", "iwm-actions", root);
  const resetButton = h("button", "iwm-reset", actions);
  resetButton.type = "button";
  resetButton.textContent = "Reset";
  resetButton.title = "turn every dial off (no edits)";
  const copyButton = h("button", "iwm-copy", actions);
  copyButton.type = "button";
  copyButton.textContent = "Copy as nnsight code";
  const details = /** @type {HTMLDetailsElement} */ (h("details", "iwm-code", root));
  h("summary", "", details).textContent = "nnsight code for these edits";
  const codeText = /** @type {HTMLTextAreaElement} */ (h("textarea", "iwm-code-text", details));
  codeText.readOnly = true;
  codeText.spellcheck = false;

  /** @type {string | null} the dial being dragged */
  let dragging = null;
  let renderCount = 0;
  let disposed = false;
  let rolloutDirty = true;
  let lmDirty = true;
  /** @type {ReturnType<typeof readLm>} */
  let lm = null;
  /** what the LM panel shows, to redraw it only when that changes */
  let lmKey = "";
  /** @type {ReturnType<typeof readSeries>} */
  let series = {};
  let localError = "";
  let lmError = "";
  let dialsKey = "";
  /** @type {Control[]} */
  let controls = [];
  let lastWidth = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let startTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let copiedTimer;

  const sender = valueSender(model, { onSend: (n) => (root.dataset.sent = String(n)) });
  /** @returns {Values} */
  const current = () => sender.values;

  /** Show a dial's new value at once; send it (throttled). */
  function edit(/** @type {string} */ id, /** @type {Value} */ v) {
    sender.edit(id, v);
    for (const c of controls) if (c.dial.id === id) c.update(v);
  }

  /** The end of a gesture: the final value always reaches Python. */
  function commit() {
    sender.commit();
    dragging = null;
  }

  // one draw after all trait changes of a message
  const schedule = drawScheduler(() => draw(), () => disposed);

  // ---- controls ------------------------------------------------------------------------
  /**
   * The head line of a control: label, value, an "off" button.
   * @param {Dial} dial
   * @param {HTMLElement} box
   */
  function head(dial, box) {
    const row = h("div", "iwm-dial-head", box);
    const name = h("span", "iwm-dial-label", row);
    name.textContent = dial.label;
    const value = h("span", "iwm-value", row);
    value.setAttribute("aria-live", "off");
    const off = h("button", "iwm-off-button", row);
    off.type = "button";
    off.textContent = "off";
    off.title = `turn ${dial.label} off (no edit)`;
    const onOff = () => {
      edit(dial.id, null);
      commit();
    };
    off.addEventListener("click", onOff);
    return { value, off, dispose: () => off.removeEventListener("click", onOff) };
  }

  /**
   * @param {Dial} dial
   * @returns {Control}
   */
  function circularControl(dial) {
    const box = h("div", "iwm-dial iwm-circular");
    box.dataset.id = dial.id;
    box.dataset.kind = "circular";
    const top = head(dial, box);
    const maxR = /** @type {number} */ (dial.max_radius);
    const svg = s("svg", {
      class: "iwm-dial-svg", width: DIAL_W, height: DIAL_H,
      viewBox: `${-DIAL_W / 2} ${-DIAL_H / 2} ${DIAL_W} ${DIAL_H}`, tabindex: 0, role: "slider",
      "aria-label": `${dial.label}: angle and radius`,
      "aria-keyshortcuts": "ArrowLeft ArrowRight ArrowUp ArrowDown Delete",
    }, box); // prettier-ignore
    svg.appendChild(document.createElementNS(SVG_NS, "title")).textContent =
      "drag to set direction and size; ←/→ turn, ↑/↓ resize, Delete turns off";
    s("circle", { class: "iwm-disc", r: RING_PX }, svg);
    s("circle", { class: "iwm-grid", r: RING_PX / 2, "stroke-dasharray": "2 3" }, svg);
    s("line", { class: "iwm-grid", x1: -RING_PX, y1: 0, x2: RING_PX, y2: 0 }, svg);
    s("line", { class: "iwm-grid", x1: 0, y1: -RING_PX, x2: 0, y2: RING_PX }, svg);
    for (let a = 0; a < 360; a += 30) {
      const r = (a * Math.PI) / 180;
      const [c, sn] = [Math.cos(r), -Math.sin(r)];
      s("line", { class: "iwm-ring", x1: c * RING_PX, y1: sn * RING_PX, x2: c * (RING_PX + 5), y2: sn * (RING_PX + 5) }, svg);
    }
    s("circle", { class: "iwm-ring", r: RING_PX }, svg);
    for (const [a, x, y, anchor] of /** @type {[number, number, number, string][]} */ ([
      [0, RING_PX + 8, 4, "start"],
      [90, 0, -RING_PX - 9, "middle"],
      [180, -RING_PX - 8, 4, "end"],
      [270, 0, RING_PX + 17, "middle"],
    ])) {
      const t = s("text", { class: "iwm-tick-label", x, y, "text-anchor": anchor }, svg);
      t.textContent = `${a}°`;
    }
    const readoutLine = s("line", { class: "iwm-readout-line", x1: 0, y1: 0 }, svg);
    const readoutMark = s("path", { class: "iwm-readout-mark" }, svg);
    const hint = s("text", { class: "iwm-hint", x: 0, y: RING_PX / 2 + 14, "text-anchor": "middle" }, svg);
    hint.textContent = "drag to steer";
    const arm = s("line", { class: "iwm-arm", x1: 0, y1: 0 }, svg);
    const handle = s("circle", { class: "iwm-handle", r: 7 }, svg);
    s("circle", { class: "iwm-centre", r: 2.5 }, svg);
    const readoutLine2 = h("div", "iwm-readout", box);
    readoutLine2.textContent = `${readoutText(dial)}${readoutText(dial) ? " · " : ""}max r ${formatNumber(maxR, dial.step)}`;

    const ro = Array.isArray(dial.readout) ? vectorToPolar(dial.readout) : null;
    if (ro) {
      const [x, y] = handleAt(ro, RING_PX, maxR);
      readoutLine.setAttribute("x2", String(x));
      readoutLine.setAttribute("y2", String(y));
      readoutMark.setAttribute("d", `M${x} ${y - 6}L${x + 6} ${y}L${x} ${y + 6}L${x - 6} ${y}Z`);
    } else {
      readoutLine.style.display = "none";
      readoutMark.style.display = "none";
    }

    /** @param {Value | undefined} v */
    function update(v) {
      const on = isPolar(v);
      box.classList.toggle("iwm-off", !on);
      top.value.textContent = valueText(dial, v);
      top.off.hidden = !on;
      arm.style.display = handle.style.display = on ? "" : "none";
      hint.style.display = on ? "none" : "";
      box.dataset.value = on ? JSON.stringify(v) : "null";
      if (on) {
        const [x, y] = handleAt(/** @type {Polar} */ (v), RING_PX, maxR);
        arm.setAttribute("x2", String(x));
        arm.setAttribute("y2", String(y));
        handle.setAttribute("cx", String(x));
        handle.setAttribute("cy", String(y));
      }
      svg.setAttribute("aria-valuetext", valueText(dial, v));
    }

    /** @param {PointerEvent} e */
    function valueAt(e) {
      const rect = svg.getBoundingClientRect();
      const ring = (RING_PX * rect.width) / DIAL_W;
      const dx = e.clientX - (rect.left + rect.width / 2);
      const dy = e.clientY - (rect.top + rect.height / 2);
      return polarAt(dx, dy, ring, maxR, dial.step);
    }
    /** @param {PointerEvent} e */
    function onDown(e) {
      if (e.button !== 0) return;
      e.preventDefault();
      // Focus for the arrow keys; the focus ring is for keyboard users only.
      svg.classList.remove("iwm-keyboard");
      byPointer = true;
      svg.focus({ preventScroll: true });
      byPointer = false;
      svg.setPointerCapture(e.pointerId);
      dragging = dial.id;
      sender.begin();
      edit(dial.id, valueAt(e));
    }
    /** @param {PointerEvent} e */
    function onMove(e) {
      if (dragging !== dial.id) return;
      edit(dial.id, valueAt(e));
    }
    /** @param {PointerEvent} e */
    function onUp(e) {
      if (dragging !== dial.id) return;
      if (e.type === "pointerup") edit(dial.id, valueAt(e));
      if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
      commit();
    }
    let byPointer = false;
    function onFocus() {
      if (!byPointer) svg.classList.add("iwm-keyboard"); // tabbed to
    }
    /** @param {KeyboardEvent} e */
    function onKey(e) {
      svg.classList.add("iwm-keyboard");
      const v = keyedPolar(dial, current()[dial.id], e.key, e.shiftKey);
      if (v === undefined) return;
      e.preventDefault();
      edit(dial.id, v);
    }
    function onKeyUp() {
      if (dragging === null) commit();
    }
    svg.addEventListener("pointerdown", onDown);
    svg.addEventListener("pointermove", onMove);
    svg.addEventListener("pointerup", onUp);
    svg.addEventListener("pointercancel", onUp);
    svg.addEventListener("keydown", onKey);
    svg.addEventListener("keyup", onKeyUp);
    svg.addEventListener("blur", onKeyUp);
    svg.addEventListener("focus", onFocus);
    return {
      dial,
      el: box,
      update,
      dispose() {
        top.dispose();
        svg.removeEventListener("pointerdown", onDown);
        svg.removeEventListener("pointermove", onMove);
        svg.removeEventListener("pointerup", onUp);
        svg.removeEventListener("pointercancel", onUp);
        svg.removeEventListener("keydown", onKey);
        svg.removeEventListener("keyup", onKeyUp);
        svg.removeEventListener("blur", onKeyUp);
        svg.removeEventListener("focus", onFocus);
      },
    };
  }

  /**
   * @param {Dial} dial
   * @returns {Control}
   */
  function sliderControl(dial) {
    const box = h("div", "iwm-dial iwm-slider-dial");
    box.dataset.id = dial.id;
    box.dataset.kind = "slider";
    const top = head(dial, box);
    const wrap = h("div", "iwm-slider", box);
    const range = /** @type {HTMLInputElement} */ (h("input", "iwm-range", wrap));
    range.type = "range";
    range.min = String(dial.min);
    range.max = String(dial.max);
    range.step = dial.step > 0 ? String(dial.step) : "any";
    range.setAttribute("aria-label", dial.label);
    const r = Number(dial.readout);
    if (dial.readout !== null && dial.readout !== undefined && Number.isFinite(r)) {
      const tick = h("span", "iwm-slider-tick", wrap);
      const frac = Math.min(1, Math.max(0, (r - dial.min) / (dial.max - dial.min)));
      // The thumb's centre runs from 8 px to width - 8 px in Chromium and Firefox.
      tick.style.left = `calc(8px + ${frac} * (100% - 16px))`;
      tick.title = readoutText(dial);
    }
    const ends = h("div", "iwm-range-ends", box);
    h("span", "", ends).textContent = formatNumber(dial.min, dial.step);
    h("span", "iwm-readout", ends).textContent = readoutText(dial);
    h("span", "", ends).textContent = formatNumber(dial.max, dial.step);

    /** @param {Value | undefined} v */
    function update(v) {
      const on = v !== null && v !== undefined && Number.isFinite(Number(v));
      box.classList.toggle("iwm-off", !on);
      top.value.textContent = valueText(dial, v);
      top.off.hidden = !on;
      box.dataset.value = on ? String(v) : "null";
      const shown = on ? Number(v) : /** @type {number} */ (startValue(dial));
      if (document.activeElement !== range || dragging !== dial.id) range.value = String(shown);
      range.setAttribute("aria-valuetext", valueText(dial, v));
    }
    function onInput() {
      dragging = dial.id;
      sender.begin();
      edit(dial.id, Number(range.value));
    }
    function onChange() {
      edit(dial.id, Number(range.value));
      commit();
    }
    range.addEventListener("input", onInput);
    range.addEventListener("change", onChange);
    return {
      dial,
      el: box,
      update,
      dispose() {
        top.dispose();
        range.removeEventListener("input", onInput);
        range.removeEventListener("change", onChange);
      },
    };
  }

  function buildControls() {
    const raw = model.get("dials") || [];
    const key = JSON.stringify(raw);
    if (key === dialsKey) return;
    dialsKey = key;
    for (const c of controls) c.dispose();
    controls = raw.map((/** @type {any} */ d) => {
      const dial = normalizeDial(d);
      return dial.kind === "circular" ? circularControl(dial) : sliderControl(dial);
    });
    dialsBox.replaceChildren(...controls.map((c) => c.el));
    if (!controls.length) h("div", "iwm-readout", dialsBox).textContent = "no dials";
  }

  // ---- drawing -------------------------------------------------------------------------
  function updateHeader() {
    const running = model.get("status") === "running";
    status.classList.toggle("iwm-idle", !running);
    const ms = Number(model.get("latency_ms"));
    latency.textContent = ms > 0 ? `re-run ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : "";
    mode.textContent = updateModeText(model);
    root.dataset.updateMode = model.get("update_mode") || "live";
    run.update();
    genBadge.textContent = generationText(model);
  }

  function updateError() {
    showError(root, errorBox, [model.get("error") || "", lm ? "" : localError, lmError]);
  }

  function updateOptions() {
    const scope = model.get("scope") || "rollout";
    scopeSelect.value = scope;
    startLabel.hidden = scope !== "from" && scope !== "once";
    const n = Number(model.get("n_steps")) || 0;
    startInput.max = n > 0 ? String(n - 1) : "";
    if (document.activeElement !== startInput) startInput.value = String(model.get("scope_start") ?? 0);
    dirSelect.value = model.get("direction") || "encoding";
    const code = model.get("code") || "";
    if (codeText.value !== code) codeText.value = code;
    copyButton.disabled = !code;
  }

  /**
   * The LM panel in place of the rollout canvas (a language model); redrawn when `lm` or
   * the edit scope changed.
   * @param {boolean} changed whether `lm` was just read
   */
  function drawLm(changed) {
    const scope = model.get("scope") || "rollout";
    const start = Number(model.get("scope_start")) || 0;
    const key = JSON.stringify([scope, start]);
    lmPanel.el.hidden = false;
    if (!changed && key === lmKey) return;
    lmKey = key;
    lmPanel.update({ lm, scope, scopeStart: start });
  }

  function drawCanvas() {
    const t0 = performance.now();
    const lmChanged = lmDirty;
    if (lmDirty) {
      lmDirty = false;
      try {
        lm = readLm(model.get("lm"));
        lmError = "";
      } catch (e) {
        lm = null; // an unreadable lm: fall back to the (empty) rollout view, with the error
        lmError = `cannot show the language model's predictions: ${/** @type {Error} */ (e).message}`;
      }
    }
    if (lm) {
      rolloutBox.hidden = true;
      drawLm(lmChanged);
      finishDraw(t0);
      return;
    }
    lmPanel.el.hidden = true;
    rolloutBox.hidden = false;
    if (rolloutDirty) {
      rolloutDirty = false;
      try {
        series = readSeries(model.get("rollout"));
        localError = "";
      } catch (e) {
        localError = `cannot draw the rollout: ${/** @type {Error} */ (e).message}`;
      }
      renderLegend(legend, series);
    }
    const has = Object.keys(series).length > 0;
    empty.hidden = has;
    canvas.hidden = !has;
    const width = Math.floor(Math.min(420, rolloutBox.clientWidth || 320));
    lastWidth = width;
    if (has && width > 0) {
      const size = width;
      const dpr = window.devicePixelRatio || 1;
      const W = Math.round(size * dpr);
      if (canvas.width !== W) canvas.width = W;
      if (canvas.height !== W) canvas.height = W;
      canvas.style.width = canvas.style.height = `${size}px`;
      const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const fam = getComputedStyle(root).fontFamily || "sans-serif";
      drawRollout(ctx, series, size, size, { theme: themeOf(root), font: `11px ${fam}` });
      canvas.setAttribute(
        "aria-label",
        `rollout in the unit box: ${Object.keys(series).join(", ")}`,
      );
    }
    finishDraw(t0);
  }

  /** The markers tests and benchmarks wait on. @param {number} t0 */
  function finishDraw(t0) {
    renderCount++;
    const ds = root.dataset;
    ds.renderCount = String(renderCount);
    ds.generation = String(model.get("generation") ?? 0);
    ds.series = lm ? "" : Object.keys(series).join(" ");
    ds.lm = lm ? "1" : "0";
    ds.drawMs = (performance.now() - t0).toFixed(2);
  }

  function draw() {
    buildControls();
    const values = current();
    for (const c of controls) c.update(values[c.dial.id]);
    updateHeader();
    updateOptions();
    drawCanvas();
    updateError(); // after drawing: it shows what drawing could not read
  }

  // ---- events --------------------------------------------------------------------------
  /** @type {[string, Function][]} */
  const handlers = EVENTS.map((name) => [
    `change:${name}`,
    () => {
      if (name === "rollout") rolloutDirty = true;
      if (name === "lm") lmDirty = true;
      // Python reset the values or loaded a preset: show them, unless a drag is on.
      if (name === "values") sender.fromPython();
      if (name === "status" || name === "error") {
        updateHeader();
        updateError();
      }
      schedule();
    },
  ]);
  for (const [event, cb] of handlers) model.on(event, cb);

  function onReset() {
    sender.cancel();
    dragging = null;
    model.send({ type: "reset" });
  }
  function onScope() {
    setTrait(model, "scope", scopeSelect.value);
    schedule();
  }
  function onDirection() {
    setTrait(model, "direction", dirSelect.value);
  }
  function commitStart() {
    clearTimeout(startTimer);
    if (startInput.value === "") return;
    const n = Number(model.get("n_steps")) || 0;
    const t = clampStep(startInput.value, n, Number(model.get("scope_start")) || 0);
    startInput.value = String(t);
    setTrait(model, "scope_start", t);
  }
  // Typing "12" should not re-run for "1" first: debounce, commit at once on Enter/blur.
  function onStartInput() {
    clearTimeout(startTimer);
    startTimer = setTimeout(commitStart, 400);
  }
  /** @param {KeyboardEvent} e */
  function onKeydown(e) {
    // Keys typed into our controls are ours, not JupyterLab's notebook shortcuts.
    e.stopPropagation();
    if (e.target === startInput && e.key === "Enter") commitStart();
  }

  async function onCopy() {
    const code = model.get("code") || "";
    codeText.value = code;
    let how = "";
    try {
      if (navigator.clipboard && window.isSecureContext) {
        // A denied permission may never settle: give up after a moment.
        await Promise.race([
          navigator.clipboard.writeText(code),
          new Promise((_, reject) => setTimeout(() => reject(new Error("clipboard timeout")), 1000)),
        ]);
        how = "clipboard";
      }
    } catch {
      how = "";
    }
    if (disposed) return;
    if (!how) {
      // No clipboard API (plain http, denied): copy from the selected text instead.
      details.open = true;
      codeText.focus();
      codeText.select();
      let ok = false;
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
      how = ok ? "selection" : "selected";
    }
    root.dataset.copied = how;
    copyButton.textContent = how === "selected" ? "Selected: press Ctrl+C" : "Copied ✓";
    clearTimeout(copiedTimer);
    copiedTimer = setTimeout(() => {
      copyButton.textContent = "Copy as nnsight code";
    }, 1500);
  }

  resetButton.addEventListener("click", onReset);
  copyButton.addEventListener("click", onCopy);
  scopeSelect.addEventListener("change", onScope);
  dirSelect.addEventListener("change", onDirection);
  startInput.addEventListener("change", commitStart);
  startInput.addEventListener("input", onStartInput);
  root.addEventListener("keydown", onKeydown);

  const ro = new ResizeObserver(() => {
    const w = Math.floor(Math.min(420, rolloutBox.clientWidth || 320));
    if (w !== lastWidth) schedule();
  });
  ro.observe(rolloutBox);

  root.dataset.sent = "0";
  draw();

  return () => {
    disposed = true;
    sender.cancel();
    ro.disconnect();
    for (const [event, cb] of handlers) model.off(event, cb);
    for (const c of controls) c.dispose();
    run.dispose();
    resetButton.removeEventListener("click", onReset);
    copyButton.removeEventListener("click", onCopy);
    scopeSelect.removeEventListener("change", onScope);
    dirSelect.removeEventListener("change", onDirection);
    startInput.removeEventListener("change", commitStart);
    startInput.removeEventListener("input", onStartInput);
    root.removeEventListener("keydown", onKeydown);
    clearTimeout(startTimer);
    clearTimeout(copiedTimer);
    canvas.width = canvas.height = 0;
    lmPanel.dispose();
    root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
