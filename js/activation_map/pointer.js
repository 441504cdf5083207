// ActivationMap under the pointer: the tooltip of the cell under it (or of the pixel
// column's bin of cells when the map is aggregated: the positions it covers and their
// aggregates), a click that selects the cell (in a bin: the one its pixel shows, lod.js
// pickCell) or clears the selection (JS -> Python, Python sets ws.selection), and a drag
// across the map that zooms into the positions dragged over.

import { cellPointer } from "../shared/cell_pointer.js";
import { hitAt } from "./lod.js";
import { hitTooltip, toggleSelection } from "./state.js";
import { setWindow } from "./zoom.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/** A press that moves this far (CSS px) is a drag (a zoom), not a click. */
export const DRAG_PX = 5;

/**
 * @param {View} view
 * @param {State} state
 * @param {Model} model
 * @param {() => void} redraw after a zoom
 * @returns {{refresh: () => void, dispose: () => void}} refresh: new values under a still pointer
 */
export function createPointer(view, state, model, redraw) {
  const { canvas, tooltip, brush } = view;
  const texts = { columns: state.columns, cellText: state.cellText };
  /**
   * @param {number} x
   * @param {number} y
   * @param {{width: number, height: number}} rect
   */
  const hitOf = (x, y, rect) => {
    const { matrix, lod } = state;
    if (!matrix || !lod) return null;
    return hitAt(x, y, rect.width, rect.height, matrix.nRows, lod.c0, lod.c1, lod.outRows, lod.outCols);
  };
  /** @type {{x0: number, x1: number, moved: boolean} | null} */
  let drag = null;
  let dragged = false; // the click that ends a drag selects nothing
  const cells = cellPointer(canvas, tooltip, state, {
    cellAt: hitOf,
    show(e, hit) {
      if (drag && drag.moved) return;
      const { lines, pick } = hitTooltip(model, /** @type {any} */ (state.matrix), hit, texts);
      tooltip.show(e, lines);
      const ds = tooltip.el.dataset;
      ds.row = String(pick.row);
      ds.col = String(pick.col);
      ds.cols = `${hit.c0},${hit.c1}`;
    },
    click: (hit) => toggleSelection(model, hitTooltip(model, /** @type {any} */ (state.matrix), hit, texts).pick),
  });

  /** @param {MouseEvent} e */
  const onMove = (e) => {
    if (!drag) return;
    drag.x1 = e.clientX;
    if (!drag.moved && Math.abs(drag.x1 - drag.x0) < DRAG_PX) return;
    drag.moved = true;
    tooltip.hide();
    const rect = canvas.getBoundingClientRect();
    const a = Math.max(0, Math.min(drag.x0, drag.x1) - rect.left);
    const b = Math.min(rect.width, Math.max(drag.x0, drag.x1) - rect.left);
    brush.hidden = false;
    brush.style.left = `${a}px`;
    brush.style.width = `${Math.max(1, b - a)}px`;
  };
  /** @param {MouseEvent} e */
  const onUp = (e) => {
    window.removeEventListener("mousemove", onMove);
    window.removeEventListener("mouseup", onUp);
    const d = drag;
    drag = null;
    brush.hidden = true;
    if (!d || !d.moved) return;
    dragged = true;
    d.x1 = e.clientX;
    const rect = canvas.getBoundingClientRect();
    const y = rect.height / 2;
    const left = hitOf(Math.max(0, Math.min(d.x0, d.x1) - rect.left), y, rect);
    const right = hitOf(Math.min(rect.width - 0.01, Math.max(d.x0, d.x1) - rect.left), y, rect);
    if (left && right && setWindow(state, left.c0, right.c1)) redraw();
  };
  /** @param {MouseEvent} e */
  const onDown = (e) => {
    dragged = false;
    if (e.button !== 0 || !state.lod) return;
    e.preventDefault(); // a drag selects no text of the page
    drag = { x0: e.clientX, x1: e.clientX, moved: false };
    window.addEventListener("mousemove", onMove);
    window.addEventListener("mouseup", onUp);
  };
  /** @param {MouseEvent} e */
  const onClick = (e) => {
    if (!dragged) return;
    dragged = false;
    e.stopImmediatePropagation(); // before cellPointer's click (capture runs first at the target)
  };
  canvas.addEventListener("mousedown", onDown);
  canvas.addEventListener("click", onClick, { capture: true });

  return {
    refresh: cells.refresh,
    dispose() {
      cells.dispose();
      canvas.removeEventListener("mousedown", onDown);
      canvas.removeEventListener("click", onClick, { capture: true });
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", onUp);
    },
  };
}
