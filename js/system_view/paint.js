// Painting SystemView: the box, the springs (when revealed), every particle's input path,
// the futures (model solid, simulator dashed; faint under the dial's counterfactuals), the
// particles with their numbers, the dial and its readout, the legend.

import { fillSelect, generationText } from "../shared/controls.js";
import { fitCanvas, showError } from "../shared/dom.js";
import { formatValue } from "../shared/format.js";
import { EDIT_COLOR, themeOf } from "../shared/theme.js";
import { at, boxOf, dialKnob, dialOn, particleColor, springPath, toCanvas } from "./state.js";
import { DIAL_RADIUS, DIAL_SIZE } from "./view.js";

/** @typedef {import("./state.js").Data} Data */
/** @typedef {import("./state.js").Box} Box */
/** @typedef {import("./state.js").Frames} Frames */
/** @typedef {import("./view.js").View} View */
/** @typedef {import("../shared/model.js").Model} Model */

/** Particle dot radius (CSS px). */
export const DOT = 6;
/** The largest plot side (CSS px). */
export const MAX_SIDE = 520;

/**
 * How a future is drawn: with the dial on, the unedited futures fade under the edited.
 * @param {"model_future" | "sim_future" | "model_cf" | "sim_cf"} name
 * @param {boolean} edited whether a counterfactual is present
 * @returns {{width: number, dash: number[], alpha: number}}
 */
export function futureStyle(name, edited) {
  switch (name) {
    case "model_future":
      return { width: 2, dash: [], alpha: edited ? 0.3 : 1 };
    case "sim_future":
      return { width: 1.5, dash: [6, 4], alpha: edited ? 0.3 : 0.95 };
    case "model_cf":
      return { width: 3, dash: [], alpha: 1 };
    default:
      return { width: 2.25, dash: [6, 4], alpha: 1 };
  }
}

/**
 * Stroke particle i's path through frames (from a start point, if given).
 * @param {CanvasRenderingContext2D} ctx
 * @param {Box} b
 * @param {Frames} f
 * @param {number} i
 * @param {[number, number] | null} from
 */
function strokePath(ctx, b, f, i, from) {
  ctx.beginPath();
  let started = false;
  if (from) {
    ctx.moveTo(...toCanvas(b, from[0], from[1]));
    started = true;
  }
  for (let t = 0; t < f.steps; t++) {
    const [x, y] = at(f, t, i);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const [px, py] = toCanvas(b, x, y);
    if (started) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    started = true;
  }
  ctx.stroke();
}

/**
 * Paint the box, springs, paths and particles.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Data} d
 * @param {Box} b
 * @param {{theme: import("../shared/theme.js").Theme, particle: number, dial: {vx: number, vy: number} | null, hover: import("./state.js").Target | null, width: number, height: number}} o
 */
export function paintBox(ctx, d, b, o) {
  const { theme } = o;
  ctx.clearRect(0, 0, o.width, o.height);
  ctx.save();
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  // outside the walls, shaded; the walls
  const [x0, y0] = toCanvas(b, 0, 1);
  const [x1, y1] = toCanvas(b, 1, 0);
  // the shade around the box only: inside it the page's own background shows (any theme)
  ctx.fillStyle = theme.outside;
  ctx.beginPath();
  ctx.rect(b.left, b.top, b.size, b.size);
  ctx.rect(x0, y1, x1 - x0, y0 - y1); // opposite winding: a hole
  ctx.fill("evenodd");
  ctx.strokeStyle = theme.wall;
  ctx.lineWidth = 1.5;
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  const ctxF = d.context;
  if (!ctxF) {
    ctx.restore();
    return;
  }
  const last = ctxF.steps - 1;
  // springs between where the particles are now
  ctx.strokeStyle = theme.muted;
  ctx.lineWidth = 1.5;
  for (const [i, j] of d.springs) {
    const [ax, ay] = toCanvas(b, ...at(ctxF, last, i));
    const [bx, by] = toCanvas(b, ...at(ctxF, last, j));
    const pts = springPath(ax, ay, bx, by);
    ctx.beginPath();
    ctx.moveTo(pts[0], pts[1]);
    for (let k = 2; k < pts.length; k += 2) ctx.lineTo(pts[k], pts[k + 1]);
    ctx.stroke();
  }
  const edited = !!(d.series.model_cf || d.series.sim_cf);
  for (let i = 0; i < d.n; i++) {
    const color = particleColor(d.colors, i);
    ctx.strokeStyle = color;
    // the input path
    ctx.globalAlpha = 0.45;
    ctx.lineWidth = 1.25;
    ctx.setLineDash([]);
    strokePath(ctx, b, ctxF, i, null);
    const now = at(ctxF, last, i);
    for (const name of /** @type {const} */ (["sim_future", "model_future", "sim_cf", "model_cf"])) {
      const f = d.series[name];
      if (!f) continue;
      const st = futureStyle(name, edited);
      ctx.globalAlpha = st.alpha;
      ctx.lineWidth = st.width;
      ctx.setLineDash(st.dash);
      strokePath(ctx, b, f, i, now);
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }
  // the particles, numbered; the dialled one ringed in the edit colour, with its arrow
  ctx.font = "bold 11px sans-serif";
  ctx.textAlign = "left";
  ctx.textBaseline = "bottom";
  for (let i = 0; i < d.n; i++) {
    const [px, py] = toCanvas(b, ...at(ctxF, last, i));
    if (i === o.particle && o.dial) {
      const s = b.size / (b.hi - b.lo);
      const k = 4; // the arrow shows 4 steps of the dialled velocity
      const [ex, ey] = [px + o.dial.vx * s * k, py - o.dial.vy * s * k];
      ctx.strokeStyle = EDIT_COLOR;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(px, py);
      ctx.lineTo(ex, ey);
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(px, py, DOT + 3.5, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.beginPath();
    ctx.arc(px, py, DOT, 0, 2 * Math.PI);
    ctx.fillStyle = particleColor(d.colors, i);
    ctx.fill();
    ctx.strokeStyle = theme.bg;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.lineWidth = 3;
    ctx.strokeStyle = theme.bg;
    ctx.strokeText(String(i), px + DOT + 1, py - DOT + 2);
    ctx.fillStyle = theme.fg;
    ctx.fillText(String(i), px + DOT + 1, py - DOT + 2);
  }
  if (o.hover) {
    ctx.strokeStyle = theme.fg;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(o.hover.px, o.hover.py, DOT + 2, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.restore();
}

/**
 * Paint the whole view: header, canvas, dial, legend, error box; returns the box drawn.
 * @param {{data: Data | null, localError: string, hover: import("./state.js").Target | null, renderCount: number}} state
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @returns {Box | null}
 */
export function paint(state, view, model) {
  const { root } = view;
  view.title.textContent = model.get("title") || "";
  view.status.classList.toggle("iwm-idle", model.get("status") !== "running");
  view.genBadge.textContent = generationText(model);
  showError(root, view.errors, [model.get("error") || "", state.localError]);
  const d = state.data;
  const n = d ? d.n : 0;
  const particle = Number(model.get("particle")) || 0;
  if (view.particleSelect.options.length !== n) {
    fillSelect(view.particleSelect, Array.from({ length: n }, (_, i) => ({ value: String(i), label: String(i) })));
  }
  view.particleSelect.value = String(particle);
  view.reveal.checked = !!model.get("show_springs");
  view.reveal.disabled = !model.get("has_truth");
  view.revealLabel.title = model.get("has_truth") ? "draw the simulator's true springs" : "the Workspace has no truth (make it from model.sample(seed, latents=True))";
  const dial = dialOn(model.get("dial"));
  paintDial(view, d, particle, dial, Number(model.get("dial_max")) || 0.05, String(model.get("dial_mode") || "input"));
  paintLegend(view, d, !!dial);

  const width = Math.min(MAX_SIDE, Math.floor(view.plot.clientWidth));
  if (!d || width <= 0) return null;
  const side = width;
  const b = boxOf(side, side, [d.context, ...Object.values(d.series)]);
  const { ctx } = fitCanvas(view.canvas, side, side);
  const theme = themeOf(root);
  paintBox(ctx, d, b, { theme, particle, dial, hover: state.hover, width: side, height: side });
  view.canvas.setAttribute("aria-label", `${n} particles in the box, with the model's and the simulator's futures`);
  state.renderCount++;
  const ds = root.dataset;
  ds.renderCount = String(state.renderCount);
  ds.generation = String(model.get("generation") ?? 0);
  ds.particles = JSON.stringify(d.context ? Array.from({ length: n }, (_, i) => toCanvas(b, ...at(/** @type {Frames} */ (d.context), /** @type {Frames} */ (d.context).steps - 1, i)).map((v) => Math.round(v * 10) / 10)) : []);
  ds.springs = String(d.springs.length);
  ds.series = Object.keys(d.series).sort().join(",");
  ds.theme = theme.dark ? "dark" : "light";
  return b;
}

/**
 * The dial: the dialled particle's velocity now (dashed ring) and the dial's (arrow and
 * knob, faint when off), and the readout.
 * @param {View} view
 * @param {Data | null} d
 * @param {number} particle
 * @param {{vx: number, vy: number} | null} dial
 * @param {number} max
 * @param {string} mode
 */
function paintDial(view, d, particle, dial, max, mode) {
  const c = DIAL_SIZE / 2;
  const now = d && d.velocity ? [d.velocity[2 * particle], d.velocity[2 * particle + 1]] : [0, 0];
  const v = dial ?? { vx: now[0], vy: now[1] };
  const [kx, ky] = dialKnob(v.vx, v.vy, DIAL_RADIUS, max);
  const [nx, ny] = dialKnob(now[0], now[1], DIAL_RADIUS, max);
  view.dialNow.setAttribute("cx", String(c + nx));
  view.dialNow.setAttribute("cy", String(c + ny));
  view.dialArrow.setAttribute("x2", String(c + kx));
  view.dialArrow.setAttribute("y2", String(c + ky));
  view.dialKnob.setAttribute("cx", String(c + kx));
  view.dialKnob.setAttribute("cy", String(c + ky));
  view.dial.classList.toggle("iwm-dial-off", !dial);
  view.dial.dataset.cx = String(c);
  view.dial.dataset.cy = String(c);
  view.dial.dataset.radius = String(DIAL_RADIUS);
  view.dial.dataset.max = String(max);
  view.dial.setAttribute("aria-label", `velocity of particle ${particle}`);
  view.dial.setAttribute("aria-valuetext", dial ? `(${formatValue(dial.vx)}, ${formatValue(dial.vy)}) box/step` : "off");
  view.dialLabel.textContent = `velocity of particle ${particle} (drag; up to ${formatValue(max)} box/step)`;
  view.readout.textContent = dial
    ? `dial: (${formatValue(dial.vx)}, ${formatValue(dial.vy)}) box/step · was (${formatValue(now[0])}, ${formatValue(now[1])})`
    : `now: (${formatValue(now[0])}, ${formatValue(now[1])}) box/step · dial off`;
  view.mode.textContent =
    mode === "variable"
      ? "the dial clamps the model's velocity variable of this particle from the last step on"
      : "the dial edits the input: the particle's last step is redrawn so that it moves with this velocity";
  view.reset.disabled = !dial;
}

/**
 * The legend: the line styles present and a chip per particle.
 * @param {View} view
 * @param {Data | null} d
 * @param {boolean} on the dial is on
 */
function paintLegend(view, d, on) {
  if (!d) return view.legend.replaceChildren();
  /** @type {[string, string][]} */
  const items = [["iwm-faint", "input"], ["", "model's rollout"]];
  if (d.series.sim_future) items.push(["iwm-dashed", "simulator"]);
  if (on) items.push(["iwm-bold", "model, dial's edit"]);
  if (on && d.series.sim_cf) items.push(["iwm-bold iwm-dashed", "simulator, dial's velocity"]);
  const spans = items.map(([cls, text]) => {
    const s = document.createElement("span");
    const sw = document.createElement("i");
    sw.className = `iwm-swatch ${cls}`;
    s.append(sw, text);
    return s;
  });
  if (d.springs.length) {
    const s = document.createElement("span");
    const sw = document.createElement("i");
    sw.className = "iwm-swatch iwm-spring";
    s.append(sw, "true spring (zigzag)");
    spans.push(s);
  }
  for (let i = 0; i < d.n; i++) {
    const s = document.createElement("span");
    const chip = document.createElement("i");
    chip.className = "iwm-chip";
    chip.style.background = particleColor(d.colors, i);
    s.append(chip, `particle ${i}`);
    spans.push(s);
  }
  view.legend.replaceChildren(...spans);
}
