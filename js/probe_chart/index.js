// ProbeChart: a probe sweep's score-by-layer chart (the view of
// iwm_widgets/widgets/probe_chart.py).
//
// Python renders the altair chart to SVG (vl-convert) and sends it as text; this view shows
// it, a tooltip over points and baseline rules, and turns a click on a point into the
// `selected` trait (its site; clicking the picked point again clears it). Python then
// re-renders the SVG with the picked layer highlighted; until it arrives the picked points
// carry the class iwm-picked, so a click shows at once. The traits are listed in traits.js.
// The root element carries data-render-count, data-selected, data-drawn and data-points
// for tests.

import { showError } from "../shared/dom.js";
import { onChanges, setTrait } from "../shared/model.js";
import { markPicked, paintSvg } from "./paint.js";
import { nextPick, parseLabel, POINTS, TIPPED, tooltipLines } from "./svg.js";
import { PICK_TRAITS } from "./traits.js";
import { createView } from "./view.js";

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el);
  const { holder, tooltip } = view;
  let renders = 0;
  const drawSvg = () => paintSvg(view, model, ++renders);
  const drawPicked = () => markPicked(view, model);
  const drawError = () => showError(view.root, view.errors, [model.get("error")]);

  /** @param {MouseEvent} e */
  function onMove(e) {
    const target = /** @type {Element} */ (e.target);
    const mark = target.closest?.(TIPPED);
    if (!mark || !holder.contains(mark)) return tooltip.hide();
    tooltip.show(e, tooltipLines(mark.getAttribute("aria-label")));
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const target = /** @type {Element} */ (e.target);
    const point = target.closest?.(POINTS);
    if (!point || !holder.contains(point)) return;
    const site = parseLabel(point.getAttribute("aria-label")).site;
    const pick = nextPick(model.get("selected") || "", site, model.get("sites") || []);
    if (setTrait(model, "selected", pick)) drawPicked();
  }

  const listening = [
    onChanges(model, ["svg"], drawSvg),
    onChanges(model, PICK_TRAITS, drawPicked),
    onChanges(model, ["error"], drawError),
  ];
  holder.addEventListener("click", onClick);
  holder.addEventListener("mousemove", onMove);
  holder.addEventListener("mouseleave", tooltip.hide);

  drawSvg();
  drawError();

  return () => {
    for (const stop of listening) stop();
    holder.removeEventListener("click", onClick);
    holder.removeEventListener("mousemove", onMove);
    holder.removeEventListener("mouseleave", tooltip.hide);
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
