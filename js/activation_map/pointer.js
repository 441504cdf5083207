// ActivationMap under the pointer: the tooltip of the cell under it, and a click that
// selects the cell (or clears the selection: JS -> Python, Python sets ws.selection).

import { cellPointer } from "../shared/cell_pointer.js";
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
  return cellPointer(canvas, tooltip, state, {
    cellAt: (x, y, rect) =>
      state.matrix ? cellAt(x, y, rect.width, rect.height, state.matrix.nRows, state.matrix.nCols) : null,
    show(e, cell) {
      tooltip.show(e, tooltipLines(model, state.matrix, cell));
      tooltip.el.dataset.row = String(cell.row);
      tooltip.el.dataset.col = String(cell.col);
    },
    click: (cell) => toggleSelection(model, cell),
  });
}
