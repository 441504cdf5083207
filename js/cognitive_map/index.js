// CognitiveMap: a city-taxi model's map of its city (the view of
// iwm_widgets/widgets/cognitive_map.py). The true city, where a position probe decodes
// each intersection, the model's implied map on request, and the Workspace's route with
// the model's next move at one step; clicking an intersection steers the model's "where
// am I" there.
//
// Python sends positions as binary [N, 2] payloads and the prediction at the shown step
// in `live` (state.js decodes them); paint.js draws one SVG (CSS colours, so a theme
// switch restyles it). Hover an intersection for its numbers; click one to send
// {type: "steer", node} (the taxi's own intersection: {type: "clear"}); the step strip
// sets `step`, the implied-map box `show_implied`, the select `steer_method`, "clear
// steering" sends {type: "clear"}. The traits are listed in traits.js. The root element
// carries data-render-count, data-generation, data-step, data-theme, data-live (JSON),
// data-arrows (JSON [token, at node, p, legal]), data-implied, data-hover (JSON) and
// data-sent (messages sent) for tests; each intersection's hit circle carries data-node.

import { ownKeys } from "../shared/dom.js";
import { onChanges, setTrait } from "../shared/model.js";
import { onThemeChange, themeOf } from "../shared/theme.js";
import { drawScheduler } from "../shared/timing.js";
import { paint } from "./paint.js";
import { decodedXY, nearestNode, nodeTooltip, nodeXY, readData } from "./state.js";
import { REDRAW } from "./traits.js";
import { createView } from "./view.js";

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el, model);
  /** @type {{data: import("./state.js").Data | null, localError: string, hover: number, renderCount: number, dataDirty: boolean, disposed: boolean, frame: import("./state.js").Frame | null, sent: number, lastMove: MouseEvent | null}} */
  const state = { data: null, localError: "", hover: -1, renderCount: 0, dataDirty: true, disposed: false, frame: null, sent: 0, lastMove: null };

  function draw() {
    if (state.dataDirty) {
      state.dataDirty = false;
      try {
        state.data = readData(model);
        state.localError = "";
      } catch (e) {
        state.localError = `cannot draw the map: ${/** @type {Error} */ (e).message}`;
      }
    }
    view.root.dataset.theme = themeOf(view.root).dark ? "dark" : "light";
    state.frame = paint(state, view, model);
  }
  const schedule = drawScheduler(draw, () => state.disposed);
  const stopListening = onChanges(model, REDRAW, (name) => {
    if (name !== "error" && name !== "status" && name !== "generation" && name !== "title" && name !== "step" && name !== "steer_method") state.dataDirty = true;
    schedule();
  });

  /** @param {MouseEvent} e @returns {number} the intersection under the pointer, or -1 */
  const nodeAt = (e) => {
    if (!state.data || !state.frame) return -1;
    const r = view.svg.getBoundingClientRect();
    const k = r.width > 0 ? state.frame.width / r.width : 1; // the SVG may be scaled down
    return nearestNode(state.data, state.frame, (e.clientX - r.left) * k, (e.clientY - r.top) * k);
  };

  // ---- hover
  /** @param {MouseEvent} e */
  function hover(e) {
    state.lastMove = e;
    const u = nodeAt(e);
    const changed = u !== state.hover;
    state.hover = u;
    const d = state.data;
    if (d && u >= 0) {
      view.tooltip.show(e, nodeTooltip(d, u, Number(model.get("step"))));
      const dec = decodedXY(d, u);
      view.root.dataset.hover = JSON.stringify({ node: u, true: nodeXY(d, u), decoded: dec, count: d.counts[u] ?? 0 });
    } else {
      view.tooltip.hide();
      view.root.dataset.hover = "";
    }
    if (changed) schedule();
  }
  const onLeave = () => {
    state.lastMove = null;
    state.hover = -1;
    view.tooltip.hide();
    view.root.dataset.hover = "";
    schedule();
  };
  /** @param {MouseEvent} e */
  const onClick = (e) => {
    const u = nodeAt(e);
    const d = state.data;
    if (!d || u < 0) return;
    const here = d.routeNodes[Number(model.get("step"))];
    model.send(u === here ? { type: "clear" } : { type: "steer", node: u });
    state.sent++;
    view.root.dataset.sent = String(state.sent);
  };
  view.svg.addEventListener("mousemove", hover);
  view.svg.addEventListener("mouseleave", onLeave);
  view.svg.addEventListener("click", onClick);

  // ---- the step strip and the header's controls
  /** @param {MouseEvent} e */
  const onStrip = (e) => {
    const b = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest("button.iwm-tok"));
    if (!b || /** @type {HTMLButtonElement} */ (b).disabled) return;
    const step = Number(b.dataset.step);
    if (Number.isInteger(step)) setTrait(model, "step", step);
  };
  const onImplied = () => setTrait(model, "show_implied", view.implied.checked);
  const onMethod = () => setTrait(model, "steer_method", view.method.value);
  const onClear = () => {
    model.send({ type: "clear" });
    state.sent++;
    view.root.dataset.sent = String(state.sent);
  };
  view.strip.addEventListener("click", onStrip);
  view.implied.addEventListener("change", onImplied);
  view.method.addEventListener("change", onMethod);
  view.clear.addEventListener("click", onClear);
  const releaseKeys = ownKeys(view.root);
  const stopTheme = onThemeChange(schedule);
  const ro = new ResizeObserver(() => schedule());
  ro.observe(view.plot);

  view.root.dataset.sent = "0";
  draw();

  return () => {
    state.disposed = true;
    view.run.dispose();
    ro.disconnect();
    stopTheme();
    stopListening();
    releaseKeys();
    view.svg.removeEventListener("mousemove", hover);
    view.svg.removeEventListener("mouseleave", onLeave);
    view.svg.removeEventListener("click", onClick);
    view.strip.removeEventListener("click", onStrip);
    view.implied.removeEventListener("change", onImplied);
    view.method.removeEventListener("change", onMethod);
    view.clear.removeEventListener("click", onClear);
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
