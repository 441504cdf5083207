// AttentionView under the pointer: the tooltip of the cell under it (head, query and key
// positions with their tokens, the weight), and a click that selects the cell (JS ->
// Python; Python sets ws.selection) or clears the selection.

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

  /** @param {MouseEvent} e */
  function eventCell(e) {
    if (!state.layout || !state.pattern) return null;
    const rect = canvas.getBoundingClientRect();
    return cellAt(state.layout, e.clientX - rect.left, e.clientY - rect.top);
  }

  /** @param {MouseEvent} e */
  function onMove(e) {
    state.lastMove = e;
    const cell = eventCell(e);
    if (!cell || !state.pattern) {
      tooltip.hide();
      return;
    }
    tooltip.show(e, tooltipLines(state.pattern, model.get("tokens") || [], cell));
    const d = tooltip.el.dataset;
    d.head = String(cell.head);
    d.query = String(cell.query);
    d.key = String(cell.key);
  }

  function onLeave() {
    state.lastMove = null;
    tooltip.hide();
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const cell = eventCell(e);
    if (cell) clickCell(model, cell);
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
