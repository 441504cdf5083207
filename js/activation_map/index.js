// ActivationMap: a layer × position heatmap (the view of iwm_widgets/widgets/activation_map.py,
// also of its static Heatmap).
//
// Cells are drawn as one pixel each into an offscreen canvas and scaled up with drawImage
// (no smoothing), so 48 × 4096 cells draw in a few milliseconds; when there are more cells
// than device pixels they are averaged into bins first (paint.js). Row 0 is at the bottom:
// layers grow upwards like the residual stream. The traits are listed in traits.js. The
// root element carries data-render-count, data-generation, data-rows, data-cols,
// data-selection and data-draw-ms for tests.

import { ownKeys, showError } from "../shared/dom.js";
import { onChanges } from "../shared/model.js";
import { drawScheduler } from "../shared/timing.js";
import { createControls } from "./controls.js";
import { paint } from "./paint.js";
import { createPointer } from "./pointer.js";
import { createState, markChanged, readValues } from "./state.js";
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
  const showErrors = () => showError(view.root, view.errors, [model.get("error") || "", state.localError, controls.error()]);
  const controls = createControls(view, model, showErrors);

  function draw() {
    readValues(state, model);
    controls.update();
    showErrors();
    if (paint(state, view, model)) pointer.refresh();
  }
  // one draw after all trait changes of a message
  const schedule = drawScheduler(draw, () => state.disposed);

  const stopListening = onChanges(model, REDRAW, (name) => {
    markChanged(state, name);
    if (name === "error" || name === "status") {
      controls.update();
      showErrors();
    }
    schedule();
  });
  const releaseKeys = ownKeys(view.header);
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
    pointer.dispose();
    controls.dispose();
    releaseKeys();
    view.offscreen.width = view.offscreen.height = 0;
    view.canvas.width = view.canvas.height = 0;
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
