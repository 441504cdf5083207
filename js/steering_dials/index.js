// SteeringDials: sliders and circular dials that set Variables, and the rollout they steer
// (the view of iwm_widgets/widgets/steering_dials.py).
//
// The dials (editor.js) show a moved value at once and send it through a throttle
// (state.js); Python runs the workspace (latest wins) and sends back the rollout, drawn by
// paint.js: the context, the model's prediction without (blue) and with (orange) the edits,
// and the simulator's (dashed). For a language model Python fills `lm` instead, and the
// LM panel (lm_panel.js) takes the rollout canvas' place. The traits are listed in
// traits.js. The root element carries data-render-count, data-generation, data-sent,
// data-draw-ms, data-copied and data-lm ("1" while the LM panel is shown).

import { ownKeys } from "../shared/dom.js";
import { onChanges } from "../shared/model.js";
import { onThemeChange } from "../shared/theme.js";
import { drawScheduler } from "../shared/timing.js";
import { createEditor } from "./editor.js";
import { createOptions } from "./options.js";
import { paintError, paintHeader, paintResult, rolloutWidth } from "./paint.js";
import { createState, valueSender } from "./state.js";
import { REDRAW } from "./traits.js";
import { createView } from "./view.js";

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el, model);
  const state = createState();
  const sender = valueSender(model, { onSend: (n) => (view.root.dataset.sent = String(n)) });
  const editor = createEditor(view.dialsBox, state, model, sender);

  // one draw after all trait changes of a message
  const schedule = drawScheduler(() => draw(), () => state.disposed);
  const options = createOptions(view, state, model, sender, schedule);

  function draw() {
    editor.update();
    paintHeader(view, model);
    options.update();
    paintResult(state, view, model);
    paintError(state, view, model); // after drawing: it shows what drawing could not read
  }

  const stopListening = onChanges(model, REDRAW, (name) => {
    if (name === "rollout") state.rolloutDirty = true;
    if (name === "lm") state.lmDirty = true;
    // Python reset the values or loaded a preset: show them, unless a drag is on.
    if (name === "values") sender.fromPython();
    if (name === "status" || name === "error") {
      paintHeader(view, model);
      paintError(state, view, model);
    }
    schedule();
  });
  const releaseKeys = ownKeys(view.root);
  const stopTheme = onThemeChange(() => {
    state.canvasStale = true; // the rollout's colours come from the theme
    schedule();
  });
  const ro = new ResizeObserver(() => {
    if (rolloutWidth(view) !== state.lastWidth) {
      state.canvasStale = true;
      schedule();
    }
  });
  ro.observe(view.rolloutBox);

  view.root.dataset.sent = "0";
  draw();

  return () => {
    state.disposed = true;
    sender.cancel();
    ro.disconnect();
    stopListening();
    editor.dispose();
    view.run.dispose();
    options.dispose();
    releaseKeys();
    stopTheme();
    view.canvas.width = view.canvas.height = 0;
    view.lmPanel.dispose();
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
