// CognitiveMap's DOM: the header (title, implied-map toggle, steering method, clear
// steering, badges, run panel), a hint, the error box, the step strip, the map (one SVG)
// beside the readout, the legend, the tooltip, and their CSS (colours for light and dark).

import { button, generationBadge, labelled, statusBadge } from "../shared/controls.js";
import { errorBox, h, svgEl } from "../shared/dom.js";
import { RUN_CSS, runPanel } from "../shared/run_panel.js";
import { baseCss, DARK_HOSTS, headerCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";

const SCOPE = ".iwm-cognitive-map";
/** The map's largest side (CSS px). */
export const MAX_SIDE = 500;

const DARK = DARK_HOSTS.map((d) => `${d} ${SCOPE}`).join(", ");

export const CSS = `${baseCss(SCOPE)}${headerCss(SCOPE)}
${SCOPE} {
  position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px;
  --cm-street: #8d939b; --cm-node: #3a3f45; --cm-decoded: #1f6fb4; --cm-route: #f2b01e;
  --cm-legal: #23903c; --cm-illegal: #d12f2f; --cm-false: #d12f2f; --cm-missing: #8e44ad;
  --cm-closed: #8d939b; --cm-live: #1f6fb4;
}
${DARK} {
  --cm-street: #7c838c; --cm-node: #d5d9de; --cm-decoded: #62b0f0; --cm-route: #ffc933;
  --cm-legal: #4fcf6c; --cm-illegal: #ff6b6b; --cm-false: #ff6b6b; --cm-missing: #c48be6;
  --cm-closed: #9aa1aa; --cm-live: #62b0f0;
}
${DARK} .iwm-route { stroke-opacity: 0.8; }
${SCOPE} label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
${SCOPE} select, ${SCOPE} button {
  font: inherit; color: var(--iwm-fg); background: var(--iwm-control-bg);
  border: 1px solid var(--iwm-border); border-radius: 2px; padding: 1px 6px;
}
${SCOPE} button:disabled { opacity: 0.45; }
${SCOPE} .iwm-status { color: var(--iwm-muted); font-style: italic; }
${SCOPE} .iwm-status.iwm-idle { visibility: hidden; }
${SCOPE} .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; margin-left: auto; }
${SCOPE} .iwm-hint { color: var(--iwm-muted); font-size: 0.9em; margin-bottom: 6px; max-width: 860px; }
${SCOPE} .iwm-strip { display: flex; flex-wrap: wrap; gap: 3px; align-items: center; margin-bottom: 6px; }
${SCOPE} .iwm-strip-label { color: var(--iwm-muted); font-size: 0.9em; margin-right: 4px; }
${SCOPE} .iwm-tok { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px; min-width: 2.2em; padding: 1px 5px; cursor: pointer; }
${SCOPE} .iwm-tok:disabled { cursor: default; }
${SCOPE} .iwm-tok[aria-pressed="true"] { border-color: var(--cm-route); box-shadow: inset 0 -3px 0 var(--cm-route); font-weight: 600; }
${SCOPE} .iwm-tok .iwm-tok-i { display: block; font-size: 9px; color: var(--iwm-faint); line-height: 10px; }
${SCOPE} .iwm-body { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
${SCOPE} .iwm-plot { position: relative; flex: 1 1 320px; min-width: 260px; max-width: ${MAX_SIDE}px; transition: opacity 0.15s; }
${SCOPE}.iwm-stale .iwm-plot { opacity: 0.45; }
${SCOPE} .iwm-map { display: block; width: 100%; height: auto; overflow: visible; user-select: none; }
${SCOPE} .iwm-side { flex: 1 1 240px; min-width: 220px; max-width: 360px; display: flex; flex-direction: column; gap: 8px; }
${SCOPE} .iwm-readout { font-variant-numeric: tabular-nums; line-height: 1.45; }
${SCOPE} .iwm-readout div { margin-bottom: 2px; }
${SCOPE} .iwm-readout .iwm-r-top { font-weight: 600; }
${SCOPE} .iwm-readout .iwm-r-steer { color: var(--iwm-edit); font-weight: 600; }
${SCOPE} .iwm-readout .iwm-r-base, ${SCOPE} .iwm-readout .iwm-r-others, ${SCOPE} .iwm-readout .iwm-r-decoded { color: var(--iwm-muted); }
${SCOPE} .iwm-scores { font-variant-numeric: tabular-nums; color: var(--iwm-muted); font-size: 0.92em; line-height: 1.45; }
${SCOPE} .iwm-scores b { color: var(--iwm-fg); font-weight: 600; }
${SCOPE} .iwm-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 6px; font-size: 0.9em; color: var(--iwm-muted); max-width: 860px; }
${SCOPE} .iwm-legend span { display: inline-flex; align-items: center; gap: 5px; }
${SCOPE} .iwm-legend svg { overflow: visible; }
${SCOPE} .iwm-axis { fill: var(--iwm-faint); font-size: 10px; }
${SCOPE} .iwm-end-label { fill: var(--iwm-fg); font-size: 10px; font-weight: 600; paint-order: stroke; stroke: var(--iwm-bg); stroke-width: 3px; stroke-linejoin: round; }
${SCOPE} .iwm-street { stroke: var(--cm-street); stroke-width: 3; stroke-linecap: round; fill: none; }
${SCOPE} .iwm-street.iwm-diagonal { stroke-width: 2; }
${SCOPE} .iwm-oneway-head { fill: var(--cm-street); }
${SCOPE} .iwm-closed { stroke: var(--cm-closed); stroke-width: 1.2; stroke-dasharray: 1.5 4; fill: none; }
${SCOPE} .iwm-closed-x { stroke: var(--cm-closed); stroke-width: 2; stroke-linecap: round; }
${SCOPE} .iwm-route { stroke: var(--cm-route); stroke-width: 9; stroke-opacity: 0.5; stroke-linecap: round; stroke-linejoin: round; fill: none; }
${SCOPE} .iwm-disp { stroke: var(--cm-decoded); stroke-width: 1.4; }
${SCOPE} .iwm-dec { fill: var(--cm-decoded); stroke: var(--iwm-bg); stroke-width: 0.8; }
${SCOPE} .iwm-node-dot { fill: var(--cm-node); }
${SCOPE} .iwm-node-dot.iwm-dest { fill: none; stroke: var(--cm-node); stroke-width: 2; }
${SCOPE} .iwm-hit { fill: transparent; cursor: pointer; }
${SCOPE} .iwm-hover-ring { fill: none; stroke: var(--iwm-fg); stroke-width: 1.5; }
${SCOPE} .iwm-current { fill: none; stroke: var(--cm-route); stroke-width: 3.5; }
${SCOPE} .iwm-live { fill: var(--cm-live); stroke: var(--iwm-bg); stroke-width: 1.5; }
${SCOPE} .iwm-live.iwm-steered { fill: var(--iwm-edit); }
${SCOPE} .iwm-live-line { stroke: var(--cm-live); stroke-width: 1.2; stroke-dasharray: 3 2; }
${SCOPE} .iwm-pred { stroke-linecap: round; fill: none; }
${SCOPE} .iwm-pred.iwm-legal { stroke: var(--cm-legal); }
${SCOPE} .iwm-pred.iwm-illegal { stroke: var(--cm-illegal); }
${SCOPE} .iwm-pred-head.iwm-legal { fill: var(--cm-legal); }
${SCOPE} .iwm-pred-head.iwm-illegal { fill: var(--cm-illegal); }
${SCOPE} .iwm-pred.iwm-at-target { stroke-opacity: 0.85; }
${SCOPE} .iwm-target { fill: none; stroke: var(--iwm-edit); stroke-width: 3; }
${SCOPE} .iwm-steer-line { stroke: var(--iwm-edit); stroke-width: 2; stroke-dasharray: 5 3; fill: none; }
${SCOPE} .iwm-steer-head { fill: var(--iwm-edit); }
${SCOPE} .iwm-false { stroke: var(--cm-false); stroke-width: 2.2; fill: none; }
${SCOPE} .iwm-false-head { fill: var(--cm-false); }
${SCOPE} .iwm-missing { stroke: var(--cm-missing); stroke-width: 1.6; stroke-dasharray: 4 3; fill: none; }
${SCOPE} .iwm-missing-head { fill: var(--cm-missing); }
${SCOPE} .iwm-legend .iwm-sw-street { stroke: var(--cm-street); stroke-width: 3; }
${tooltipCss(SCOPE)}${RUN_CSS}`;

/** What the hint under the header says. */
export const HINT =
  "Grey: the city's streets. Blue: where the position probe decodes each intersection. Yellow: the route; pick a step above. The arrows out of the taxi are the model's next move (width ∝ probability; green legal there, red not; a ring is END). Click an intersection to steer the model's “where am I” there (click the taxi to undo).";

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 * @param {import("../shared/model.js").Model} model for the run panel
 */
export function createView(el, model) {
  const root = h("div", "iwm-cognitive-map", el);
  h("style", "", root).textContent = CSS;

  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const implied = labelled(header, "", "input", "iwm-implied");
  implied.control.type = "checkbox";
  implied.label.append("implied map");
  implied.label.title = "the streets the model treats as traversable: false ones red, missing ones dashed";
  const method = labelled(header, "steer with", "select", "iwm-method");
  const clear = button(header, "iwm-clear", "clear steering", "remove this view's steering edit");
  const status = statusBadge(header, "iwm-status iwm-idle");
  const genBadge = generationBadge(header);
  const run = runPanel(header, model);

  const hint = h("div", "iwm-hint", root);
  hint.textContent = HINT;
  const errors = errorBox(root);

  const strip = h("div", "iwm-strip", root);
  strip.setAttribute("role", "toolbar");
  strip.setAttribute("aria-label", "route steps");

  const body = h("div", "iwm-body", root);
  const plot = h("div", "iwm-plot", body);
  const svg = svgEl("svg", { class: "iwm-map", role: "img", "aria-label": "the city and the model's map of it" }, plot);
  const side = h("div", "iwm-side", body);
  const readout = h("div", "iwm-readout", side);
  readout.setAttribute("aria-live", "polite");
  const scores = h("div", "iwm-scores", side);

  const legend = h("div", "iwm-legend", root);
  const tooltip = createTooltip(root);

  return {
    root,
    header,
    title,
    implied: /** @type {HTMLInputElement} */ (implied.control),
    method: /** @type {HTMLSelectElement} */ (method.control),
    clear,
    status,
    genBadge,
    run,
    hint,
    errors,
    strip,
    plot,
    svg: /** @type {SVGSVGElement} */ (svg),
    readout,
    scores,
    legend,
    tooltip,
  };
}

/** @typedef {ReturnType<typeof createView>} View */
