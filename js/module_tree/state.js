// ModuleTree's state: the module records and their tree, which parents are expanded, the
// rows shown and the keyboard cursor.

import { ancestors, buildTree, initialExpanded } from "./tree.js";

/** @typedef {import("../shared/model.js").Model} Model */

/**
 * @typedef {object} State
 * @property {import("./tree.js").Node[]} nodes
 * @property {import("./tree.js").Tree} tree
 * @property {Set<number>} expanded
 * @property {Map<string, number>} byPath node index by path
 * @property {number[]} shown the rows in the DOM, in order
 * @property {number} cursor index (into nodes) of the keyboard cursor, or -1
 * @property {number} renderCount
 * @property {boolean} disposed
 */

/** @returns {State} */
export function createState() {
  return {
    nodes: [],
    tree: { children: [], roots: [] },
    expanded: new Set(),
    byPath: new Map(),
    shown: [],
    cursor: -1,
    renderCount: 0,
    disposed: false,
  };
}

/**
 * Read `nodes` (Python sent a model's modules): the tree starts collapsed below EXPAND_DEPTH,
 * with the selected node revealed.
 * @param {State} state
 * @param {Pick<Model, "get">} model
 */
export function loadNodes(state, model) {
  state.nodes = model.get("nodes") || [];
  state.tree = buildTree(state.nodes);
  state.expanded = initialExpanded(state.nodes, state.tree);
  state.byPath = new Map(state.nodes.map((n, i) => [n.path, i]));
  state.cursor = -1;
  revealSelected(state, model);
}

/**
 * Expand the selected node's ancestors so that its row is shown.
 * @param {State} state
 * @param {Pick<Model, "get">} model
 */
export function revealSelected(state, model) {
  const i = state.byPath.get(model.get("selected") || "");
  if (i === undefined) return;
  for (const a of ancestors(state.nodes, i)) state.expanded.add(a);
}

/**
 * Expand or collapse node i (not while a filter shows every match).
 * @param {State} state
 * @param {number} i
 * @param {boolean} filtering
 * @returns {boolean} whether it changed
 */
export function toggle(state, i, filtering) {
  if (!state.tree.children[i]?.length || filtering) return false;
  if (state.expanded.has(i)) state.expanded.delete(i);
  else state.expanded.add(i);
  return true;
}
