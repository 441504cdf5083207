// ActivationMap's zoom window (the visible positions; per view, not synced): set by a drag
// across the map (pointer.js) and by the buttons of the level-of-detail line: pan by half a
// window, zoom out 4×, back to all positions; and moved to a cell selected elsewhere.

import { clampWindow, panWindow, zoomWindow } from "./lod.js";
import { parseSelection, visibleWindow } from "./state.js";

/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/** A zoom out shows this many times as many positions. */
export const ZOOM_OUT = 4;

/**
 * Show columns [c0, c1) (clamped, at least lod.js's MIN_WINDOW wide; all of them: no window).
 * @param {State} state
 * @param {number} c0
 * @param {number} c1
 * @returns {boolean} whether the window changed
 */
export function setWindow(state, c0, c1) {
  if (!state.matrix) return false;
  const n = state.matrix.nCols;
  const w = clampWindow(c0, c1, n);
  const next = w.c0 === 0 && w.c1 === n ? null : w;
  const cur = state.window;
  if ((next === null && cur === null) || (next && cur && next.c0 === cur.c0 && next.c1 === cur.c1)) return false;
  state.window = next;
  return true;
}

/**
 * A selection made elsewhere (Python, another view) outside the zoomed-in window: move
 * the window (its width kept) to centre on it. A click in this view is always inside.
 * @param {State} state
 * @param {any} selection the `selection` trait
 * @returns {boolean} whether the window moved
 */
export function followSelection(state, selection) {
  const w = state.window;
  if (!w || !state.matrix) return false;
  const sel = parseSelection(selection, state.matrix.nRows, state.matrix.nCols);
  if (!sel || (sel.col >= w.c0 && sel.col < w.c1)) return false;
  const half = (w.c1 - w.c0) / 2;
  return setWindow(state, sel.col - half, sel.col + half);
}

/**
 * The zoom buttons.
 * @param {View} view
 * @param {State} state
 * @param {() => void} redraw
 * @returns {{dispose: () => void}}
 */
export function createZoom(view, state, redraw) {
  const n = () => (state.matrix ? state.matrix.nCols : 0);
  /** @type {[HTMLButtonElement, () => {c0: number, c1: number} | null][]} */
  const actions = [
    [view.zoomLeft, () => { const w = visibleWindow(state); return panWindow(w, -Math.ceil((w.c1 - w.c0) / 2), n()); }],
    [view.zoomRight, () => { const w = visibleWindow(state); return panWindow(w, Math.ceil((w.c1 - w.c0) / 2), n()); }],
    [view.zoomOut, () => { const w = visibleWindow(state); return zoomWindow(w, (w.c0 + w.c1) / 2, ZOOM_OUT, n()); }],
    [view.zoomAll, () => ({ c0: 0, c1: n() })],
  ]; // prettier-ignore
  const handlers = actions.map(([btn, next]) => {
    const onClick = () => {
      const w = next();
      if (w && setWindow(state, w.c0, w.c1)) redraw();
    };
    btn.addEventListener("click", onClick);
    return () => btn.removeEventListener("click", onClick);
  });
  return {
    dispose() {
      for (const off of handlers) off();
    },
  };
}
