// AttentionView's DOM: the header (title, site and head selects, badges, run panel), a
// hint, the error box, the canvas of the panels, the legend, the tooltip, and their CSS.

import { generationBadge, labelled, statusBadge } from "../shared/controls.js";
import { errorBox, h } from "../shared/dom.js";
import { RUN_CSS, runPanel } from "../shared/run_panel.js";
import { baseCss, headerCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";
import { LABEL_FONT_PX } from "./layout.js";

const SCOPE = ".iwm-attention-view";

export const CSS = `${baseCss(SCOPE)}${headerCss(SCOPE)}
.iwm-attention-view { position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px; }
.iwm-attention-view label { display: inline-flex; align-items: center; gap: 4px; color: var(--jp-ui-font-color2, #555); }
.iwm-attention-view select {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 4px;
}
.iwm-attention-view .iwm-status { color: var(--jp-ui-font-color2, #555); font-style: italic; }
.iwm-attention-view .iwm-generation { color: var(--jp-ui-font-color3, #777); font-size: 0.9em; margin-left: auto; }
.iwm-attention-view .iwm-hint { color: var(--jp-ui-font-color2, #555); font-size: 0.9em; margin-bottom: 6px; }
.iwm-attention-view .iwm-plot { position: relative; min-width: 0; min-height: 40px; transition: opacity 0.15s; }
.iwm-attention-view.iwm-stale .iwm-plot, .iwm-attention-view.iwm-stale .iwm-legend { opacity: 0.4; }
.iwm-attention-view .iwm-canvas { display: block; cursor: crosshair; }
.iwm-attention-view .iwm-empty {
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  color: var(--jp-ui-font-color2, #555); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-attention-view .iwm-legend { display: flex; align-items: flex-start; gap: 10px; margin-top: 6px; }
.iwm-attention-view .iwm-legend-label { line-height: 12px; }
.iwm-attention-view .iwm-legend-scale { width: 200px; }
.iwm-attention-view .iwm-legend-bar { height: 12px; border: 1px solid var(--jp-border-color2, #999); box-sizing: border-box; }
.iwm-attention-view .iwm-legend-ticks { position: relative; height: 14px; font-size: ${LABEL_FONT_PX}px; }
.iwm-attention-view .iwm-legend-ticks span { position: absolute; top: 1px; white-space: nowrap; }
${tooltipCss(SCOPE)}${RUN_CSS}`;

/** What the hint under the header says. */
export const HINT =
  "Each row is a query position; its colours show how much that position attends to each key position (a row sums to 1; later keys are masked: left blank). Hover a cell for its weight, click it to select the query position in every view.";

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 * @param {import("../shared/model.js").Model} model for the run panel
 */
export function createView(el, model) {
  const root = h("div", "iwm-attention-view", el);
  h("style", "", root).textContent = CSS;

  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const site = labelled(header, "site", "select", "iwm-site");
  const head = labelled(header, "head", "select", "iwm-head");
  const status = statusBadge(header);
  const genBadge = generationBadge(header);
  const run = runPanel(header, model);

  const hint = h("div", "iwm-hint", root);
  hint.textContent = HINT;
  const errors = errorBox(root);

  const plot = h("div", "iwm-plot", root);
  const canvas = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-canvas", plot));
  canvas.setAttribute("role", "img");
  const empty = h("div", "iwm-empty", plot);
  empty.textContent = "no data yet";

  const legend = h("div", "iwm-legend", root);
  const legendLabel = h("span", "iwm-legend-label", legend);
  legendLabel.textContent = "attention weight";
  const legendScale = h("div", "iwm-legend-scale", legend);
  const legendBar = h("div", "iwm-legend-bar", legendScale);
  const legendTicks = h("div", "iwm-legend-ticks", legendScale);

  const tooltip = createTooltip(root);

  return {
    root,
    header,
    title,
    siteLabel: site.label,
    siteSelect: /** @type {HTMLSelectElement} */ (site.control),
    headSelect: /** @type {HTMLSelectElement} */ (head.control),
    status,
    genBadge,
    run,
    hint,
    errors,
    plot,
    canvas,
    empty,
    legendBar,
    legendTicks,
    tooltip,
    /** one head's cells, one pixel each, scaled up onto the canvas */
    offscreen: document.createElement("canvas"),
    /** measures label widths */
    measure: /** @type {CanvasRenderingContext2D} */ (document.createElement("canvas").getContext("2d")),
  };
}

/** @typedef {ReturnType<typeof createView>} View */
