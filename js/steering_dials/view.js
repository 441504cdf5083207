// SteeringDials' DOM: the header (title, badges, run panel, update mode, latency), the
// error box, the edit options (scope, its first step, direction), the dials, the rollout
// canvas or the LM panel, the actions (reset, copy) and the code; and their CSS.

import { button, fillSelect, generationBadge, labelled, statusBadge } from "../shared/controls.js";
import { errorBox, h } from "../shared/dom.js";
import { RUN_CSS, runPanel } from "../shared/run_panel.js";
import { baseCss, headerCss } from "../shared/theme.js";
import { createLmPanel, LM_CSS } from "./lm_panel.js";
import { DIRECTIONS, SCOPES } from "./state.js";

const SCOPE = ".iwm-steering-dials";

export const CSS = `${baseCss(SCOPE)}${headerCss(SCOPE)}
.iwm-steering-dials { position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px; }
.iwm-steering-dials .iwm-status { color: var(--iwm-muted); font-style: italic; }
.iwm-steering-dials .iwm-status.iwm-idle { visibility: hidden; }
.iwm-steering-dials .iwm-latency, .iwm-steering-dials .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; }
.iwm-steering-dials .iwm-latency { margin-left: auto; }
.iwm-steering-dials label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-steering-dials select, .iwm-steering-dials input[type="number"], .iwm-steering-dials button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px;
}
.iwm-steering-dials button { cursor: pointer; }
.iwm-steering-dials button:hover { background: var(--jp-layout-color2, #eee); }
.iwm-steering-dials input[type="number"] { width: 4.5em; }
.iwm-steering-dials .iwm-options, .iwm-steering-dials .iwm-actions { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 4px 0; }
.iwm-steering-dials .iwm-body { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 12px 24px; transition: opacity 0.15s; }
.iwm-steering-dials.iwm-stale .iwm-rollout, .iwm-steering-dials.iwm-stale .iwm-lm { opacity: 0.4; }
.iwm-steering-dials .iwm-dials { display: flex; flex-direction: column; gap: 12px; min-width: 220px; max-width: 320px; }
.iwm-steering-dials .iwm-dial-head { display: flex; align-items: baseline; gap: 8px; }
.iwm-steering-dials .iwm-dial-label { font-weight: 600; }
.iwm-steering-dials .iwm-value { font-variant-numeric: tabular-nums; color: var(--iwm-edit); font-weight: 600; }
.iwm-steering-dials .iwm-dial.iwm-off .iwm-value { color: var(--iwm-muted); font-weight: normal; }
.iwm-steering-dials .iwm-off-button { margin-left: auto; font-size: 0.85em; padding: 0 6px; }
.iwm-steering-dials .iwm-readout { color: var(--iwm-muted); font-size: 0.9em; font-variant-numeric: tabular-nums; }
.iwm-steering-dials .iwm-dial-svg { display: block; touch-action: none; cursor: grab; user-select: none; }
.iwm-steering-dials .iwm-dial-svg:active { cursor: grabbing; }
.iwm-steering-dials .iwm-dial-svg:focus { outline: none; }
.iwm-steering-dials .iwm-dial-svg.iwm-keyboard:focus .iwm-ring { stroke: var(--jp-brand-color1, #1976d2); stroke-width: 2.5; }
.iwm-steering-dials .iwm-disc { fill: var(--jp-layout-color2, #f2f2f2); }
.iwm-steering-dials .iwm-ring { fill: none; stroke: var(--jp-border-color1, #999); stroke-width: 1.5; }
.iwm-steering-dials .iwm-grid { fill: none; stroke: var(--jp-border-color2, #ccc); stroke-width: 1; }
.iwm-steering-dials .iwm-tick-label { fill: var(--iwm-muted); font-size: 10px; }
.iwm-steering-dials .iwm-hint { fill: var(--iwm-muted); font-size: 10px; }
.iwm-steering-dials .iwm-centre { fill: var(--iwm-muted); }
.iwm-steering-dials .iwm-readout-mark { fill: none; stroke: var(--iwm-muted); stroke-width: 1.5; }
.iwm-steering-dials .iwm-readout-line { stroke: var(--iwm-faint); stroke-width: 1; stroke-dasharray: 3 3; }
.iwm-steering-dials .iwm-arm { stroke: var(--iwm-edit); stroke-width: 3; stroke-linecap: round; }
.iwm-steering-dials .iwm-handle { fill: var(--iwm-edit); stroke: #fff; stroke-width: 2; }
.iwm-steering-dials .iwm-slider { position: relative; padding-bottom: 8px; }
.iwm-steering-dials .iwm-range { width: 100%; margin: 4px 0 0 0; accent-color: var(--iwm-edit); }
.iwm-steering-dials .iwm-dial.iwm-off .iwm-range { accent-color: var(--iwm-faint); opacity: 0.6; }
.iwm-steering-dials .iwm-slider-tick {
  position: absolute; bottom: 0; width: 0; height: 0; transform: translateX(-5px);
  border-left: 5px solid transparent; border-right: 5px solid transparent; border-bottom: 7px solid var(--iwm-muted);
}
.iwm-steering-dials .iwm-range-ends { display: flex; justify-content: space-between; color: var(--iwm-faint); font-size: 0.85em; }
.iwm-steering-dials .iwm-rollout { position: relative; flex: 1 1 300px; max-width: 420px; min-width: 200px; transition: opacity 0.15s; }
.iwm-steering-dials .iwm-rollout-canvas { display: block; }
.iwm-steering-dials .iwm-lm { flex: 1 1 480px; max-width: 820px; transition: opacity 0.15s; }
.iwm-steering-dials .iwm-empty {
  display: flex; align-items: center; justify-content: center; height: 120px;
  color: var(--iwm-muted); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-steering-dials .iwm-legend { display: flex; flex-wrap: wrap; gap: 2px 14px; margin-top: 4px; font-size: 12px; }
.iwm-steering-dials .iwm-legend-item { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.iwm-steering-dials .iwm-swatch { display: inline-block; width: 22px; height: 0; }
.iwm-steering-dials .iwm-code { margin-top: 4px; }
.iwm-steering-dials .iwm-code summary { cursor: pointer; color: var(--iwm-muted); }
.iwm-steering-dials .iwm-code-text {
  box-sizing: border-box; width: 100%; min-height: 8em; margin-top: 4px; resize: vertical;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
  color: var(--jp-content-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb);
}
`;

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 * @param {import("../shared/model.js").Model} model for the run panel
 */
export function createView(el, model) {
  const root = h("div", "iwm-steering-dials", el);
  h("style", "", root).textContent = CSS + LM_CSS + RUN_CSS;

  const header = h("div", "iwm-header", root);
  h("span", "iwm-title", header).textContent = "Steering dials";
  const status = statusBadge(header, "iwm-status iwm-idle");
  const run = runPanel(header, model);
  const mode = h("span", "iwm-update-mode", header);
  mode.title = "when a dial move is sent to Python";
  const latency = h("span", "iwm-latency", header);
  latency.title = "time Python took for the last re-run";
  const genBadge = generationBadge(header);

  const errors = errorBox(root);

  const options = h("div", "iwm-options", root);
  const scopeSelect = /** @type {HTMLSelectElement} */ (labelled(options, "edit at", "select", "iwm-scope").control);
  fillSelect(scopeSelect, SCOPES);
  const start = labelled(options, "t =", "input", "iwm-scope-start", "iwm-scope-start-label");
  const startInput = /** @type {HTMLInputElement} */ (start.control);
  startInput.type = "number";
  startInput.min = "0";
  startInput.step = "1";
  const dirSelect = /** @type {HTMLSelectElement} */ (labelled(options, "along", "select", "iwm-direction").control);
  fillSelect(dirSelect, DIRECTIONS);

  const body = h("div", "iwm-body", root);
  const dialsBox = h("div", "iwm-dials", body);
  const rolloutBox = h("div", "iwm-rollout", body);
  const canvas = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-rollout-canvas", rolloutBox));
  canvas.setAttribute("role", "img");
  const empty = h("div", "iwm-empty", rolloutBox);
  empty.textContent = "no rollout yet";
  const legend = h("div", "iwm-legend", rolloutBox);
  const lmPanel = createLmPanel();
  body.appendChild(lmPanel.el);
  lmPanel.el.hidden = true;

  const actions = h("div", "iwm-actions", root);
  const resetButton = button(actions, "iwm-reset", "Reset", "turn every dial off (no edits)");
  const copyButton = button(actions, "iwm-copy", "Copy as nnsight code");
  const details = /** @type {HTMLDetailsElement} */ (h("details", "iwm-code", root));
  h("summary", "", details).textContent = "nnsight code for these edits";
  const codeText = /** @type {HTMLTextAreaElement} */ (h("textarea", "iwm-code-text", details));
  codeText.readOnly = true;
  codeText.spellcheck = false;

  return {
    root,
    status,
    run,
    mode,
    latency,
    genBadge,
    errors,
    scopeSelect,
    startLabel: start.label,
    startInput,
    dirSelect,
    dialsBox,
    rolloutBox,
    canvas,
    empty,
    legend,
    lmPanel,
    resetButton,
    copyButton,
    details,
    codeText,
  };
}

/** @typedef {ReturnType<typeof createView>} View */
