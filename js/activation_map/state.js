// ActivationMap's state: the decoded heatmap and what is cached for drawing it, and the
// helpers that read it from the model or write the user's choices back (JS -> Python).

import { formatValue } from "../shared/format.js";
import { decode } from "../shared/transport.js";
import { IMAGE_TRAITS } from "./traits.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {{row: number, col: number}} Cell */
/** @typedef {{data: Float32Array | Uint8Array | Int32Array, nRows: number, nCols: number}} Matrix */

/**
 * What one view of the map holds between draws.
 * @typedef {object} State
 * @property {Matrix | null} matrix the last good heatmap
 * @property {string} localError an error of this view itself (undecodable values)
 * @property {boolean} valuesDirty `values` changed: decode it at the next draw
 * @property {boolean} imageDirty the cells' colours changed: rebuild the offscreen image
 * @property {string} imageKey the offscreen image's size, "rows x cols"
 * @property {Map<number, number> | null} colWidths measured widths of column labels, by index
 * @property {number} colMax the widest column label (an estimate)
 * @property {string} rowLabelsKey what the row labels were laid out for
 * @property {number} gutter width of the row labels' column (px)
 * @property {{w: number, h: number}} lastSize the plot's size at the last draw
 * @property {MouseEvent | null} lastMove the last pointer position over the canvas
 * @property {number} renderCount
 * @property {boolean} disposed
 */

/** @returns {State} */
export function createState() {
  return {
    matrix: null,
    localError: "",
    valuesDirty: true,
    imageDirty: true,
    imageKey: "",
    colWidths: null,
    colMax: 0,
    rowLabelsKey: "",
    gutter: 64,
    lastSize: { w: 0, h: 0 },
    lastMove: null,
    renderCount: 0,
    disposed: false,
  };
}

/**
 * Note a trait change (Python -> JS) for the next draw.
 * @param {State} state
 * @param {string} name
 */
export function markChanged(state, name) {
  if (name === "values") state.valuesDirty = true;
  if (IMAGE_TRAITS.includes(name)) state.imageDirty = true;
  if (name === "columns") state.colWidths = null;
}

/**
 * Decode `values` if it changed; on failure keep the last good heatmap (drawn dimmed
 * under the message).
 * @param {State} state
 * @param {Model} model
 */
export function readValues(state, model) {
  if (!state.valuesDirty) return;
  state.valuesDirty = false;
  state.imageDirty = true;
  try {
    state.matrix = readMatrix(model);
    state.localError = "";
    state.colWidths = null;
    state.rowLabelsKey = "";
  } catch (e) {
    state.localError = `cannot draw values: ${/** @type {Error} */ (e).message}`;
  }
}

/**
 * The heatmap in the model, checked against its labels.
 * @param {Pick<Model, "get">} model
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
 * Why a typed hidden dimension is refused ("" when it is fine): not a whole number, or
 * outside [0, n_dims) (no clamping; Python refuses the same with DimensionError).
 * @param {Pick<Model, "get">} model
 * @param {number} value
 * @returns {string}
 */
export function dimError(model, value) {
  const n = model.get("n_dims") || 0;
  const kept = `the map still shows dim ${model.get("dim") ?? 0}`;
  if (!Number.isInteger(value)) return `dim must be a whole number, got ${String(value)}; ${kept}`;
  if (value < 0 || (n > 0 && value >= n)) {
    const site = (model.get("rows") || [])[0] || "the rows";
    return `dim ${value} is out of range: ${site} has ${n} hidden dimensions, so dim is one of 0 … ${n - 1}; ${kept}`;
  }
  return "";
}

/**
 * Choose the hidden dimension for quantity "dim" (JS -> Python). A dimension outside
 * [0, n_dims) or not a whole number is refused, not clamped: nothing is sent and the
 * current one stays.
 * @param {Model} model
 * @param {number} value
 * @returns {{dim: number, error: string}} the dimension shown, and why `value` was refused
 */
export function chooseDim(model, value) {
  const error = dimError(model, value);
  if (error) return { dim: model.get("dim") ?? 0, error };
  if (model.get("dim") !== value) {
    model.set("dim", value);
    model.save_changes();
  }
  return { dim: value, error: "" };
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
  // a static Heatmap's one quantity is "value": say what it is instead
  const key = q === "dim" ? `h[${model.get("dim")}]` : q === "value" ? quantityLabel(model.get("quantities"), q) : q || "value";
  const v = matrix.data[i];
  const lines = /** @type {[string, string][]} */ ([
    ["layer", rows[cell.row] ?? String(cell.row)],
    ["position", cols[cell.col] ?? String(cell.col)],
    [key, formatValue(v)],
  ]);
  if (text.length === matrix.nRows * matrix.nCols) lines.push(["text", JSON.stringify(text[i])]);
  for (const note of valueNotes(model.get("notes"), v)) lines.push(["note", note]);
  return lines;
}

/**
 * The notes (`notes` trait: {above, text} or {below, text}) that explain a value.
 * @param {{above?: number, below?: number, text?: string}[] | undefined} notes
 * @param {number} v
 * @returns {string[]}
 */
export function valueNotes(notes, v) {
  if (!Number.isFinite(v)) return [];
  return (notes || [])
    .filter((n) => (typeof n.above === "number" && v > n.above) || (typeof n.below === "number" && v < n.below))
    .map((n) => String(n.text || ""))
    .filter(Boolean);
}
