// World-model trajectories on a canvas: the context, the model's predicted futures and the
// simulator's true ones, in the unit box [0, 1]² (SteeringDials draws it under its dials).
//
// A rollout is {context, factual, counterfactual, truth, truth_cf}, each a binary payload
// {buffer, dtype, shape: [n, 2]} of (x, y) positions (js/shared/transport.js decodes it) or null.
// The predicted series continue from the last context point, so each is drawn from there:
// where the model and the simulator part (at a wall, say) is where their lines diverge.
// y grows upwards, as in the simulator. The view is square (aspect 1:1) and shows the
// walls; it widens, still square, to keep positions that left the box in sight.

import { DEFAULT_THEME as SHARED_THEME } from "../shared/theme.js";
import { decode } from "../shared/transport.js";

/** @typedef {"context" | "factual" | "counterfactual" | "truth" | "truth_cf"} SeriesName */
/** @typedef {{data: Float32Array, n: number}} Points (x, y) pairs: data[2i], data[2i + 1] */
/** @typedef {Partial<Record<SeriesName, Points>>} Series */
/** @typedef {{xmin: number, xmax: number, ymin: number, ymax: number}} View */
/** @typedef {{view: View, scale: number, left: number, top: number, size: number}} Frame */

/**
 * How each series is drawn. Blue is "no edit", orange is "with the dials' edits"; solid is
 * the model, dashed the simulator. Colours read on light and dark backgrounds alike.
 * @type {Readonly<Record<SeriesName, {label: string, color: string, width: number, dash: number[]}>>}
 */
export const STYLES = Object.freeze({
  context: { label: "context (input)", color: "#8c8c8c", width: 1.5, dash: [] },
  factual: { label: "model, no edit", color: "#1f77b4", width: 2.25, dash: [] },
  counterfactual: { label: "model, with edits", color: "#ff7f0e", width: 2.5, dash: [] },
  truth: { label: "simulator", color: "#1f77b4", width: 1.75, dash: [6, 4] },
  truth_cf: { label: "simulator, edited velocity", color: "#ff7f0e", width: 1.75, dash: [6, 4] },
});

/** Draw order: context first, the edited model's prediction last (on top). */
export const SERIES_ORDER = /** @type {SeriesName[]} */ (["context", "truth", "truth_cf", "factual", "counterfactual"]);

/** Free space around the box, in box units, so the walls and the ball at a wall show. */
export const MARGIN = 0.06;
/** The view never extends beyond [-LIMIT, 1 + LIMIT] (a diverged rollout stays readable). */
export const LIMIT = 1;

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM), exported for tests/js.

/**
 * Decode one series payload into (x, y) points; null when absent or empty.
 * @param {any} payload {buffer, dtype, shape: [n, 2]} or null
 * @returns {Points | null}
 */
export function readPoints(payload) {
  if (!payload || !payload.buffer) return null;
  const { data, shape } = decode(payload);
  if (shape.length !== 2 || shape[1] !== 2) {
    throw new Error(`a trajectory must have shape [n, 2], got ${JSON.stringify(shape)}`);
  }
  if (shape[0] === 0) return null;
  return { data: data instanceof Float32Array ? data : Float32Array.from(data), n: shape[0] };
}

/**
 * Every series present in a rollout trait ({} when there is none).
 * @param {any} rollout
 * @returns {Series}
 */
export function readSeries(rollout) {
  /** @type {Series} */
  const out = {};
  if (!rollout || typeof rollout !== "object") return out;
  for (const name of SERIES_ORDER) {
    const p = readPoints(rollout[name]);
    if (p) out[name] = p;
  }
  return out;
}

/**
 * The legend: the series present, in a stable order, with their styles.
 * @param {Series} series
 * @returns {{name: SeriesName, label: string, color: string, dash: boolean}[]}
 */
export function legendItems(series) {
  const order = /** @type {SeriesName[]} */ (["context", "factual", "counterfactual", "truth", "truth_cf"]);
  return order
    .filter((name) => series[name])
    .map((name) => ({ name, label: STYLES[name].label, color: STYLES[name].color, dash: STYLES[name].dash.length > 0 }));
}

/**
 * The square region of the world to show: the box with a margin, widened (still square,
 * centred on the data) to include every finite point, never beyond [-LIMIT, 1 + LIMIT].
 * @param {Series} series
 * @returns {View}
 */
export function viewOf(series) {
  let xmin = -MARGIN;
  let xmax = 1 + MARGIN;
  let ymin = -MARGIN;
  let ymax = 1 + MARGIN;
  for (const name of SERIES_ORDER) {
    const p = series[name];
    if (!p) continue;
    for (let i = 0; i < p.n; i++) {
      const x = p.data[2 * i];
      const y = p.data[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xmin = Math.min(xmin, x - MARGIN);
      xmax = Math.max(xmax, x + MARGIN);
      ymin = Math.min(ymin, y - MARGIN);
      ymax = Math.max(ymax, y + MARGIN);
    }
  }
  xmin = Math.max(xmin, -LIMIT);
  ymin = Math.max(ymin, -LIMIT);
  xmax = Math.min(xmax, 1 + LIMIT);
  ymax = Math.min(ymax, 1 + LIMIT);
  // Square: grow the shorter side around its centre.
  const span = Math.max(xmax - xmin, ymax - ymin);
  const cx = (xmin + xmax) / 2;
  const cy = (ymin + ymax) / 2;
  return { xmin: cx - span / 2, xmax: cx + span / 2, ymin: cy - span / 2, ymax: cy + span / 2 };
}

/**
 * Fit a (square) view into a width × height area with `pad` px free on every side,
 * centred; one world unit is `scale` px on both axes.
 * @param {View} view
 * @param {number} width
 * @param {number} height
 * @param {number} [pad]
 * @returns {Frame}
 */
export function frameOf(view, width, height, pad = 0) {
  const spanX = view.xmax - view.xmin;
  const spanY = view.ymax - view.ymin;
  const scale = Math.max(0, Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY));
  const w = spanX * scale;
  const h = spanY * scale;
  return { view, scale, left: (width - w) / 2, top: (height - h) / 2, size: Math.min(w, h) };
}

/**
 * World (x, y) -> canvas (px, py), y up.
 * @param {Frame} f
 * @param {number} x
 * @param {number} y
 * @returns {[number, number]}
 */
export function toCanvas(f, x, y) {
  return [f.left + (x - f.view.xmin) * f.scale, f.top + (f.view.ymax - y) * f.scale];
}

/**
 * Canvas (px, py) -> world (x, y); the inverse of toCanvas.
 * @param {Frame} f
 * @param {number} px
 * @param {number} py
 * @returns {[number, number]}
 */
export function fromCanvas(f, px, py) {
  return [f.view.xmin + (px - f.left) / f.scale, f.view.ymax - (py - f.top) / f.scale];
}

/**
 * The polyline of a series in canvas coordinates, as runs of finite points (a NaN or
 * infinite position breaks the line). Predicted series start at `start` (the last
 * context point), so that they visibly branch from it.
 * @param {Frame} f
 * @param {Points} p
 * @param {[number, number] | null} [start] world point to prepend
 * @returns {number[][]} runs of [px0, py0, px1, py1, ...]
 */
export function canvasRuns(f, p, start = null) {
  /** @type {number[][]} */
  const runs = [];
  /** @type {number[]} */
  let run = [];
  const push = (/** @type {number} */ x, /** @type {number} */ y) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (run.length) runs.push(run);
      run = [];
      return;
    }
    const [px, py] = toCanvas(f, x, y);
    run.push(px, py);
  };
  if (start) push(start[0], start[1]);
  for (let i = 0; i < p.n; i++) push(p.data[2 * i], p.data[2 * i + 1]);
  if (run.length) runs.push(run);
  return runs;
}

/**
 * The last point of a series, or null if it is not finite.
 * @param {Points | undefined} p
 * @returns {[number, number] | null}
 */
export function lastPoint(p) {
  if (!p || p.n === 0) return null;
  const x = p.data[2 * p.n - 2];
  const y = p.data[2 * p.n - 1];
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

// ---------------------------------------------------------------------------------------
// Drawing.

/** @typedef {import("../shared/theme.js").Theme} Theme colours of the frame: fg, muted, wall, outside */

/** The rollout's colours where the page's theme sets none (js/shared/theme.js reads them). */
export const DEFAULT_THEME = Object.freeze({ ...SHARED_THEME, muted: "#777" });

/** Free space around the view, CSS px: room for the axes' ticks and titles. */
export const FRAME_PAD = 26;

/** The axes' titles: positions are in the simulator's box, one unit a wall's length. */
export const AXIS_TITLES = Object.freeze({ x: "x (box units)", y: "y (box units)" });

/**
 * The axes' text: the ticks 0 and 1 at the walls and the titles, under the box (x) and
 * left of it, turned (y); inside the box where the canvas has no room outside it.
 * @param {Frame} f
 * @param {number} width
 * @param {number} height
 * @returns {{text: string, x: number, y: number, align: CanvasTextAlign, baseline: CanvasTextBaseline, rotate: boolean}[]}
 */
export function axisLabels(f, width, height) {
  const [bx0, by1] = toCanvas(f, 0, 0);
  const [bx1, by0] = toCanvas(f, 1, 1);
  const below = by1 + 3 <= height - 12 ? by1 + 3 : by1 - 14;
  const left = bx0 - 4 >= 12 ? bx0 - 4 : bx0 + 14;
  return [
    { text: "0", x: bx0 + 3, y: below, align: "left", baseline: "top", rotate: false },
    { text: "1", x: bx1 - 3, y: below, align: "right", baseline: "top", rotate: false },
    { text: AXIS_TITLES.x, x: (bx0 + bx1) / 2, y: below, align: "center", baseline: "top", rotate: false },
    { text: "1", x: Math.max(1, bx0 - 10), y: by0 + 11, align: "left", baseline: "bottom", rotate: false },
    { text: AXIS_TITLES.y, x: left, y: (by0 + by1) / 2, align: "center", baseline: "bottom", rotate: true },
  ];
}

/**
 * Draw a rollout into a 2-D context of CSS size width × height (the caller sets the
 * device-pixel transform). Returns the frame, for hit testing.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Series} series
 * @param {number} width
 * @param {number} height
 * @param {{theme?: Readonly<Theme>, font?: string}} [opts]
 * @returns {Frame}
 */
export function drawRollout(ctx, series, width, height, opts = {}) {
  const theme = opts.theme ?? DEFAULT_THEME;
  const font = opts.font ?? "11px sans-serif";
  const f = frameOf(viewOf(series), width, height, FRAME_PAD);
  ctx.clearRect(0, 0, width, height);

  // Outside the walls: faintly shaded; the walls: a solid square.
  const [bx0, by1] = toCanvas(f, 0, 0);
  const [bx1, by0] = toCanvas(f, 1, 1);
  ctx.save();
  ctx.fillStyle = theme.outside;
  ctx.fillRect(f.left, f.top, f.size, f.size);
  ctx.clearRect(bx0, by0, bx1 - bx0, by1 - by0);
  ctx.strokeStyle = theme.wall;
  ctx.lineWidth = 2;
  ctx.strokeRect(bx0, by0, bx1 - bx0, by1 - by0);
  // The axes' ticks and titles, in the theme's text colour (light on a dark theme).
  for (const t of axisLabels(f, width, height)) {
    ctx.save();
    ctx.fillStyle = theme.fg;
    ctx.font = font;
    ctx.textAlign = t.align;
    ctx.textBaseline = t.baseline;
    ctx.translate(t.x, t.y);
    if (t.rotate) ctx.rotate(-Math.PI / 2);
    ctx.fillText(t.text, 0, 0);
    ctx.restore();
  }
  ctx.restore();

  // Everything else is clipped to the view.
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.size, f.size);
  ctx.clip();
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  const origin = lastPoint(series.context);
  for (const name of SERIES_ORDER) {
    const p = series[name];
    if (!p) continue;
    const style = STYLES[name];
    const runs = canvasRuns(f, p, name === "context" ? null : origin);
    ctx.strokeStyle = style.color;
    ctx.lineWidth = style.width;
    ctx.setLineDash(style.dash);
    for (const run of runs) {
      ctx.beginPath();
      ctx.moveTo(run[0], run[1]);
      for (let i = 2; i < run.length; i += 2) ctx.lineTo(run[i], run[i + 1]);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (name === "context") {
      drawContextDots(ctx, f, p, style.color, theme);
    } else {
      // The first predicted step: filled for the model, hollow for the simulator.
      const x = p.data[0];
      const y = p.data[1];
      if (Number.isFinite(x) && Number.isFinite(y)) {
        const [px, py] = toCanvas(f, x, y);
        ctx.beginPath();
        ctx.arc(px, py, style.dash.length ? 4 : 3.5, 0, 2 * Math.PI);
        if (style.dash.length) {
          ctx.fillStyle = "#fff";
          ctx.fill();
          ctx.lineWidth = 1.75;
          ctx.strokeStyle = style.color;
          ctx.stroke();
        } else {
          ctx.fillStyle = style.color;
          ctx.fill();
          ctx.lineWidth = 1;
          ctx.strokeStyle = "#fff";
          ctx.stroke();
        }
      }
    }
  }
  ctx.restore();
  return f;
}

/**
 * Dots on every context point; the last one (where the prediction starts) emphasised.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Frame} f
 * @param {Points} p
 * @param {string} color
 * @param {Theme} theme
 */
function drawContextDots(ctx, f, p, color, theme) {
  ctx.fillStyle = color;
  for (let i = 0; i < p.n - 1; i++) {
    const x = p.data[2 * i];
    const y = p.data[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const [px, py] = toCanvas(f, x, y);
    ctx.beginPath();
    ctx.arc(px, py, 2, 0, 2 * Math.PI);
    ctx.fill();
  }
  const last = lastPoint(p);
  if (!last) return;
  const [px, py] = toCanvas(f, last[0], last[1]);
  ctx.beginPath();
  ctx.arc(px, py, 5, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = theme.fg;
  ctx.stroke();
}

/**
 * Fill a legend element with one entry per series present (a line swatch and a label).
 * @param {HTMLElement} el
 * @param {Series} series
 */
export function renderLegend(el, series) {
  el.replaceChildren(
    ...legendItems(series).map((item) => {
      const entry = document.createElement("span");
      entry.className = "iwm-legend-item";
      entry.dataset.series = item.name;
      const swatch = document.createElement("span");
      swatch.className = "iwm-swatch";
      swatch.style.borderTop = `${item.name === "counterfactual" ? 3 : 2}px ${item.dash ? "dashed" : "solid"} ${item.color}`;
      entry.append(swatch, item.label);
      return entry;
    }),
  );
}
