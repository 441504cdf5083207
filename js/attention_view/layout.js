// AttentionView's geometry, without the DOM: where each head's query × key panel goes,
// which cell is under the pointer, and which position labels fit.

/** Gap between panels (px). */
export const GAP_PX = 14;
/** Height of a panel's title ("head 2") above it (px). */
export const TITLE_PX = 16;
/** Font size of the position labels (px). */
export const LABEL_FONT_PX = 11;
/** A panel of every head is at most this big (px); one head alone at most SINGLE_MAX_PX. */
export const GRID_MAX_PX = 260;
export const SINGLE_MAX_PX = 520;
/** Panels shrink to this before the grid wraps to another row (px). */
export const PANEL_MIN_PX = 120;
/** Longest label drawn (px); longer ones are cut with "…". */
export const LABEL_MAX_PX = 90;

/**
 * @typedef {object} Layout
 * @property {number[]} heads the heads shown, in panel order
 * @property {number} positions queries = keys
 * @property {number} cols panels per row
 * @property {number} rows rows of panels
 * @property {number} cell side of one cell (px, an integer)
 * @property {number} panel side of one panel (cell × positions)
 * @property {number} gutter width of the query labels left of each row of panels (px)
 * @property {number} below height of the key labels under each panel (px)
 * @property {number} width
 * @property {number} height
 */

/**
 * Lay the panels out in `width` px.
 * @param {{width: number, heads: number[], positions: number, labelPx: number}} o
 *   labelPx: the widest position label (px, before cutting to LABEL_MAX_PX)
 * @returns {Layout}
 */
export function layout({ width, heads, positions, labelPx }) {
  const n = Math.max(1, heads.length);
  const T = Math.max(1, positions);
  const lab = Math.min(LABEL_MAX_PX, Math.ceil(labelPx));
  const gutter = lab + 8;
  const below = lab + 8;
  const maxPanel = heads.length === 1 ? SINGLE_MAX_PX : GRID_MAX_PX;
  const room = (/** @type {number} */ c) => Math.floor((width - c * gutter - (c - 1) * GAP_PX) / c);
  let cols = n;
  while (cols > 1 && room(cols) < PANEL_MIN_PX) cols--;
  // every panel has its own query labels on its left: they are the rows it is read by
  const avail = Math.max(T, Math.min(maxPanel, room(cols)));
  const cell = Math.max(1, Math.floor(avail / T));
  const panel = cell * T;
  const rows = Math.ceil(n / cols);
  return {
    heads: [...heads],
    positions: T,
    cols,
    rows,
    cell,
    panel,
    gutter,
    below,
    width: cols * (gutter + panel) + (cols - 1) * GAP_PX,
    height: rows * (TITLE_PX + panel + below) + (rows - 1) * GAP_PX,
  };
}

/**
 * Top-left corner of panel k (its cells; the title is above, the labels left and below).
 * @param {Layout} L
 * @param {number} k index into L.heads
 * @returns {{x: number, y: number}}
 */
export function panelOrigin(L, k) {
  const c = k % L.cols;
  const r = Math.floor(k / L.cols);
  return {
    x: c * (L.gutter + L.panel + GAP_PX) + L.gutter,
    y: r * (TITLE_PX + L.panel + L.below + GAP_PX) + TITLE_PX,
  };
}

/**
 * The cell under (x, y) (CSS px in the canvas), or null between panels.
 * @param {Layout} L
 * @param {number} x
 * @param {number} y
 * @returns {{head: number, query: number, key: number} | null}
 */
export function cellAt(L, x, y) {
  for (let k = 0; k < L.heads.length; k++) {
    const o = panelOrigin(L, k);
    const key = Math.floor((x - o.x) / L.cell);
    const query = Math.floor((y - o.y) / L.cell);
    if (key >= 0 && key < L.positions && query >= 0 && query < L.positions) {
      return { head: L.heads[k], query, key };
    }
  }
  return null;
}

/**
 * Which of `n` labels, each `cell` px apart, to draw so that labels `line` px tall do not
 * overlap: every k-th one.
 * @param {number} n
 * @param {number} cell
 * @param {number} line
 * @returns {number[]}
 */
export function labelIndices(n, cell, line = LABEL_FONT_PX + 2) {
  const step = Math.max(1, Math.ceil(line / Math.max(cell, 1e-9)));
  const out = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

/**
 * `text` cut with "…" to fit `max` px, measured by `measure`.
 * @param {string} text
 * @param {number} max
 * @param {(s: string) => number} measure
 * @returns {string}
 */
export function fitLabel(text, max, measure) {
  if (measure(text) <= max) return text;
  let s = text;
  while (s.length > 1 && measure(`${s}…`) > max) s = s.slice(0, -1);
  return `${s}…`;
}
