// ModuleTree: a model's module hierarchy (the view of iwm_widgets/widgets/module_tree.py).
//
// Only the rows of expanded parents are in the DOM (paint.js); a filter box shows the
// modules whose path contains the text, with their ancestors. Clicking a row whose output
// an ActivationMap (or, for attention weights, an AttentionView) can show sets `selected`
// (JS -> Python); Python opens that view under the tree. The traits are listed in traits.js. The root element carries data-render-count,
// data-rows (rows in the DOM), data-nodes, data-selected and data-draw-ms for tests.

import { onChanges } from "../shared/model.js";
import { drawScheduler } from "../shared/timing.js";
import { paint } from "./paint.js";
import { createState, loadNodes, revealSelected, toggle } from "./state.js";
import { REDRAW } from "./traits.js";
import { selectNode } from "./tree.js";
import { createView } from "./view.js";

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el);
  const state = createState();
  const { list, filter } = view;
  const draw = () => paint(state, view, model);
  // one draw after all trait changes of a message
  const schedule = drawScheduler(draw, () => state.disposed);

  /** @param {number} i */
  function expandOrCollapse(i) {
    if (toggle(state, i, !!filter.value.trim())) draw();
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const row = /** @type {HTMLElement | null} */ (target.closest(".iwm-row"));
    if (!row) return;
    const i = Number(row.dataset.index);
    state.cursor = i;
    if (target.classList.contains("iwm-caret") || !state.nodes[i].open) expandOrCollapse(i);
    else if (!selectNode(model, state.nodes[i])) draw();
  }

  /** @param {KeyboardEvent} e */
  function onKeydown(e) {
    const { shown, cursor } = state;
    if (!shown.length) return;
    let k = shown.indexOf(cursor);
    if (e.key === "ArrowDown") k = Math.min(shown.length - 1, k + 1);
    else if (e.key === "ArrowUp") k = Math.max(0, k - 1);
    else if (e.key === "ArrowRight" && k >= 0 && !state.expanded.has(cursor)) return expandOrCollapse(cursor);
    else if (e.key === "ArrowLeft" && k >= 0 && state.expanded.has(cursor)) return expandOrCollapse(cursor);
    else if (e.key === "Enter" && k >= 0) {
      selectNode(model, state.nodes[cursor]);
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    state.cursor = shown[Math.max(0, k)];
    draw();
    list.querySelector(".iwm-cursor")?.scrollIntoView({ block: "nearest" });
  }

  function onExpandAll() {
    filter.value = "";
    state.expanded = new Set(state.nodes.map((_, i) => i).filter((i) => state.tree.children[i].length));
    draw();
  }

  function onCollapseAll() {
    filter.value = "";
    state.expanded = new Set();
    revealSelected(state, model);
    draw();
  }

  const stopListening = onChanges(model, REDRAW, (name) => {
    if (name === "nodes") {
      loadNodes(state, model);
      schedule();
    } else if (name === "selected") {
      revealSelected(state, model);
      queueMicrotask(() => {
        if (state.disposed) return;
        draw()?.scrollIntoView({ block: "nearest" });
      });
    } else schedule();
  });
  list.addEventListener("click", onClick);
  list.addEventListener("keydown", onKeydown);
  filter.addEventListener("input", draw);
  view.expandAll.addEventListener("click", onExpandAll);
  view.collapseAll.addEventListener("click", onCollapseAll);

  loadNodes(state, model);
  draw();

  return () => {
    state.disposed = true;
    stopListening();
    list.removeEventListener("click", onClick);
    list.removeEventListener("keydown", onKeydown);
    filter.removeEventListener("input", draw);
    view.expandAll.removeEventListener("click", onExpandAll);
    view.collapseAll.removeEventListener("click", onCollapseAll);
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
