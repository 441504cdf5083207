// CausalGraph's traits, read: the nodes (normalised, with usable positions in the unit
// square) and the edges (a binary payload of rows: source, target, effect; over several
// inputs also the effect's standard error and 95% interval).

import { decode } from "../shared/transport.js";

/**
 * One op of the node editor, as the `ops` trait sends it (Python's table of edit ops,
 * iwm_widgets/tracing/ops.py): the front end knows no op by name.
 * @typedef {object} OpSpec
 * @property {string} name what the edit message's `op` holds
 * @property {string} label the menu's text
 * @property {string} field what the number means ("factor", "value"); "" when the op takes none
 * @property {number | "value" | null} default the number the field starts from: a number, the node's value, or empty
 * @property {string} text the edit in words, with {op}, {node} and {value} filled in
 * @property {string[]} kinds the node kinds that offer it
 */

/**
 * The `ops` trait, normalised: entries without a name are left out, and so is a second
 * entry of one name.
 * @param {any} list
 * @returns {OpSpec[]}
 */
export function readOps(list) {
  if (!Array.isArray(list)) return [];
  /** @type {OpSpec[]} */
  const out = [];
  for (const d of list) {
    if (!d || typeof d !== "object" || typeof d.name !== "string" || !d.name) continue;
    if (out.some((o) => o.name === d.name)) continue;
    const dflt = d.default;
    out.push({
      name: d.name,
      label: typeof d.label === "string" && d.label ? d.label : d.name,
      field: typeof d.field === "string" ? d.field : "",
      default: typeof dflt === "number" && Number.isFinite(dflt) ? dflt : dflt === "value" ? "value" : null,
      text: typeof d.text === "string" && d.text ? d.text : "{op} {node}",
      kinds: Array.isArray(d.kinds) ? d.kinds.filter((/** @type {any} */ k) => typeof k === "string") : [],
    });
  }
  return out;
}
/** Node kinds. */
export const KINDS = Object.freeze(["variable", "site", "output", "head"]);
/** A node moved by less than this, relative to max(1, |value|), did not move: float32
 * noise of an unedited re-run (1e-9 would otherwise fill the "moved" colour scale). */
export const MOVED_EPS = 1e-5;

/**
 * One node, normalised.
 * @typedef {object} GraphNode
 * @property {string} id
 * @property {string} label
 * @property {number} layer
 * @property {number} x layout position in [0, 1], x grows with depth
 * @property {number} y layout position in [0, 1], 0 at the top
 * @property {number} value NaN when missing
 * @property {number} moved NaN when missing, 0 when below MOVED_EPS
 * @property {"variable" | "site" | "output" | "head"} kind
 * @property {string} site
 * @property {boolean} edited
 * @property {string[]} editable the ops it offers (names of the `ops` trait), in the order Python lists them
 * @property {string | null} truth
 * @property {string} color its own fill ("#rrggbb": a particle's colour), or "" for the value's colour
 * @property {string} scope what its edits edit, in words ("time step 29 only (the last of 30; positions=[-1])"); "" for an output
 */

/**
 * Decoded edges: edge k goes from node src[k] to node dst[k] with effect effect[k] (over
 * several inputs: the mean effect, with its standard error se[k] and 95% interval
 * [lo[k], hi[k]]; NaN when Python sent no spread, i.e. one input).
 * @typedef {object} Edges
 * @property {Int32Array} src
 * @property {Int32Array} dst
 * @property {Float32Array} effect
 * @property {Float32Array} se
 * @property {Float32Array} lo
 * @property {Float32Array} hi
 * @property {number} n
 * @property {number} maxAbs the largest |effect| (0 without edges)
 * @property {number} dropped rows left out: an index that is not a node, or a NaN effect
 */

/**
 * @typedef {{nodes: GraphNode[], edges: Edges, index: Map<string, number>, nInputs?: number, spatial?: boolean, directed?: boolean, truth?: Set<string> | null, trueEdges?: [number, number][]}} Graph
 * nInputs: how many inputs the effects average over (1 when absent); spatial: nodes are
 * placed where their particles are (a square box, y = 0 at the top); directed: false for
 * one undirected edge per pair (no arrowheads); truth: the true edges as pairKey keys
 * (null when unknown), trueEdges: the same as [i, j] pairs.
 */

/**
 * The key of an edge in Graph.truth: "i,j" (directed) or "min,max" (undirected).
 * @param {number} s
 * @param {number} t
 * @param {boolean} directed
 * @returns {string}
 */
export function pairKey(s, t, directed) {
  return directed ? `${s},${t}` : `${Math.min(s, t)},${Math.max(s, t)}`;
}

/**
 * The `true_edges` trait: pairs of node indices in range, no self-loops; null when empty
 * (no truth known).
 * @param {any} list
 * @param {number} nNodes
 * @returns {[number, number][] | null}
 */
export function readTrueEdges(list, nNodes) {
  if (!Array.isArray(list)) return null;
  /** @type {[number, number][]} */
  const out = [];
  for (const e of list) {
    if (!Array.isArray(e) || e.length !== 2) continue;
    const [s, t] = e;
    if (Number.isInteger(s) && Number.isInteger(t) && s !== t && s >= 0 && t >= 0 && s < nNodes && t < nNodes) out.push([s, t]);
  }
  return out.length ? out : null;
}

/**
 * A finite number, or `fallback`.
 * @param {any} v
 * @param {number} fallback
 */
function num(v, fallback) {
  if (v === null || v === undefined || v === "") return fallback;
  const x = Number(v);
  return Number.isFinite(x) ? x : fallback;
}

/**
 * One node from Python, with what it may leave out filled in.
 * @param {any} d
 * @param {number} i its index (the id when it has none)
 * @param {readonly string[] | null} [known] the op names of the `ops` trait (null: any name)
 * @returns {GraphNode}
 */
export function normalizeNode(d, i, known = null) {
  const o = d && typeof d === "object" ? d : {};
  const id = o.id === undefined || o.id === null ? String(i) : String(o.id);
  const kind = KINDS.includes(o.kind) ? o.kind : "variable";
  // Known ops only, once each, in Python's order (the first is the editor's default).
  const usable = (/** @type {any} */ op) => typeof op === "string" && (known === null || known.includes(op));
  const editable = Array.isArray(o.editable) ? [...new Set(o.editable.filter(usable))] : [];
  const value = num(o.value, NaN);
  let moved = num(o.moved, NaN);
  if (Math.abs(moved) <= MOVED_EPS * Math.max(1, Number.isFinite(value) ? Math.abs(value) : 1)) moved = 0;
  return {
    id,
    label: o.label === undefined || o.label === null || o.label === "" ? id : String(o.label),
    layer: Math.max(0, Math.trunc(num(o.layer, 0))),
    x: num(o.x, NaN),
    y: num(o.y, NaN),
    value,
    moved,
    kind: /** @type {GraphNode["kind"]} */ (kind),
    site: o.site === undefined || o.site === null ? "" : String(o.site),
    edited: !!o.edited,
    editable,
    truth: o.truth === undefined || o.truth === null || o.truth === "" ? null : String(o.truth),
    scope: typeof o.scope === "string" ? o.scope : "",
    color: typeof o.color === "string" && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(o.color) ? o.color : "",
  };
}

/**
 * The `nodes` trait as normalised nodes with usable positions: a node without a finite
 * (x, y) is placed by its layer (x) and its rank among that layer's nodes (y); a layout
 * that leaves the unit square is rescaled into it (each axis on its own).
 * @param {any} list
 * @param {readonly string[] | null} [known] the op names of the `ops` trait (null: any name)
 * @returns {GraphNode[]}
 */
export function readNodes(list, known = null) {
  if (!Array.isArray(list)) return [];
  const nodes = list.map((d, i) => normalizeNode(d, i, known));
  const maxLayer = nodes.reduce((m, n) => Math.max(m, n.layer), 0);
  /** @type {Map<number, number[]>} */
  const missing = new Map();
  nodes.forEach((n, i) => {
    if (Number.isFinite(n.x) && Number.isFinite(n.y)) return;
    missing.set(n.layer, [...(missing.get(n.layer) ?? []), i]);
  });
  for (const [layer, idx] of missing) {
    idx.forEach((i, rank) => {
      nodes[i].x = maxLayer > 0 ? layer / maxLayer : 0.5;
      nodes[i].y = (rank + 0.5) / idx.length;
    });
  }
  for (const axis of /** @type {("x" | "y")[]} */ (["x", "y"])) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const n of nodes) {
      lo = Math.min(lo, n[axis]);
      hi = Math.max(hi, n[axis]);
    }
    const eps = 1e-6;
    if (nodes.length && (lo < -eps || hi > 1 + eps)) {
      for (const n of nodes) n[axis] = hi > lo ? (n[axis] - lo) / (hi - lo) : 0.5;
    }
  }
  return nodes;
}

/**
 * Decode the `edges` trait ({buffer, dtype, shape: [E, 3]} rows of source index, target
 * index, signed effect; or [E, 6] rows that add the effect's standard error and its 95%
 * interval lo, hi, over several inputs). Rows whose indices are not nodes, or whose
 * effect is NaN, are left out and counted in `dropped`.
 * @param {any} payload
 * @param {number} nNodes
 * @returns {Edges}
 */
export function readEdges(payload, nNodes) {
  const none = new Float32Array(0);
  const empty = { src: new Int32Array(0), dst: new Int32Array(0), effect: none, se: none, lo: none, hi: none, n: 0, maxAbs: 0, dropped: 0 };
  if (!payload || !payload.buffer) return empty;
  const { data, shape } = decode(payload);
  if (shape.length === 1 && shape[0] === 0) return empty;
  if (shape.length !== 2 || (shape[1] !== 3 && shape[1] !== 6)) {
    throw new Error(
      `edges must have shape [E, 3] (source, target, effect) or [E, 6] (source, target, mean, se, lo, hi), got ${JSON.stringify(shape)}`,
    );
  }
  const [rows, cols] = shape;
  const src = new Int32Array(rows);
  const dst = new Int32Array(rows);
  const effect = new Float32Array(rows);
  const se = new Float32Array(rows).fill(NaN);
  const lo = new Float32Array(rows).fill(NaN);
  const hi = new Float32Array(rows).fill(NaN);
  let n = 0;
  let maxAbs = 0;
  for (let r = 0; r < rows; r++) {
    const s = data[cols * r];
    const t = data[cols * r + 1];
    const e = data[cols * r + 2];
    if (!(Number.isInteger(s) && Number.isInteger(t) && s >= 0 && t >= 0 && s < nNodes && t < nNodes) || Number.isNaN(e)) continue;
    src[n] = s;
    dst[n] = t;
    effect[n] = e;
    if (cols === 6) {
      se[n] = data[cols * r + 3];
      lo[n] = data[cols * r + 4];
      hi[n] = data[cols * r + 5];
    }
    if (Number.isFinite(e)) maxAbs = Math.max(maxAbs, Math.abs(e));
    n++;
  }
  const cut = (/** @type {Float32Array} */ a) => a.subarray(0, n);
  return { src: src.subarray(0, n), dst: dst.subarray(0, n), effect: cut(effect), se: cut(se), lo: cut(lo), hi: cut(hi), n, maxAbs, dropped: rows - n };
}

/**
 * Nodes and edges together, with an id -> index map.
 * @param {any} nodesTrait
 * @param {any} edgesTrait
 * @param {any} [nInputs] the `n_inputs` trait: how many inputs the effects average over
 * @param {readonly string[] | null} [known] the op names of the `ops` trait: a node's
 *   `editable` keeps only these (null: any name)
 * @param {{layout?: any, trueEdges?: any, directed?: any}} [extra] the `graph_layout`, `true_edges` and `directed` traits
 * @returns {Graph}
 */
export function readGraph(nodesTrait, edgesTrait, nInputs = 1, known = null, extra = {}) {
  const nodes = readNodes(nodesTrait, known);
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const k = Math.trunc(Number(nInputs));
  const directed = extra.directed !== false;
  const trueEdges = readTrueEdges(extra.trueEdges, nodes.length);
  const truth = trueEdges ? new Set(trueEdges.map(([s, t]) => pairKey(s, t, directed))) : null;
  return {
    nodes,
    edges: readEdges(edgesTrait, nodes.length),
    index,
    nInputs: Number.isFinite(k) && k > 1 ? k : 1,
    spatial: extra.layout === "spatial",
    directed,
    truth,
    trueEdges: trueEdges ?? [],
  };
}
