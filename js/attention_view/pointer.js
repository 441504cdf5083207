// AttentionView under the pointer: the tooltip of the cell under it (head, query and key
// positions with their tokens, the weight), and a click that selects the cell (JS ->
// Python; Python sets ws.selection) or clears the selection.

import { cellPointer } from "../shared/cell_pointer.js";
import { cellAt } from "./layout.js";
import { clickCell, tooltipLines } from "./state.js";

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
    cellAt: (x, y) => (state.layout && state.pattern ? cellAt(state.layout, x, y) : null),
    show(e, cell) {
      tooltip.show(e, tooltipLines(state.pattern, model.get("tokens") || [], cell));
      const d = tooltip.el.dataset;
      d.head = String(cell.head);
      d.query = String(cell.query);
      d.key = String(cell.key);
    },
    click: (cell) => clickCell(model, cell),
  });
}
