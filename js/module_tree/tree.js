// ModuleTree's tree, without the DOM: children and ancestors, which rows show (expanded
// parents, or a filter), parameter counts and shapes as text, and opening a node.

import { setTrait } from "../shared/model.js";

/** @typedef {import("../shared/model.js").Model} Model */

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
 * @property {boolean} open an ActivationMap (or, for attention weights, an AttentionView) can show it
 * @property {boolean} [attention] its output is attention weights [batch, heads, positions, positions]
 */

/** @typedef {{children: number[][], roots: number[]}} Tree */

/** Parents shallower than this start expanded. */
export const EXPAND_DEPTH = 2;
/** Each level of depth indents a row by this many px. */
export const INDENT_PX = 14;

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
 * Open a node below the tree (JS -> Python: an ActivationMap, or an AttentionView of
 * attention weights), if one can show it.
 * @param {Model} model
 * @param {Node | undefined} node
 * @returns {boolean} whether `selected` was sent
 */
export function selectNode(model, node) {
  if (!node || !node.open) return false;
  return setTrait(model, "selected", node.path);
}
