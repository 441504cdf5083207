// ActivationMap's state: the decoded heatmap and what is cached for drawing it (the
// visible window of columns and the image's bins, lod.js; the texts, texts.js), and the
// helpers that read it from the model or write the user's choices back (JS -> Python).

import { formatValue } from "../shared/format.js";
import { setTrait } from "../shared/model.js";
import { decode } from "../shared/transport.js";
import { aggregateName, binStats, isBin, pickCell } from "./lod.js";
import { createTexts } from "./texts.js";
import { IMAGE_TRAITS } from "./traits.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {{row: number, col: number}} Cell */
/** @typedef {{data: Float32Array | Uint8Array | Int32Array, nRows: number, nCols: number}} Matrix */
/** @typedef {import("./lod.js").Hit} Hit */
/** @typedef {import("./texts.js").Texts} Texts */

/**
 * What the offscreen image holds: columns [c0, c1) of every row in outRows × outCols bins
 * (one cell each at full detail), coloured from `data` (the aggregates, row 0 first).
 * @typedef {{outRows: number, outCols: number, c0: number, c1: number, mode: "mean" | "max" | "min", data: ArrayLike<number>}} Lod
 */

/**
 * What one view of the map holds between draws.
 * @typedef {object} State
 * @property {Matrix | null} matrix the last good heatmap
 * @property {string} localError an error of this view itself (undecodable values)
 * @property {boolean} valuesDirty `values` changed: decode it at the next draw
 * @property {boolean} textsDirty `columns` or `cell_text` changed: read them at the next draw
 * @property {boolean} imageDirty the cells' colours changed: rebuild the offscreen image
 * @property {string} imageKey what the offscreen image was built for (bins, window, aggregate)
 * @property {{c0: number, c1: number} | null} window the visible columns (null: all)
 * @property {Lod | null} lod the offscreen image's bins
 * @property {Texts} columns column labels
 * @property {Texts} cellText per-cell texts
 * @property {Map<number, number> | null} colWidths measured widths of column labels, by index
 * @property {number} colMax the widest column label (an estimate)
 * @property {string} colMaxKey what colMax was estimated for
 * @property {string} rowLabelsKey what the row labels were laid out for
 * @property {number} gutter width of the row labels' column (px)
 * @property {{w: number, h: number}} lastSize the plot's size at the last draw
 * @property {MouseEvent | null} lastMove the last pointer position over the canvas
 * @property {number} renderCount
 * @property {boolean} disposed
 */

/** A model that sends nothing (texts of a list or a pattern never ask). */
const SILENT = { send() {} };

/**
 * @param {{send: (content: any) => void}} [model] where lazy texts are asked for
 * @returns {State}
 */
export function createState(model = SILENT) {
  return {
    matrix: null,
    localError: "",
    valuesDirty: true,
    textsDirty: true,
    imageDirty: true,
    imageKey: "",
    window: null,
    lod: null,
    columns: createTexts("columns", model),
    cellText: createTexts("cell_text", model),
    colWidths: null,
    colMax: 0,
    colMaxKey: "",
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
  if (name === "columns" || name === "cell_text") state.textsDirty = true;
}

/**
 * Read `columns` and `cell_text` if they changed.
 * @param {State} state
 * @param {Pick<Model, "get">} model
 */
export function readTexts(state, model) {
  if (!state.textsDirty) return;
  state.textsDirty = false;
  state.columns.update(model.get("columns"));
  state.cellText.update(model.get("cell_text"));
  state.colWidths = null;
  state.colMaxKey = "";
}

/**
 * The visible columns [c0, c1) of a matrix (all of them unless zoomed in).
 * @param {State} state
 * @returns {{c0: number, c1: number}}
 */
export function visibleWindow(state) {
  const n = state.matrix ? state.matrix.nCols : 0;
  const w = state.window;
  return w && w.c1 <= n && w.c0 < w.c1 ? w : { c0: 0, c1: n };
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
    const old = state.matrix;
    state.matrix = readMatrix(model);
    state.localError = "";
    state.colWidths = null;
    state.colMaxKey = "";
    state.rowLabelsKey = "";
    if (!old || !state.matrix || old.nCols !== state.matrix.nCols) state.window = null; // a new map: all of it
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
 * Choose what an aggregated pixel column shows (JS -> Python; the image is rebuilt when
 * Python echoes it).
 * @param {Model} model
 * @param {string} value "mean", "max" or "min"
 * @returns {boolean} whether it was sent
 */
export function chooseAggregate(model, value) {
  return setTrait(model, "aggregate", aggregateName(value));
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
 * The texts of a model whose `columns` and `cell_text` are lists (as small maps send them):
 * for tooltipLines without a view's state.
 * @param {Pick<Model, "get">} model
 * @returns {{columns: Texts, cellText: Texts}}
 */
export function listTexts(model) {
  const columns = createTexts("columns", SILENT);
  const cellText = createTexts("cell_text", SILENT);
  columns.update(model.get("columns") || []);
  cellText.update(model.get("cell_text") || []);
  return { columns, cellText };
}

/**
 * The name of the value in a tooltip: the quantity, `h[d]` for a dimension, a static
 * Heatmap's label for its one quantity "value".
 * @param {Pick<Model, "get">} model
 * @returns {string}
 */
function valueKey(model) {
  const q = model.get("quantity");
  return q === "dim" ? `h[${model.get("dim")}]` : q === "value" ? quantityLabel(model.get("quantities"), q) : q || "value";
}

/**
 * A position's label as the tooltip shows it ("" while a lazy label is not known yet).
 * @param {Texts} columns
 * @param {number} col
 * @returns {string}
 */
function positionLabel(columns, col) {
  const label = columns.get(col);
  if (columns.kind !== "lazy") return label ?? String(col);
  return label === undefined ? "" : label;
}

/**
 * What the tooltip says about a cell, as [key, text] lines.
 * @param {Pick<Model, "get">} model
 * @param {Matrix} matrix
 * @param {Cell} cell
 * @param {{columns: Texts, cellText: Texts}} [texts] default: the model's lists
 * @returns {[string, string][]}
 */
export function tooltipLines(model, matrix, cell, texts = listTexts(model)) {
  const rows = model.get("rows") || [];
  const i = cell.row * matrix.nCols + cell.col;
  const v = matrix.data[i];
  const { columns, cellText } = texts;
  let position = positionLabel(columns, cell.col);
  if (columns.kind === "lazy") {
    columns.want(cell.col, cell.col + 1);
    position = position ? `${cell.col} ${JSON.stringify(position)}` : `${cell.col}`;
  }
  const lines = /** @type {[string, string][]} */ ([
    ["layer", rows[cell.row] ?? String(cell.row)],
    ["position", position],
    [valueKey(model), formatValue(v)],
  ]);
  if (cellText.n === matrix.nRows * matrix.nCols && cellText.n > 0) {
    const text = cellText.get(i);
    if (text === undefined) cellText.want(i, i + 1);
    else lines.push(["text", JSON.stringify(text)]);
  }
  for (const note of valueNotes(model.get("notes"), v)) lines.push(["note", note]);
  return lines;
}

/**
 * What the tooltip says about a bin of cells (one pixel of an aggregated map): the rows
 * and the range of positions it covers, the aggregate drawn and the others, and which
 * cell a click selects.
 * @param {Pick<Model, "get">} model
 * @param {Matrix} matrix
 * @param {Hit} hit
 * @param {"mean" | "max" | "min"} mode the aggregate drawn
 * @param {import("./lod.js").BinStats} stats
 * @param {{columns: Texts, cellText: Texts}} texts
 * @returns {[string, string][]}
 */
export function binTooltipLines(model, matrix, hit, mode, stats, texts) {
  const rows = model.get("rows") || [];
  const layer = (/** @type {number} */ r) => rows[r] ?? String(r);
  const { columns } = texts;
  const n = hit.c1 - hit.c0;
  const lines = /** @type {[string, string][]} */ ([
    hit.r1 - hit.r0 > 1 ? ["layers", `${layer(hit.r0)} … ${layer(hit.r1 - 1)} (${hit.r1 - hit.r0} rows)`] : ["layer", layer(hit.row)],
    n > 1 ? ["positions", `${count(hit.c0)} … ${count(hit.c1 - 1)} (${count(n)} in this pixel column)`] : ["position", positionLabel(columns, hit.c0)],
  ]);
  if (n > 1 && columns.n > 0 && columns.kind !== "pattern") { // a pattern's labels are the positions
    columns.want(hit.c0, hit.c0 + 1);
    columns.want(hit.c1 - 1, hit.c1);
    const first = columns.get(hit.c0);
    const last = columns.get(hit.c1 - 1);
    if (first !== undefined && last !== undefined) lines.push(["labels", `${first} … ${last}`]);
  }
  const value = mode === "max" ? stats.max : mode === "min" ? stats.min : stats.mean;
  lines.push([`${valueKey(model)} (${mode})`, formatValue(value)]);
  const others = AGGREGATE_ORDER.filter((m) => m !== mode).map((m) => `${m} ${formatValue(m === "max" ? stats.max : m === "min" ? stats.min : stats.mean)}`);
  lines.push(["also", others.join(" · ")]);
  if (stats.count < stats.cells) lines.push(["NaN", `${stats.cells - stats.count} of ${stats.cells} cells`]);
  const pick = pickCell(hit, mode, stats);
  const why = pick === stats.argmax && mode === "max" ? " (its max)" : pick === stats.argmin && mode === "min" ? " (its min)" : " (under the pointer)";
  lines.push(["click", `selects ${layer(pick.row)} · position ${count(pick.col)}${why}`]);
  for (const note of valueNotes(model.get("notes"), value)) lines.push(["note", note]);
  return lines;
}

const AGGREGATE_ORDER = /** @type {const} */ (["mean", "max", "min"]);

/**
 * A whole number with thousands separators ("32,767").
 * @param {number} k
 * @returns {string}
 */
export function count(k) {
  return Math.round(k).toLocaleString("en-US");
}

/**
 * The tooltip of a hit: a cell's lines, or a bin's; and the cell a click selects.
 * @param {Pick<Model, "get">} model
 * @param {Matrix} matrix
 * @param {Hit} hit
 * @param {{columns: Texts, cellText: Texts}} texts
 * @returns {{lines: [string, string][], pick: Cell}}
 */
export function hitTooltip(model, matrix, hit, texts) {
  if (!isBin(hit)) return { lines: tooltipLines(model, matrix, { row: hit.row, col: hit.col }, texts), pick: { row: hit.row, col: hit.col } };
  const mode = aggregateName(model.get("aggregate"));
  const stats = binStats(matrix.data, matrix.nCols, hit.r0, hit.r1, hit.c0, hit.c1);
  return { lines: binTooltipLines(model, matrix, hit, mode, stats, texts), pick: pickCell(hit, mode, stats) };
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
