// ActivationMap's DOM: the header (title, quantity, dim, badges, run panel), the error box,
// the plot with its row and column labels (and the zoom's brush), the legend, the level of
// detail line (aggregate, zoom window and buttons, the selected cell), the tooltip, and
// their CSS.

import { button, fillSelect, generationBadge, labelled, statusBadge } from "../shared/controls.js";
import { errorBox, h } from "../shared/dom.js";
import { RUN_CSS, runPanel } from "../shared/run_panel.js";
import { baseCss, headerCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";
import { LABEL_FONT_PX, LABEL_LINE_PX } from "./layout.js";
import { AGGREGATES } from "./lod.js";

const SCOPE = ".iwm-activation-map";

export const CSS = `${baseCss(SCOPE)}${headerCss(SCOPE)}
.iwm-activation-map { position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px; }
.iwm-activation-map label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-activation-map select, .iwm-activation-map input, .iwm-activation-map button {
  font: inherit; color: var(--iwm-fg); background: var(--iwm-control-bg);
  border: 1px solid var(--iwm-border); border-radius: 2px; padding: 1px 4px;
}
.iwm-activation-map option { color: var(--iwm-fg); background: var(--iwm-control-bg); }
.iwm-activation-map input[type="number"] { width: 5.5em; }
.iwm-activation-map .iwm-status { color: var(--jp-ui-font-color2, #555); font-style: italic; }
.iwm-activation-map .iwm-generation { color: var(--jp-ui-font-color3, #777); font-size: 0.9em; margin-left: auto; }
.iwm-activation-map .iwm-body { display: grid; grid-template-columns: 64px minmax(0, 1fr); transition: opacity 0.15s; }
.iwm-activation-map.iwm-stale .iwm-body, .iwm-activation-map.iwm-stale .iwm-legend { opacity: 0.4; }
.iwm-activation-map .iwm-plot { position: relative; min-width: 0; }
.iwm-activation-map .iwm-canvas { position: absolute; left: 0; top: 0; cursor: crosshair; display: block; }
.iwm-activation-map .iwm-row-labels, .iwm-activation-map .iwm-col-labels { position: relative; }
.iwm-activation-map .iwm-row-labels span, .iwm-activation-map .iwm-col-labels span {
  position: absolute; white-space: nowrap; font-size: ${LABEL_FONT_PX}px; line-height: ${LABEL_LINE_PX}px;
  color: var(--jp-ui-font-color1, #222);
}
.iwm-activation-map .iwm-row-labels span { right: 6px; overflow: hidden; text-overflow: ellipsis; text-align: right; }
.iwm-activation-map .iwm-col-labels { height: ${LABEL_LINE_PX + 4}px; }
.iwm-activation-map .iwm-col-labels span { top: 3px; }
.iwm-activation-map .iwm-col-labels span.iwm-upright {
  writing-mode: vertical-rl; transform: rotate(180deg); width: ${LABEL_LINE_PX}px; text-align: left;
}
.iwm-activation-map .iwm-tooltip { max-width: 380px; }
.iwm-activation-map .iwm-tooltip div { white-space: normal; }
.iwm-activation-map .iwm-empty {
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  color: var(--jp-ui-font-color2, #555); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-activation-map .iwm-legend { display: flex; align-items: flex-start; gap: 10px; margin-top: 6px; }
.iwm-activation-map .iwm-legend-label { line-height: 12px; }
.iwm-activation-map .iwm-legend-scale { width: 200px; }
.iwm-activation-map .iwm-legend-bar { height: 12px; border: 1px solid var(--jp-border-color2, #999); box-sizing: border-box; }
.iwm-activation-map .iwm-legend-ticks { position: relative; height: 14px; font-size: ${LABEL_FONT_PX}px; }
.iwm-activation-map .iwm-legend-ticks span { position: absolute; top: 1px; white-space: nowrap; }
.iwm-activation-map .iwm-lod {
  display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; margin-top: 4px;
  font-size: 12px; color: var(--iwm-muted); font-variant-numeric: tabular-nums;
}
.iwm-activation-map .iwm-lod-text { color: var(--iwm-fg); }
.iwm-activation-map .iwm-zoom { display: inline-flex; gap: 4px; }
.iwm-activation-map .iwm-lod button { cursor: pointer; font-size: 12px; padding: 0 6px; }
.iwm-activation-map .iwm-lod button:disabled { cursor: default; opacity: 0.45; }
.iwm-activation-map .iwm-selected { color: var(--iwm-fg); }
.iwm-activation-map .iwm-brush {
  position: absolute; top: 0; bottom: 0; pointer-events: none; box-sizing: border-box;
  background: rgba(255, 255, 255, 0.3); border: 1px solid #fff; outline: 1px solid #000;
}
${tooltipCss(SCOPE)}${RUN_CSS}`;

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 * @param {import("../shared/model.js").Model} model for the run panel
 */
export function createView(el, model) {
  const root = h("div", "iwm-activation-map", el);
  h("style", "", root).textContent = CSS;

  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const quantity = labelled(header, "show", "select", "iwm-quantity");
  const dim = labelled(header, "dim", "input", "", "iwm-dim");
  const dimInput = /** @type {HTMLInputElement} */ (dim.control);
  dimInput.type = "number";
  dimInput.min = "0";
  dimInput.step = "1";
  const status = statusBadge(header);
  const genBadge = generationBadge(header);
  const run = runPanel(header, model); // remote runs: spinner, elapsed time, cancel, retry

  const errors = errorBox(root);

  const body = h("div", "iwm-body", root);
  const rowLabels = h("div", "iwm-row-labels", body);
  const plot = h("div", "iwm-plot", body);
  const canvas = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-canvas", plot));
  canvas.setAttribute("role", "img");
  const empty = h("div", "iwm-empty", plot);
  empty.textContent = "no data yet";
  h("div", "", body);
  const colLabels = h("div", "iwm-col-labels", body);

  const legend = h("div", "iwm-legend", root);
  const legendLabel = h("span", "iwm-legend-label", legend);
  const legendScale = h("div", "iwm-legend-scale", legend);
  const legendBar = h("div", "iwm-legend-bar", legendScale);
  const legendTicks = h("div", "iwm-legend-ticks", legendScale);

  // shown when positions outnumber pixels, or when zoomed in
  const lodRow = h("div", "iwm-lod", root);
  lodRow.hidden = true;
  const lodText = h("span", "iwm-lod-text", lodRow);
  const aggLabel = h("span", "iwm-agg", lodRow);
  const aggSelect = /** @type {HTMLSelectElement} */ (h("select", "iwm-aggregate", aggLabel));
  aggSelect.title = "what one pixel column shows of the positions it covers";
  fillSelect(aggSelect, AGGREGATES.map((a) => ({ value: a, label: a })));
  const lodHint = h("span", "iwm-lod-hint", lodRow);
  const zoomButtons = h("span", "iwm-zoom", lodRow);
  const zoomLeft = button(zoomButtons, "iwm-zoom-left", "◀", "show the positions before");
  const zoomRight = button(zoomButtons, "iwm-zoom-right", "▶", "show the positions after");
  const zoomOut = button(zoomButtons, "iwm-zoom-out", "zoom out", "show 4 times as many positions");
  const zoomAll = button(zoomButtons, "iwm-zoom-all", "all positions", "show the whole map");
  const selected = h("span", "iwm-selected", lodRow);
  const brush = h("div", "iwm-brush", plot);
  brush.hidden = true;

  const tooltip = createTooltip(root);

  return {
    root,
    header,
    title,
    qLabel: quantity.label,
    select: /** @type {HTMLSelectElement} */ (quantity.control),
    dimLabel: dim.label,
    dimInput,
    status,
    genBadge,
    run,
    errors,
    body,
    rowLabels,
    plot,
    canvas,
    empty,
    colLabels,
    legendLabel,
    legendBar,
    legendTicks,
    lodRow,
    lodText,
    aggLabel,
    aggSelect,
    lodHint,
    zoomButtons,
    zoomLeft,
    zoomRight,
    zoomOut,
    zoomAll,
    selected,
    brush,
    tooltip,
    /** the cells, one pixel each (or one per bin), scaled up onto the canvas */
    offscreen: document.createElement("canvas"),
    /** measures label widths */
    measure: /** @type {CanvasRenderingContext2D} */ (document.createElement("canvas").getContext("2d")),
  };
}

/** @typedef {ReturnType<typeof createView>} View */
