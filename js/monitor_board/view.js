// MonitorBoard's DOM: the header (title, summary), a hint, the error box, the strip of
// every input (monitors × inputs), the legend, the picked input's strip over its steps,
// the table of scores with a threshold slider per monitor, the tooltip; and their CSS.

import { errorBox, h } from "../shared/dom.js";
import { baseCss, headerCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";
import { LEGEND } from "./state.js";

const SCOPE = ".iwm-monitor-board";

export const CSS = `${baseCss(SCOPE)}${headerCss(SCOPE)}
.iwm-monitor-board { position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px; }
.iwm-monitor-board label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-monitor-board button, .iwm-monitor-board input[type="number"] {
  font: inherit; color: var(--iwm-fg); background: var(--iwm-control-bg);
  border: 1px solid var(--iwm-border); border-radius: 2px; padding: 1px 6px;
}
.iwm-monitor-board button { cursor: pointer; }
.iwm-monitor-board button:hover { background: var(--jp-layout-color2, #eee); }
.iwm-monitor-board input[type="number"] { width: 5.5em; }
.iwm-monitor-board input[type="range"] { width: 120px; accent-color: var(--jp-brand-color1, #1976d2); vertical-align: middle; }
.iwm-monitor-board .iwm-summary { color: var(--iwm-muted); }
.iwm-monitor-board .iwm-hint { color: var(--iwm-muted); font-size: 0.9em; margin-bottom: 6px; max-width: 72em; }
.iwm-monitor-board .iwm-caption { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin: 8px 0 2px 0; color: var(--iwm-muted); }
.iwm-monitor-board .iwm-caption b { color: var(--iwm-fg); font-weight: 600; }
.iwm-monitor-board .iwm-scroll { overflow-x: auto; overflow-y: hidden; max-width: 100%; }
.iwm-monitor-board canvas { display: block; cursor: pointer; }
.iwm-monitor-board.iwm-stale .iwm-strips { opacity: 0.55; }
.iwm-monitor-board .iwm-legend { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; color: var(--iwm-muted); margin: 4px 0; }
.iwm-monitor-board .iwm-legend span { display: inline-flex; align-items: center; gap: 5px; }
.iwm-monitor-board .iwm-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.iwm-monitor-board .iwm-tag { font-size: 0.85em; padding: 0 6px; border-radius: 8px; border: 1px solid var(--jp-brand-color1, #1976d2); color: var(--iwm-fg); }
.iwm-monitor-board table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin-top: 6px; }
.iwm-monitor-board th, .iwm-monitor-board td { padding: 3px 7px; text-align: left; white-space: nowrap; vertical-align: top; }
.iwm-monitor-board td.iwm-num { padding-top: 5px; }
.iwm-monitor-board th { color: var(--iwm-muted); font-weight: 600; border-bottom: 1px solid var(--iwm-border); }
.iwm-monitor-board td.iwm-num, .iwm-monitor-board th.iwm-num { text-align: right; }
.iwm-monitor-board tr.iwm-monitor-row td { border-top: 1px solid var(--iwm-grid); }
.iwm-monitor-board tr.iwm-monitor-row td.iwm-name { font-weight: 600; }
.iwm-monitor-board tr.iwm-baseline-row td { color: var(--iwm-muted); }
.iwm-monitor-board tr.iwm-baseline-row td.iwm-name { padding-left: 20px; font-style: italic; }
.iwm-monitor-board .iwm-rule { white-space: normal; max-width: 21em; font-size: 0.88em; font-weight: normal; font-style: normal; color: var(--iwm-muted); }
.iwm-monitor-board .iwm-table-box { overflow-x: auto; max-width: 100%; }
.iwm-monitor-board .iwm-threshold { display: inline-flex; align-items: center; gap: 6px; }
.iwm-monitor-board .iwm-rate { font-size: 0.88em; color: var(--iwm-muted); }
.iwm-monitor-board .iwm-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 14px; margin-top: 6px; }
${tooltipCss(SCOPE)}`;

/** What the hint under the header says. */
export const HINT =
  "Each row is a monitor: where it raised an alarm, scored against what the simulator says really happened (the truth row). The first strip shows every input (click one to open it), the second the picked input step by step. Move a threshold to re-score without running the model; the output-only baselines are matched to the same alarm rate.";

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 */
export function createView(el) {
  const root = h("div", "iwm-monitor-board", el);
  h("style", "", root).textContent = CSS;
  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const summary = h("span", "iwm-summary", header);
  const hint = h("div", "iwm-hint", root);
  hint.textContent = HINT;
  const errors = errorBox(root);

  const strips = h("div", "iwm-strips", root);
  const allCaption = h("div", "iwm-caption", strips);
  const allTitle = h("span", "", allCaption);
  const allScroll = h("div", "iwm-scroll", strips);
  const all = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-all", allScroll));
  all.setAttribute("role", "img");
  const legend = h("div", "iwm-legend", strips);
  for (const item of LEGEND) {
    const s = h("span", "", legend);
    const sw = h("span", "iwm-swatch", s);
    sw.dataset.key = item.key;
    s.append(item.text);
  }
  const oneCaption = h("div", "iwm-caption", strips);
  const oneTitle = h("span", "", oneCaption);
  const openedTag = h("span", "iwm-tag", oneCaption);
  const oneScroll = h("div", "iwm-scroll", strips);
  const one = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-one", oneScroll));
  one.setAttribute("role", "img");

  const tableBox = h("div", "iwm-table-box", root);
  const table = h("table", "iwm-scores", tableBox);
  const headRow = h("tr", "", h("thead", "", table));
  for (const [text, num] of /** @type {[string, boolean][]} */ ([
    ["monitor · rule", false], ["threshold", false], ["precision", true], ["recall", true],
    ["false alarms", true], ["lead time", true], ["AUROC", true],
  ])) { // prettier-ignore
    const th = h("th", num ? "iwm-num" : "", headRow);
    th.textContent = text;
  }
  const rows = h("tbody", "", table);
  const controls = h("div", "iwm-controls", root);
  const baseLabel = h("label", "", controls);
  const baselines = /** @type {HTMLInputElement} */ (h("input", "iwm-show-baselines", baseLabel));
  baselines.type = "checkbox";
  baseLabel.append("show the output-only strips");
  const reset = /** @type {HTMLButtonElement} */ (h("button", "iwm-reset", controls));
  reset.type = "button";
  reset.textContent = "reset thresholds";
  reset.title = "every monitor back at the threshold it was scored at";
  const tooltip = createTooltip(root);
  return { root, title, summary, errors, strips, allTitle, allScroll, all, legend, oneTitle, openedTag, oneScroll, one, rows, baselines, reset, tooltip };
}

/** @typedef {ReturnType<typeof createView>} View */
