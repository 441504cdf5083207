// MonitorBoard's pure helpers (no DOM): decoding the strips Python sends, counting what a
// monitor did over one input, the strips' layout and hit-testing, the colours of each
// code, the summary table's cells and the hover lines. Exported for tests/js.

import { formatValue } from "../shared/format.js";
import { decode } from "../shared/transport.js";

/** Step codes (Python's monitor_board.py): what a monitor did at a step, against the label. */
export const CODE = Object.freeze({ NONE: 0, HIT: 1, FALSE: 2, MISS: 3, PAD: 255 });
/** Event bits: the event follows within the horizon; it starts at the next frame. */
export const EVENT = Object.freeze({ LABEL: 1, ONSET_NEXT: 2 });

/**
 * @typedef {object} Strips
 * @property {Uint8Array} codes [rows, n, S] row-major
 * @property {Uint8Array} events [n, S]
 * @property {Int32Array | Float32Array | Uint8Array} steps [S] the positions scored
 * @property {number} rows
 * @property {number} n inputs
 * @property {number} S steps
 * @property {string[]} labels the picked input's step labels (tokens) or []
 */

/**
 * The `strips` trait decoded (null when empty); shapes checked against each other.
 * @param {any} s
 * @returns {Strips | null}
 */
export function readStrips(s) {
  if (!s || !s.codes || !s.events || !s.steps) return null;
  const c = decode(s.codes);
  const e = decode(s.events);
  const st = decode(s.steps);
  if (c.shape.length !== 3) throw new Error(`codes must be [rows, inputs, steps], got ${JSON.stringify(c.shape)}`);
  const [rows, n, S] = c.shape;
  if (e.shape.length !== 2 || e.shape[0] !== n || e.shape[1] !== S) throw new Error(`events ${JSON.stringify(e.shape)} do not match codes ${JSON.stringify(c.shape)}`);
  if (st.shape.length !== 1 || st.shape[0] !== S) throw new Error(`steps ${JSON.stringify(st.shape)} do not match ${S} steps`);
  if (!(c.data instanceof Uint8Array) || !(e.data instanceof Uint8Array)) throw new Error("codes and events must be uint8");
  return { codes: c.data, events: e.data, steps: st.data, rows, n, S, labels: Array.isArray(s.labels) ? s.labels.map(String) : [] };
}

/**
 * The code of `row` at input `i`, step `s`.
 * @param {Strips} st
 * @param {number} row
 * @param {number} i
 * @param {number} s
 */
export function codeAt(st, row, i, s) {
  return st.codes[(row * st.n + i) * st.S + s];
}

/**
 * What `row` did over input `i`: alarms before an event (hits), false alarms, missed
 * steps, scored steps, steps whose event follows, contacts starting at a next frame.
 * @param {Strips} st
 * @param {number} row
 * @param {number} i
 * @returns {{hits: number, falses: number, misses: number, alarms: number, scored: number, labelled: number, onsets: number}}
 */
export function inputCounts(st, row, i) {
  let hits = 0, falses = 0, misses = 0, scored = 0, labelled = 0, onsets = 0; // prettier-ignore
  for (let s = 0; s < st.S; s++) {
    const c = codeAt(st, row, i, s);
    const e = st.events[i * st.S + s];
    if (c === CODE.PAD) continue;
    scored++;
    if (c === CODE.HIT) hits++;
    else if (c === CODE.FALSE) falses++;
    else if (c === CODE.MISS) misses++;
    if (e & EVENT.LABEL) labelled++;
    if (e & EVENT.ONSET_NEXT) onsets++;
  }
  return { hits, falses, misses, alarms: hits + falses, scored, labelled, onsets };
}

/**
 * Geometry of a strip: a label column, `cols` cells per row, `rows` monitor rows, a gap,
 * the event row, room for the axis below.
 * @typedef {{label: number, cell: number, rowH: number, eventTop: number, eventH: number, top: number, width: number, height: number, cols: number, rows: number}} Layout
 */

/** Strip metrics (CSS px). */
export const STRIP = Object.freeze({ label: 190, rowH: 16, rowGap: 2, eventGap: 8, eventH: 14, axis: 18, top: 2, minCell: 2, maxCell: 26 });

/**
 * The layout of a strip of `rows` rows × `cols` cells in `avail` CSS px (cells at least
 * STRIP.minCell wide: a wider canvas scrolls).
 * @param {number} avail
 * @param {number} rows
 * @param {number} cols
 * @param {number} [maxCell]
 * @returns {Layout}
 */
export function stripLayout(avail, rows, cols, maxCell = STRIP.maxCell) {
  const room = Math.max(0, avail - STRIP.label - 4);
  const cell = Math.max(STRIP.minCell, Math.min(maxCell, cols > 0 ? Math.floor(room / cols) : maxCell));
  const eventTop = STRIP.top + rows * (STRIP.rowH + STRIP.rowGap) + STRIP.eventGap;
  return {
    label: STRIP.label,
    cell,
    rowH: STRIP.rowH,
    eventTop,
    eventH: STRIP.eventH,
    top: STRIP.top,
    width: STRIP.label + cell * cols + 4,
    height: eventTop + STRIP.eventH + STRIP.axis,
    cols,
    rows,
  };
}

/**
 * The row top of monitor row `r` (r === rows: the event row).
 * @param {Layout} L
 * @param {number} r
 */
export function rowTop(L, r) {
  return r >= L.rows ? L.eventTop : L.top + r * (L.rowH + STRIP.rowGap);
}

/**
 * Which cell a point (CSS px in the canvas) is on: {row (rows: the event row), col}, or null.
 * @param {Layout} L
 * @param {number} x
 * @param {number} y
 * @returns {{row: number, col: number} | null}
 */
export function cellAt(L, x, y) {
  if (x < L.label || y < L.top) return null;
  const col = Math.floor((x - L.label) / L.cell);
  if (col < 0 || col >= L.cols) return null;
  for (let r = 0; r <= L.rows; r++) {
    const t = rowTop(L, r);
    const hgt = r === L.rows ? L.eventH : L.rowH;
    if (y >= t && y < t + hgt + (r === L.rows ? 0 : STRIP.rowGap)) return { row: r, col };
  }
  return null;
}

/**
 * Every `stride`-th column gets an axis label, so that labels are `minPx` apart.
 * @param {number} cols
 * @param {number} cell
 * @param {number} [minPx]
 */
export function axisStride(cols, cell, minPx = 34) {
  if (cols <= 0 || cell <= 0) return 1;
  const raw = Math.ceil(minPx / cell);
  for (const m of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]) if (m >= raw) return m;
  return raw;
}

/**
 * The colours of the codes on the theme's background.
 * @param {{dark: boolean}} theme
 * @returns {{hit: string, falseAlarm: string, miss: string, event: string, onset: string, empty: string, pad: string, pick: string, baselineLabel: string}}
 */
export function boardColors(theme) {
  return theme.dark
    ? { hit: "#3cc99a", falseAlarm: "#ff6b6b", miss: "#e8b93a", event: "#4a90d9", onset: "#cfe6ff", empty: "rgba(255, 255, 255, 0.07)", pad: "rgba(255, 255, 255, 0.02)", pick: "#f5f5f5", baselineLabel: "#a8a8a8" }
    : { hit: "#1a9870", falseAlarm: "#d62728", miss: "#d99a00", event: "#3b7dd8", onset: "#0b2a5b", empty: "rgba(0, 0, 0, 0.06)", pad: "rgba(0, 0, 0, 0.015)", pick: "#111111", baselineLabel: "#6a6a6a" };
}

/** What each colour means (the legend, in order). */
export const LEGEND = Object.freeze([
  { key: "hit", text: "alarm, and the event follows (hit)" },
  { key: "falseAlarm", text: "false alarm (no event within the horizon)" },
  { key: "miss", text: "missed: the event follows, no alarm" },
  { key: "event", text: "truth: the event follows within the horizon" },
  { key: "onset", text: "truth: it starts at the next frame" },
]);

/**
 * A share as a percentage ("33.5%", "0.12%", "–").
 * @param {any} v
 */
export function formatPercent(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return "–";
  const p = v * 100;
  return `${Math.abs(p) >= 10 ? p.toFixed(1) : p.toPrecision(2)}%`;
}

/**
 * One summary row's cells as text.
 * @param {any} r a `summary` entry
 * @returns {{precision: string, recall: string, falseAlarms: string, lead: string, auroc: string, alarmRate: string}}
 */
export function summaryCells(r) {
  const num = (/** @type {any} */ v, /** @type {number} */ d) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(d) : "–");
  return {
    precision: num(r.precision, 3),
    recall: num(r.recall, 3),
    falseAlarms: num(r.false_alarm_rate, 3),
    lead: typeof r.lead_time === "number" && Number.isFinite(r.lead_time) ? `${r.lead_time.toFixed(2)} steps` : "–",
    auroc: num(r.auroc, 3),
    alarmRate: formatPercent(r.alarm_rate),
  };
}

/**
 * The slider's position for a threshold (clamped to its range) and back.
 * @param {{lo: number, hi: number, step: number}} m a `monitors` entry
 * @param {number} t
 */
export function sliderValue(m, t) {
  const lo = Number(m.lo);
  const hi = Number(m.hi);
  if (!Number.isFinite(t)) return lo;
  return Math.max(lo, Math.min(hi, t));
}

/**
 * The threshold a slider position sends: 4 significant digits (a slider has 200 steps;
 * 0.2 stays 0.2, not the 0.20000013 its float steps land on).
 * @param {string} value the range input's value
 * @returns {number}
 */
export function sliderThreshold(value) {
  const v = Number(value);
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : v;
}

/**
 * A threshold from the slider's text (null when not a finite number).
 * @param {string} text
 * @returns {number | null}
 */
export function parseThreshold(text) {
  if (typeof text !== "string" || text.trim() === "") return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/**
 * The hover lines of a cell.
 * @param {Strips} st
 * @param {any[]} rows the `rows` trait
 * @param {{row: number, col: number}} cell
 * @param {"inputs" | "steps"} which
 * @param {number} input the picked input (steps view)
 * @param {{event: string, horizon: number}} info
 * @returns {(string | [string, string])[]}
 */
export function hoverLines(st, rows, cell, which, input, info) {
  const ev = info.event || "event";
  const k = Number(info.horizon) || 0;
  if (which === "inputs") {
    const i = cell.col;
    if (cell.row >= st.rows) {
      const c = inputCounts(st, 0, i);
      return [["input", String(i)], ["truth", `${c.labelled} of ${c.scored} steps have ${ev} within ${k}`], ["onsets", `${c.onsets} start at a next frame`], "click: open this input"];
    }
    const c = inputCounts(st, cell.row, i);
    const name = rows[cell.row]?.name ?? `row ${cell.row}`;
    return [["input", String(i)], ["monitor", name], ["alarms", `${c.alarms} (${c.hits} before ${ev}, ${c.falses} false)`], ["missed", `${c.misses} of ${c.labelled} steps with ${ev} coming`], "click: open this input"];
  }
  const s = cell.col;
  const pos = st.steps[s];
  const where = st.labels.length && st.labels[s] !== undefined ? `position ${pos} ${JSON.stringify(st.labels[s])}` : `step ${pos}`;
  const e = st.events[input * st.S + s];
  const truth = e & EVENT.ONSET_NEXT ? `${ev} starts at the next frame` : e & EVENT.LABEL ? `${ev} within ${k} steps` : `no ${ev} within ${k} steps`;
  if (cell.row >= st.rows) return [["input", `${input}, ${where}`], ["truth", truth]];
  const c = codeAt(st, cell.row, input, s);
  const what = { [CODE.HIT]: "alarm: hit", [CODE.FALSE]: "alarm: false alarm", [CODE.MISS]: "no alarm: missed", [CODE.NONE]: "no alarm", [CODE.PAD]: "not scored" }[c] ?? "?";
  return [["input", `${input}, ${where}`], ["monitor", rows[cell.row]?.name ?? ""], ["", what], ["truth", truth]];
}

/**
 * The header's summary line.
 * @param {any} info
 * @returns {string}
 */
export function summaryText(info) {
  if (!info || !info.n) return "";
  const what = info.kind === "lm" ? (info.mode === "generate" ? "generated tokens" : "tokens") : info.mode === "rollout" ? "predicted steps" : "steps";
  return [`${info.n} inputs × ${info.steps} ${what}`, `${info.n_events ?? 0} events`, `base rate ${formatPercent(info.base_rate)}`].join(" · ");
}

/**
 * A threshold as the slider's readout shows it.
 * @param {number} t
 */
export function thresholdText(t) {
  return formatValue(t);
}

/**
 * Alarms (hits and false alarms) of strip row `r` over every input and step.
 * @param {import("./state.js").Strips} st
 * @param {number} r
 */
export function countAlarms(st, r) {
  let n = 0;
  const base = r * st.n * st.S;
  for (let j = 0; j < st.n * st.S; j++) {
    const c = st.codes[base + j];
    if (c === CODE.HIT || c === CODE.FALSE) n++;
  }
  return n;
}
