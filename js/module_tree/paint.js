// Drawing ModuleTree: only the rows of expanded parents (or of a filter's matches) are in
// the DOM, so models with thousands of modules stay quick.

import { showError } from "../shared/dom.js";
import { formatParams, formatShape, INDENT_PX, visibleRows } from "./tree.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/**
 * A row's tooltip: what a click on it opens, or why it opens nothing.
 * @param {import("./tree.js").Node} n
 * @returns {string}
 */
export function rowTitle(n) {
  const shape = formatShape(n.shape);
  if (n.attention) {
    return `${n.path}: attention weights ${shape} = batch × heads × queries × keys. Click to open them in an AttentionView: for each head, how much each query position attends to each key position.`;
  }
  if (n.open) return `${n.path}: click to open in an ActivationMap`;
  if (!n.shape) return `${n.path}: gave no tensor output, nothing to show (click to expand or collapse)`;
  return `${n.path}: output ${shape} is neither [batch, positions, features] (an ActivationMap) nor attention weights [batch, heads, positions, positions] (an AttentionView)`;
}

/**
 * One row: name (indented, with a caret when it has children), type, shape, parameters.
 * @param {State} state
 * @param {number} i
 * @param {boolean} filtering
 * @returns {HTMLDivElement}
 */
function makeRow(state, i, filtering) {
  const n = state.nodes[i];
  const row = document.createElement("div");
  row.className = "iwm-row";
  if (n.open) row.classList.add("iwm-open");
  if (n.layer) row.classList.add("iwm-layer");
  row.setAttribute("role", "treeitem");
  row.dataset.index = String(i);
  row.dataset.path = n.path;
  if (n.attention) row.classList.add("iwm-attention");
  row.title = rowTitle(n);
  const name = document.createElement("span");
  name.className = "iwm-name";
  name.style.paddingLeft = `${n.depth * INDENT_PX}px`;
  const caret = document.createElement("span");
  caret.className = "iwm-caret";
  const hasChildren = state.tree.children[i].length > 0;
  if (hasChildren) {
    const isOpen = filtering || state.expanded.has(i);
    caret.textContent = isOpen ? "▾" : "▸";
    row.setAttribute("aria-expanded", String(isOpen));
  }
  name.append(caret, n.name);
  const type = document.createElement("span");
  type.className = "iwm-type";
  type.textContent = n.type;
  const shape = document.createElement("span");
  shape.className = "iwm-shape";
  shape.textContent = formatShape(n.shape);
  const params = document.createElement("span");
  params.className = "iwm-params";
  params.textContent = formatParams(n.params);
  params.title = `${n.params.toLocaleString()} parameters`;
  row.append(name, type, shape, params);
  return row;
}

/**
 * Draw the header and the rows shown.
 * @param {State} state
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @returns {HTMLElement | null} the selected row, if shown
 */
export function paint(state, view, model) {
  const t0 = performance.now();
  view.title.textContent = model.get("title") || "";
  view.summary.textContent = model.get("summary") || "";
  showError(view.root, view.errors, [model.get("error") || ""]);
  const filtering = !!view.filter.value.trim();
  state.shown = visibleRows(state.nodes, state.tree, state.expanded, view.filter.value);
  const selected = model.get("selected") || "";
  const frag = document.createDocumentFragment();
  /** @type {HTMLElement | null} */
  let selRow = null;
  for (const i of state.shown) {
    const row = makeRow(state, i, filtering);
    if (state.nodes[i].path === selected) {
      row.classList.add("iwm-selected");
      row.setAttribute("aria-selected", "true");
      selRow = row;
    }
    if (i === state.cursor) row.classList.add("iwm-cursor");
    frag.appendChild(row);
  }
  view.list.replaceChildren(frag);
  state.renderCount++;
  const ds = view.root.dataset;
  ds.renderCount = String(state.renderCount);
  ds.rows = String(state.shown.length);
  ds.nodes = String(state.nodes.length);
  ds.selected = selected;
  ds.drawMs = (performance.now() - t0).toFixed(2);
  return selRow;
}
