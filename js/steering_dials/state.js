// SteeringDials' state: the values being edited and their throttled way to Python, and
// what the view holds between draws.
//
// While a handle is dragged its value is drawn at once from local state, and sent to
// Python through a leading + trailing throttle (at most one message per THROTTLE_MS); the
// final value is always sent on release.

import { throttle } from "../shared/timing.js";
import { withValue } from "./values.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("../shared/timing.js").Clock} Clock */
/** @typedef {import("./values.js").Value} Value */
/** @typedef {import("./values.js").Values} Values */

/** At most one value message per this many ms while dragging. */
export const THROTTLE_MS = 30;

export const SCOPES = Object.freeze([
  { value: "rollout", label: "every rollout step from the last context step" },
  { value: "from", label: "every step from step t on" },
  { value: "once", label: "only at step t" },
]);
export const DIRECTIONS = Object.freeze([
  { value: "encoding", label: "model's encoding direction (causal)" },
  { value: "probe", label: "probe's pseudo-inverse (correlational)" },
]);

/**
 * What one view of the dials holds between draws.
 * @typedef {object} State
 * @property {string | null} dragging the dial being dragged
 * @property {boolean} rolloutDirty `rollout` changed: decode it at the next draw
 * @property {boolean} lmDirty `lm` changed: decode it at the next draw
 * @property {import("./lm_panel.js").Lm | null} lm the decoded `lm` (a language model), or null
 * @property {string} lmKey what the LM panel shows, to redraw it only when that changes
 * @property {import("./rollout.js").Series} series the decoded rollout
 * @property {string} localError the rollout could not be read
 * @property {string} lmError the `lm` trait could not be read
 * @property {number} lastWidth the rollout canvas' width at the last draw
 * @property {boolean} canvasStale the canvas must be repainted though the rollout did not
 *   change (its box was resized, the theme changed, it was hidden)
 * @property {number} renderCount
 * @property {boolean} disposed
 */

/** @returns {State} */
export function createState() {
  return {
    dragging: null,
    rolloutDirty: true,
    lmDirty: true,
    lm: null,
    lmKey: "",
    series: {},
    localError: "",
    lmError: "",
    lastWidth: 0,
    canvasStale: true,
    renderCount: 0,
    disposed: false,
  };
}

/**
 * Send values to Python (JS -> Python): one message.
 * @param {Pick<Model, "set" | "save_changes">} model
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
