// FeatureBrowser's DOM: the header (title, summary, badges, run panel), a hint, the error
// box, the feature list (sortable columns) beside the picked feature's panel (its name and
// scores, "make a dial", the held-out histogram, the top rows, the trace over one sequence
// beside a true variable, the live trace over the Workspace's inputs), the tooltip; and
// their CSS.

import { button, fillSelect, generationBadge, labelled, statusBadge } from "../shared/controls.js";
import { errorBox, h } from "../shared/dom.js";
import { RUN_CSS, runPanel } from "../shared/run_panel.js";
import { baseCss, headerCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";
import { SORTS } from "./state.js";

const SCOPE = ".iwm-feature-browser";
/** Chart heights (CSS px). */
export const HIST_H = 112;
export const TRACE_H = 156;

export const CSS = `${baseCss(SCOPE)}${headerCss(SCOPE)}
.iwm-feature-browser { position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px; }
.iwm-feature-browser label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-feature-browser select, .iwm-feature-browser input[type="number"], .iwm-feature-browser button {
  font: inherit; color: var(--iwm-fg); background: var(--iwm-control-bg);
  border: 1px solid var(--iwm-border); border-radius: 2px; padding: 1px 6px;
}
.iwm-feature-browser button { cursor: pointer; }
.iwm-feature-browser button:hover:not(:disabled) { background: var(--jp-layout-color2, #eee); }
.iwm-feature-browser button:disabled { cursor: default; color: var(--iwm-muted); opacity: 0.8; }
.iwm-feature-browser input[type="number"] { width: 5em; }
.iwm-feature-browser .iwm-summary { color: var(--iwm-muted); }
.iwm-feature-browser .iwm-status { color: var(--iwm-muted); font-style: italic; }
.iwm-feature-browser .iwm-status.iwm-idle { visibility: hidden; }
.iwm-feature-browser .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; margin-left: auto; }
.iwm-feature-browser .iwm-hint { color: var(--iwm-muted); font-size: 0.9em; margin-bottom: 6px; }
.iwm-feature-browser .iwm-body { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: flex-start; }
.iwm-feature-browser .iwm-list-pane { flex: 0 1 405px; min-width: 260px; max-width: 480px; }
.iwm-feature-browser .iwm-detail { flex: 1 1 400px; min-width: 300px; transition: opacity 0.15s; }
.iwm-feature-browser .iwm-traces { margin-top: 4px; transition: opacity 0.15s; }
.iwm-feature-browser.iwm-stale .iwm-detail, .iwm-feature-browser.iwm-stale .iwm-traces { opacity: 0.55; }
.iwm-feature-browser .iwm-list { max-height: 330px; overflow: auto; border: 1px solid var(--iwm-grid); outline: none; }
.iwm-feature-browser .iwm-list:focus-visible { box-shadow: 0 0 0 2px var(--jp-brand-color1, #1976d2); }
.iwm-feature-browser table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.iwm-feature-browser th, .iwm-feature-browser td { padding: 2px 5px; text-align: left; white-space: nowrap; }
.iwm-feature-browser th { position: sticky; top: 0; z-index: 1; background: var(--iwm-bg); color: var(--iwm-muted); font-weight: 600; border-bottom: 1px solid var(--iwm-border); }
.iwm-feature-browser th.iwm-sortable { cursor: pointer; text-decoration: underline dotted; text-underline-offset: 3px; }
.iwm-feature-browser th.iwm-sorted { color: var(--iwm-fg); text-decoration: none; }
.iwm-feature-browser td.iwm-num, .iwm-feature-browser th.iwm-num { text-align: right; }
.iwm-feature-browser .iwm-features tbody tr { cursor: pointer; border-left: 3px solid transparent; }
.iwm-feature-browser .iwm-features tbody tr:hover, .iwm-feature-browser .iwm-top tbody tr:hover { background: var(--jp-layout-color2, rgba(128, 128, 128, 0.15)); }
.iwm-feature-browser .iwm-features tbody tr.iwm-picked { background: color-mix(in srgb, var(--jp-brand-color1, #1976d2) 28%, transparent); }
.iwm-feature-browser .iwm-bar { display: inline-block; height: 8px; margin-right: 6px; vertical-align: middle; background: var(--jp-brand-color1, #1976d2); opacity: 0.7; border-radius: 1px; }
.iwm-feature-browser .iwm-best { color: var(--iwm-muted); }
.iwm-feature-browser .iwm-feature-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; margin-bottom: 4px; }
.iwm-feature-browser .iwm-feature-name { font-weight: 600; font-size: 1.1em; }
.iwm-feature-browser .iwm-feature-stats { color: var(--iwm-muted); }
.iwm-feature-browser .iwm-dial-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin: 4px 0 8px 0; }
.iwm-feature-browser .iwm-make-dial { font-weight: 600; border-color: var(--iwm-edit); }
.iwm-feature-browser .iwm-note, .iwm-feature-browser .iwm-made { color: var(--iwm-muted); font-size: 0.9em; }
.iwm-feature-browser .iwm-hist-box { position: relative; }
.iwm-feature-browser .iwm-top-box { max-height: 200px; overflow: auto; border-top: 1px solid var(--iwm-grid); }
.iwm-feature-browser .iwm-top tbody tr { cursor: pointer; }
.iwm-feature-browser .iwm-top tbody tr.iwm-marked { box-shadow: inset 3px 0 0 var(--iwm-edit); }
.iwm-feature-browser .iwm-fit { color: var(--iwm-faint); }
.iwm-feature-browser .iwm-context { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px; white-space: pre-wrap; }
.iwm-feature-browser td.iwm-context-cell { white-space: normal; min-width: 12em; }
.iwm-feature-browser .iwm-tag { font-size: 0.85em; padding: 0 5px; border-radius: 8px; border: 1px solid var(--iwm-border); color: var(--iwm-muted); }
.iwm-feature-browser .iwm-tag.iwm-held { border-color: var(--jp-brand-color1, #1976d2); color: var(--iwm-fg); }
.iwm-feature-browser .iwm-context .iwm-around { color: var(--iwm-muted); }
.iwm-feature-browser .iwm-context mark { color: var(--iwm-fg); background: color-mix(in srgb, var(--iwm-edit) 35%, transparent); border-radius: 2px; padding: 0 1px; }
.iwm-feature-browser .iwm-caption { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin: 8px 0 2px 0; color: var(--iwm-muted); }
.iwm-feature-browser .iwm-caption b { color: var(--iwm-fg); font-weight: 600; }
.iwm-feature-browser .iwm-chart { position: relative; width: 100%; }
.iwm-feature-browser canvas { display: block; }
.iwm-feature-browser .iwm-legend { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; color: var(--iwm-muted); }
.iwm-feature-browser .iwm-legend span { display: inline-flex; align-items: center; gap: 5px; }
.iwm-feature-browser .iwm-swatch { display: inline-block; width: 22px; height: 0; border-top: 2px solid; }
.iwm-feature-browser .iwm-swatch.iwm-dashed { border-top-style: dashed; }
.iwm-feature-browser .iwm-empty { color: var(--iwm-muted); border: 1px dashed var(--iwm-border); padding: 10px; font-size: 0.92em; }
${tooltipCss(SCOPE)}${RUN_CSS}`;

/** What the hint under the header says. */
export const HINT =
  "Features found without labels. Pick one in the list (or with the arrow keys): where it fires most, its values on held-out data, and its trace over one sequence beside the true variable it matches best. \u201cmake a dial\u201d turns it into a Variable you can steer.";

/** The list's columns: key, head text, the sort it sets (if any), numeric. */
export const COLUMNS = Object.freeze([
  { key: "name", text: "feature", sort: "", num: false },
  { key: "variance", text: "expl. var.", sort: "variance", num: true },
  { key: "density", text: "density", sort: "sparsity", num: true },
  { key: "best", text: "best match", sort: "match", num: false },
  { key: "corr", text: "|corr|", sort: "match", num: true },
]);

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 * @param {import("../shared/model.js").Model} model for the run panel
 */
export function createView(el, model) {
  const root = h("div", "iwm-feature-browser", el);
  h("style", "", root).textContent = CSS;

  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const summary = h("span", "iwm-summary", header);
  const status = statusBadge(header, "iwm-status iwm-idle");
  const genBadge = generationBadge(header);
  const run = runPanel(header, model);
  const hint = h("div", "iwm-hint", root);
  hint.textContent = HINT;
  const errors = errorBox(root);

  const body = h("div", "iwm-body", root);
  // ---- the list
  const listPane = h("div", "iwm-list-pane", body);
  const sortRow = h("div", "iwm-caption", listPane);
  const sort = labelled(sortRow, "sort by", "select", "iwm-sort");
  fillSelect(sort.control, SORTS.map((s) => ({ value: s.value, label: s.label })));
  const list = h("div", "iwm-list", listPane);
  list.tabIndex = 0;
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "features");
  const table = h("table", "iwm-features", list);
  const headRow = h("tr", "", h("thead", "", table));
  const heads = COLUMNS.map((c) => {
    const th = h("th", c.num ? "iwm-num" : "", headRow);
    th.textContent = c.text;
    th.dataset.key = c.key;
    if (c.sort) {
      th.classList.add("iwm-sortable");
      th.dataset.sort = c.sort;
      th.title = `sort by ${SORTS.find((s) => s.value === c.sort)?.label}`;
    }
    return th;
  });
  const rows = h("tbody", "", table);

  // ---- the picked feature
  const detail = h("div", "iwm-detail", body);
  const head = h("div", "iwm-feature-head", detail);
  const featureName = h("span", "iwm-feature-name", head);
  const featureStats = h("span", "iwm-feature-stats", head);
  const dialRow = h("div", "iwm-dial-row", detail);
  const makeDial = button(dialRow, "iwm-make-dial", "make a dial", "turn this feature into a Variable: a dial to steer it, a node of the causal graph");
  const pick = labelled(dialRow, "particle", "select", "iwm-particle");
  const note = h("span", "iwm-note", dialRow);
  const made = h("div", "iwm-made", detail);

  const histBox = h("div", "iwm-hist-box", detail);
  const histCaption = h("div", "iwm-caption", histBox);
  const histChart = h("div", "iwm-chart", histBox);
  const hist = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-hist", histChart));
  hist.setAttribute("role", "img");
  const topCaption = h("div", "iwm-caption", detail);
  const topBox = h("div", "iwm-top-box", detail);
  const topTable = h("table", "iwm-top", topBox);
  const topHead = h("tr", "", h("thead", "", topTable));
  const topRows = h("tbody", "", topTable);

  // ---- the traces, full width under both
  const traces = h("div", "iwm-traces", root);
  const traceCaption = h("div", "iwm-caption", traces);
  const traceTitle = h("span", "", traceCaption);
  const seq = labelled(traceCaption, "sequence", "input", "iwm-sequence");
  seq.control.type = "number";
  seq.control.min = "0";
  seq.control.step = "1";
  const heldTag = h("span", "iwm-tag iwm-held-tag", traceCaption);
  const compare = labelled(traceCaption, "beside", "select", "iwm-compare");
  const traceChart = h("div", "iwm-chart", traces);
  const trace = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-trace", traceChart));
  trace.setAttribute("role", "img");
  const traceLegend = h("div", "iwm-legend", traces);

  const liveCaption = h("div", "iwm-caption", traces);
  const liveChart = h("div", "iwm-chart", traces);
  const live = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-live", liveChart));
  live.setAttribute("role", "img");
  const liveLegend = h("div", "iwm-legend", traces);
  const liveEmpty = h("div", "iwm-empty", traces);
  liveEmpty.textContent =
    "Give a Workspace (iwm.FeatureBrowser(fs, ws)) to see this feature live over its inputs: turn a dial or add an edit, and the trace redraws.";

  const tooltip = createTooltip(root);
  return {
    root,
    title,
    summary,
    status,
    genBadge,
    run,
    errors,
    sort: /** @type {HTMLSelectElement} */ (sort.control),
    list,
    heads,
    rows,
    detail,
    featureName,
    featureStats,
    makeDial,
    particle: /** @type {HTMLSelectElement} */ (pick.control),
    particleLabel: pick.label,
    note,
    made,
    histCaption,
    histChart,
    hist,
    topCaption,
    topHead,
    topRows,
    traces,
    traceTitle,
    sequence: /** @type {HTMLInputElement} */ (seq.control),
    heldTag,
    compare: /** @type {HTMLSelectElement} */ (compare.control),
    compareLabel: compare.label,
    traceChart,
    trace,
    traceLegend,
    liveCaption,
    liveChart,
    live,
    liveLegend,
    liveEmpty,
    tooltip,
  };
}

/** @typedef {ReturnType<typeof createView>} View */
