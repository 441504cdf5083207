// CausalGraph's DOM: the header (title, output readout, ground-truth badge, badges), the
// error box, the options (colouring, threshold, edge count, exports), the plot (canvas,
// the node list for keyboard users and tests, the node editor), the legend and the
// tooltip; and their CSS.

import { DIVERGING } from "../shared/colormap.js";
import { button, fillSelect, generationBadge, labelled, statusBadge } from "../shared/controls.js";
import { errorBox, h } from "../shared/dom.js";
import { gradientCss } from "../shared/legend.js";
import { baseCss, headerCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";
import { COLOUR_BY } from "./state.js";

const SCOPE = ".iwm-causal-graph";

export const CSS = `${baseCss(SCOPE)}${headerCss(SCOPE)}
.iwm-causal-graph { position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px; }
.iwm-causal-graph .iwm-output {
  padding: 1px 8px; border-radius: 3px; border: 1px solid var(--jp-border-color2, #ddd);
  font-variant-numeric: tabular-nums; transition: background-color 0.2s;
}
.iwm-causal-graph .iwm-output.iwm-changed { border-color: var(--iwm-edit); background: rgba(232, 112, 10, 0.14); font-weight: 600; }
.iwm-causal-graph .iwm-output-delta { margin-left: 4px; color: var(--iwm-edit); }
.iwm-causal-graph .iwm-score {
  padding: 1px 8px; border-radius: 10px; font-size: 0.9em; cursor: help;
  background: var(--jp-layout-color2, #eee); color: var(--jp-ui-font-color1, #222);
}
.iwm-causal-graph .iwm-status { color: var(--iwm-muted); font-style: italic; }
.iwm-causal-graph .iwm-status.iwm-idle { visibility: hidden; }
.iwm-causal-graph .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; margin-left: auto; }
.iwm-causal-graph label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-causal-graph select, .iwm-causal-graph input[type="number"], .iwm-causal-graph button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px;
}
.iwm-causal-graph button { cursor: pointer; }
.iwm-causal-graph button:hover:not(:disabled) { background: var(--jp-layout-color2, #eee); }
.iwm-causal-graph button:disabled { cursor: default; opacity: 0.5; }
.iwm-causal-graph .iwm-options { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 4px 0 6px 0; }
.iwm-causal-graph .iwm-threshold { width: 140px; }
.iwm-causal-graph .iwm-threshold-value, .iwm-causal-graph .iwm-edge-count { font-variant-numeric: tabular-nums; }
.iwm-causal-graph .iwm-threshold-value { min-width: 4.5em; color: var(--jp-ui-font-color1, #222); }
.iwm-causal-graph .iwm-edge-count { color: var(--iwm-muted); }
.iwm-causal-graph .iwm-exports { display: inline-flex; gap: 4px; margin-left: auto; }
.iwm-causal-graph .iwm-plot { position: relative; width: 100%; min-width: 0; transition: opacity 0.15s; }
.iwm-causal-graph.iwm-stale .iwm-plot, .iwm-causal-graph.iwm-stale .iwm-legend { opacity: 0.4; }
.iwm-causal-graph .iwm-canvas { position: absolute; left: 0; top: 0; display: block; cursor: default; }
.iwm-causal-graph .iwm-canvas.iwm-pointer { cursor: pointer; }
.iwm-causal-graph .iwm-canvas:focus { outline: none; }
.iwm-causal-graph .iwm-empty {
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  color: var(--iwm-muted); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-causal-graph .iwm-node-list {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
.iwm-causal-graph .iwm-editor {
  position: absolute; z-index: 5; box-sizing: border-box; width: 290px; max-width: 100%; padding: 6px 8px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); border-radius: 4px; box-shadow: 0 3px 10px rgba(0, 0, 0, 0.25);
}
.iwm-causal-graph .iwm-editor-head { display: flex; align-items: baseline; gap: 6px; margin-bottom: 2px; }
.iwm-causal-graph .iwm-editor-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.iwm-causal-graph .iwm-editor-close { margin-left: auto; border: none !important; background: none !important; padding: 0 4px; font-size: 15px; line-height: 1; }
.iwm-causal-graph .iwm-editor-info { color: var(--iwm-muted); font-size: 0.9em; margin-bottom: 6px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.iwm-causal-graph .iwm-editor-scope {
  margin: -2px 0 6px 0; padding: 2px 6px; border-left: 3px solid var(--iwm-edit); font-size: 0.9em;
  color: var(--jp-ui-font-color1, #222); background: rgba(232, 112, 10, 0.1); overflow-wrap: anywhere;
}
.iwm-causal-graph .iwm-editor-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin-bottom: 6px; }
.iwm-causal-graph .iwm-editor input[type="number"] { box-sizing: border-box; width: 9.5em; min-width: 0; font-variant-numeric: tabular-nums; }
.iwm-causal-graph .iwm-editor-actions { display: flex; gap: 6px; }
.iwm-causal-graph .iwm-apply { border-color: var(--iwm-edit) !important; }
.iwm-causal-graph .iwm-editor-msg { margin-top: 4px; font-size: 0.9em; color: var(--iwm-muted); }
.iwm-causal-graph .iwm-editor-msg.iwm-bad { color: var(--jp-error-color1, #d32f2f); }
.iwm-causal-graph .iwm-legend { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 6px 18px; margin-top: 6px; font-size: 12px; }
.iwm-causal-graph .iwm-legend-item { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; color: var(--iwm-muted); }
.iwm-causal-graph .iwm-legend-scale { width: 160px; }
.iwm-causal-graph .iwm-legend-bar { height: 10px; border: 1px solid var(--jp-border-color2, #999); box-sizing: border-box; }
.iwm-causal-graph .iwm-legend-ticks { position: relative; height: 14px; font-size: 11px; color: var(--jp-ui-font-color1, #222); }
.iwm-causal-graph .iwm-legend-ticks span { position: absolute; top: 1px; white-space: nowrap; }
.iwm-causal-graph .iwm-swatch { display: inline-block; width: 22px; height: 0; }
.iwm-causal-graph .iwm-kind { display: inline-block; box-sizing: border-box; width: 12px; height: 12px; border: 1.5px solid var(--iwm-muted); border-radius: 50%; }
.iwm-causal-graph .iwm-kind-site { border-style: dashed; }
.iwm-causal-graph .iwm-kind-head { border-radius: 3px; }
.iwm-causal-graph .iwm-ring { display: inline-block; width: 9px; height: 9px; border-radius: 50%; border: 3px solid var(--iwm-edit); }
${tooltipCss(SCOPE)}`;

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 */
export function createView(el) {
  const root = h("div", "iwm-causal-graph", el);
  h("style", "", root).textContent = CSS;

  const header = h("div", "iwm-header", root);
  h("span", "iwm-title", header).textContent = "Causal graph";
  const outputBox = h("span", "iwm-output", header);
  outputBox.setAttribute("aria-live", "polite");
  const outputText = h("span", "iwm-output-text", outputBox);
  const outputDelta = h("span", "iwm-output-delta", outputBox);
  const scoreBox = h("span", "iwm-score", header);
  const status = statusBadge(header, "iwm-status iwm-idle");
  const genBadge = generationBadge(header);

  const errors = errorBox(root);

  const options = h("div", "iwm-options", root);
  const colourSelect = /** @type {HTMLSelectElement} */ (labelled(options, "colour nodes by", "select", "iwm-colour-by").control);
  fillSelect(colourSelect, COLOUR_BY);
  const th = labelled(options, "hide edges with |effect| below", "input", "iwm-threshold");
  const thInput = /** @type {HTMLInputElement} */ (th.control);
  thInput.type = "range";
  thInput.min = "0";
  const thValue = h("span", "iwm-threshold-value", th.label);
  const edgeCount = h("span", "iwm-edge-count", options);
  const exports = h("span", "iwm-exports", options);
  const pngButton = button(exports, "iwm-export-png", "PNG", "send the graph to Python as a PNG image");
  const svgButton = button(exports, "iwm-export-svg", "SVG", "send the graph to Python as an SVG document");

  const plot = h("div", "iwm-plot", root);
  const canvas = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-canvas", plot));
  canvas.setAttribute("role", "img");
  canvas.tabIndex = -1; // focusable by click, so Escape reaches us; the node list is the tab stop
  const empty = h("div", "iwm-empty", plot);
  empty.textContent = "no graph yet";
  const nodeList = h("div", "iwm-node-list", plot);
  nodeList.setAttribute("role", "list");
  nodeList.setAttribute("aria-label", "nodes");

  const editor = h("div", "iwm-editor", plot);
  editor.setAttribute("role", "dialog");
  editor.hidden = true;
  const editorHead = h("div", "iwm-editor-head", editor);
  const editorTitle = h("span", "iwm-editor-title", editorHead);
  const closeButton = button(editorHead, "iwm-editor-close", "×", "close (Escape)");
  closeButton.setAttribute("aria-label", "close the editor");
  const editorInfo = h("div", "iwm-editor-info", editor);
  const editorScope = h("div", "iwm-editor-scope", editor);
  const editorRow = h("div", "iwm-editor-row", editor);
  const opSelect = /** @type {HTMLSelectElement} */ (labelled(editorRow, "op", "select", "iwm-op").control);
  const valueLabel = h("label", "iwm-value-label", editorRow);
  const valueName = h("span", "", valueLabel);
  const valueInput = /** @type {HTMLInputElement} */ (h("input", "iwm-edit-value", valueLabel));
  valueInput.type = "number";
  valueInput.step = "any";
  const editorActions = h("div", "iwm-editor-actions", editor);
  const applyButton = button(editorActions, "iwm-apply", "Apply");
  const removeButton = button(editorActions, "iwm-remove", "Remove edit");
  const editorMsg = h("div", "iwm-editor-msg", editor);

  const legend = h("div", "iwm-legend", root);
  const legendNodes = h("span", "iwm-legend-item", legend);
  const legendLabel = h("span", "", legendNodes);
  const legendScale = h("span", "iwm-legend-scale", legendNodes);
  const legendBar = h("div", "iwm-legend-bar", legendScale);
  const legendTicks = h("div", "iwm-legend-ticks", legendScale);
  legendBar.style.background = gradientCss(DIVERGING);
  const edgeSwatches = [1, -1].map((sign) => {
    const item = h("span", "iwm-legend-item", legend);
    const swatch = h("span", "iwm-swatch", item);
    item.append(sign > 0 ? "effect > 0" : "effect < 0");
    return { sign, swatch };
  });
  // Node kinds with a shape of their own, shown only when the graph has them.
  const kindItems = [
    ["site", "site"],
    ["head", "attention head"],
  ].map(([kind, text]) => {
    const item = h("span", `iwm-legend-item iwm-legend-kind`, legend);
    item.dataset.kind = kind;
    h("span", `iwm-kind iwm-kind-${kind}`, item);
    item.append(text);
    item.hidden = true;
    return { kind, item };
  });
  // A graph whose truth is known (true_edges): the true edges underneath, the recovered
  // edges that are true, and those that are not (dashed).
  const truthItems = [
    ["truth", "true edge (simulator)"],
    ["found", "recovered, a true edge"],
    ["false", "recovered, not a true edge"],
  ].map(([kind, text]) => {
    const item = h("span", "iwm-legend-item iwm-legend-truth", legend);
    item.dataset.truth = kind;
    const swatch = h("span", "iwm-swatch", item);
    item.append(text);
    item.hidden = true;
    return { kind, item, swatch };
  });
  const editedItem = h("span", "iwm-legend-item", legend);
  h("span", "iwm-ring", editedItem);
  editedItem.append("edited");

  const tooltip = createTooltip(root);

  return {
    root,
    outputBox,
    outputText,
    outputDelta,
    scoreBox,
    status,
    genBadge,
    errors,
    colourSelect,
    thInput,
    thValue,
    edgeCount,
    pngButton,
    svgButton,
    plot,
    canvas,
    empty,
    nodeList,
    editor,
    editorTitle,
    closeButton,
    editorInfo,
    editorScope,
    opSelect,
    valueLabel,
    valueName,
    valueInput,
    applyButton,
    removeButton,
    editorMsg,
    legendLabel,
    legendBar,
    legendTicks,
    edgeSwatches,
    kindItems,
    truthItems,
    legendNodes,
    tooltip,
    /** measures label widths */
    measure: /** @type {CanvasRenderingContext2D} */ (document.createElement("canvas").getContext("2d")),
  };
}

/** @typedef {ReturnType<typeof createView>} View */
