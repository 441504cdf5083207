// ModuleTree's DOM: the header (title, summary, filter, expand / collapse), a hint, the
// error box, the column heads and the list of rows; and its CSS.

import { errorBox, h } from "../shared/dom.js";
import { baseCss } from "../shared/theme.js";

const SCOPE = ".iwm-module-tree";

export const CSS = `${baseCss(SCOPE)}
.iwm-module-tree { box-sizing: border-box; width: 100%; padding: 4px 2px; }
.iwm-module-tree .iwm-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; margin-bottom: 4px; }
.iwm-module-tree .iwm-summary, .iwm-module-tree .iwm-hint { color: var(--jp-ui-font-color2, #555); }
.iwm-module-tree .iwm-hint { font-size: 0.9em; margin-bottom: 4px; }
.iwm-module-tree .iwm-tools { display: flex; gap: 6px; margin-left: auto; }
.iwm-module-tree input, .iwm-module-tree button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px;
}
.iwm-module-tree button { cursor: pointer; }
.iwm-module-tree .iwm-cols, .iwm-module-tree .iwm-row {
  display: grid; grid-template-columns: minmax(0, 1fr) 11em 9em 7em; gap: 0 8px; align-items: center;
  box-sizing: border-box; width: 100%; border-left: 3px solid transparent;
}
.iwm-module-tree .iwm-cols { font-weight: 600; color: var(--jp-ui-font-color2, #555); border-bottom: 1px solid var(--jp-border-color2, #ddd); padding: 2px 4px; }
.iwm-module-tree .iwm-cols > span, .iwm-module-tree .iwm-row > span { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.iwm-module-tree .iwm-list { max-height: 420px; overflow: auto; outline: none; }
.iwm-module-tree .iwm-list:focus-visible { box-shadow: inset 0 0 0 2px var(--jp-brand-color1, #1976d2); }
.iwm-module-tree .iwm-row { padding: 1px 4px; line-height: 20px; }
.iwm-module-tree .iwm-row.iwm-layer { border-left-color: var(--jp-brand-color2, #90caf9); }
.iwm-module-tree .iwm-row.iwm-open { cursor: pointer; }
.iwm-module-tree .iwm-row.iwm-open:hover { background: var(--jp-layout-color2, #eee); }
.iwm-module-tree .iwm-row.iwm-cursor { box-shadow: inset 0 0 0 1px var(--jp-border-color1, #999); }
.iwm-module-tree .iwm-row.iwm-attention .iwm-shape { text-decoration: underline dotted; }
.iwm-module-tree .iwm-row.iwm-selected { background: color-mix(in srgb, var(--jp-brand-color1, #1976d2) 28%, transparent); }
.iwm-module-tree .iwm-caret { display: inline-block; width: 1.1em; text-align: center; cursor: pointer; color: var(--jp-ui-font-color2, #555); }
.iwm-module-tree .iwm-type, .iwm-module-tree .iwm-params { color: var(--jp-ui-font-color2, #555); }
.iwm-module-tree .iwm-row:not(.iwm-open) .iwm-shape { color: var(--jp-ui-font-color3, #999); }
.iwm-module-tree .iwm-shape, .iwm-module-tree .iwm-params { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px; }
.iwm-module-tree .iwm-params { text-align: right; }
`;

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 */
export function createView(el) {
  const root = h("div", "iwm-module-tree", el);
  h("style", "", root).textContent = CSS;
  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const summary = h("span", "iwm-summary", header);
  const tools = h("span", "iwm-tools", header);
  const filter = /** @type {HTMLInputElement} */ (h("input", "iwm-filter", tools));
  filter.type = "search";
  filter.placeholder = "filter modules…";
  filter.setAttribute("aria-label", "filter modules by path");
  const expandAll = h("button", "iwm-expand-all", tools);
  expandAll.textContent = "expand all";
  const collapseAll = h("button", "iwm-collapse-all", tools);
  collapseAll.textContent = "collapse";
  const hint = h("div", "iwm-hint", root);
  hint.textContent =
    "Click a module with an output shape to open it below: an ActivationMap of its activations, or an AttentionView of attention weights (heads × queries × keys).";
  const errors = errorBox(root);
  const cols = h("div", "iwm-cols", root);
  for (const c of ["module", "type", "output shape", "parameters"]) h("span", "", cols).textContent = c;
  cols.lastChild.style.textAlign = "right";
  const list = h("div", "iwm-list", root);
  list.setAttribute("role", "tree");
  list.tabIndex = 0;
  return { root, title, summary, filter, expandAll, collapseAll, errors, list };
}

/** @typedef {ReturnType<typeof createView>} View */
