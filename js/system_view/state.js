// SystemView's state: the decoded trajectories, the box as drawn (world <-> canvas), the
// points the pointer can hover and their tooltips, and the dial's geometry. Pure helpers
// (no DOM), exported for tests/js/system_view.test.mjs.

import { formatValue } from "../shared/format.js";
import { decode } from "../shared/transport.js";

/** @typedef {{data: Float32Array, steps: number, n: number}} Frames positions [steps, N, 2] */
/** @typedef {"context" | "model_future" | "model_cf" | "sim_future" | "sim_cf"} SeriesName */
/** @typedef {{left: number, top: number, size: number, lo: number, hi: number}} Box the square [lo, hi]² of the world, drawn at (left, top), size px */
/**
 * A point the pointer can hover: particle i at one step of one series.
 * @typedef {{particle: number, series: SeriesName | "now", step: number, x: number, y: number, vx: number, vy: number, px: number, py: number}} Target
 */

/** Free space around the unit box (box units), so particles at a wall show whole. */
export const MARGIN = 0.05;
/** What each series is called in the tooltip and the legend. */
export const SERIES_LABEL = Object.freeze({
  now: "last input step",
  context: "input",
  model_future: "model's rollout",
  model_cf: "model's rollout, dial's edit",
  sim_future: "simulator",
  sim_cf: "simulator, dial's velocity",
});
/** Colour of a particle with no colour sent. */
export const FALLBACK_COLOR = "#7f7f7f";

/**
 * Decode a payload of frames [steps, N, 2]; null when absent or empty.
 * @param {any} payload
 * @param {number} [n] the number of particles it must have
 * @returns {Frames | null}
 */
export function readFrames(payload, n) {
  if (!payload || !payload.buffer) return null;
  const { data, shape } = decode(payload);
  if (shape.length !== 3 || shape[2] !== 2 || (n !== undefined && shape[1] !== n)) {
    throw new Error(`trajectories must have shape [steps, ${n ?? "N"}, 2], got [${shape.join(", ")}]`);
  }
  if (shape[0] === 0) return null;
  return { data: data instanceof Float32Array ? data : Float32Array.from(data), steps: shape[0], n: shape[1] };
}

/**
 * Position of particle i at step t.
 * @param {Frames} f
 * @param {number} t
 * @param {number} i
 * @returns {[number, number]}
 */
export function at(f, t, i) {
  const o = (t * f.n + i) * 2;
  return [f.data[o], f.data[o + 1]];
}

/**
 * Everything the view draws, decoded from the model.
 * @typedef {object} Data
 * @property {number} n
 * @property {Frames | null} context
 * @property {Float32Array | null} velocity [N, 2]
 * @property {Partial<Record<SeriesName, Frames>>} series the futures present
 * @property {string[]} colors
 * @property {number[][]} springs
 */

/**
 * Decode the traits; throws with a readable message on a bad payload.
 * @param {{get: (name: string) => any}} model
 * @returns {Data}
 */
export function readData(model) {
  const n = Math.max(0, Math.trunc(Number(model.get("n_particles")) || 0));
  const context = readFrames(model.get("context"), n);
  /** @type {Partial<Record<SeriesName, Frames>>} */
  const series = {};
  for (const name of /** @type {SeriesName[]} */ (["model_future", "sim_future", "model_cf", "sim_cf"])) {
    const f = readFrames(model.get(name), n);
    if (f) series[name] = f;
  }
  const v = model.get("velocity");
  let velocity = null;
  if (v && v.buffer) {
    const d = decode(v);
    if (d.shape.length !== 2 || d.shape[0] !== n || d.shape[1] !== 2) throw new Error(`velocity must have shape [${n}, 2], got [${d.shape.join(", ")}]`);
    velocity = Float32Array.from(d.data);
  }
  const colors = Array.isArray(model.get("colors")) ? model.get("colors").map(String) : [];
  const springs = (Array.isArray(model.get("springs")) ? model.get("springs") : []).filter(
    (/** @type {any} */ s) => Array.isArray(s) && s.length === 2 && s.every((k) => Number.isInteger(k) && k >= 0 && k < n) && s[0] !== s[1],
  );
  return { n, context, velocity, series, colors, springs };
}

/**
 * Colour of particle i: the one Python sent when it is a #rgb / #rrggbb colour.
 * @param {string[]} colors
 * @param {number} i
 * @returns {string}
 */
export function particleColor(colors, i) {
  const c = colors[i];
  return typeof c === "string" && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c) ? c : FALLBACK_COLOR;
}

/**
 * The square box drawn in a plot of width × height px: [lo, hi]² with lo = -MARGIN,
 * hi = 1 + MARGIN, widened to keep finite points that left the box (never past ±1).
 * @param {number} width
 * @param {number} height
 * @param {(Frames | null | undefined)[]} frames
 * @returns {Box}
 */
export function boxOf(width, height, frames) {
  let lo = -MARGIN;
  let hi = 1 + MARGIN;
  for (const f of frames) {
    if (!f) continue;
    for (const v of f.data) if (Number.isFinite(v)) (lo = Math.min(lo, v - MARGIN)), (hi = Math.max(hi, v + MARGIN));
  }
  lo = Math.max(lo, -1);
  hi = Math.min(hi, 2);
  const size = Math.max(0, Math.min(width, height));
  return { left: (width - size) / 2, top: (height - size) / 2, size, lo, hi };
}

/**
 * World (x, y), y up -> canvas (px, py), y down.
 * @param {Box} b
 * @param {number} x
 * @param {number} y
 * @returns {[number, number]}
 */
export function toCanvas(b, x, y) {
  const s = b.size / (b.hi - b.lo);
  return [b.left + (x - b.lo) * s, b.top + (b.hi - y) * s];
}

/**
 * Canvas (px, py) -> world (x, y); the inverse of toCanvas.
 * @param {Box} b
 * @param {number} px
 * @param {number} py
 * @returns {[number, number]}
 */
export function fromCanvas(b, px, py) {
  const s = b.size / (b.hi - b.lo);
  return [b.lo + (px - b.left) / s, b.hi - (py - b.top) / s];
}

/**
 * The points the pointer can hover: every particle where the input leaves it ("now",
 * with the velocity Python sent) and every step of every future present (velocity: the
 * displacement from the step before).
 * @param {Data} d
 * @param {Box} b
 * @returns {Target[]}
 */
export function targets(d, b) {
  /** @type {Target[]} */
  const out = [];
  const ctx = d.context;
  if (!ctx) return out;
  const last = ctx.steps - 1;
  for (let i = 0; i < d.n; i++) {
    const [x, y] = at(ctx, last, i);
    const [px, py] = toCanvas(b, x, y);
    const vx = d.velocity ? d.velocity[2 * i] : last > 0 ? x - at(ctx, last - 1, i)[0] : NaN;
    const vy = d.velocity ? d.velocity[2 * i + 1] : last > 0 ? y - at(ctx, last - 1, i)[1] : NaN;
    out.push({ particle: i, series: "now", step: last, x, y, vx, vy, px, py });
  }
  for (const name of /** @type {SeriesName[]} */ (["model_cf", "sim_cf", "model_future", "sim_future"])) {
    const f = d.series[name];
    if (!f) continue;
    for (let t = 0; t < f.steps; t++) {
      for (let i = 0; i < d.n; i++) {
        const [x, y] = at(f, t, i);
        const [x0, y0] = t > 0 ? at(f, t - 1, i) : at(ctx, last, i);
        const [px, py] = toCanvas(b, x, y);
        out.push({ particle: i, series: name, step: last + 1 + t, x, y, vx: x - x0, vy: y - y0, px, py });
      }
    }
  }
  return out;
}

/** A particle's dot (drawn on top of the paths) catches the pointer this far (CSS px). */
export const DOT_REACH = 8;

/**
 * The target under (px, py): a particle's dot within DOT_REACH px (drawn on top, it wins
 * over the paths under it), else the nearest path point within `reach` px.
 * @param {Target[]} ts
 * @param {number} px
 * @param {number} py
 * @param {number} [reach]
 * @returns {Target | null}
 */
export function nearest(ts, px, py, reach = 8) {
  let best = null;
  let bestD = DOT_REACH;
  for (const t of ts) {
    if (t.series !== "now") continue;
    const dd = Math.hypot(t.px - px, t.py - py);
    if (dd < bestD) {
      bestD = dd;
      best = t;
    }
  }
  if (best) return best;
  bestD = reach;
  for (const t of ts) {
    const dd = Math.hypot(t.px - px, t.py - py);
    if (dd < bestD) {
      bestD = dd;
      best = t;
    }
  }
  return best;
}

/**
 * The tooltip of a target.
 * @param {Target} t
 * @param {string} velocitySource "simulator" or "displacement"
 * @returns {import("../shared/tooltip.js").TooltipLine[]}
 */
export function tooltipLines(t, velocitySource = "") {
  const vWhat = t.series === "now" ? (velocitySource === "simulator" ? "velocity (simulator)" : "velocity (last step)") : "velocity (step)";
  return [
    ["particle", String(t.particle)],
    ["", `${SERIES_LABEL[t.series]}, step ${t.step}`],
    ["position", `(${formatValue(t.x)}, ${formatValue(t.y)})`],
    [vWhat, `(${formatValue(t.vx)}, ${formatValue(t.vy)})`],
  ];
}

/**
 * The dial's value for a pointer at (dx, dy) px from its centre (y down), radius px:
 * a velocity (vx, vy), y up, no faster than `max`.
 * @param {number} dx
 * @param {number} dy
 * @param {number} radius
 * @param {number} max
 * @returns {{vx: number, vy: number}}
 */
export function dialValue(dx, dy, radius, max) {
  let vx = (dx / radius) * max;
  let vy = (-dy / radius) * max;
  const s = Math.hypot(vx, vy);
  if (s > max && s > 0) {
    vx *= max / s;
    vy *= max / s;
  }
  const r = (/** @type {number} */ v) => Math.round(v * 1e5) / 1e5 + 0; // + 0: no -0
  return { vx: r(vx), vy: r(vy) };
}

/**
 * Where the dial's knob sits (px from its centre, y down) for a velocity.
 * @param {number} vx
 * @param {number} vy
 * @param {number} radius
 * @param {number} max
 * @returns {[number, number]}
 */
export function dialKnob(vx, vy, radius, max) {
  const m = max > 0 ? max : 1;
  let kx = (vx / m) * radius;
  let ky = (-vy / m) * radius;
  const s = Math.hypot(kx, ky);
  if (s > radius) {
    kx *= radius / s;
    ky *= radius / s;
  }
  return [kx, ky];
}

/**
 * The dial's velocity, if it is on: {vx, vy} with finite numbers, else null.
 * @param {any} dial
 * @returns {{vx: number, vy: number} | null}
 */
export function dialOn(dial) {
  if (!dial || typeof dial !== "object") return null;
  const vx = Number(dial.vx);
  const vy = Number(dial.vy);
  return Number.isFinite(vx) && Number.isFinite(vy) && "vx" in dial && "vy" in dial ? { vx, vy } : null;
}

/**
 * The points of a zigzag spring between two canvas points (`turns` zigs, `amp` px wide).
 * @param {number} x0
 * @param {number} y0
 * @param {number} x1
 * @param {number} y1
 * @param {number} [turns]
 * @param {number} [amp]
 * @returns {number[]} x, y pairs
 */
export function springPath(x0, y0, x1, y1, turns = 8, amp = 4) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy);
  if (!(len > 0)) return [x0, y0, x1, y1];
  const nx = -dy / len;
  const ny = dx / len;
  const pts = [x0, y0];
  const lead = 0.12;
  pts.push(x0 + dx * lead, y0 + dy * lead);
  for (let k = 1; k < 2 * turns; k++) {
    const t = lead + ((1 - 2 * lead) * k) / (2 * turns);
    const s = k % 2 ? amp : -amp;
    pts.push(x0 + dx * t + nx * s, y0 + dy * t + ny * s);
  }
  pts.push(x0 + dx * (1 - lead), y0 + dy * (1 - lead), x1, y1);
  return pts;
}
