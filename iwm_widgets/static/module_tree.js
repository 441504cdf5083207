// Generated from js/module_tree.js by scripts/build_js.mjs (npm run build). Do not edit.

// js/widget_util.js
function setTrait(model, name, value) {
  if (model.get(name) === value) return false;
  model.set(name, value);
  model.save_changes();
  return true;
}
function h(tag, className, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (parent) parent.appendChild(e);
  return e;
}
function errorBox(parent) {
  const box = h("div", "iwm-error", parent);
  box.setAttribute("role", "alert");
  box.hidden = true;
  return box;
}
function showError(root, box, messages) {
  const msg = messages.filter(Boolean).join("\n");
  box.textContent = msg;
  box.hidden = !msg;
  root.classList.toggle("iwm-stale", !!msg);
  return msg;
}

// js/module_tree.js
var EXPAND_DEPTH = 2;
var INDENT_PX = 14;
function buildTree(nodes) {
  const children = nodes.map(() => []);
  const roots = [];
  nodes.forEach((n, i) => {
    if (n.parent >= 0 && n.parent < nodes.length) children[n.parent].push(i);
    else roots.push(i);
  });
  return { children, roots };
}
function initialExpanded(nodes, tree, depth = EXPAND_DEPTH) {
  const out = /* @__PURE__ */ new Set();
  nodes.forEach((n, i) => {
    if (n.depth < depth && tree.children[i].length) out.add(i);
  });
  return out;
}
function ancestors(nodes, i) {
  const out = [];
  for (let p = nodes[i]?.parent ?? -1; p >= 0; p = nodes[p].parent) out.push(p);
  return out;
}
function visibleRows(nodes, tree, expanded, query = "") {
  const q = query.trim().toLowerCase();
  let keep = null;
  if (q) {
    keep = /* @__PURE__ */ new Set();
    nodes.forEach((n, i) => {
      if (n.path.toLowerCase().includes(q)) {
        keep?.add(i);
        for (const a of ancestors(nodes, i)) keep?.add(a);
      }
    });
  }
  const out = [];
  const stack = [...tree.roots].reverse();
  while (stack.length) {
    const i = (
      /** @type {number} */
      stack.pop()
    );
    if (keep && !keep.has(i)) continue;
    out.push(i);
    if (keep || expanded.has(i)) {
      const ch = tree.children[i];
      for (let k = ch.length - 1; k >= 0; k--) stack.push(ch[k]);
    }
  }
  return out;
}
function formatParams(n) {
  if (!Number.isFinite(n)) return "–";
  const a = Math.abs(n);
  if (a < 1e3) return String(n);
  if (a < 1e6) return `${(n / 1e3).toFixed(a < 1e4 ? 2 : 1)}k`;
  if (a < 1e9) return `${(n / 1e6).toFixed(a < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}B`;
}
function formatShape(shape) {
  return Array.isArray(shape) ? shape.join("×") || "scalar" : "–";
}
function selectNode(model, node) {
  if (!node || !node.open) return false;
  return setTrait(model, "selected", node.path);
}
var CSS = `
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
var EVENTS = ["nodes", "title", "summary", "selected", "error"];
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
  const errorBox2 = errorBox(root);
  const cols = h("div", "iwm-cols", root);
  for (const c of ["module", "type", "output shape", "parameters"]) h("span", "", cols).textContent = c;
  cols.lastChild.style.textAlign = "right";
  const list = h("div", "iwm-list", root);
  list.setAttribute("role", "tree");
  list.tabIndex = 0;
  let nodes = [];
  let tree = { children: [], roots: [] };
  let expanded = /* @__PURE__ */ new Set();
  let byPath = /* @__PURE__ */ new Map();
  let shown = [];
  let cursor = -1;
  let renderCount = 0;
  let scheduled = false;
  let disposed = false;
  function loadNodes() {
    nodes = model.get("nodes") || [];
    tree = buildTree(nodes);
    expanded = initialExpanded(nodes, tree);
    byPath = new Map(nodes.map((n, i) => [n.path, i]));
    cursor = -1;
    revealSelected();
  }
  function revealSelected() {
    const i = byPath.get(model.get("selected") || "");
    if (i === void 0) return;
    for (const a of ancestors(nodes, i)) expanded.add(a);
  }
  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!disposed) draw();
    });
  }
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
    showError(root, errorBox2, [model.get("error") || ""]);
    shown = visibleRows(nodes, tree, expanded, filter.value);
    const selected = model.get("selected") || "";
    const frag = document.createDocumentFragment();
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
  function toggle(i) {
    if (!tree.children[i]?.length || filter.value.trim()) return;
    if (expanded.has(i)) expanded.delete(i);
    else expanded.add(i);
    draw();
  }
  function onClick(e) {
    const target = (
      /** @type {HTMLElement} */
      e.target
    );
    const row = (
      /** @type {HTMLElement | null} */
      target.closest(".iwm-row")
    );
    if (!row) return;
    const i = Number(row.dataset.index);
    cursor = i;
    if (target.classList.contains("iwm-caret") || !nodes[i].open) toggle(i);
    else if (!selectNode(model, nodes[i])) draw();
  }
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
    expanded = /* @__PURE__ */ new Set();
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
  const handlers = EVENTS.map((e) => [
    `change:${e}`,
    e === "nodes" ? onNodes : e === "selected" ? onSelected : schedule
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
function initialize() {
}
var module_tree_default = { initialize, render };
export {
  EXPAND_DEPTH,
  ancestors,
  buildTree,
  module_tree_default as default,
  formatParams,
  formatShape,
  initialExpanded,
  selectNode,
  visibleRows
};
