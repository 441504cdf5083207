// AttentionView's state: the decoded weights, what the view checks in them (a bad head or
// shape is shown as an error), the selection as the view reads it, the tooltip's lines,
// and the user's choices written back (JS -> Python).

import { formatValue } from "../shared/format.js";
import { setTrait } from "../shared/model.js";
import { decode } from "../shared/transport.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {{data: Float32Array | Uint8Array | Int32Array, heads: number, positions: number}} Pattern */
/** @typedef {{head: number, query: number, key: number}} Cell */

/**
 * @typedef {object} State
 * @property {Pattern | null} pattern the last good weights
 * @property {string} localError what is wrong with what Python sent, as this view sees it
 * @property {boolean} valuesDirty `values` changed: decode it at the next draw
 * @property {import("./layout.js").Layout | null} layout the panels as last drawn
 * @property {MouseEvent | null} lastMove the last pointer position over the canvas
 * @property {number} lastWidth the plot's width at the last draw
 * @property {number} renderCount
 * @property {boolean} disposed
 */

/** @returns {State} */
export function createState() {
  return {
    pattern: null,
    localError: "",
    valuesDirty: true,
    layout: null,
    lastMove: null,
    lastWidth: 0,
    renderCount: 0,
    disposed: false,
  };
}

/**
 * Decode `values` into a pattern ([heads, queries, keys], queries = keys) when it changed.
 * A payload that is not one keeps the last good pattern and sets `localError`.
 * @param {State} state
 * @param {Pick<Model, "get">} model
 */
export function readValues(state, model) {
  if (!state.valuesDirty) return;
  state.valuesDirty = false;
  const v = model.get("values");
  if (!v || !v.buffer) {
    state.pattern = null;
    state.localError = "";
    return;
  }
  try {
    const { data, shape } = decode(v);
    if (shape.length !== 3 || shape[1] !== shape[2]) {
      throw new Error(`attention weights must be [heads, queries, keys] with queries = keys, got shape [${shape.join(", ")}]`);
    }
    state.pattern = { data, heads: shape[0], positions: shape[1] };
    state.localError = "";
  } catch (e) {
    state.localError = `cannot draw the attention weights: ${/** @type {Error} */ (e).message}`;
  }
}

/**
 * The heads to draw (every head for -1), or an error when `head` is out of range.
 * @param {Pattern} pattern
 * @param {any} head
 * @returns {{heads: number[], error: string}}
 */
export function headsShown(pattern, head) {
  const h = Number(head ?? -1);
  const all = Array.from({ length: pattern.heads }, (_, i) => i);
  if (h === -1) return { heads: all, error: "" };
  if (!Number.isInteger(h) || h < 0 || h >= pattern.heads) {
    return { heads: all, error: `head ${head} is out of range: this site has ${pattern.heads} heads (0 to ${pattern.heads - 1}); showing every head` };
  }
  return { heads: [h], error: "" };
}

/**
 * A problem with the position labels, if any ("" when they match the weights).
 * @param {Pattern} pattern
 * @param {string[]} tokens
 * @returns {string}
 */
export function tokensError(pattern, tokens) {
  if (!tokens.length || tokens.length === pattern.positions) return "";
  return `${tokens.length} position labels for ${pattern.positions} positions: labels shown as numbers`;
}

/**
 * Weight of head h, query q, key k.
 * @param {Pattern} p
 * @param {number} h
 * @param {number} q
 * @param {number} k
 * @returns {number}
 */
export function weight(p, h, q, k) {
  return p.data[(h * p.positions + q) * p.positions + k];
}

/**
 * The selection as the view draws it: a query position (selected here or in another view)
 * and, when a cell was clicked here, its head and key; null when none is in range.
 * @param {any} sel
 * @param {Pattern | null} p
 * @returns {{query: number, head: number | null, key: number | null} | null}
 */
export function parseSelection(sel, p) {
  if (!p || !sel || !Number.isInteger(sel.query) || sel.query < 0 || sel.query >= p.positions) return null;
  const cell = Number.isInteger(sel.head) && Number.isInteger(sel.key) && sel.head >= 0 && sel.head < p.heads && sel.key >= 0 && sel.key < p.positions;
  return { query: sel.query, head: cell ? sel.head : null, key: cell ? sel.key : null };
}

/**
 * A position's label: "3 · city" (or "3" without labels).
 * @param {string[]} tokens
 * @param {number} i
 * @returns {string}
 */
export function positionText(tokens, i) {
  const t = tokens[i];
  return t === undefined || t === "" || t === String(i) ? String(i) : `${i} · ${JSON.stringify(t)}`;
}

/**
 * The tooltip of a cell.
 * @param {Pattern} p
 * @param {string[]} tokens
 * @param {Cell} c
 * @returns {import("../shared/tooltip.js").TooltipLine[]}
 */
export function tooltipLines(p, tokens, c) {
  const w = weight(p, c.head, c.query, c.key);
  const lines = /** @type {import("../shared/tooltip.js").TooltipLine[]} */ ([
    ["head", String(c.head)],
    ["query", positionText(tokens, c.query)],
    ["key", positionText(tokens, c.key)],
    ["weight", formatValue(w)],
  ]);
  if (c.key > c.query && w === 0) lines.push("a later key: the causal mask hides it");
  return lines;
}

/**
 * Click on a cell: select it (the Workspace's selection follows), or clear the selection
 * when it is the selected cell.
 * @param {Model} model
 * @param {Cell} c
 * @returns {boolean} whether it was sent
 */
export function clickCell(model, c) {
  const sel = model.get("selection") || {};
  const same = sel.head === c.head && sel.query === c.query && sel.key === c.key;
  return setTrait(model, "selection", same ? {} : { head: c.head, query: c.query, key: c.key });
}

/**
 * The head select's choice (JS -> Python): -1 for every head.
 * @param {Model} model
 * @param {string} value
 */
export function chooseHead(model, value) {
  const h = Number(value);
  if (Number.isInteger(h)) setTrait(model, "head", h);
}

/**
 * The site select's choice (JS -> Python).
 * @param {Model} model
 * @param {string} value
 */
export function chooseSite(model, value) {
  if (value) setTrait(model, "site", value);
}
