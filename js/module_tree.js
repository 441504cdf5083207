// ModuleTree: a model's module hierarchy (the view of iwm_widgets/widgets/module_tree.py).
//
// Only the rows of expanded parents are in the DOM, so models with hundreds or thousands
// of modules stay quick; a filter box shows the modules whose path contains the text,
// with their ancestors. Clicking a row whose output an ActivationMap can show sets
// `selected` (JS -> Python); Python opens the map under the tree.
//
// Synced traits (see the Python class): nodes [{path, name, type, depth, parent, params,
// shape, layer, open}], title, summary, selected, error. The root element carries
// data-render-count, data-rows (rows in the DOM), data-nodes, data-selected and
// data-draw-ms for tests.

import { drawScheduler, errorBox as makeErrorBox, h, setTrait, showError } from "./widget_util.js";

/**
 * The slice of anywidget's model that this view uses.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, cb: Function) => void} on
 * @property {(event: string, cb: Function) => void} off
 * @property {() => void} save_changes
 */

/**
 * @typedef {object} Node
 * @property {string} path
 * @property {string} name
 * @property {string} type
 * @property {number} depth
 * @property {number} parent index of the parent, -1 at the top
 * @property {number} params
 * @property {number[] | null} shape
 * @property {boolean} layer
 * @property {boolean} open an ActivationMap can show it
 */

/** @typedef {{children: number[][], roots: number[]}} Tree */

/** Parents shallower than this start expanded. */
export const EXPAND_DEPTH = 2;
const INDENT_PX = 14;

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM), exported for tests/js.

/**
 * Children of every node, and the top-level nodes, in the order given.
 * @param {Node[]} nodes
 * @returns {Tree}
 */
export function buildTree(nodes) {
  /** @type {number[][]} */
  const children = nodes.map(() => []);
  const roots = [];
  nodes.forEach((n, i) => {
    if (n.parent >= 0 && n.parent < nodes.length) children[n.parent].push(i);
    else roots.push(i);
  });
  return { children, roots };
}

/**
 * Parents that start expanded: those shallower than `depth`.
 * @param {Node[]} nodes
 * @param {Tree} tree
 * @param {number} [depth]
 * @returns {Set<number>}
 */
export function initialExpanded(nodes, tree, depth = EXPAND_DEPTH) {
  const out = new Set();
  nodes.forEach((n, i) => {
    if (n.depth < depth && tree.children[i].length) out.add(i);
  });
  return out;
}

/**
 * Indices of a node's ancestors, nearest first.
 * @param {Node[]} nodes
 * @param {number} i
 * @returns {number[]}
 */
export function ancestors(nodes, i) {
  const out = [];
  for (let p = nodes[i]?.parent ?? -1; p >= 0; p = nodes[p].parent) out.push(p);
  return out;
}

/**
 * The rows to show, in order: the children of expanded parents, or with a filter, the
 * nodes whose path contains it (case-insensitive) and their ancestors.
 * @param {Node[]} nodes
 * @param {Tree} tree
 * @param {Set<number>} expanded
 * @param {string} [query]
 * @returns {number[]}
 */
export function visibleRows(nodes, tree, expanded, query = "") {
  const q = query.trim().toLowerCase();
  /** @type {Set<number> | null} */
  let keep = null;
  if (q) {
    keep = new Set();
    nodes.forEach((n, i) => {
      if (n.path.toLowerCase().includes(q)) {
        keep?.add(i);
        for (const a of ancestors(nodes, i)) keep?.add(a);
      }
    });
  }
  const out = [];
  // iterative depth-first walk (deep models must not overflow the stack)
  const stack = [...tree.roots].reverse();
  while (stack.length) {
    const i = /** @type {number} */ (stack.pop());
    if (keep && !keep.has(i)) continue;
    out.push(i);
    if (keep || expanded.has(i)) {
      const ch = tree.children[i];
      for (let k = ch.length - 1; k >= 0; k--) stack.push(ch[k]);
    }
  }
  return out;
}

/**
 * A parameter count in a few characters: "0", "960", "12.5k", "1.20M", "3.40B".
 * @param {number} n
 * @returns {string}
 */
export function formatParams(n) {
  if (!Number.isFinite(n)) return "–";
  const a = Math.abs(n);
  if (a < 1000) return String(n);
  if (a < 1e6) return `${(n / 1e3).toFixed(a < 1e4 ? 2 : 1)}k`;
  if (a < 1e9) return `${(n / 1e6).toFixed(a < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}B`;
}

/**
 * A shape as "1×32×64", or "–" when the module gave no tensor.
 * @param {number[] | null | undefined} shape
 * @returns {string}
 */
export function formatShape(shape) {
  return Array.isArray(shape) ? shape.join("×") || "scalar" : "–";
}

/**
 * Open a node in the ActivationMap (JS -> Python), if an ActivationMap can show it.
 * @param {Model} model
 * @param {Node | undefined} node
 * @returns {boolean} whether `selected` was sent
 */
export function selectNode(model, node) {
  if (!node || !node.open) return false;
  return setTrait(model, "selected", node.path);
}

// ---------------------------------------------------------------------------------------
// The view.

const CSS = `
.iwm-module-tree {
  box-sizing: border-box; width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
}
.iwm-module-tree [hidden] { display: none !important; }
.iwm-module-tree .iwm-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; margin-bottom: 4px; }
.iwm-module-tree .iwm-title { font-weight: 600; }
.iwm-module-tree .iwm-summary, .iwm-module-tree .iwm-hint { color: var(--jp-ui-font-color2, #555); }
.iwm-module-tree .iwm-hint { font-size: 0.9em; margin-bottom: 4px; }
.iwm-module-tree .iwm-tools { display: flex; gap: 6px; margin-left: auto; }
.iwm-module-tree input, .iwm-module-tree button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px;
}
.iwm-module-tree button { cursor: pointer; }
.iwm-module-tree .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
.iwm-module-tree .iwm-cols, .iwm-module-tree .iwm-row {
  display: grid; grid-template-columns: minmax(0, 1fr) 11em 9em 6em; gap: 0 8px; align-items: center;
}
.iwm-module-tree .iwm-cols { font-weight: 600; color: var(--jp-ui-font-color2, #555); border-bottom: 1px solid var(--jp-border-color2, #ddd); padding: 2px 4px; }
.iwm-module-tree .iwm-list { max-height: 420px; overflow: auto; outline: none; }
.iwm-module-tree .iwm-list:focus-visible { box-shadow: inset 0 0 0 2px var(--jp-brand-color1, #1976d2); }
.iwm-module-tree .iwm-row { padding: 1px 4px; line-height: 20px; white-space: nowrap; border-left: 3px solid transparent; }
.iwm-module-tree .iwm-row > span { overflow: hidden; text-overflow: ellipsis; }
.iwm-module-tree .iwm-row.iwm-layer { border-left-color: var(--jp-brand-color2, #90caf9); }
.iwm-module-tree .iwm-row.iwm-open { cursor: pointer; }
.iwm-module-tree .iwm-row.iwm-open:hover { background: var(--jp-layout-color2, #eee); }
.iwm-module-tree .iwm-row.iwm-cursor { box-shadow: inset 0 0 0 1px var(--jp-border-color1, #999); }
.iwm-module-tree .iwm-row.iwm-selected { background: var(--jp-brand-color3, #bbdefb); }
.iwm-module-tree .iwm-caret { display: inline-block; width: 1.1em; text-align: center; cursor: pointer; color: var(--jp-ui-font-color2, #555); }
.iwm-module-tree .iwm-type, .iwm-module-tree .iwm-params { color: var(--jp-ui-font-color2, #555); }
.iwm-module-tree .iwm-row:not(.iwm-open) .iwm-shape { color: var(--jp-ui-font-color3, #999); }
.iwm-module-tree .iwm-shape, .iwm-module-tree .iwm-params { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px; }
.iwm-module-tree .iwm-params { text-align: right; }
`;

const EVENTS = ["nodes", "title", "summary", "selected", "error"];

/**
 * @param {{model: Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const root = h("div", "iwm-module-tree", el);
  h("style", "", root).textContent = CSS;
  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const summary = h("span", "iwm-summary", header);
  const tools = h("span", "iwm-tools", header);
  const filter = h("input", "iwm-filter", tools);
  filter.type = "search";
  filter.placeholder = "filter modules…";
  filter.setAttribute("aria-label", "filter modules by path");
  const expandAll = h("button", "iwm-expand-all", tools);
  expandAll.textContent = "expand all";
  const collapseAll = h("button", "iwm-collapse-all", tools);
  collapseAll.textContent = "collapse";
  const hint = h("div", "iwm-hint", root);
  hint.textContent = "Click a module with an output shape to open it in an ActivationMap below.";
  const errorBox = makeErrorBox(root);
  const cols = h("div", "iwm-cols", root);
  for (const c of ["module", "type", "output shape", "parameters"]) h("span", "", cols).textContent = c;
  cols.lastChild.style.textAlign = "right";
  const list = h("div", "iwm-list", root);
  list.setAttribute("role", "tree");
  list.tabIndex = 0;

  /** @type {Node[]} */
  let nodes = [];
  /** @type {Tree} */
  let tree = { children: [], roots: [] };
  /** @type {Set<number>} */
  let expanded = new Set();
  /** @type {Map<string, number>} */
  let byPath = new Map();
  /** @type {number[]} */
  let shown = [];
  let cursor = -1; // index (into nodes) of the keyboard cursor
  let renderCount = 0;
  let disposed = false;

  function loadNodes() {
    nodes = model.get("nodes") || [];
    tree = buildTree(nodes);
    expanded = initialExpanded(nodes, tree);
    byPath = new Map(nodes.map((n, i) => [n.path, i]));
    cursor = -1;
    revealSelected();
  }

  /** Expand the selected node's ancestors so that its row is shown. */
  function revealSelected() {
    const i = byPath.get(model.get("selected") || "");
    if (i === undefined) return;
    for (const a of ancestors(nodes, i)) expanded.add(a);
  }

  // one draw after all trait changes of a message
  const schedule = drawScheduler(() => draw(), () => disposed);

  /** @param {number} i */
  function makeRow(i) {
    const n = nodes[i];
    const row = document.createElement("div");
    row.className = "iwm-row";
    if (n.open) row.classList.add("iwm-open");
    if (n.layer) row.classList.add("iwm-layer");
    row.setAttribute("role", "treeitem");
    row.dataset.index = String(i);
    row.dataset.path = n.path;
    row.title = n.open ? `${n.path}: click to open in an ActivationMap` : n.path;
    const name = document.createElement("span");
    name.className = "iwm-name";
    name.style.paddingLeft = `${n.depth * INDENT_PX}px`;
    const caret = document.createElement("span");
    caret.className = "iwm-caret";
    const hasChildren = tree.children[i].length > 0;
    const filtering = !!filter.value.trim();
    if (hasChildren) {
      const isOpen = filtering || expanded.has(i);
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

  function draw() {
    const t0 = performance.now();
    title.textContent = model.get("title") || "";
    summary.textContent = model.get("summary") || "";
    showError(root, errorBox, [model.get("error") || ""]);
    shown = visibleRows(nodes, tree, expanded, filter.value);
    const selected = model.get("selected") || "";
    const frag = document.createDocumentFragment();
    /** @type {HTMLElement | null} */
    let selRow = null;
    for (const i of shown) {
      const row = makeRow(i);
      if (nodes[i].path === selected) {
        row.classList.add("iwm-selected");
        row.setAttribute("aria-selected", "true");
        selRow = row;
      }
      if (i === cursor) row.classList.add("iwm-cursor");
      frag.appendChild(row);
    }
    list.replaceChildren(frag);
    renderCount++;
    const ds = root.dataset;
    ds.renderCount = String(renderCount);
    ds.rows = String(shown.length);
    ds.nodes = String(nodes.length);
    ds.selected = selected;
    ds.drawMs = (performance.now() - t0).toFixed(2);
    return selRow;
  }

  /** @param {number} i */
  function toggle(i) {
    if (!tree.children[i]?.length || filter.value.trim()) return;
    if (expanded.has(i)) expanded.delete(i);
    else expanded.add(i);
    draw();
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const row = /** @type {HTMLElement | null} */ (target.closest(".iwm-row"));
    if (!row) return;
    const i = Number(row.dataset.index);
    cursor = i;
    if (target.classList.contains("iwm-caret") || !nodes[i].open) toggle(i);
    else if (!selectNode(model, nodes[i])) draw();
  }

  /** @param {KeyboardEvent} e */
  function onKeydown(e) {
    if (!shown.length) return;
    let k = shown.indexOf(cursor);
    if (e.key === "ArrowDown") k = Math.min(shown.length - 1, k + 1);
    else if (e.key === "ArrowUp") k = Math.max(0, k - 1);
    else if (e.key === "ArrowRight" && k >= 0 && !expanded.has(cursor)) return toggle(cursor);
    else if (e.key === "ArrowLeft" && k >= 0 && expanded.has(cursor)) return toggle(cursor);
    else if (e.key === "Enter" && k >= 0) {
      selectNode(model, nodes[cursor]);
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    cursor = shown[Math.max(0, k)];
    draw();
    list.querySelector(".iwm-cursor")?.scrollIntoView({ block: "nearest" });
  }

  function onFilter() {
    draw();
  }

  function onExpandAll() {
    filter.value = "";
    expanded = new Set(nodes.map((_, i) => i).filter((i) => tree.children[i].length));
    draw();
  }

  function onCollapseAll() {
    filter.value = "";
    expanded = new Set();
    revealSelected();
    draw();
  }

  const onNodes = () => {
    loadNodes();
    schedule();
  };
  const onSelected = () => {
    revealSelected();
    queueMicrotask(() => {
      if (disposed) return;
      const row = draw();
      row?.scrollIntoView({ block: "nearest" });
    });
  };
  /** @type {[string, Function][]} */
  const handlers = EVENTS.map((e) => [
    `change:${e}`,
    e === "nodes" ? onNodes : e === "selected" ? onSelected : schedule,
  ]);
  for (const [event, cb] of handlers) model.on(event, cb);
  list.addEventListener("click", onClick);
  list.addEventListener("keydown", onKeydown);
  filter.addEventListener("input", onFilter);
  expandAll.addEventListener("click", onExpandAll);
  collapseAll.addEventListener("click", onCollapseAll);

  loadNodes();
  draw();

  return () => {
    disposed = true;
    for (const [event, cb] of handlers) model.off(event, cb);
    list.removeEventListener("click", onClick);
    list.removeEventListener("keydown", onKeydown);
    filter.removeEventListener("input", onFilter);
    expandAll.removeEventListener("click", onExpandAll);
    collapseAll.removeEventListener("click", onCollapseAll);
    root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
