// ActivationMap: a layer × position heatmap (the view of iwm_widgets/widgets/activation_map.py,
// also of its static Heatmap).
//
// Cells are drawn as one pixel each into an offscreen canvas and scaled up with drawImage
// (no smoothing), so 48 × 4096 cells draw in a few milliseconds; when there are more cells
// than device pixels each pixel column shows the mean, max or min of its cells (lod.js;
// the legend says which, and of how many), and a drag zooms in down to one column per
// position (zoom.js). Large maps arrive as float16 and their labels as a pattern or on
// demand (texts.js). Row 0 is at the bottom: layers grow upwards like the residual stream.
// The traits are listed in traits.js. The root element carries data-render-count,
// data-generation, data-rows, data-cols, data-selection, data-draw-ms (the last paint),
// data-decode-ms (the last decode of `values`), data-lod and data-window for tests.

import { ownKeys, showError } from "../shared/dom.js";
import { onChanges } from "../shared/model.js";
import { drawScheduler } from "../shared/timing.js";
import { createControls } from "./controls.js";
import { paint } from "./paint.js";
import { createPointer } from "./pointer.js";
import { createState, markChanged, readTexts, readValues } from "./state.js";
import { REDRAW } from "./traits.js";
import { createView } from "./view.js";
import { createZoom, followSelection } from "./zoom.js";

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el, model);
  const state = createState(model);
  const redraw = () => schedule();
  const pointer = createPointer(view, state, model, redraw);
  const zoom = createZoom(view, state, redraw);
  const showErrors = () => showError(view.root, view.errors, [model.get("error") || "", state.localError, controls.error()]);
  const controls = createControls(view, model, showErrors);

  function draw() {
    const t0 = performance.now();
    const decoding = state.valuesDirty;
    readValues(state, model);
    readTexts(state, model);
    if (decoding) view.root.dataset.decodeMs = (performance.now() - t0).toFixed(2);
    controls.update();
    showErrors();
    if (paint(state, view, model)) pointer.refresh();
  }
  // one draw after all trait changes of a message
  const schedule = drawScheduler(draw, () => state.disposed);

  const stopListening = onChanges(model, REDRAW, (name) => {
    markChanged(state, name);
    if (name === "selection") followSelection(state, model.get("selection"));
    if (name === "error" || name === "status") {
      controls.update();
      showErrors();
    }
    schedule();
  });
  // texts fetched on demand (texts.js): draw the labels, re-show the tooltip
  const onMsg = (/** @type {any} */ msg) => {
    if (state.columns.receive(msg)) state.colWidths = null;
    else if (!state.cellText.receive(msg)) return;
    schedule();
  };
  model.on("msg:custom", onMsg);
  const releaseKeys = ownKeys(view.header);
  const releaseLodKeys = ownKeys(view.lodRow);
  const ro = new ResizeObserver(() => {
    if (Math.floor(view.plot.clientWidth) !== state.lastSize.w) schedule();
  });
  ro.observe(view.plot);

  draw();

  return () => {
    state.disposed = true;
    view.run.dispose();
    ro.disconnect();
    stopListening();
    model.off("msg:custom", onMsg);
    pointer.dispose();
    zoom.dispose();
    controls.dispose();
    releaseKeys();
    releaseLodKeys();
    view.offscreen.width = view.offscreen.height = 0;
    view.canvas.width = view.canvas.height = 0;
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
