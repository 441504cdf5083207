// ActivationMap: a layer × position heatmap (the view of iwm_widgets/widgets/activation_map.py).
//
// Cells are drawn as one pixel each into an offscreen canvas and scaled up with
// drawImage (no smoothing), so 48 × 4096 cells draw in a few milliseconds. When there are
// more cells than device pixels, cells are averaged into bins first: drawImage would
// otherwise drop most columns unpredictably. Row 0 is at the bottom: layers grow upwards
// like the residual stream.
//
// Synced traits (see the Python class): values {buffer, dtype, shape: [rows, cols]}, rows,
// columns, cell_text, quantity, quantities, dim, n_dims, scale, vmin, vmax, selection,
// error, status, generation, title. The root element carries data-render-count,
// data-generation, data-rows, data-cols, data-selection and data-draw-ms for tests.

import { decode } from "./transport.js";
import { colorIndex, cssColor, lut, luminance, N_COLORS, writeColor } from "./colormap.js";
import { drawScheduler, errorBox as makeErrorBox, fillSelect, formatValue, generationBadge, generationText, h, RUN_CSS, runPanel, showError, statusBadge } from "./widget_util.js";

export { formatValue };

/**
 * The slice of anywidget's model that this view uses.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, cb: Function) => void} on
 * @property {(event: string, cb: Function) => void} off
 * @property {() => void} save_changes
 */

/** @typedef {{row: number, col: number}} Cell */
/** @typedef {{data: Float32Array | Uint8Array | Int32Array, nRows: number, nCols: number}} Matrix */

export const ROW_PX = 24;
export const MIN_HEIGHT = 160;
export const MAX_HEIGHT = 480;
/** Cells at least this large (CSS px) show their cell_text. */
export const CELL_TEXT_MIN_W = 28;
export const CELL_TEXT_MIN_H = 14;
const LABEL_FONT_PX = 11;
const LABEL_LINE_PX = 14;
const LABEL_GAP_PX = 6;

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM), exported for tests/js.

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
 * @returns {{index: number, start: number}[]} shown labels and their start coordinate
 */
export function thinLabels(n, cell, size, extent, gap = LABEL_GAP_PX, maxSize) {
  if (!(n > 0 && cell > 0)) return [];
  const sizeOf = typeof size === "function" ? size : (/** @type {number} */ i) => size[i] ?? 0;
  if (maxSize === undefined) {
    maxSize = 0;
    for (let i = 0; i < n; i++) maxSize = Math.max(maxSize, sizeOf(i));
  }
  const step = niceStep((maxSize + gap) / cell);
  const out = [];
  let end = -Infinity;
  for (let i = 0; i < n; i += step) {
    const w = sizeOf(i);
    const start = Math.max(0, Math.min(extent - w, (i + 0.5) * cell - w / 2));
    if (start < end + gap) continue;
    out.push({ index: i, start });
    end = start + w;
  }
  return out;
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
 * NaN). Used when there are more cells than device pixels.
 * @param {ArrayLike<number>} data
 * @param {number} nRows
 * @param {number} nCols
 * @param {number} outRows <= nRows
 * @param {number} outCols <= nCols
 * @returns {Float32Array}
 */
export function binMatrix(data, nRows, nCols, outRows, outCols) {
  const out = new Float32Array(outRows * outCols);
  for (let i = 0; i < outRows; i++) {
    const r0 = Math.floor((i * nRows) / outRows);
    const r1 = Math.floor(((i + 1) * nRows) / outRows);
    for (let j = 0; j < outCols; j++) {
      const c0 = Math.floor((j * nCols) / outCols);
      const c1 = Math.floor(((j + 1) * nCols) / outCols);
      let sum = 0;
      let count = 0;
      for (let r = r0; r < r1; r++) {
        const base = r * nCols;
        for (let c = c0; c < c1; c++) {
          const v = data[base + c];
          if (v === v) {
            sum += v;
            count++;
          }
        }
      }
      out[i * outCols + j] = count ? sum / count : NaN;
    }
  }
  return out;
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

/**
 * The heatmap in the model, checked against its labels.
 * @param {Model} model
 * @returns {Matrix | null} null while no values have been sent
 */
export function readMatrix(model) {
  const values = model.get("values");
  if (!values || !values.buffer) return null;
  const { data, shape } = decode(values);
  if (shape.length === 1) return { data, nRows: 1, nCols: shape[0] };
  if (shape.length !== 2) throw new Error(`values must be 2-D [rows, cols], got shape ${JSON.stringify(shape)}`);
  return { data, nRows: shape[0], nCols: shape[1] };
}

/**
 * The selected cell if it is inside the matrix, else null.
 * @param {any} selection the `selection` trait: {} or {row, col}
 * @param {number} nRows
 * @param {number} nCols
 * @returns {Cell | null}
 */
export function parseSelection(selection, nRows, nCols) {
  if (!selection || !Number.isInteger(selection.row) || !Number.isInteger(selection.col)) return null;
  const { row, col } = selection;
  return row >= 0 && row < nRows && col >= 0 && col < nCols ? { row, col } : null;
}

/**
 * Click on a cell: select it, or clear the selection if it is the selected cell already.
 * Sets `selection` and saves (JS -> Python).
 * @param {Model} model
 * @param {Cell} cell
 * @returns {Cell | null} the new selection
 */
export function toggleSelection(model, cell) {
  const cur = model.get("selection") || {};
  const same = cur.row === cell.row && cur.col === cell.col;
  const next = same ? {} : { row: cell.row, col: cell.col };
  model.set("selection", next);
  model.save_changes();
  return same ? null : next;
}

/**
 * Choose a quantity from the header (JS -> Python; Python recomputes `values`).
 * @param {Model} model
 * @param {string} value
 */
export function chooseQuantity(model, value) {
  if (model.get("quantity") === value) return;
  model.set("quantity", value);
  model.save_changes();
}

/**
 * Choose the hidden dimension for quantity "dim", clamped to [0, n_dims).
 * @param {Model} model
 * @param {number} value
 * @returns {number} the dimension set
 */
export function chooseDim(model, value) {
  const n = model.get("n_dims") || 0;
  let d = Math.trunc(Number(value));
  if (!Number.isFinite(d)) d = model.get("dim") || 0;
  d = Math.max(0, n > 0 ? Math.min(n - 1, d) : d);
  if (model.get("dim") !== d) {
    model.set("dim", d);
    model.save_changes();
  }
  return d;
}

/**
 * The human label of the current quantity.
 * @param {{value: string, label?: string}[]} quantities
 * @param {string} quantity
 * @returns {string}
 */
export function quantityLabel(quantities, quantity) {
  const q = (quantities || []).find((d) => d.value === quantity);
  return (q && q.label) || quantity || "";
}

/**
 * What the tooltip says about a cell, as [key, text] lines.
 * @param {Model} model
 * @param {Matrix} matrix
 * @param {Cell} cell
 * @returns {[string, string][]}
 */
export function tooltipLines(model, matrix, cell) {
  const rows = model.get("rows") || [];
  const cols = model.get("columns") || [];
  const text = model.get("cell_text") || [];
  const i = cell.row * matrix.nCols + cell.col;
  const q = model.get("quantity");
  const lines = /** @type {[string, string][]} */ ([
    ["layer", rows[cell.row] ?? String(cell.row)],
    ["position", cols[cell.col] ?? String(cell.col)],
    [q === "dim" ? `h[${model.get("dim")}]` : q || "value", formatValue(matrix.data[i])],
  ]);
  if (text.length === matrix.nRows * matrix.nCols) lines.push(["text", JSON.stringify(text[i])]);
  return lines;
}

// ---------------------------------------------------------------------------------------
// The view.

const CSS = `
.iwm-activation-map {
  position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
}
.iwm-activation-map [hidden] { display: none !important; }
.iwm-activation-map .iwm-header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 6px; }
.iwm-activation-map .iwm-title { font-weight: 600; }
.iwm-activation-map label { display: inline-flex; align-items: center; gap: 4px; color: var(--jp-ui-font-color2, #555); }
.iwm-activation-map select, .iwm-activation-map input {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 4px;
}
.iwm-activation-map input[type="number"] { width: 5.5em; }
.iwm-activation-map .iwm-status { color: var(--jp-ui-font-color2, #555); font-style: italic; }
.iwm-activation-map .iwm-generation { color: var(--jp-ui-font-color3, #777); font-size: 0.9em; margin-left: auto; }
.iwm-activation-map .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
.iwm-activation-map .iwm-body { display: grid; grid-template-columns: 64px minmax(0, 1fr); transition: opacity 0.15s; }
.iwm-activation-map.iwm-stale .iwm-body, .iwm-activation-map.iwm-stale .iwm-legend { opacity: 0.4; }
.iwm-activation-map .iwm-plot { position: relative; min-width: 0; }
.iwm-activation-map .iwm-canvas { position: absolute; left: 0; top: 0; cursor: crosshair; display: block; }
.iwm-activation-map .iwm-row-labels, .iwm-activation-map .iwm-col-labels { position: relative; }
.iwm-activation-map .iwm-row-labels span, .iwm-activation-map .iwm-col-labels span {
  position: absolute; white-space: nowrap; font-size: ${LABEL_FONT_PX}px; line-height: ${LABEL_LINE_PX}px;
  color: var(--jp-ui-font-color1, #222);
}
.iwm-activation-map .iwm-row-labels span { right: 6px; overflow: hidden; text-overflow: ellipsis; text-align: right; }
.iwm-activation-map .iwm-col-labels { height: ${LABEL_LINE_PX + 4}px; }
.iwm-activation-map .iwm-col-labels span { top: 3px; }
.iwm-activation-map .iwm-empty {
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  color: var(--jp-ui-font-color2, #555); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-activation-map .iwm-legend { display: flex; align-items: flex-start; gap: 10px; margin-top: 6px; }
.iwm-activation-map .iwm-legend-label { line-height: 12px; }
.iwm-activation-map .iwm-legend-scale { width: 200px; }
.iwm-activation-map .iwm-legend-bar { height: 12px; border: 1px solid var(--jp-border-color2, #999); box-sizing: border-box; }
.iwm-activation-map .iwm-legend-ticks { position: relative; height: 14px; font-size: ${LABEL_FONT_PX}px; }
.iwm-activation-map .iwm-legend-ticks span { position: absolute; top: 1px; white-space: nowrap; }
.iwm-activation-map .iwm-tooltip {
  position: absolute; z-index: 10; pointer-events: none; padding: 4px 8px; border-radius: 3px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
  font-size: 12px; line-height: 16px; white-space: nowrap;
}
.iwm-activation-map .iwm-tooltip b { font-weight: 600; margin-right: 2px; color: var(--jp-ui-font-color2, #555); }
`;

const EVENTS = [
  "values", "rows", "columns", "cell_text", "quantity", "quantities", "dim", "n_dims",
  "scale", "vmin", "vmax", "selection", "error", "status", "generation", "title",
];

/**
 * @param {{model: Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const root = h("div", "iwm-activation-map", el);
  h("style", "", root).textContent = CSS + RUN_CSS;

  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const qLabel = h("label", "", header);
  qLabel.append("show");
  const select = h("select", "iwm-quantity", qLabel);
  const dimLabel = h("label", "iwm-dim", header);
  dimLabel.append("dim");
  const dimInput = h("input", "", dimLabel);
  dimInput.type = "number";
  dimInput.min = "0";
  dimInput.step = "1";
  const status = statusBadge(header);
  const genBadge = generationBadge(header);
  const run = runPanel(header, model); // remote runs: spinner, elapsed time, cancel, retry

  const errorBox = makeErrorBox(root);

  const body = h("div", "iwm-body", root);
  const rowLabels = h("div", "iwm-row-labels", body);
  const plot = h("div", "iwm-plot", body);
  const canvas = h("canvas", "iwm-canvas", plot);
  canvas.setAttribute("role", "img");
  const empty = h("div", "iwm-empty", plot);
  empty.textContent = "no data yet";
  h("div", "", body);
  const colLabels = h("div", "iwm-col-labels", body);

  const legend = h("div", "iwm-legend", root);
  const legendLabel = h("span", "iwm-legend-label", legend);
  const legendScale = h("div", "iwm-legend-scale", legend);
  const legendBar = h("div", "iwm-legend-bar", legendScale);
  const legendTicks = h("div", "iwm-legend-ticks", legendScale);

  const tooltip = h("div", "iwm-tooltip", root);
  tooltip.hidden = true;

  const offscreen = document.createElement("canvas");
  const measure = /** @type {CanvasRenderingContext2D} */ (document.createElement("canvas").getContext("2d"));

  /** @type {Matrix | null} */
  let matrix = null;
  /** @type {string} an error of this view itself (undecodable values) */
  let localError = "";
  let valuesDirty = true;
  let imageDirty = true;
  let imageKey = "";
  let disposed = false;
  let renderCount = 0;
  /** @type {Map<number, number> | null} measured widths of column labels, by index */
  let colWidths = null;
  let colMax = 0;
  let rowLabelsKey = "";
  let gutter = 64;
  let lastSize = { w: 0, h: 0 };

  function labelFont() {
    const family = getComputedStyle(root).fontFamily || "sans-serif";
    return `${LABEL_FONT_PX}px ${family}`;
  }

  // one draw after all trait changes of a message
  const schedule = drawScheduler(() => draw(), () => disposed);

  function updateHeader() {
    title.textContent = model.get("title") || "";
    const quantities = model.get("quantities") || [];
    const quantity = model.get("quantity") || "";
    const key = JSON.stringify(quantities);
    if (select.dataset.key !== key) {
      fillSelect(select, quantities.map((/** @type {{value: string, label?: string}} */ q) => ({ value: q.value, label: q.label || q.value })));
      select.dataset.key = key;
    }
    select.value = quantity;
    qLabel.hidden = quantities.length === 0;
    dimLabel.hidden = quantity !== "dim";
    const n = model.get("n_dims") || 0;
    dimInput.max = n > 0 ? String(n - 1) : "";
    if (document.activeElement !== dimInput) dimInput.value = String(model.get("dim") ?? 0);
    status.hidden = model.get("status") !== "running";
    genBadge.textContent = generationText(model);
  }

  function updateError() {
    showError(root, errorBox, [model.get("error") || "", localError]);
  }

  /** Decode values and colour them into the offscreen canvas (w × h image pixels). */
  function rebuildImage(/** @type {number} */ w, /** @type {number} */ h) {
    if (!matrix) return;
    const { nRows, nCols } = matrix;
    const outCols = Math.min(nCols, w);
    const outRows = Math.min(nRows, h);
    const key = `${outRows}x${outCols}`;
    if (!imageDirty && key === imageKey) return;
    const data = outCols === nCols && outRows === nRows ? matrix.data : binMatrix(matrix.data, nRows, nCols, outRows, outCols);
    const vmin = Number(model.get("vmin"));
    const vmax = Number(model.get("vmax"));
    const colors = lut(model.get("scale"));
    offscreen.width = outCols;
    offscreen.height = outRows;
    const octx = /** @type {CanvasRenderingContext2D} */ (offscreen.getContext("2d"));
    const img = octx.createImageData(outCols, outRows);
    const px = img.data;
    for (let r = 0; r < outRows; r++) {
      const dst = (outRows - 1 - r) * outCols * 4; // row 0 at the bottom
      const src = r * outCols;
      for (let c = 0; c < outCols; c++) writeColor(px, dst + 4 * c, data[src + c], vmin, vmax, colors);
    }
    octx.putImageData(img, 0, 0);
    imageDirty = false;
    imageKey = key;
  }

  function layoutRowLabels(/** @type {number} */ height) {
    if (!matrix) return;
    const rows = model.get("rows") || [];
    const { nRows } = matrix;
    const key = `${JSON.stringify(rows)}|${height}|${gutter}`;
    if (key === rowLabelsKey) return;
    rowLabelsKey = key;
    const cell = height / nRows;
    const shown = thinLabels(nRows, cell, new Array(nRows).fill(LABEL_LINE_PX), height, 0);
    rowLabels.replaceChildren(
      ...shown.map(({ index, start }) => {
        const s = document.createElement("span");
        s.textContent = rows[index] ?? String(index);
        s.title = s.textContent;
        s.style.top = `${height - start - LABEL_LINE_PX}px`; // start counts from the bottom
        s.style.maxWidth = `${gutter - 8}px`;
        return s;
      }),
    );
  }

  function layoutColLabels(/** @type {number} */ width) {
    if (!matrix) return;
    const { nCols } = matrix;
    const cols = /** @type {string[]} */ (model.get("columns") || []);
    const label = (/** @type {number} */ i) => cols[i] ?? String(i);
    measure.font = labelFont();
    if (!colWidths) {
      colWidths = new Map();
      colMax = widestLabel(Array.from({ length: nCols }, (_, i) => label(i)), (s) => measure.measureText(s).width);
    }
    const widths = /** @type {Map<number, number>} */ (colWidths);
    const sizeOf = (/** @type {number} */ i) => {
      let w = widths.get(i);
      if (w === undefined) widths.set(i, (w = Math.ceil(measure.measureText(label(i)).width)));
      return w;
    };
    const shown = thinLabels(nCols, width / nCols, sizeOf, width, LABEL_GAP_PX, colMax);
    colLabels.replaceChildren(
      ...shown.map(({ index, start }) => {
        const s = document.createElement("span");
        s.textContent = label(index);
        s.style.left = `${start}px`;
        return s;
      }),
    );
  }

  function updateGutter() {
    const rows = model.get("rows") || [];
    measure.font = labelFont();
    let w = 0;
    for (const r of rows) w = Math.max(w, measure.measureText(r).width);
    gutter = Math.max(28, Math.min(180, Math.ceil(w) + 12));
    body.style.gridTemplateColumns = `${gutter}px minmax(0, 1fr)`;
  }

  function updateLegend() {
    const colors = lut(model.get("scale"));
    const stops = [];
    for (let i = 0; i <= 16; i++) {
      const k = Math.round((i / 16) * (N_COLORS - 1));
      stops.push(`${cssColor(colors, k)} ${((100 * i) / 16).toFixed(2)}%`);
    }
    legendBar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
    const vmin = Number(model.get("vmin"));
    const vmax = Number(model.get("vmax"));
    const ticks = [
      [formatTick(vmin), "0%", "translateX(0)"],
      [formatTick((vmin + vmax) / 2), "50%", "translateX(-50%)"],
      [formatTick(vmax), "100%", "translateX(-100%)"],
    ];
    legendTicks.replaceChildren(
      ...ticks.map(([text, left, transform]) => {
        const s = document.createElement("span");
        s.textContent = text;
        s.style.left = left;
        s.style.transform = transform;
        return s;
      }),
    );
    let label = quantityLabel(model.get("quantities"), model.get("quantity"));
    if (model.get("quantity") === "dim") label += ` (d = ${model.get("dim")})`;
    legendLabel.textContent = label;
  }

  /** Cell texts inside cells that are big enough to hold them. */
  function drawCellText(/** @type {CanvasRenderingContext2D} */ ctx, /** @type {number} */ width, /** @type {number} */ height) {
    if (!matrix) return;
    const text = model.get("cell_text") || [];
    const { nRows, nCols, data } = matrix;
    if (text.length !== nRows * nCols) return;
    const cw = width / nCols;
    const ch = height / nRows;
    if (cw < CELL_TEXT_MIN_W || ch < CELL_TEXT_MIN_H) return;
    const vmin = Number(model.get("vmin"));
    const vmax = Number(model.get("vmax"));
    const colors = lut(model.get("scale"));
    const fontPx = Math.min(12, Math.floor(ch * 0.7));
    ctx.font = `${fontPx}px ${getComputedStyle(root).fontFamily || "sans-serif"}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let r = 0; r < nRows; r++) {
      for (let c = 0; c < nCols; c++) {
        let s = text[r * nCols + c];
        if (!s) continue;
        while (s.length > 1 && ctx.measureText(s).width > cw - 4) s = s.slice(0, -1);
        if (ctx.measureText(s).width > cw - 2) continue;
        const k = colorIndex(data[r * nCols + c], vmin, vmax);
        ctx.fillStyle = k < 0 || luminance(colors, k) > 0.35 ? "#000" : "#fff";
        const rect = cellRect(r, c, width, height, nRows, nCols);
        ctx.fillText(s, rect.x + rect.w / 2, rect.y + rect.h / 2);
      }
    }
  }

  function drawSelection(/** @type {CanvasRenderingContext2D} */ ctx, /** @type {number} */ width, /** @type {number} */ height) {
    if (!matrix) return;
    const sel = parseSelection(model.get("selection"), matrix.nRows, matrix.nCols);
    if (!sel) return;
    let { x, y, w, h: hh } = cellRect(sel.row, sel.col, width, height, matrix.nRows, matrix.nCols);
    // Keep tiny cells findable: at least 8 px, centred on the cell.
    if (w < 8) {
      x += w / 2 - 4;
      w = 8;
    }
    if (hh < 8) {
      y += hh / 2 - 4;
      hh = 8;
    }
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#000";
    ctx.strokeRect(x + 1.5, y + 1.5, w - 3, hh - 3);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#fff";
    ctx.strokeRect(x + 1.5, y + 1.5, w - 3, hh - 3);
  }

  function draw() {
    const t0 = performance.now();
    if (valuesDirty) {
      valuesDirty = false;
      imageDirty = true;
      try {
        matrix = readMatrix(model);
        localError = "";
        colWidths = null;
        rowLabelsKey = "";
      } catch (e) {
        // Keep the last good heatmap on screen, dimmed under the message.
        localError = `cannot draw values: ${/** @type {Error} */ (e).message}`;
      }
    }
    updateHeader();
    updateError();
    updateLegend();
    const nRows = matrix ? matrix.nRows : 0;
    const nCols = matrix ? matrix.nCols : 0;
    const height = plotHeight(nRows);
    plot.style.height = `${height}px`;
    rowLabels.style.height = `${height}px`;
    empty.hidden = !!matrix;
    if (matrix) updateGutter();
    const width = Math.floor(plot.clientWidth);
    lastSize = { w: width, h: height };
    if (matrix && width > 0) {
      const dpr = window.devicePixelRatio || 1;
      const W = Math.max(1, Math.round(width * dpr));
      const H = Math.max(1, Math.round(height * dpr));
      rebuildImage(W, H);
      if (canvas.width !== W) canvas.width = W;
      if (canvas.height !== H) canvas.height = H;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, W, H);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(offscreen, 0, 0, W, H);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawCellText(ctx, width, height);
      drawSelection(ctx, width, height);
      layoutRowLabels(height);
      layoutColLabels(width);
      canvas.setAttribute("aria-label", `${model.get("title") || "activation map"}: ${nRows} layers × ${nCols} positions`);
      if (lastMove && !tooltip.hidden) onMove(lastMove); // new values under a still pointer
      renderCount++;
      const ds = root.dataset;
      ds.renderCount = String(renderCount);
      ds.generation = String(model.get("generation") ?? 0);
      ds.drawMs = (performance.now() - t0).toFixed(2);
    } else if (!matrix) {
      canvas.width = 0;
      rowLabels.replaceChildren();
      colLabels.replaceChildren();
      rowLabelsKey = "";
    }
    const sel = matrix ? parseSelection(model.get("selection"), nRows, nCols) : null;
    root.dataset.rows = String(nRows);
    root.dataset.cols = String(nCols);
    root.dataset.selection = sel ? `${sel.row},${sel.col}` : "";
  }

  // ---- events ----------------------------------------------------------------------
  const IMAGE_TRAITS = new Set(["values", "vmin", "vmax", "scale"]);
  /** @type {[string, Function][]} */
  const handlers = EVENTS.map((name) => [
    `change:${name}`,
    () => {
      if (name === "values") valuesDirty = true;
      if (IMAGE_TRAITS.has(name)) imageDirty = true;
      if (name === "columns") colWidths = null;
      if (name === "error" || name === "status") {
        updateHeader();
        updateError();
      }
      schedule();
    },
  ]);
  for (const [event, cb] of handlers) model.on(event, cb);

  /** @param {MouseEvent} e */
  function eventCell(e) {
    if (!matrix) return null;
    const rect = canvas.getBoundingClientRect();
    return cellAt(e.clientX - rect.left, e.clientY - rect.top, rect.width, rect.height, matrix.nRows, matrix.nCols);
  }

  /** @type {MouseEvent | null} the last pointer position over the canvas */
  let lastMove = null;

  /** @param {MouseEvent} e */
  function onMove(e) {
    lastMove = e;
    const cell = matrix && eventCell(e);
    if (!matrix || !cell) {
      tooltip.hidden = true;
      return;
    }
    tooltip.replaceChildren(
      ...tooltipLines(model, matrix, cell).map(([key, text]) => {
        const line = document.createElement("div");
        const b = document.createElement("b");
        b.textContent = key;
        line.append(b, " ", text);
        return line;
      }),
    );
    tooltip.hidden = false;
    const box = root.getBoundingClientRect();
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    let x = e.clientX - box.left + 14;
    let y = e.clientY - box.top + 14;
    if (x + tw > box.width) x = Math.max(0, e.clientX - box.left - tw - 14);
    if (y + th > box.height) y = Math.max(0, e.clientY - box.top - th - 14);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
    tooltip.dataset.row = String(cell.row);
    tooltip.dataset.col = String(cell.col);
  }

  function onLeave() {
    lastMove = null;
    tooltip.hidden = true;
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const cell = eventCell(e);
    if (cell) toggleSelection(model, cell);
  }

  function onSelect() {
    chooseQuantity(model, select.value);
  }

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let dimTimer;
  function commitDim() {
    clearTimeout(dimTimer);
    if (dimInput.value === "") return;
    dimInput.value = String(chooseDim(model, Number(dimInput.value)));
  }
  // Typing "12" should not recompute for "1" first: debounce, commit at once on Enter/blur.
  function onDimInput() {
    clearTimeout(dimTimer);
    dimTimer = setTimeout(commitDim, 400);
  }
  /** @param {KeyboardEvent} e */
  function onKeydown(e) {
    // Keys typed into our controls are ours, not JupyterLab's notebook shortcuts.
    e.stopPropagation();
    if (e.target === dimInput && e.key === "Enter") commitDim();
  }

  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("click", onClick);
  select.addEventListener("change", onSelect);
  dimInput.addEventListener("change", commitDim);
  dimInput.addEventListener("input", onDimInput);
  header.addEventListener("keydown", onKeydown);

  const ro = new ResizeObserver(() => {
    const w = Math.floor(plot.clientWidth);
    if (w !== lastSize.w) schedule();
  });
  ro.observe(plot);

  draw();

  return () => {
    disposed = true;
    run.dispose();
    ro.disconnect();
    for (const [event, cb] of handlers) model.off(event, cb);
    canvas.removeEventListener("mousemove", onMove);
    canvas.removeEventListener("mouseleave", onLeave);
    canvas.removeEventListener("click", onClick);
    select.removeEventListener("change", onSelect);
    dimInput.removeEventListener("change", commitDim);
    dimInput.removeEventListener("input", onDimInput);
    header.removeEventListener("keydown", onKeydown);
    clearTimeout(dimTimer);
    offscreen.width = offscreen.height = 0;
    canvas.width = canvas.height = 0;
    root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
