// SystemView's DOM: the header (title, particle select, reveal springs, reset, badges, run
// panel), a hint, the error box, the box canvas beside the dial, the legend, the tooltip,
// and their CSS.

import { button, generationBadge, labelled, statusBadge } from "../shared/controls.js";
import { errorBox, h, svgEl } from "../shared/dom.js";
import { RUN_CSS, runPanel } from "../shared/run_panel.js";
import { baseCss, headerCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";

const SCOPE = ".iwm-system-view";
/** The dial's radius (CSS px) and its drawing's size. */
export const DIAL_RADIUS = 56;
export const DIAL_SIZE = 2 * DIAL_RADIUS + 16;

export const CSS = `${baseCss(SCOPE)}${headerCss(SCOPE)}
.iwm-system-view { position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px; }
.iwm-system-view label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-system-view select, .iwm-system-view button {
  font: inherit; color: var(--iwm-fg); background: var(--iwm-control-bg);
  border: 1px solid var(--iwm-border); border-radius: 2px; padding: 1px 6px;
}
.iwm-system-view .iwm-status { color: var(--iwm-muted); font-style: italic; }
.iwm-system-view .iwm-status.iwm-idle { visibility: hidden; }
.iwm-system-view .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; margin-left: auto; }
.iwm-system-view .iwm-hint { color: var(--iwm-muted); font-size: 0.9em; margin-bottom: 6px; }
.iwm-system-view .iwm-body { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.iwm-system-view .iwm-plot { position: relative; flex: 1 1 320px; min-width: 240px; max-width: 520px; transition: opacity 0.15s; }
.iwm-system-view.iwm-stale .iwm-plot { opacity: 0.4; }
.iwm-system-view .iwm-canvas { display: block; cursor: crosshair; }
.iwm-system-view .iwm-side { flex: 0 0 auto; display: flex; flex-direction: column; gap: 6px; width: 200px; }
.iwm-system-view .iwm-dial { touch-action: none; cursor: grab; display: block; }
.iwm-system-view .iwm-dial:focus-visible { outline: 2px solid var(--iwm-edit); }
.iwm-system-view .iwm-dial-ring { fill: none; stroke: var(--iwm-border); stroke-width: 1.5; }
.iwm-system-view .iwm-dial-axis { stroke: var(--iwm-grid); stroke-width: 1; }
.iwm-system-view .iwm-dial-now { fill: none; stroke: var(--iwm-muted); stroke-width: 1.5; stroke-dasharray: 3 2; }
.iwm-system-view .iwm-dial-arrow { stroke: var(--iwm-edit); stroke-width: 2.5; }
.iwm-system-view .iwm-dial-knob { fill: var(--iwm-edit); stroke: var(--iwm-bg); stroke-width: 1.5; }
.iwm-system-view .iwm-dial-off .iwm-dial-arrow, .iwm-system-view .iwm-dial-off .iwm-dial-knob { opacity: 0.35; }
.iwm-system-view .iwm-readout { font-variant-numeric: tabular-nums; font-size: 0.92em; }
.iwm-system-view .iwm-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 6px; font-size: 0.9em; color: var(--iwm-muted); }
.iwm-system-view .iwm-legend span { display: inline-flex; align-items: center; gap: 5px; }
.iwm-system-view .iwm-swatch { display: inline-block; width: 26px; height: 0; border-top: 2px solid var(--iwm-fg); }
.iwm-system-view .iwm-swatch.iwm-dashed { border-top-style: dashed; }
.iwm-system-view .iwm-swatch.iwm-bold { border-top-width: 3.5px; }
.iwm-system-view .iwm-swatch.iwm-faint { opacity: 0.35; }
.iwm-system-view .iwm-swatch.iwm-spring { border-top: 2px dotted var(--iwm-muted); }
.iwm-system-view .iwm-chip { display: inline-block; width: 10px; height: 10px; border-radius: 50%; }
${tooltipCss(SCOPE)}${RUN_CSS}`;

/** What the hint under the header says. */
export const HINT =
  "Each particle's input path ends at its dot; the model's predicted future continues solid, the simulator's dashed. Turn the dial to change one particle's velocity: the model re-runs and the others move through the springs it believes in (bold), next to the true springs' answer (bold dashed).";

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 * @param {import("../shared/model.js").Model} model for the run panel
 */
export function createView(el, model) {
  const root = h("div", "iwm-system-view", el);
  h("style", "", root).textContent = CSS;

  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const pick = labelled(header, "dial on particle", "select", "iwm-particle");
  const reveal = labelled(header, "", "input", "iwm-reveal");
  reveal.control.type = "checkbox";
  reveal.label.append("reveal springs");
  const reset = button(header, "iwm-reset", "reset dial", "turn the dial off: no edit from this view");
  const status = statusBadge(header, "iwm-status iwm-idle");
  const genBadge = generationBadge(header);
  const run = runPanel(header, model);

  const hint = h("div", "iwm-hint", root);
  hint.textContent = HINT;
  const errors = errorBox(root);

  const body = h("div", "iwm-body", root);
  const plot = h("div", "iwm-plot", body);
  const canvas = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-canvas", plot));
  canvas.setAttribute("role", "img");

  const side = h("div", "iwm-side", body);
  const dialLabel = h("div", "iwm-dial-label", side);
  const dial = svgEl("svg", { class: "iwm-dial", width: DIAL_SIZE, height: DIAL_SIZE, viewBox: `0 0 ${DIAL_SIZE} ${DIAL_SIZE}`, tabindex: 0, role: "slider" }, side);
  const c = DIAL_SIZE / 2;
  svgEl("circle", { class: "iwm-dial-ring", cx: c, cy: c, r: DIAL_RADIUS }, dial);
  svgEl("line", { class: "iwm-dial-axis", x1: c - DIAL_RADIUS, y1: c, x2: c + DIAL_RADIUS, y2: c }, dial);
  svgEl("line", { class: "iwm-dial-axis", x1: c, y1: c - DIAL_RADIUS, x2: c, y2: c + DIAL_RADIUS }, dial);
  const dialNow = svgEl("circle", { class: "iwm-dial-now", cx: c, cy: c, r: 4 }, dial);
  const dialArrow = svgEl("line", { class: "iwm-dial-arrow", x1: c, y1: c, x2: c, y2: c }, dial);
  const dialKnob = svgEl("circle", { class: "iwm-dial-knob", cx: c, cy: c, r: 6 }, dial);
  const readout = h("div", "iwm-readout", side);
  const mode = h("div", "iwm-hint iwm-mode", side);

  const legend = h("div", "iwm-legend", root);
  const tooltip = createTooltip(root);

  return {
    root,
    header,
    title,
    particleSelect: /** @type {HTMLSelectElement} */ (pick.control),
    reveal: /** @type {HTMLInputElement} */ (reveal.control),
    revealLabel: reveal.label,
    reset,
    status,
    genBadge,
    run,
    hint,
    errors,
    plot,
    canvas,
    dialLabel,
    dial: /** @type {SVGSVGElement} */ (dial),
    dialNow,
    dialArrow,
    dialKnob,
    readout,
    mode,
    legend,
    tooltip,
  };
}

/** @typedef {ReturnType<typeof createView>} View */
