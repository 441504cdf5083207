// Drawing SteeringDials: the header's badges, and what the dials steer: the rollout (the
// context, the model's prediction without (blue) and with (orange) the edits, and the
// simulator's, dashed) or, for a language model, the LM panel in its place.

import { generationText } from "../shared/controls.js";
import { fitCanvas, showError } from "../shared/dom.js";
import { themeOf } from "../shared/theme.js";
import { readLm } from "./lm_panel.js";
import { DEFAULT_THEME, drawRollout, readSeries, renderLegend, toCanvas } from "./rollout.js";
import { updateModeText } from "./state.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/** The rollout canvas is square, this wide at most (CSS px). */
export const ROLLOUT_MAX_PX = 420;

/**
 * The rollout canvas' width for its box.
 * @param {View} view
 * @returns {number}
 */
export function rolloutWidth(view) {
  return Math.floor(Math.min(ROLLOUT_MAX_PX, view.rolloutBox.clientWidth || 320));
}

/**
 * The header: running, update mode, latency of the last re-run, run panel, generation.
 * @param {View} view
 * @param {Model} model
 */
export function paintHeader(view, model) {
  const running = model.get("status") === "running";
  view.status.classList.toggle("iwm-idle", !running);
  const ms = Number(model.get("latency_ms"));
  view.latency.textContent = ms > 0 ? `re-run ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : "";
  view.mode.textContent = updateModeText(model);
  view.root.dataset.updateMode = model.get("update_mode") || "live";
  view.run.update();
  view.genBadge.textContent = generationText(model);
}

/**
 * The error box: Python's error, and what drawing could not read.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 */
export function paintError(state, view, model) {
  showError(view.root, view.errors, [model.get("error") || "", state.lm ? "" : state.localError, state.lmError]);
}

/**
 * The rollout, or the LM panel for a language model.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 */
export function paintResult(state, view, model) {
  const t0 = performance.now();
  const lmChanged = state.lmDirty;
  if (state.lmDirty) {
    state.lmDirty = false;
    try {
      state.lm = readLm(model.get("lm"));
      state.lmError = "";
    } catch (e) {
      state.lm = null; // an unreadable lm: fall back to the (empty) rollout view, with the error
      state.lmError = `cannot show the language model's predictions: ${/** @type {Error} */ (e).message}`;
    }
  }
  if (state.lm) {
    view.rolloutBox.hidden = true;
    state.canvasStale = true;
    paintLm(state, view, model, lmChanged);
    finishDraw(state, view, model, t0);
    return;
  }
  view.lmPanel.el.hidden = true;
  view.rolloutBox.hidden = false;
  // Most messages change no input of the canvas (the run's status, a value's echo): then
  // it is not repainted, and no layout is read (a read after the dials' own changes
  // forced one: 1.5 ms a message while dragging, measured).
  let repaint = state.canvasStale;
  if (state.rolloutDirty) {
    repaint = true;
    state.rolloutDirty = false;
    try {
      state.series = readSeries(model.get("rollout"));
      state.localError = "";
    } catch (e) {
      state.localError = `cannot draw the rollout: ${/** @type {Error} */ (e).message}`;
    }
    renderLegend(view.legend, state.series);
  }
  const { series } = state;
  const has = Object.keys(series).length > 0;
  view.empty.hidden = has;
  view.canvas.hidden = !has;
  if (!repaint) {
    finishDraw(state, view, model, t0);
    return;
  }
  const size = rolloutWidth(view);
  state.lastWidth = size;
  state.canvasStale = false;
  if (has && size > 0) {
    const { ctx } = fitCanvas(view.canvas, size, size);
    const fam = getComputedStyle(view.root).fontFamily || "sans-serif";
    const theme = themeOf(view.root, DEFAULT_THEME);
    const f = drawRollout(ctx, series, size, size, { theme, font: `11px ${fam}` });
    const [bx0, by1] = toCanvas(f, 0, 0);
    const [bx1, by0] = toCanvas(f, 1, 1);
    view.rolloutBox.dataset.box = [bx0, by0, bx1, by1].map((v) => v.toFixed(1)).join(","); // the walls, CSS px
    view.rolloutBox.dataset.axisColor = theme.fg;
    view.canvas.setAttribute("aria-label", `rollout in the unit box: ${Object.keys(series).join(", ")}`);
  }
  finishDraw(state, view, model, t0);
}

/**
 * The LM panel in place of the rollout canvas (a language model); redrawn when `lm` or
 * the edit scope changed.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @param {boolean} changed whether `lm` was just read
 */
function paintLm(state, view, model, changed) {
  const scope = model.get("scope") || "rollout";
  const start = Number(model.get("scope_start")) || 0;
  const key = JSON.stringify([scope, start]);
  view.lmPanel.el.hidden = false;
  if (!changed && key === state.lmKey) return;
  state.lmKey = key;
  view.lmPanel.update({ lm: state.lm, scope, scopeStart: start });
}

/**
 * The markers tests and benchmarks wait on.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @param {number} t0
 */
function finishDraw(state, view, model, t0) {
  state.renderCount++;
  const ds = view.root.dataset;
  ds.renderCount = String(state.renderCount);
  ds.generation = String(model.get("generation") ?? 0);
  ds.series = state.lm ? "" : Object.keys(state.series).join(" ");
  ds.lm = state.lm ? "1" : "0";
  ds.drawMs = (performance.now() - t0).toFixed(2);
}
