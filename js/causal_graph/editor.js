// CausalGraph's node editor: clicking a node opens it beside the node, clear of the node
// and its label. Its ops (menu text, number field and its default, wording) come from the
// `ops` trait, Python's table of edit ops (iwm_widgets/tracing/ops.py): no op is named
// here. Apply and Remove send {type: "edit", node, op, value} and {type: "remove_edit",
// node} to Python, which adds the edit to the workspace, re-runs and sends the graph back
// with the nodes' new values. The editor carries data-side: where it sits around its node.

import { fillSelect } from "../shared/controls.js";
import { formatValue } from "../shared/format.js";
import { labelOfNode } from "./labels.js";
import { selectedIndex, selectNode } from "./state.js";
import { formatSigned } from "./text.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./graph.js").GraphNode} GraphNode */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/** @typedef {import("./graph.js").OpSpec} OpSpec */

/**
 * The op `name` of the `ops` trait, or undefined.
 * @param {readonly OpSpec[]} ops
 * @param {string} name
 * @returns {OpSpec | undefined}
 */
export function opSpec(ops, name) {
  return ops.find((o) => o.name === name);
}

/**
 * The message that asks Python to edit a node.
 * @param {GraphNode} node
 * @param {string} op one of node.editable
 * @param {any} raw the number input's text (ignored for an op without a number)
 * @param {readonly OpSpec[]} ops the `ops` trait (readOps)
 * @returns {{type: "edit", node: string, op: string, value: number | null}}
 * @throws {Error} with a message for the user when the op or the number is not usable
 */
export function editMessage(node, op, raw, ops) {
  const spec = opSpec(ops, op);
  if (!spec || !node.editable.includes(op)) {
    throw new Error(node.editable.length ? `${node.label} cannot be edited with ${op}` : `${node.label} cannot be edited`);
  }
  if (!spec.field) return { type: "edit", node: node.id, op, value: null };
  const text = String(raw ?? "").trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value)) throw new Error(`${spec.field} must be a number`);
  return { type: "edit", node: node.id, op, value };
}

/**
 * An edit in words, from its op's text: "set x to 0.5", "scale x by 2", "ablate x".
 * @param {GraphNode} node
 * @param {string} op
 * @param {number | null} value
 * @param {readonly OpSpec[]} ops the `ops` trait (readOps)
 * @returns {string}
 */
export function editText(node, op, value, ops) {
  const text = opSpec(ops, op)?.text ?? "{op} {node}";
  const parts = { op, node: node.label, value: value === null ? "" : formatValue(value) };
  return text.replace(/\{(op|node|value)\}/g, (_, k) => parts[/** @type {"op" | "node" | "value"} */ (k)]);
}

/**
 * The editor's line on what an edit of the node edits ("" for a node without a scope).
 * @param {GraphNode} node
 * @returns {string}
 */
export function scopeText(node) {
  return node.scope ? `edits ${node.scope}` : "";
}

/**
 * The message that asks Python to remove a node's edit.
 * @param {GraphNode} node
 * @returns {{type: "remove_edit", node: string}}
 */
export function removeEditMessage(node) {
  return { type: "remove_edit", node: node.id };
}

/**
 * The number an op's input starts from, as its op says: the node's value (set, clamp), a
 * number (2 for scale), or nothing.
 * @param {GraphNode} node
 * @param {string} op
 * @param {readonly OpSpec[]} ops the `ops` trait (readOps)
 * @returns {string}
 */
export function defaultEditValue(node, op, ops) {
  const spec = opSpec(ops, op);
  if (!spec || !spec.field) return "";
  if (typeof spec.default === "number") return String(spec.default);
  if (spec.default === "value") return Number.isFinite(node.value) ? String(Number(node.value.toPrecision(4))) : "0";
  return "";
}

/** Space between the editor and what it keeps clear of (the node, its rings, its label). */
export const EDITOR_GAP = 8;

/**
 * Where the node editor goes, in the plot's px: beside the node and clear of it (with
 * its selection ring) and of its label, inside the area. Tried in order: right of them,
 * left, below, above; the first that fits wins. When none fits (a tiny plot) the one
 * that covers the least of the node and its label, pushed inside the area.
 * @param {{x: number, y: number, r: number}} node centre and radius
 * @param {{x0: number, y0: number, x1: number, y1: number} | null} label the node's label box
 * @param {{w: number, h: number}} size the editor's
 * @param {{width: number, height: number}} area the plot's
 * @param {number} [gap]
 * @returns {{left: number, top: number, side: "right" | "left" | "below" | "above"}}
 */
export function editorPlacement(node, label, size, area, gap = EDITOR_GAP) {
  const ring = node.r + 6; // the selection ring: r + 4, 2.5 px wide
  const keep = [[node.x - ring, node.y - ring, node.x + ring, node.y + ring]];
  if (label) keep.push([label.x0, label.y0, label.x1, label.y1]);
  const x0 = Math.min(...keep.map((b) => b[0]));
  const y0 = Math.min(...keep.map((b) => b[1]));
  const x1 = Math.max(...keep.map((b) => b[2]));
  const y1 = Math.max(...keep.map((b) => b[3]));
  const { w, h } = size;
  const W = area.width;
  const H = area.height;
  const clamp = (/** @type {number} */ v, /** @type {number} */ hi) => Math.max(0, Math.min(Math.max(0, hi), v));
  // Beside the node, its title row level with the node; under or over it, its left edge
  // a little left of the node.
  const top = clamp(node.y - 24, H - h);
  const left = clamp(node.x - 40, W - w);
  /** @type {{left: number, top: number, side: "right" | "left" | "below" | "above"}[]} */
  const candidates = [
    { left: x1 + gap, top, side: "right" },
    { left: x0 - gap - w, top, side: "left" },
    { left, top: y1 + gap, side: "below" },
    { left, top: y0 - gap - h, side: "above" },
  ];
  const fits = (/** @type {{left: number, top: number}} */ c) => c.left >= 0 && c.top >= 0 && c.left + w <= W + 0.5 && c.top + h <= H + 0.5;
  const found = candidates.find(fits);
  if (found) return found;
  const covered = (/** @type {{left: number, top: number}} */ c) =>
    keep.reduce((sum, b) => sum + Math.max(0, Math.min(c.left + w, b[2]) - Math.max(c.left, b[0])) * Math.max(0, Math.min(c.top + h, b[3]) - Math.max(c.top, b[1])), 0);
  const inside = candidates.map((c) => ({ left: clamp(c.left, W - w), top: clamp(c.top, H - h), side: c.side }));
  return inside.reduce((best, c) => (covered(c) < covered(best) ? c : best));
}

/**
 * The editor of the selected node.
 * @param {View} view
 * @param {State} state
 * @param {Model} model
 * @param {{schedule: () => void, draw: () => void}} redraw soon, or now
 * @returns {{update: () => void, open: (id: string, focus: boolean) => void, close: () => void,
 *   onKey: (e: KeyboardEvent) => void, dispose: () => void}}
 */
export function createEditor(view, state, model, redraw) {
  const { root, editor, editorMsg, opSelect, valueInput, applyButton, removeButton, closeButton } = view;
  /** @type {string | null} the node whose editor is built */
  let editorFor = null;
  let editorKey = "";

  function update() {
    const { graph, scene } = state;
    const i = selectedIndex(state, model);
    root.dataset.selected = i >= 0 ? graph.nodes[i].id : "";
    if (i < 0 || !scene) {
      editor.hidden = true;
      editorFor = null;
      editorKey = "";
      return;
    }
    const d = graph.nodes[i];
    const key = `${d.id}|${d.editable.join(",")}`;
    if (key !== editorKey) {
      // A new node (or new ops): rebuild. Otherwise keep what the user is typing.
      editorKey = key;
      editorFor = d.id;
      fillSelect(opSelect, d.editable.map((op) => ({ value: op, label: opSpec(state.ops, op)?.label ?? op })));
      opSelect.disabled = d.editable.length === 0;
      if (d.editable.length) opSelect.value = d.editable[0];
      valueInput.value = defaultEditValue(d, opSelect.value, state.ops);
      editorMsg.textContent = d.editable.length ? "" : "this node cannot be edited";
      editorMsg.classList.remove("iwm-bad");
    }
    editor.setAttribute("aria-label", `edit ${d.label}`);
    editor.dataset.node = d.id;
    view.editorTitle.textContent = d.label;
    view.editorTitle.title = d.site ? `${d.label} at ${d.site}` : d.label;
    const info = [`value ${formatValue(d.value)} · moved ${formatSigned(d.moved)}${d.edited ? " · edited" : ""}`];
    if (d.site) info.unshift(d.site);
    view.editorInfo.replaceChildren(
      ...info.map((t) => {
        const line = document.createElement("div");
        line.textContent = t;
        return line;
      }),
    );
    // Which positions (time steps, tokens) an edit here edits: the node's only.
    view.editorScope.hidden = !d.scope || d.editable.length === 0;
    view.editorScope.textContent = scopeText(d);
    view.editorScope.title = "every op here edits the node at this position only; edit other positions from Python (Edit(..., positions=, start=))";
    updateValueField();
    applyButton.disabled = d.editable.length === 0;
    removeButton.disabled = !d.edited;
    editor.hidden = false;
    // Beside the node, clear of it and its label, on the side with room; inside the plot.
    const place = editorPlacement(
      { x: scene.pos[2 * i], y: scene.pos[2 * i + 1], r: scene.radius },
      labelOfNode(scene, i),
      { w: editor.offsetWidth, h: editor.offsetHeight },
      { width: scene.width, height: scene.height },
    );
    editor.style.left = `${place.left}px`;
    editor.style.top = `${place.top}px`;
    editor.dataset.side = place.side;
  }

  function updateValueField() {
    const name = opSpec(state.ops, opSelect.value)?.field ?? "";
    view.valueLabel.hidden = !name;
    view.valueName.textContent = name;
  }

  /** @returns {GraphNode | null} */
  function editedNode() {
    const i = selectedIndex(state, model);
    return i >= 0 ? state.graph.nodes[i] : null;
  }

  /** @param {string} text */
  function said(text, bad = false) {
    editorMsg.textContent = text;
    editorMsg.classList.toggle("iwm-bad", bad);
  }

  function onApply() {
    const d = editedNode();
    if (!d) return;
    try {
      const msg = editMessage(d, opSelect.value, valueInput.value, state.ops);
      model.send(msg);
      state.sent++;
      root.dataset.sent = String(state.sent);
      said(`sent: ${editText(d, msg.op, msg.value, state.ops)}`);
    } catch (e) {
      said(/** @type {Error} */ (e).message, true);
    }
  }

  function onRemove() {
    const d = editedNode();
    if (!d) return;
    model.send(removeEditMessage(d));
    state.sent++;
    root.dataset.sent = String(state.sent);
    said(`sent: remove the edit of ${d.label}`);
  }

  function onOp() {
    const d = editedNode();
    if (d) valueInput.value = defaultEditValue(d, opSelect.value, state.ops);
    updateValueField();
    editorMsg.textContent = "";
  }

  function close() {
    if (selectNode(model, "")) redraw.schedule();
  }

  /** @param {string} id @param {boolean} focus move the focus into the editor */
  function open(id, focus) {
    if (selectNode(model, id)) {
      redraw.draw(); // now, so the editor exists to take the focus
    }
    if (focus && !editor.hidden) (opSelect.disabled ? closeButton : opSelect).focus({ preventScroll: true });
  }

  /** Escape closes the editor (the focus goes back to its node); Enter in the number applies. */
  function onKey(/** @type {KeyboardEvent} */ e) {
    if (e.key === "Escape" && !editor.hidden) {
      e.preventDefault();
      const back = /** @type {HTMLElement[]} */ (Array.from(view.nodeList.children)).find((b) => b.dataset.id === editorFor);
      close();
      if (editor.contains(document.activeElement) && back) back.focus({ preventScroll: true });
    } else if (e.key === "Enter" && e.target === valueInput) {
      onApply();
    }
  }

  opSelect.addEventListener("change", onOp);
  applyButton.addEventListener("click", onApply);
  removeButton.addEventListener("click", onRemove);
  closeButton.addEventListener("click", close);
  return {
    update,
    open,
    close,
    onKey,
    dispose() {
      opSelect.removeEventListener("change", onOp);
      applyButton.removeEventListener("click", onApply);
      removeButton.removeEventListener("click", onRemove);
      closeButton.removeEventListener("click", close);
    },
  };
}
