// ActivationMap under the pointer: the tooltip of the cell under it, and a click that
// selects the cell (or clears the selection: JS -> Python, Python sets ws.selection).

import { cellAt } from "./layout.js";
import { toggleSelection, tooltipLines } from "./state.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/**
 * @param {View} view
 * @param {State} state
 * @param {Model} model
 * @returns {{refresh: () => void, dispose: () => void}} refresh: new values under a still pointer
 */
export function createPointer(view, state, model) {
  const { canvas, tooltip } = view;

  /** @param {MouseEvent} e */
  function eventCell(e) {
    if (!state.matrix) return null;
    const rect = canvas.getBoundingClientRect();
    return cellAt(e.clientX - rect.left, e.clientY - rect.top, rect.width, rect.height, state.matrix.nRows, state.matrix.nCols);
  }

  /** @param {MouseEvent} e */
  function onMove(e) {
    state.lastMove = e;
    const cell = state.matrix && eventCell(e);
    if (!state.matrix || !cell) {
      tooltip.hide();
      return;
    }
    tooltip.show(e, tooltipLines(model, state.matrix, cell));
    tooltip.el.dataset.row = String(cell.row);
    tooltip.el.dataset.col = String(cell.col);
  }

  function onLeave() {
    state.lastMove = null;
    tooltip.hide();
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const cell = eventCell(e);
    if (cell) toggleSelection(model, cell);
  }

  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("click", onClick);
  return {
    refresh() {
      if (state.lastMove && !tooltip.el.hidden) onMove(state.lastMove);
    },
    dispose() {
      canvas.removeEventListener("mousemove", onMove);
      canvas.removeEventListener("mouseleave", onLeave);
      canvas.removeEventListener("click", onClick);
    },
  };
}
