// A canvas of cells under the pointer: the tooltip of the cell under it, hidden off the
// cells; a click on a cell; and a refresh that re-shows the tooltip for new values under
// a still pointer. Each view says how to find a cell and what to show and do with it.

/**
 * @template Cell
 * @param {HTMLCanvasElement} canvas
 * @param {{el: HTMLElement, hide: () => void}} tooltip
 * @param {{lastMove: MouseEvent | null}} state  where the last pointer move is kept
 * @param {{
 *   cellAt: (x: number, y: number, rect: DOMRect) => Cell | null,
 *   show: (e: MouseEvent, cell: Cell) => void,
 *   click: (cell: Cell) => void,
 * }} cells  cellAt gets canvas coordinates (null: no cell, or nothing drawn yet)
 * @returns {{refresh: () => void, dispose: () => void}}
 */
export function cellPointer(canvas, tooltip, state, cells) {
  /** @param {MouseEvent} e */
  function eventCell(e) {
    const rect = canvas.getBoundingClientRect();
    return cells.cellAt(e.clientX - rect.left, e.clientY - rect.top, rect);
  }

  /** @param {MouseEvent} e */
  function onMove(e) {
    state.lastMove = e;
    const cell = eventCell(e);
    if (!cell) {
      tooltip.hide();
      return;
    }
    cells.show(e, cell);
  }

  function onLeave() {
    state.lastMove = null;
    tooltip.hide();
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const cell = eventCell(e);
    if (cell) cells.click(cell);
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
