// ActivationMap's geometry, without the DOM: the plot's height, cells under the pointer,
// which axis labels fit, binning more cells than pixels (lod.js), tick labels.

import { formatValue } from "../shared/format.js";
import { aggregate } from "./lod.js";

export const ROW_PX = 24;
export const MIN_HEIGHT = 160;
export const MAX_HEIGHT = 480;
/** Cells at least this large (CSS px) show their cell_text. */
export const CELL_TEXT_MIN_W = 28;
export const CELL_TEXT_MIN_H = 14;
export const LABEL_FONT_PX = 11;
export const LABEL_LINE_PX = 14;
export const LABEL_GAP_PX = 6;
/** Column labels turned upright are cut to this length (px), the full text in their tooltip. */
export const UPRIGHT_MAX_PX = 84;
/** Free space between upright column labels (px). */
export const UPRIGHT_GAP_PX = 2;

/**
 * Height of the plot in CSS px for a number of rows.
 * @param {number} nRows
 * @returns {number}
 */
export function plotHeight(nRows) {
  return Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, nRows * ROW_PX));
}

/**
 * The cell under a point of the plot, or null outside it. Row 0 is the bottom row.
 * @param {number} x CSS px from the plot's left edge
 * @param {number} y CSS px from the plot's top edge
 * @param {number} width plot width
 * @param {number} height plot height
 * @param {number} nRows
 * @param {number} nCols
 * @returns {Cell | null}
 */
export function cellAt(x, y, width, height, nRows, nCols) {
  if (!(width > 0 && height > 0 && nRows > 0 && nCols > 0)) return null;
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  const col = Math.min(nCols - 1, Math.floor((x * nCols) / width));
  const fromTop = Math.min(nRows - 1, Math.floor((y * nRows) / height));
  return { row: nRows - 1 - fromTop, col };
}

/**
 * The rectangle of a cell in plot coordinates (inverse of cellAt).
 * @param {number} row
 * @param {number} col
 * @param {number} width
 * @param {number} height
 * @param {number} nRows
 * @param {number} nCols
 * @returns {{x: number, y: number, w: number, h: number}}
 */
export function cellRect(row, col, width, height, nRows, nCols) {
  const w = width / nCols;
  const h = height / nRows;
  return { x: col * w, y: (nRows - 1 - row) * h, w, h };
}

/**
 * Smallest step of the form 1, 2, 5 × 10^k that is >= minStep (at least 1).
 * @param {number} minStep
 * @returns {number}
 */
export function niceStep(minStep) {
  if (!(minStep > 1)) return 1;
  let p = 1;
  for (;;) {
    for (const m of [1, 2, 5]) if (m * p >= minStep) return m * p;
    p *= 10;
  }
}

/**
 * Which of n labels along an axis to show so that none overlap.
 *
 * Labels sit centred on their cell, at every `niceStep`-th index, nudged inside the axis at
 * its ends; a label that would still touch the previous one is dropped. Only the labels at
 * candidate indices are sized, so `size` may measure lazily.
 * @param {number} n number of cells
 * @param {number} cell cell size along the axis (px)
 * @param {ArrayLike<number> | ((i: number) => number)} size each label's size along the axis (px)
 * @param {number} extent axis length (px)
 * @param {number} [gap] minimum free space between labels (px)
 * @param {number} [maxSize] the largest size (or an estimate; default: the max of all sizes)
 * @param {number} [offset] index of the first cell in the whole axis (a zoomed-in window):
 *   labels sit at multiples of the step in the whole axis
 * @returns {{index: number, start: number}[]} shown labels and their start coordinate
 */
export function thinLabels(n, cell, size, extent, gap = LABEL_GAP_PX, maxSize, offset = 0) {
  if (!(n > 0 && cell > 0)) return [];
  const sizeOf = typeof size === "function" ? size : (/** @type {number} */ i) => size[i] ?? 0;
  if (maxSize === undefined) {
    maxSize = 0;
    for (let i = 0; i < n; i++) maxSize = Math.max(maxSize, sizeOf(i));
  }
  const step = niceStep((maxSize + gap) / cell);
  const out = [];
  let end = -Infinity;
  for (let i = (step - (offset % step)) % step; i < n; i += step) {
    const w = sizeOf(i);
    const start = Math.max(0, Math.min(extent - w, (i + 0.5) * cell - w / 2));
    if (start < end + gap) continue;
    out.push({ index: i, start });
    end = start + w;
  }
  return out;
}

/**
 * How to label the columns. Flat labels are thinned to every k-th so that the widest
 * fits (one long token thins them all); when upright labels (one line wide, reading
 * upwards) would label every column or 4 times as many, they are turned upright, each cut to
 * UPRIGHT_MAX_PX (see fitLabel; the full text is in its tooltip).
 * @param {number} n number of columns
 * @param {number} cell column width (px)
 * @param {ArrayLike<number> | ((i: number) => number)} size each flat label's width (px)
 * @param {number} extent plot width (px)
 * @param {number} maxSize the widest flat label (or an estimate)
 * @param {number} [offset] index of the first column in the whole map (see thinLabels)
 * @returns {{upright: boolean, shown: {index: number, start: number}[]}}
 */
export function columnLabels(n, cell, size, extent, maxSize, offset = 0) {
  if (!(n > 0 && cell > 0)) return { upright: false, shown: [] };
  const flat = niceStep((maxSize + LABEL_GAP_PX) / cell);
  const upright = niceStep((LABEL_LINE_PX + UPRIGHT_GAP_PX) / cell);
  // upright when that labels every column, or at least 4 times as many as flat ones
  if (upright < flat && (upright === 1 || 4 * upright <= flat)) {
    return { upright: true, shown: thinLabels(n, cell, () => LABEL_LINE_PX, extent, UPRIGHT_GAP_PX, LABEL_LINE_PX, offset) };
  }
  return { upright: false, shown: thinLabels(n, cell, size, extent, LABEL_GAP_PX, maxSize, offset) };
}

/**
 * A label cut to at most `maxPx` wide, ending in "…" when cut.
 * @param {string} text
 * @param {number} maxPx
 * @param {(s: string) => number} measure width of a text (px)
 * @returns {string}
 */
export function fitLabel(text, maxPx, measure) {
  if (measure(text) <= maxPx) return text;
  const chars = Array.from(text); // never split a surrogate pair
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(`${chars.slice(0, mid).join("")}…`) <= maxPx) lo = mid;
    else hi = mid - 1;
  }
  return `${chars.slice(0, lo).join("")}…`;
}

/**
 * An estimate of the widest of many labels from the longest ones (by characters), so that
 * thousands of labels need not all be measured.
 * @param {string[]} labels
 * @param {(s: string) => number} measure
 * @param {number} [sample] how many of the longest labels to measure
 * @returns {number}
 */
export function widestLabel(labels, measure, sample = 64) {
  if (labels.length <= sample) return labels.reduce((m, s) => Math.max(m, measure(s)), 0);
  let maxLen = 0;
  for (const s of labels) maxLen = Math.max(maxLen, s.length);
  let w = 0;
  const taken = [0, 0]; // measured of length maxLen, and of maxLen - 1
  for (const s of labels) {
    const k = maxLen - s.length;
    if (k <= 1 && taken[k] < sample) {
      taken[k]++;
      w = Math.max(w, measure(s));
    }
  }
  // Unmeasured labels of the same length may be a little wider (W vs i).
  return Math.ceil(w * 1.15);
}

/**
 * Average a row-major matrix into outRows × outCols bins (NaNs ignored; an all-NaN bin is
 * NaN): lod.js's aggregate "mean" of all columns.
 * @param {ArrayLike<number>} data
 * @param {number} nRows
 * @param {number} nCols
 * @param {number} outRows <= nRows
 * @param {number} outCols <= nCols
 * @returns {Float32Array}
 */
export function binMatrix(data, nRows, nCols, outRows, outCols) {
  return aggregate(data, nRows, nCols, 0, nCols, outRows, outCols, "mean");
}

/**
 * A short tick label: 3 significant digits, trailing zeros removed.
 * @param {number} v
 * @returns {string}
 */
export function formatTick(v) {
  if (!Number.isFinite(v)) return formatValue(v);
  if (v === 0 || Math.abs(v) < 1e-12) return "0";
  const a = Math.abs(v);
  const s = a >= 1e-3 && a < 1e5 ? v.toPrecision(3) : v.toExponential(2);
  return s.replace(/(\.\d*?)0+(?=$|e)/, "$1").replace(/\.(?=$|e)/, "");
}
