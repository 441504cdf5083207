// FeatureBrowser's pure helpers (no DOM): decoding the binary series Python sends, the
// feature list's rows, axis ranges and ticks, the histogram's bars, the charts' hover,
// and what the "make a dial" button says. Exported for tests/js.

import { formatValue } from "../shared/format.js";
import { decode } from "../shared/transport.js";

/** @typedef {{edges: Float32Array, counts: Float32Array, n: number, mean: number | null, std: number | null, zero: number | null, heldOut: boolean}} Histogram */
/** @typedef {{steps: Float32Array, values: Float32Array, truth: Float32Array | null, truthName: string, corr: number | null, labels: string[]}} Trace */
/** @typedef {{steps: Float32Array, values: Float32Array, baseline: Float32Array | null, truth: Float32Array | null, truthName: string, corr: number | null, labels: string[], edits: number, generation: number}} Live */
/** @typedef {{left: number, top: number, width: number, height: number}} Box */

/** How the list can be sorted (Python's `sort_by`), with the column each one sorts. */
export const SORTS = Object.freeze([
  { value: "variance", label: "explained variance", column: "variance" },
  { value: "sparsity", label: "sparsity (lowest density first)", column: "density" },
  { value: "match", label: "match to a true variable", column: "corr" },
]);

/**
 * One binary series as floats, or null when absent.
 * @param {any} payload {buffer, dtype, shape: [n]} or null
 * @param {number} [n] the length it must have
 * @returns {Float32Array | null}
 */
export function readSeries(payload, n) {
  if (!payload || !payload.buffer) return null;
  const { data, shape } = decode(payload);
  if (shape.length !== 1) throw new Error(`a series must have shape [n], got ${JSON.stringify(shape)}`);
  if (n !== undefined && shape[0] !== n) throw new Error(`a series has ${shape[0]} values, its steps ${n}`);
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

/**
 * The held-out histogram: bin edges and counts.
 * @param {any} h the `histogram` trait
 * @returns {Histogram | null}
 */
export function readHistogram(h) {
  if (!h || !h.edges || !h.counts) return null;
  const edges = readSeries(h.edges);
  const counts = readSeries(h.counts);
  if (!edges || !counts) return null;
  if (edges.length !== counts.length + 1) throw new Error(`a histogram has ${counts.length} counts and ${edges.length} edges`);
  const num = (/** @type {any} */ v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return { edges, counts, n: Number(h.n) || 0, mean: num(h.mean), std: num(h.std), zero: num(h.zero), heldOut: h.held_out !== false };
}

/**
 * The feature over one sequence of the data set.
 * @param {any} t the `trace` trait
 * @returns {Trace | null}
 */
export function readTrace(t) {
  if (!t || !t.steps) return null;
  const steps = readSeries(t.steps);
  if (!steps) return null;
  const values = readSeries(t.values, steps.length);
  if (!values) return null;
  return {
    steps,
    values,
    truth: readSeries(t.truth, steps.length),
    truthName: String(t.truth_name || ""),
    corr: typeof t.corr === "number" && Number.isFinite(t.corr) ? t.corr : null,
    labels: Array.isArray(t.labels) ? t.labels.map(String) : [],
  };
}

/**
 * The live feature over the Workspace's inputs (positions 0..T-1).
 * @param {any} l the `live` trait
 * @returns {Live | null}
 */
export function readLive(l) {
  if (!l || !l.values) return null;
  const values = readSeries(l.values);
  if (!values) return null;
  const n = values.length;
  return {
    steps: Float32Array.from({ length: n }, (_, i) => i),
    values,
    baseline: readSeries(l.baseline, n),
    truth: readSeries(l.truth, n),
    truthName: String(l.truth_name || ""),
    corr: typeof l.corr === "number" && Number.isFinite(l.corr) ? l.corr : null,
    labels: Array.isArray(l.labels) ? l.labels.map(String) : [],
    edits: Number(l.edits) || 0,
    generation: Number(l.generation) || 0,
  };
}

/**
 * A share as a percentage ("33.5%", "0.12%", "–").
 * @param {any} v
 * @returns {string}
 */
export function formatPercent(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return "–";
  const p = v * 100;
  return `${Math.abs(p) >= 10 ? p.toFixed(1) : p.toPrecision(2)}%`;
}

/**
 * The feature list in display order: one row per index of `order` (unknown or repeated
 * indices are left out), its cells as text, the picked one marked.
 * @param {any[]} features the `features` trait
 * @param {number[]} order the `order` trait
 * @param {number} picked the `feature` trait
 * @returns {{index: number, name: string, variance: string, varianceShare: number, density: string, best: string, corr: string, picked: boolean, title: string}[]}
 */
export function featureRows(features, order, picked) {
  const byIndex = new Map((features || []).map((f) => [Number(f.index), f]));
  const seen = new Set();
  const rows = [];
  const top = Math.max(1e-12, ...[...byIndex.values()].map((f) => (typeof f.variance === "number" ? f.variance : 0)));
  for (const i of order && order.length ? order : [...byIndex.keys()]) {
    const f = byIndex.get(Number(i));
    if (!f || seen.has(Number(i))) continue;
    seen.add(Number(i));
    const v = typeof f.variance === "number" && Number.isFinite(f.variance) ? f.variance : 0;
    const extra = [
      f.r2 !== null && f.r2 !== undefined ? `R² ${formatValue(f.r2)}` : "",
      f.auroc !== null && f.auroc !== undefined ? `AUROC ${formatValue(f.auroc)}` : "",
    ].filter(Boolean);
    rows.push({
      index: Number(i),
      name: String(f.name ?? `feature ${i}`),
      variance: formatPercent(f.variance),
      varianceShare: Math.max(0, Math.min(1, v / top)),
      density: formatValue(f.density),
      best: String(f.best || ""),
      corr: f.corr === null || f.corr === undefined ? "" : formatValue(f.corr),
      picked: Number(i) === picked,
      title: f.best
        ? `${f.name}: best matches ${f.best} (|corr| ${formatValue(f.corr)} on held-out rows${extra.length ? `; ${extra.join(", ")}` : ""})`
        : `${f.name}`,
    });
  }
  return rows;
}

/**
 * The feature after (`delta` = +1) or before (-1) `picked` in list order (for the arrow
 * keys); `picked` itself at the ends.
 * @param {number[]} order
 * @param {number} picked
 * @param {number} delta
 * @returns {number}
 */
export function stepPick(order, picked, delta) {
  if (!order || !order.length) return picked;
  const at = order.indexOf(picked);
  if (at < 0) return order[0];
  return order[Math.max(0, Math.min(order.length - 1, at + delta))];
}

/**
 * The finite range of some series, padded by `pad` of its span (a flat one: ±0.5).
 * @param {(ArrayLike<number> | null)[]} series
 * @param {number} [pad]
 * @returns {[number, number] | null}
 */
export function extent(series, pad = 0.06) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (!s) continue;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) return null;
  if (hi - lo <= 1e-12 * Math.max(1, Math.abs(hi))) {
    const half = Math.abs(lo) * 0.5 || 0.5; // a flat series sits in the middle, its scale kept
    return [lo - half, hi + half];
  }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/**
 * About `n` round tick values inside [lo, hi] (1, 2 or 5 × a power of ten apart).
 * @param {number} lo
 * @param {number} hi
 * @param {number} [n]
 * @returns {number[]}
 */
export function niceTicks(lo, hi, n = 4) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo || n < 1) return [];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // the round step nearest to the raw one (on a log scale)
  const step = [1, 2, 5, 10].map((m) => m * mag).reduce((a, b) => (Math.abs(Math.log(b / raw)) < Math.abs(Math.log(a / raw)) ? b : a));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/**
 * A tick value as an axis writes it: short, no trailing zeros ("2", "-0.04", "1.5e+4").
 * @param {number} v
 * @returns {string}
 */
export function tickText(v) {
  if (!Number.isFinite(v)) return "";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

/**
 * A linear map from [d0, d1] to [r0, r1].
 * @param {number} d0
 * @param {number} d1
 * @param {number} r0
 * @param {number} r1
 * @returns {(v: number) => number}
 */
export function linear(d0, d1, r0, r1) {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Margins of a chart (CSS px): room for the left axis, a right one, the x labels. */
export const CHART_MARGIN = Object.freeze({ left: 52, right: 52, top: 8, bottom: 22 });

/**
 * The plot area of a chart `width` × `height` px.
 * @param {number} width
 * @param {number} height
 * @param {boolean} rightAxis whether a second y axis (the true variable) is drawn
 * @param {number} [bottom] room under the plot (rotated token labels need more)
 * @returns {Box}
 */
export function plotBox(width, height, rightAxis, bottom = CHART_MARGIN.bottom) {
  const right = rightAxis ? CHART_MARGIN.right : 12;
  return {
    left: CHART_MARGIN.left,
    top: CHART_MARGIN.top,
    width: Math.max(10, width - CHART_MARGIN.left - right),
    height: Math.max(10, height - CHART_MARGIN.top - bottom),
  };
}

/**
 * The histogram's bars in a plot box: x from the bin edges, height from the count (the
 * tallest bin fills the box).
 * @param {Histogram} h
 * @param {Box} box
 * @returns {{x: number, y: number, w: number, h: number, lo: number, hi: number, count: number}[]}
 */
export function histogramBars(h, box) {
  const n = h.counts.length;
  if (!n) return [];
  const lo = h.edges[0];
  const hi = h.edges[n];
  const x = linear(lo, hi, box.left, box.left + box.width);
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, h.counts[i]);
  const k = top > 0 ? box.height / top : 0;
  const bars = [];
  for (let i = 0; i < n; i++) {
    const x0 = x(h.edges[i]);
    const x1 = x(h.edges[i + 1]);
    const bh = h.counts[i] * k;
    bars.push({ x: x0, y: box.top + box.height - bh, w: Math.max(0, x1 - x0), h: bh, lo: h.edges[i], hi: h.edges[i + 1], count: h.counts[i] });
  }
  return bars;
}

/**
 * The bar under x (CSS px), or -1.
 * @param {{x: number, w: number}[]} bars
 * @param {number} px
 * @returns {number}
 */
export function barAt(bars, px) {
  for (let i = 0; i < bars.length; i++) if (px >= bars[i].x && px < bars[i].x + Math.max(1, bars[i].w)) return i;
  return -1;
}

/**
 * The index of the step nearest to `px` on a chart whose x runs over `steps`.
 * @param {ArrayLike<number>} steps
 * @param {(v: number) => number} x the x scale
 * @param {number} px
 * @returns {number} -1 without steps
 */
export function nearestStep(steps, x, px) {
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < steps.length; i++) {
    const d = Math.abs(x(steps[i]) - px);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/**
 * Which of `n` x labels to write so that neighbours are at least `minPx` apart.
 * @param {number} n
 * @param {number} width px the labels share
 * @param {number} [minPx]
 * @returns {number} write every k-th label
 */
export function labelStride(n, width, minPx = 36) {
  if (n <= 1 || width <= 0) return 1;
  return Math.max(1, Math.ceil((n * minPx) / width));
}

/**
 * A token as an axis label or a table cell shows it: whitespace made visible, long ones
 * cut.
 * @param {string} t
 * @param {number} [max]
 * @returns {string}
 */
export function tokenText(t, max = 12) {
  const s = String(t).replace(/\n/g, "⏎").replace(/^ /, "␣");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * The top rows' truth column head: the compared variable, or its per-particle pattern
 * ("velocity_p_x") when the rows show it at their own particles.
 * @param {any[]} top the `top` trait
 * @param {string} compare
 * @returns {string}
 */
export function topTruthHead(top, compare) {
  const names = new Set((top || []).map((r) => r.truth_name).filter(Boolean));
  if (names.size <= 1) return names.size ? String([...names][0]) : compare;
  return compare.replace(/_\d+_([xy])$/, "_p_$1") + " (row's particle)";
}

/**
 * Whether the Variable of (feature, particle) was made already.
 * @param {any[]} made the `made` trait
 * @param {number} feature
 * @param {number | null} particle null without slots
 * @returns {any | null} its entry
 */
export function madeEntry(made, feature, particle) {
  for (const m of made || []) {
    if (Number(m.feature) === feature && (particle === null ? m.particle === null || m.particle === undefined : Number(m.particle) === particle)) return m;
  }
  return null;
}

/**
 * What the "make a dial" button and the line beside it say.
 * @param {any} targets the `targets` trait
 * @param {string} name the Variable's name
 * @param {any | null} done its `made` entry, if made
 * @returns {{button: string, note: string, disabled: boolean}}
 */
export function dialText(targets, name, done) {
  const where = [targets && targets.dials ? "the SteeringDials" : "", targets && targets.graph ? "the CausalGraph (a node)" : ""].filter(Boolean);
  if (done) {
    const into = Array.isArray(done.into) && done.into.length ? ` in ${done.into.join(" and ")}` : "";
    return { button: "dial made", note: `${done.name} is a Variable${into}; it is in fb.variables`, disabled: true };
  }
  const note = where.length
    ? `adds ${name} to ${where.join(" and ")}`
    : `makes ${name} a Variable in fb.variables (give dials= or graph= to add it there)`;
  return { button: "make a dial", note, disabled: false };
}

/**
 * How a true variable is drawn beside a feature: its legend text and whether its axis is
 * flipped (an anti-correlated variable, so that the two traces overlay).
 * @param {string} name
 * @param {number | null} corr their signed correlation on held-out rows
 * @param {string} source "simulator" or "label"
 * @returns {{label: string, flip: boolean}}
 */
export function truthStyle(name, corr, source) {
  const flip = corr !== null && corr < 0;
  const r = corr === null ? "" : `; corr ${corr < 0 ? "−" : "+"}${formatValue(Math.abs(corr))} on held-out rows`;
  return { label: `${name} (${source}${r}${flip ? ", its axis flipped" : ""})`, flip };
}

/**
 * The rows a sequence chart's tooltip shows at one step.
 * @param {{label: string, values: ArrayLike<number>}[]} series
 * @param {number} i
 * @param {string} where "step 12" or "token 'Paris' (5)"
 * @returns {import("../shared/tooltip.js").TooltipLine[]}
 */
export function hoverLines(series, i, where) {
  /** @type {import("../shared/tooltip.js").TooltipLine[]} */
  const lines = [["", where]];
  for (const s of series) if (s.values) lines.push([s.label, formatValue(s.values[i])]);
  return lines;
}
