// AttentionView: an attention pattern, heads × query × key (the view of
// iwm_widgets/widgets/attention_view.py).
//
// One panel per head (or one head large): row q, column k is how much query position q
// attends to key position k; rows sum to 1. Drawn on one canvas (paint.js), with the
// position labels (tokens of a language model, steps of a world model) in the theme's
// colours. Hover shows head, query, key and weight; a click selects the cell (JS ->
// Python -> ws.selection) and a position selected in another view marks its query row.
// The traits are listed in traits.js. The root element carries data-render-count,
// data-generation, data-site, data-heads, data-positions, data-selection, data-layout (the
// panels' geometry, JSON) and data-draw-ms for tests.

import { ownKeys } from "../shared/dom.js";
import { onChanges } from "../shared/model.js";
import { drawScheduler } from "../shared/timing.js";
import { paint } from "./paint.js";
import { createPointer } from "./pointer.js";
import { chooseHead, chooseSite, createState, readValues } from "./state.js";
import { REDRAW } from "./traits.js";
import { createView } from "./view.js";

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el, model);
  const state = createState();
  const pointer = createPointer(view, state, model);

  function draw() {
    readValues(state, model);
    if (paint(state, view, model)) pointer.refresh();
  }
  // one draw after all trait changes of a message
  const schedule = drawScheduler(draw, () => state.disposed);

  const stopListening = onChanges(model, REDRAW, (name) => {
    if (name === "values") state.valuesDirty = true;
    schedule();
  });
  const onHead = () => chooseHead(model, view.headSelect.value);
  const onSite = () => chooseSite(model, view.siteSelect.value);
  view.headSelect.addEventListener("change", onHead);
  view.siteSelect.addEventListener("change", onSite);
  const releaseKeys = ownKeys(view.header);
  const ro = new ResizeObserver(() => {
    if (Math.floor(view.plot.clientWidth) !== state.lastWidth) schedule();
  });
  ro.observe(view.plot);
  // the labels are drawn in the theme's colours: redraw when JupyterLab switches theme
  const themeWatch = typeof MutationObserver === "undefined" || !document.body ? null : new MutationObserver(schedule);
  themeWatch?.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name", "class"] });

  draw();

  return () => {
    state.disposed = true;
    view.run.dispose();
    ro.disconnect();
    themeWatch?.disconnect();
    stopListening();
    pointer.dispose();
    view.headSelect.removeEventListener("change", onHead);
    view.siteSelect.removeEventListener("change", onSite);
    releaseKeys();
    view.offscreen.width = view.offscreen.height = 0;
    view.canvas.width = view.canvas.height = 0;
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
