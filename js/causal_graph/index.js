// CausalGraph: a live graph of causal effects between variables (the view of
// iwm_widgets/widgets/causal_graph.py).
//
// Python computes the graph and its layout (networkx) and sends nodes (a list of dicts,
// positions in the unit square, x grows with depth, y = 0 at the top) and edges (a binary
// [E, 3] payload of source index, target index, signed effect; over a batch of inputs
// [E, 6]: source, target, mean effect, its standard error, its 95% interval lo, hi, with
// `n_inputs` saying over how many inputs; the edge tooltip shows them). graph.js reads
// them, scene.js turns them into one drawing that canvas.js paints (200 nodes and 2,000
// edges in a few ms) and svg.js serialises. Clicking a node opens its editor (editor.js);
// the threshold slider filters the drawing at once (options.js). The traits are listed in
// traits.js. Messages to Python: {type: "edit", node, op, value}, {type: "remove_edit",
// node}, {type: "export", format: "png" | "svg", data}. The root element carries
// data-render-count, data-generation, data-nodes, data-edges-drawn, data-selected,
// data-draw-ms, data-build-ms (the scene rebuilt), data-paint-ms, data-labels (labels
// shown; the rest show on hover), data-radius, data-hover, data-sent and data-exported for
// tests; the node list's buttons carry data-id, data-x, data-y (CSS px of the canvas),
// data-shape and data-label (its label's box "x0,y0,x1,y1", or "" when hidden).

import { ownKeys, showError } from "../shared/dom.js";
import { onChanges } from "../shared/model.js";
import { DEFAULT_THEME, onThemeChange } from "../shared/theme.js";
import { drawScheduler } from "../shared/timing.js";
import { createEditor } from "./editor.js";
import { createOptions } from "./options.js";
import { buildNodeList, paintCanvas, paintGraph, paintHeader, paintLegend } from "./paint.js";
import { createPointer } from "./pointer.js";
import { createState, readTraits } from "./state.js";
import { GRAPH_TRAITS, REDRAW } from "./traits.js";
import { createView } from "./view.js";

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el);
  const state = createState(model, DEFAULT_THEME);
  // one draw after all trait changes of a message
  const schedule = drawScheduler(() => draw(), () => state.disposed);
  const options = createOptions(view, state, model, schedule);
  const editor = createEditor(view, state, model, { schedule, draw: () => draw() });
  const pointer = createPointer(view, state, model, { paint: () => paintCanvas(state, view, model), editor });
  const showErrors = () => showError(view.root, view.errors, [model.get("error") || "", state.localError]);

  function draw() {
    const t0 = performance.now();
    if (readTraits(state, model)) {
      buildNodeList(state, view);
      pointer.rehover();
    }
    paintHeader(view, model);
    options.update();
    paintGraph(state, view, model, t0);
    paintLegend(state, view, model);
    editor.update();
    pointer.update();
    showErrors();
  }

  const stopListening = onChanges(model, REDRAW, (name) => {
    if (GRAPH_TRAITS.includes(name)) state.graphDirty = true;
    if (name === "edge_threshold") options.fromPython();
    if (name === "error" || name === "status") {
      paintHeader(view, model);
      showErrors();
    }
    schedule();
  });
  const releaseKeys = ownKeys(view.root, editor.onKey);
  const stopTheme = onThemeChange(() => {
    state.sceneDirty = true; // colours are part of the scene
    schedule();
  });
  const ro = new ResizeObserver(() => {
    if (Math.floor(view.plot.clientWidth) !== state.lastSize.w) schedule();
  });
  ro.observe(view.plot);

  view.root.dataset.sent = "0";
  draw();

  return () => {
    state.disposed = true;
    options.dispose();
    ro.disconnect();
    pointer.dispose();
    stopListening();
    editor.dispose();
    releaseKeys();
    stopTheme();
    view.canvas.width = view.canvas.height = 0;
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
