// A directed graph with signed edge weights as one drawing ("scene") with two back ends:
// a 2-D canvas (the live view) and an SVG string (the export). Used by CausalGraph.
//
// Nodes come with a layout in the unit square, computed in Python (networkx): x grows
// with depth (inputs on the left), y = 0 at the top. Edges are rows (source, target,
// effect) of a binary payload. The scene maps the layout into a width × height area,
// curves every edge a little (so a → b and b → a do not overlap and long edges bend
// around the nodes between), sizes and colours it by |effect|, and places node labels
// where they fit. Edges are grouped by (sign, strength level): the canvas strokes each
// group as one path (2,000 edges are ~40 strokes, not 2,000), and the SVG writes each
// group as one <path>, so both back ends draw exactly the same thing.

import { decode } from "./transport.js";
import { colorIndex, cssColor, DIVERGING } from "./colormap.js";

/** Edit operations a node may offer, in the order the editor lists them. */
export const OPS = Object.freeze(["ablate", "scale", "set", "clamp"]);
/** Node kinds. */
export const KINDS = Object.freeze(["variable", "site", "output", "head"]);
/** Node kinds drawn as a rounded square (attention heads); every other kind is a circle. */
export const SQUARE_KINDS = Object.freeze(["head"]);
/** A square node's half side and corner radius, as fractions of the node radius (its
 * area is close to the circle's, so heads do not look heavier than variables). */
export const SQUARE_HALF = 0.88;
export const SQUARE_CORNER = 0.3;

/** Colours of positive / negative edges (ColorBrewer RdBu, as in colormap.js; lighter
 * ones of the same map on a dark background), of an edge with zero effect, and of an
 * edited node's ring (the SteeringDials edit colour). */
export const EDGE_POS = "#b2182b";
export const EDGE_NEG = "#2166ac";
export const EDGE_POS_DARK = "#f4a582";
export const EDGE_NEG_DARK = "#92c5de";
export const EDGE_ZERO = "#888888";
export const EDIT_RING = "#e8700a";
/** Fill of a node whose value is NaN or missing. */
export const NAN_FILL = "rgb(128, 128, 128)";

/** Edge strengths are quantised into this many levels (width and opacity per level). */
export const LEVELS = 16;
export const EDGE_MIN_WIDTH = 0.6;
export const EDGE_MAX_WIDTH = 6;
export const EDGE_MIN_ALPHA = 0.16;
export const EDGE_MAX_ALPHA = 0.85;
/** How far an edge bows out of the straight line, as a fraction of its length. */
export const BEND = 0.12;
/** Node radius (CSS px) bounds; the radius follows the spacing of the layout. */
export const MIN_RADIUS = 4;
export const MAX_RADIUS = 11;
/** Labels longer than this are cut with "…" (the tooltip has the full name). */
export const MAX_LABEL_CHARS = 18;
export const LABEL_FONT_PX = 11;
export const LABEL_H = 14;
/** A node moved by less than this, relative to max(1, |value|), did not move: float32
 * noise of an unedited re-run (1e-9 would otherwise fill the "moved" colour scale). */
export const MOVED_EPS = 1e-5;
/** Segments per edge curve for hit testing. */
const HIT_SEGMENTS = 8;
/** Floats per edge in Scene.geom: x0 y0 cx cy x1 y1 (the curve), tx ty (arrow tip),
 * ax ay bx by (the arrowhead's back corners). */
export const GEOM_STRIDE = 12;

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
 * @property {string[]} editable a subset of OPS, in the order Python lists them
 * @property {string | null} truth
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

/** @typedef {{nodes: GraphNode[], edges: Edges, index: Map<string, number>, nInputs?: number}} Graph nInputs: how many inputs the effects average over (1 when absent) */
/** @typedef {{left: number, top: number, w: number, h: number}} Frame */
/** @typedef {{fg: string, muted: string, bg: string, dark?: boolean}} Theme colours; dark: light on dark */

/**
 * What the scene holds: everything both back ends need, in CSS px.
 * @typedef {object} Scene
 * @property {number} width
 * @property {number} height
 * @property {Frame} frame
 * @property {number} radius node radius
 * @property {Float32Array} pos node centres, x, y pairs
 * @property {string[]} fill node fill colours
 * @property {GraphNode[]} nodes
 * @property {"value" | "moved"} colourBy
 * @property {number} lim the colour range is [-lim, lim]
 * @property {Uint32Array} edges indices into Graph.edges, weakest first (drawn order)
 * @property {Float32Array} geom GEOM_STRIDE floats per drawn edge
 * @property {Uint8Array} level strength level per drawn edge
 * @property {Int8Array} sign -1, 0 or 1 per drawn edge
 * @property {Int32Array} src source node per drawn edge
 * @property {Int32Array} dst target node per drawn edge
 * @property {Uint8Array} shape per node: 0 circle, 1 rounded square (nodeShape)
 * @property {Label[]} labels node labels that fit, drawn always
 * @property {Int32Array} labelOf per node: its position in labels, or -1 (hidden: drawn on hover)
 * @property {(Label | null)[]} spots per node: where its label goes when it is shown on hover
 */

/**
 * A placed label: text anchored at (x, y) (y is the middle of the text line), aligned
 * left / right / center on x; its box (x0, y0)–(x1, y1); side: where it sits around
 * its node.
 * @typedef {{i: number, text: string, x: number, y: number, w: number, align: "left" | "right" | "center",
 *   side: LabelSide, x0: number, y0: number, x1: number, y1: number}} Label
 */
/** @typedef {"right" | "above" | "below" | "left"} LabelSide */

// ---------------------------------------------------------------------------------------
// Reading the traits.

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
 * @returns {GraphNode}
 */
export function normalizeNode(d, i) {
  const o = d && typeof d === "object" ? d : {};
  const id = o.id === undefined || o.id === null ? String(i) : String(o.id);
  const kind = KINDS.includes(o.kind) ? o.kind : "variable";
  // Known ops only, once each, in Python's order (the first is the editor's default).
  const editable = Array.isArray(o.editable) ? [...new Set(o.editable.filter((/** @type {any} */ op) => OPS.includes(op)))] : [];
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
  };
}

/**
 * The `nodes` trait as normalised nodes with usable positions: a node without a finite
 * (x, y) is placed by its layer (x) and its rank among that layer's nodes (y); a layout
 * that leaves the unit square is rescaled into it (each axis on its own).
 * @param {any} list
 * @returns {GraphNode[]}
 */
export function readNodes(list) {
  if (!Array.isArray(list)) return [];
  const nodes = list.map(normalizeNode);
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
 * @returns {Graph}
 */
export function readGraph(nodesTrait, edgesTrait, nInputs = 1) {
  const nodes = readNodes(nodesTrait);
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const k = Math.trunc(Number(nInputs));
  return { nodes, edges: readEdges(edgesTrait, nodes.length), index, nInputs: Number.isFinite(k) && k > 1 ? k : 1 };
}

// ---------------------------------------------------------------------------------------
// Pure geometry and style.

/**
 * Edges to draw at a threshold: |effect| > threshold, as Python counts edges for its
 * score and its networkx export (a threshold that is not a positive number shows every
 * edge); self-loops left out; weakest first so the strongest are drawn on top.
 * @param {Edges} edges
 * @param {number} threshold
 * @returns {Uint32Array} edge indices
 */
export function visibleEdges(edges, threshold) {
  const th = threshold > 0 ? threshold : -1;
  const out = [];
  for (let k = 0; k < edges.n; k++) {
    if (edges.src[k] === edges.dst[k]) continue;
    if (Math.abs(edges.effect[k]) > th) out.push(k);
  }
  const e = edges.effect;
  out.sort((a, b) => Math.abs(e[a]) - Math.abs(e[b]) || a - b);
  return Uint32Array.from(out);
}

/**
 * The area the unit square maps to: width × height less `pad` on every side.
 * @param {number} width
 * @param {number} height
 * @param {number} pad
 * @returns {Frame}
 */
export function frameOf(width, height, pad) {
  const p = Math.max(0, Math.min(pad, width / 2, height / 2));
  return { left: p, top: p, w: Math.max(0, width - 2 * p), h: Math.max(0, height - 2 * p) };
}

/**
 * Layout (x, y) in [0, 1]² -> canvas (px, py); y = 0 is the top.
 * @param {Frame} f
 * @param {number} x
 * @param {number} y
 * @returns {[number, number]}
 */
export function toCanvas(f, x, y) {
  return [f.left + x * f.w, f.top + y * f.h];
}

/**
 * Canvas (px, py) -> layout (x, y); the inverse of toCanvas.
 * @param {Frame} f
 * @param {number} px
 * @param {number} py
 * @returns {[number, number]}
 */
export function fromCanvas(f, px, py) {
  return [f.w > 0 ? (px - f.left) / f.w : 0, f.h > 0 ? (py - f.top) / f.h : 0];
}

/**
 * How many nodes the most crowded layer has (sets the plot's height).
 * @param {GraphNode[]} nodes
 * @returns {number}
 */
export function maxLayerSize(nodes) {
  /** @type {Map<number, number>} */
  const count = new Map();
  let m = 0;
  for (const n of nodes) {
    const c = (count.get(n.layer) ?? 0) + 1;
    count.set(n.layer, c);
    m = Math.max(m, c);
  }
  return m;
}

/**
 * Node radius from the spacing of the nodes on screen: a third of the median distance
 * to the nearest other node, within [MIN_RADIUS, MAX_RADIUS].
 * @param {Float32Array | number[]} pos x, y pairs in px
 * @returns {number}
 */
export function nodeRadius(pos) {
  const n = pos.length >> 1;
  if (n < 2) return MAX_RADIUS;
  const nearest = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = Math.hypot(pos[2 * i] - pos[2 * j], pos[2 * i + 1] - pos[2 * j + 1]);
      if (d < best) best = d;
    }
    nearest[i] = best;
  }
  nearest.sort();
  const median = nearest[n >> 1];
  return Math.max(MIN_RADIUS, Math.min(MAX_RADIUS, median / 3));
}

/**
 * The colour range for nodes: [-lim, lim], lim the largest |value| (or |moved|); 1 when
 * everything is 0 or missing.
 * @param {GraphNode[]} nodes
 * @param {"value" | "moved"} by
 * @returns {number}
 */
export function colourLimit(nodes, by) {
  let lim = 0;
  for (const n of nodes) {
    const v = n[by];
    if (Number.isFinite(v)) lim = Math.max(lim, Math.abs(v));
  }
  return lim > 0 ? lim : 1;
}

/**
 * A node's fill: the diverging map (blue < 0 < red), symmetric around 0.
 * @param {number} v
 * @param {number} lim
 * @returns {string}
 */
export function nodeFill(v, lim) {
  const k = colorIndex(v, -lim, lim);
  return k < 0 ? NAN_FILL : cssColor(DIVERGING, k);
}

/**
 * Strength level of an edge: |effect| / maxAbs quantised into 0 .. LEVELS - 1.
 * @param {number} effect
 * @param {number} maxAbs
 * @returns {number}
 */
export function edgeLevel(effect, maxAbs) {
  if (!(maxAbs > 0)) return LEVELS - 1;
  const t = Math.min(1, Math.abs(effect) / maxAbs);
  return Number.isFinite(t) ? Math.round(t * (LEVELS - 1)) : LEVELS - 1;
}

/**
 * How edges of one sign and level are drawn: width ∝ |effect|, more opaque when stronger,
 * red for positive, blue for negative effects.
 * @param {number} sign -1, 0 or 1
 * @param {number} level
 * @param {boolean} [dark] on a dark background
 * @returns {{color: string, width: number, alpha: number}}
 */
export function edgeStyle(sign, level, dark = false) {
  const t = level / (LEVELS - 1);
  return {
    color: sign > 0 ? (dark ? EDGE_POS_DARK : EDGE_POS) : sign < 0 ? (dark ? EDGE_NEG_DARK : EDGE_NEG) : EDGE_ZERO,
    width: round2(EDGE_MIN_WIDTH + (EDGE_MAX_WIDTH - EDGE_MIN_WIDTH) * t),
    alpha: round2(EDGE_MIN_ALPHA + (EDGE_MAX_ALPHA - EDGE_MIN_ALPHA) * t),
  };
}

/** @param {number} v */
function round2(v) {
  return Math.round(v * 100) / 100;
}

/**
 * How a node of a kind is drawn: 1 (a rounded square) for SQUARE_KINDS, else 0 (a circle).
 * @param {string} kind
 * @returns {0 | 1}
 */
export function nodeShape(kind) {
  return SQUARE_KINDS.includes(kind) ? 1 : 0;
}

/**
 * Distance from a node's centre to its rim in the unit direction (ux, uy): r for a circle;
 * for the rounded square (half side SQUARE_HALF·r), the distance to its side, no farther
 * than its rounded corner.
 * @param {number} shape 0 circle, 1 rounded square
 * @param {number} r node radius
 * @param {number} ux
 * @param {number} uy
 * @returns {number}
 */
export function rimDistance(shape, r, ux, uy) {
  if (shape !== 1) return r;
  const a = SQUARE_HALF * r;
  const c = SQUARE_CORNER * r;
  const m = Math.max(Math.abs(ux), Math.abs(uy));
  const side = m > 0 ? a / m : a;
  return Math.min(side, (a - c) * Math.SQRT2 + c);
}

/**
 * The curve of one edge between two nodes, and its arrowhead.
 *
 * The control point lies off the middle of the straight line, to its right as seen from
 * the source on screen (y down), by BEND × its length. The curve starts on the source's
 * rim and its arrow tip touches the target's (a circle, or the rounded square of a head:
 * `shapes`); the stroke ends inside the arrowhead so a thick line does not poke out of the
 * tip. With `bounds`, the control point is kept inside the area, so the curve is too (it
 * lies in the triangle of its end points and control point): an edge along the border
 * bows less instead of leaving the canvas.
 * @param {number} x0 source centre
 * @param {number} y0
 * @param {number} x1 target centre
 * @param {number} y1
 * @param {number} r node radius
 * @param {number} width stroke width
 * @param {Float32Array} [out] GEOM_STRIDE floats to fill
 * @param {number} [o] offset into out
 * @param {{width: number, height: number}} [bounds] the area to stay in
 * @param {[number, number]} [shapes] nodeShape of the source and of the target
 * @returns {boolean} false when the nodes overlap (nothing to draw)
 */
export function edgeGeometry(x0, y0, x1, y1, r, width, out = new Float32Array(GEOM_STRIDE), o = 0, bounds, shapes) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy);
  if (!(len > 2 * r + 2)) return false;
  let cx = (x0 + x1) / 2 - dy * BEND;
  let cy = (y0 + y1) / 2 + dx * BEND;
  if (bounds) {
    cx = Math.max(1, Math.min(bounds.width - 1, cx));
    cy = Math.max(1, Math.min(bounds.height - 1, cy));
  }
  let ux = cx - x0;
  let uy = cy - y0;
  let ul = Math.hypot(ux, uy);
  ux /= ul;
  uy /= ul;
  const r0 = shapes ? rimDistance(shapes[0], r, ux, uy) : r;
  const sx = x0 + ux * (r0 + 1);
  const sy = y0 + uy * (r0 + 1);
  ux = cx - x1;
  uy = cy - y1;
  ul = Math.hypot(ux, uy);
  ux /= ul;
  uy /= ul;
  const r1 = shapes ? rimDistance(shapes[1], r, ux, uy) : r;
  const tx = x1 + ux * (r1 + 1.5);
  const ty = y1 + uy * (r1 + 1.5);
  const alen = Math.min(len / 3, 5 + 1.4 * width);
  const ahalf = Math.min(alen * 0.7, 2.6 + 0.9 * width);
  const bx = tx + ux * alen;
  const by = ty + uy * alen;
  out[o] = sx;
  out[o + 1] = sy;
  out[o + 2] = cx;
  out[o + 3] = cy;
  out[o + 4] = tx + ux * alen * 0.6;
  out[o + 5] = ty + uy * alen * 0.6;
  out[o + 6] = tx;
  out[o + 7] = ty;
  out[o + 8] = bx - uy * ahalf;
  out[o + 9] = by + ux * ahalf;
  out[o + 10] = bx + uy * ahalf;
  out[o + 11] = by - ux * ahalf;
  return true;
}

/**
 * Distance from point (px, py) to the segment (ax, ay)–(bx, by).
 * @param {number} px
 * @param {number} py
 * @param {number} ax
 * @param {number} ay
 * @param {number} bx
 * @param {number} by
 * @returns {number}
 */
export function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  let t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * Distance from a point to an edge's curve (flattened into HIT_SEGMENTS segments, from
 * its start to the arrow tip).
 * @param {Float32Array} geom
 * @param {number} o offset of the edge in geom
 * @param {number} px
 * @param {number} py
 * @returns {number}
 */
export function curveDistance(geom, o, px, py) {
  const x0 = geom[o];
  const y0 = geom[o + 1];
  const cx = geom[o + 2];
  const cy = geom[o + 3];
  const x1 = geom[o + 6];
  const y1 = geom[o + 7];
  let best = Infinity;
  let ax = x0;
  let ay = y0;
  for (let s = 1; s <= HIT_SEGMENTS; s++) {
    const t = s / HIT_SEGMENTS;
    const u = 1 - t;
    const bx = u * u * x0 + 2 * u * t * cx + t * t * x1;
    const by = u * u * y0 + 2 * u * t * cy + t * t * y1;
    const d = segmentDistance(px, py, ax, ay, bx, by);
    if (d < best) best = d;
    ax = bx;
    ay = by;
  }
  return best;
}

/**
 * The node under a point: the nearest whose circle (grown by `slop` px) holds it.
 * @param {Scene} scene
 * @param {number} px
 * @param {number} py
 * @param {number} [slop]
 * @returns {number} node index, or -1
 */
export function nodeAt(scene, px, py, slop = 3) {
  const reach = Math.max(scene.radius + slop, 6);
  let best = -1;
  let bestD = reach;
  const n = scene.pos.length >> 1;
  for (let i = 0; i < n; i++) {
    const d = Math.hypot(px - scene.pos[2 * i], py - scene.pos[2 * i + 1]);
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/**
 * The drawn edge under a point: the nearest whose curve is within half its width plus
 * `slop` px (at least 4 px). Ties go to the edge drawn last (on top).
 * @param {Scene} scene
 * @param {number} px
 * @param {number} py
 * @param {number} [slop]
 * @returns {number} position in scene.edges, or -1
 */
export function edgeAt(scene, px, py, slop = 3) {
  let best = -1;
  let bestD = Infinity;
  const g = scene.geom;
  for (let k = scene.edges.length - 1; k >= 0; k--) {
    const o = k * GEOM_STRIDE;
    const reach = Math.max(4, edgeStyle(scene.sign[k], scene.level[k]).width / 2 + slop);
    // Bounding box of the control polygon holds the curve: a cheap reject.
    const xmin = Math.min(g[o], g[o + 2], g[o + 6]) - reach;
    const xmax = Math.max(g[o], g[o + 2], g[o + 6]) + reach;
    const ymin = Math.min(g[o + 1], g[o + 3], g[o + 7]) - reach;
    const ymax = Math.max(g[o + 1], g[o + 3], g[o + 7]) + reach;
    if (px < xmin || px > xmax || py < ymin || py > ymax) continue;
    const d = curveDistance(g, o, px, py);
    if (d <= reach && d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/**
 * A label cut to MAX_LABEL_CHARS characters.
 * @param {string} s
 * @returns {string}
 */
export function shortLabel(s) {
  return s.length > MAX_LABEL_CHARS ? `${s.slice(0, MAX_LABEL_CHARS - 1)}…` : s;
}

/** Gap between a node's rim and its label, across (LABEL_GAP_X) and along (LABEL_GAP_Y). */
export const LABEL_GAP_X = 4;
export const LABEL_GAP_Y = 3;
/** The right margin kept for the deepest layer's labels is at most this share of the width. */
export const MAX_RIGHT_LABEL_SHARE = 0.25;

/**
 * Where a label of width w goes on one side of a node at (x, y) of radius r.
 * @param {LabelSide} side
 * @param {number} i node index
 * @param {string} text
 * @param {number} w text width
 * @param {number} x
 * @param {number} y
 * @param {number} r
 * @returns {Label}
 */
export function labelBox(side, i, text, w, x, y, r) {
  if (side === "right" || side === "left") {
    const x0 = side === "right" ? x + r + LABEL_GAP_X : x - r - LABEL_GAP_X - w;
    return { i, text, w, side, align: side === "right" ? "left" : "right", x: side === "right" ? x0 : x0 + w, y, x0, y0: y - LABEL_H / 2, x1: x0 + w, y1: y + LABEL_H / 2 };
  }
  const y0 = side === "above" ? y - r - LABEL_GAP_Y - LABEL_H : y + r + LABEL_GAP_Y;
  return { i, text, w, side, align: "center", x, y: y0 + LABEL_H / 2, x0: x - w / 2, y0, x1: x + w / 2, y1: y0 + LABEL_H };
}

/**
 * A label above or below its node, slid sideways to stay inside [0, width] as long as it
 * still spans the node's centre (nodes at the left and right edges); others unchanged.
 * @param {Label} b
 * @param {number} width
 * @returns {Label}
 */
export function nudgeInside(b, width) {
  if (b.align !== "center") return b;
  const w = b.x1 - b.x0;
  const reach = Math.max(0, w / 2 - 2);
  let shift = 0;
  if (b.x0 < 0) shift = Math.min(-b.x0, reach);
  else if (b.x1 > width) shift = -Math.min(b.x1 - width, reach);
  if (!shift) return b;
  return { ...b, x: b.x + shift, x0: b.x0 + shift, x1: b.x1 + shift };
}

/**
 * The sides a node's label may take, best first. Edges run left to right, so the sides
 * they do not cross come first: right of the deepest layer's nodes (nothing leaves them;
 * the frame keeps room there), above or below every other node (edges leave and enter
 * sideways), and only then beside it (crossed by its own edges; the halo keeps it
 * readable).
 * @param {boolean} last the node is in the deepest layer
 * @returns {LabelSide[]}
 */
export function labelSides(last) {
  return last ? ["right", "above", "below", "left"] : ["above", "below", "right", "left"];
}

/**
 * Place node labels greedily, in priority order (edited nodes, then outputs, then the
 * rest in list order), each on the first of its labelSides where it stays inside the area
 * and overlaps no placed label, no other node and no obstacle (arrowheads). A label that
 * fits nowhere is hidden (the view shows it on hover, at its spot: its first side inside
 * the area). Deterministic: the same input always places the same labels.
 * @param {GraphNode[]} nodes
 * @param {Float32Array | number[]} pos node centres
 * @param {number} r node radius
 * @param {number | {width: number, height?: number}} area the width, or the area
 * @param {(s: string) => number} measure text width in px
 * @param {{obstacles?: ArrayLike<number>, last?: (i: number) => boolean}} [opts] obstacles:
 * boxes x0 y0 x1 y1; last: whether node i is in the deepest layer (default: the largest x)
 * @returns {{labels: Label[], labelOf: Int32Array, spots: (Label | null)[]}}
 */
export function layoutLabels(nodes, pos, r, area, measure, opts = {}) {
  const width = typeof area === "number" ? area : area.width;
  const height = typeof area === "number" ? Infinity : area.height ?? Infinity;
  const n = nodes.length;
  let maxX = -Infinity;
  for (const d of nodes) if (d.x > maxX) maxX = d.x;
  const last = opts.last ?? ((/** @type {number} */ i) => nodes[i].x >= maxX - 1e-6);
  const obstacles = opts.obstacles ?? [];
  const order = nodes.map((_, i) => i);
  const rank = (/** @type {GraphNode} */ d) => (d.edited ? 0 : d.kind === "output" ? 1 : 2);
  order.sort((a, b) => rank(nodes[a]) - rank(nodes[b]) || a - b);
  /** @type {number[]} placed boxes, 4 numbers each: x0 y0 x1 y1 */
  const boxes = [];
  /** @type {Label[]} */
  const labels = [];
  const labelOf = new Int32Array(n).fill(-1);
  /** @type {(Label | null)[]} */
  const spots = new Array(n).fill(null);
  const nr = r + 1; // a node's box, with its outline
  const hits = (/** @type {Label} */ b) => {
    const { x0, y0, x1, y1 } = b;
    for (let k = 0; k < boxes.length; k += 4) {
      if (x0 < boxes[k + 2] + 1 && x1 > boxes[k] - 1 && y0 < boxes[k + 3] && y1 > boxes[k + 1]) return true;
    }
    for (let j = 0; j < n; j++) {
      if (j === b.i) continue;
      const cx = pos[2 * j];
      const cy = pos[2 * j + 1];
      if (x0 < cx + nr && x1 > cx - nr && y0 < cy + nr && y1 > cy - nr) return true;
    }
    for (let k = 0; k + 3 < obstacles.length; k += 4) {
      if (x0 < obstacles[k + 2] && x1 > obstacles[k] && y0 < obstacles[k + 3] && y1 > obstacles[k + 1]) return true;
    }
    return false;
  };
  const inside = (/** @type {Label} */ b) => b.x0 >= 0 && b.x1 <= width && b.y0 >= 0 && b.y1 <= height;
  for (const i of order) {
    const text = shortLabel(nodes[i].label);
    if (!text) continue;
    const w = Math.ceil(measure(text));
    const x = pos[2 * i];
    const y = pos[2 * i + 1];
    const candidates = labelSides(last(i)).map((side) => nudgeInside(labelBox(side, i, text, w, x, y, r), width));
    const fits = candidates.filter(inside);
    spots[i] = fits[0] ?? candidates[0];
    const b = fits.find((c) => !hits(c));
    if (!b) continue;
    boxes.push(b.x0, b.y0, b.x1, b.y1);
    labelOf[i] = labels.length;
    labels.push(b);
  }
  return { labels, labelOf, spots };
}

/**
 * The labels that layoutLabels places (see there).
 * @param {GraphNode[]} nodes
 * @param {Float32Array | number[]} pos
 * @param {number} r
 * @param {number | {width: number, height?: number}} area
 * @param {(s: string) => number} measure
 * @param {{obstacles?: ArrayLike<number>, last?: (i: number) => boolean}} [opts]
 * @returns {Label[]}
 */
export function placeLabels(nodes, pos, r, area, measure, opts) {
  return layoutLabels(nodes, pos, r, area, measure, opts).labels;
}

/**
 * The area the unit square maps to, with room for labels: above the top row (labels sit
 * above nodes) and right of the deepest layer (its labels sit right of its nodes), `right`
 * px wide.
 * @param {number} width
 * @param {number} height
 * @param {number} r node radius
 * @param {number} right width of the widest label of the deepest layer (0: none)
 * @returns {Frame}
 */
export function labelFrame(width, height, r, right) {
  const side = r + 8;
  const top = r + LABEL_GAP_Y + LABEL_H + 2;
  const rw = right > 0 ? Math.min(right, MAX_RIGHT_LABEL_SHARE * width) + LABEL_GAP_X + 2 : 0;
  const left = Math.min(side, width / 2);
  const t = Math.min(top, height / 2);
  return { left, top: t, w: Math.max(0, width - left - side - rw), h: Math.max(0, height - t - side) };
}

/**
 * Bounding boxes of the drawn arrowheads (x0 y0 x1 y1 each), grown by `pad` px: the
 * obstacles labels keep clear of.
 * @param {Float32Array} geom
 * @param {number} m drawn edges
 * @param {number} [pad]
 * @returns {Float32Array}
 */
export function arrowheadBoxes(geom, m, pad = 1) {
  const out = new Float32Array(4 * m);
  for (let k = 0; k < m; k++) {
    const o = k * GEOM_STRIDE;
    out[4 * k] = Math.min(geom[o + 6], geom[o + 8], geom[o + 10]) - pad;
    out[4 * k + 1] = Math.min(geom[o + 7], geom[o + 9], geom[o + 11]) - pad;
    out[4 * k + 2] = Math.max(geom[o + 6], geom[o + 8], geom[o + 10]) + pad;
    out[4 * k + 3] = Math.max(geom[o + 7], geom[o + 9], geom[o + 11]) + pad;
  }
  return out;
}

/**
 * Build the scene of a graph in a width × height area.
 * @param {Graph} graph
 * @param {{width: number, height: number, threshold: number, colourBy: "value" | "moved",
 *   measure: (s: string) => number}} opts
 * @returns {Scene}
 */
export function buildScene(graph, opts) {
  const { width, height, threshold, measure } = opts;
  const colourBy = opts.colourBy === "moved" ? "moved" : "value";
  const { nodes, edges } = graph;
  const n = nodes.length;
  // A first pass at the maximum radius decides the spacing, then the frame is fit to the
  // radius actually used (so small graphs are not squeezed by a large margin), with room
  // for the labels above the top row and right of the deepest layer.
  let frame = frameOf(width, height, MAX_RADIUS + 8);
  const pos = new Float32Array(2 * n);
  const place = () => {
    for (let i = 0; i < n; i++) {
      const [px, py] = toCanvas(frame, nodes[i].x, nodes[i].y);
      pos[2 * i] = px;
      pos[2 * i + 1] = py;
    }
  };
  place();
  const radius = nodeRadius(pos);
  let maxX = -Infinity;
  for (const d of nodes) if (d.x > maxX) maxX = d.x;
  const isLast = (/** @type {number} */ i) => nodes[i].x >= maxX - 1e-6;
  let right = 0;
  for (let i = 0; i < n; i++) if (isLast(i)) right = Math.max(right, Math.ceil(measure(shortLabel(nodes[i].label))));
  frame = labelFrame(width, height, radius, right);
  place();
  const shape = Uint8Array.from(nodes, (d) => nodeShape(d.kind));

  const lim = colourLimit(nodes, colourBy);
  const fill = nodes.map((d) => nodeFill(d[colourBy], lim));

  const shown = visibleEdges(edges, threshold);
  const geom = new Float32Array(shown.length * GEOM_STRIDE);
  const level = new Uint8Array(shown.length);
  const sign = new Int8Array(shown.length);
  const src = new Int32Array(shown.length);
  const dst = new Int32Array(shown.length);
  const kept = new Uint32Array(shown.length);
  /** @type {[number, number]} */
  const shapes = [0, 0];
  let m = 0;
  for (let j = 0; j < shown.length; j++) {
    const k = shown[j];
    const s = edges.src[k];
    const t = edges.dst[k];
    const e = edges.effect[k];
    const lv = edgeLevel(e, edges.maxAbs);
    const sg = e > 0 ? 1 : e < 0 ? -1 : 0;
    const w = edgeStyle(sg, lv).width;
    shapes[0] = shape[s];
    shapes[1] = shape[t];
    const ok = edgeGeometry(pos[2 * s], pos[2 * s + 1], pos[2 * t], pos[2 * t + 1], radius, w, geom, m * GEOM_STRIDE, { width, height }, shapes);
    if (!ok) continue;
    kept[m] = k;
    level[m] = lv;
    sign[m] = sg;
    src[m] = s;
    dst[m] = t;
    m++;
  }
  const placed = layoutLabels(nodes, pos, radius, { width, height }, measure, { obstacles: arrowheadBoxes(geom, m), last: isLast });
  return {
    width,
    height,
    frame,
    radius,
    pos,
    shape,
    fill,
    nodes,
    colourBy,
    lim,
    edges: kept.slice(0, m),
    geom: geom.slice(0, m * GEOM_STRIDE),
    level: level.slice(0, m),
    sign: sign.slice(0, m),
    src: src.slice(0, m),
    dst: dst.slice(0, m),
    labels: placed.labels,
    labelOf: placed.labelOf,
    spots: placed.spots,
  };
}

/**
 * Drawn edges grouped by (sign, level), weakest groups first: the draw order of both
 * back ends. Each group lists positions in scene.edges.
 * @param {Scene} scene
 * @param {(k: number) => boolean} [keep] which drawn edges to include
 * @returns {{sign: number, level: number, members: number[]}[]}
 */
export function edgeGroups(scene, keep) {
  /** @type {Map<number, number[]>} */
  const groups = new Map();
  for (let k = 0; k < scene.edges.length; k++) {
    if (keep && !keep(k)) continue;
    const key = scene.level[k] * 3 + (scene.sign[k] + 1);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(k);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((key) => ({ sign: (key % 3) - 1, level: Math.floor(key / 3), members: /** @type {number[]} */ (groups.get(key)) }));
}

/**
 * How a node's outline is drawn: an edited node gets a thick ring in the edit colour, an
 * output node a dark ring, the rest a thin grey one (dashed for sites).
 * @param {GraphNode} d
 * @param {Theme} theme
 * @returns {{color: string, width: number, dash: number[]}}
 */
export function nodeStroke(d, theme) {
  if (d.edited) return { color: EDIT_RING, width: 3.5, dash: [] };
  if (d.kind === "output") return { color: theme.fg, width: 2, dash: [] };
  if (d.kind === "site") return { color: theme.muted, width: 1.25, dash: [3, 2] };
  return { color: theme.muted, width: 1, dash: [] };
}

// ---------------------------------------------------------------------------------------
// Canvas back end.

/** Width of the background-coloured outline under label text (canvas and SVG). */
export const LABEL_HALO = 3.5;

/**
 * Node i's shape in a scene (0 circle, 1 rounded square); scenes built before shapes
 * existed are all circles.
 * @param {Scene} scene
 * @param {number} i
 * @returns {number}
 */
function shapeOf(scene, i) {
  return scene.shape ? scene.shape[i] : 0;
}

/**
 * Begin a path and trace a node's outline, grown by `grow` px (rings around it): a circle
 * of radius r, or a rounded square of half side SQUARE_HALF·r.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} shape
 * @param {number} x
 * @param {number} y
 * @param {number} r node radius
 * @param {number} [grow]
 */
export function nodePath(ctx, shape, x, y, r, grow = 0) {
  ctx.beginPath();
  if (shape !== 1) {
    ctx.arc(x, y, r + grow, 0, 2 * Math.PI);
    return;
  }
  const a = SQUARE_HALF * r + grow;
  const c = SQUARE_CORNER * r + grow;
  ctx.moveTo(x - a + c, y - a);
  ctx.arcTo(x + a, y - a, x + a, y + a, c);
  ctx.arcTo(x + a, y + a, x - a, y + a, c);
  ctx.arcTo(x - a, y + a, x - a, y - a, c);
  ctx.arcTo(x - a, y - a, x + a, y - a, c);
  ctx.closePath();
}

/**
 * Node i's label where the scene hides it (no room), or null: it is placed already,
 * or there is no such node.
 * @param {Scene} scene
 * @param {number} i
 * @returns {Label | null}
 */
export function hiddenLabel(scene, i) {
  if (!(i >= 0 && i < scene.nodes.length) || !scene.labelOf || scene.labelOf[i] >= 0) return null;
  return scene.spots[i] ?? null;
}

/**
 * Node i's label box in a scene, placed or (when hidden) where hover shows it; null when
 * it has none.
 * @param {Scene} scene
 * @param {number} i
 * @returns {Label | null}
 */
export function labelOfNode(scene, i) {
  if (!(i >= 0 && i < scene.nodes.length)) return null;
  const k = scene.labelOf ? scene.labelOf[i] : -1;
  return k >= 0 ? scene.labels[k] : scene.spots?.[i] ?? null;
}

/** @type {Theme} */
export const DEFAULT_THEME = Object.freeze({ fg: "#222", muted: "#666", bg: "#fff", dark: false });

/**
 * What is emphasised on top of the drawing.
 * @typedef {object} Emphasis
 * @property {number} [hoverNode] node index, or -1
 * @property {number} [hoverEdge] position in scene.edges, or -1
 * @property {number} [selected] node index, or -1
 * @property {boolean} [background] fill the background first (exports)
 */

/**
 * Paint a scene into a 2-D context whose transform maps CSS px (the caller sets the
 * device-pixel ratio).
 * @param {CanvasRenderingContext2D} ctx
 * @param {Scene} scene
 * @param {{theme?: Theme, font?: string} & Emphasis} [opts]
 */
export function paintScene(ctx, scene, opts = {}) {
  const theme = opts.theme ?? DEFAULT_THEME;
  const hoverNode = opts.hoverNode ?? -1;
  const hoverEdge = opts.hoverEdge ?? -1;
  const selected = opts.selected ?? -1;
  const { width, height, geom, pos, radius: r } = scene;
  ctx.clearRect(0, 0, width, height);
  if (opts.background) {
    ctx.fillStyle = theme.bg;
    ctx.fillRect(0, 0, width, height);
  }
  ctx.save();
  ctx.lineCap = "round";
  ctx.lineJoin = "round";

  // Edges. With a hovered node, its in/out edges are drawn on top and the rest dimmed.
  const touches = (/** @type {number} */ k) => scene.src[k] === hoverNode || scene.dst[k] === hoverNode;
  const dim = hoverNode >= 0 || hoverEdge >= 0;
  /**
   * @param {{sign: number, level: number, members: number[]}[]} groups
   * @param {(a: number) => number} alpha the group's opacity from its style's
   * @param {number} [widen] px added to the stroke width
   */
  const strokeGroups = (groups, alpha, widen = 0) => {
    for (const g of groups) {
      const st = edgeStyle(g.sign, g.level, theme.dark);
      ctx.globalAlpha = Math.max(0, Math.min(1, alpha(st.alpha))); // out of [0, 1] is ignored
      ctx.strokeStyle = st.color;
      ctx.fillStyle = st.color;
      ctx.lineWidth = st.width + widen;
      ctx.beginPath();
      for (const k of g.members) {
        const o = k * GEOM_STRIDE;
        ctx.moveTo(geom[o], geom[o + 1]);
        ctx.quadraticCurveTo(geom[o + 2], geom[o + 3], geom[o + 4], geom[o + 5]);
      }
      ctx.stroke();
      ctx.beginPath();
      for (const k of g.members) {
        const o = k * GEOM_STRIDE;
        ctx.moveTo(geom[o + 6], geom[o + 7]);
        ctx.lineTo(geom[o + 8], geom[o + 9]);
        ctx.lineTo(geom[o + 10], geom[o + 11]);
        ctx.closePath();
      }
      ctx.fill();
    }
  };
  if (hoverNode >= 0) {
    strokeGroups(edgeGroups(scene, (k) => !touches(k)), (a) => a * 0.25);
    strokeGroups(edgeGroups(scene, touches), (a) => 0.5 + 0.6 * a, 0.5);
  } else {
    strokeGroups(edgeGroups(scene), (a) => (dim ? a * 0.5 : a));
  }
  if (hoverEdge >= 0 && hoverEdge < scene.edges.length) {
    // The hovered edge: a halo in the background colour, then the edge itself, opaque.
    const o = hoverEdge * GEOM_STRIDE;
    const st = edgeStyle(scene.sign[hoverEdge], scene.level[hoverEdge], theme.dark);
    ctx.globalAlpha = 1;
    for (const [color, w] of /** @type {[string, number][]} */ ([
      [theme.bg, st.width + 4],
      [st.color, Math.max(2, st.width)],
    ])) {
      ctx.strokeStyle = color;
      ctx.lineWidth = w;
      ctx.beginPath();
      ctx.moveTo(geom[o], geom[o + 1]);
      ctx.quadraticCurveTo(geom[o + 2], geom[o + 3], geom[o + 4], geom[o + 5]);
      ctx.stroke();
    }
    ctx.fillStyle = st.color;
    ctx.beginPath();
    ctx.moveTo(geom[o + 6], geom[o + 7]);
    ctx.lineTo(geom[o + 8], geom[o + 9]);
    ctx.lineTo(geom[o + 10], geom[o + 11]);
    ctx.closePath();
    ctx.fill();
  }

  // Nodes. With a hovered node, nodes it does not touch are faded.
  /** @type {Set<number> | null} */
  let near = null;
  if (hoverNode >= 0) {
    near = new Set([hoverNode]);
    for (let k = 0; k < scene.edges.length; k++) {
      if (scene.src[k] === hoverNode) near.add(scene.dst[k]);
      if (scene.dst[k] === hoverNode) near.add(scene.src[k]);
    }
  } else if (hoverEdge >= 0 && hoverEdge < scene.edges.length) {
    near = new Set([scene.src[hoverEdge], scene.dst[hoverEdge]]);
  }
  for (let i = 0; i < scene.nodes.length; i++) {
    const d = scene.nodes[i];
    const st = nodeStroke(d, theme);
    ctx.globalAlpha = near && !near.has(i) ? 0.35 : 1;
    nodePath(ctx, shapeOf(scene, i), pos[2 * i], pos[2 * i + 1], r);
    ctx.fillStyle = scene.fill[i];
    ctx.fill();
    ctx.strokeStyle = st.color;
    ctx.lineWidth = st.width;
    ctx.setLineDash(st.dash);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.globalAlpha = 1;
  for (const [i, color, w] of /** @type {[number, string, number][]} */ ([
    [selected, theme.fg, 2.5],
    [hoverNode, theme.fg, 1.5],
  ])) {
    if (i < 0 || i >= scene.nodes.length) continue;
    ctx.strokeStyle = color;
    ctx.lineWidth = w;
    nodePath(ctx, shapeOf(scene, i), pos[2 * i], pos[2 * i + 1], r, 4);
    ctx.stroke();
  }

  // Labels, on a halo of the background colour so they read over edges.
  ctx.font = opts.font ?? `${LABEL_FONT_PX}px sans-serif`;
  ctx.textBaseline = "middle";
  ctx.lineWidth = LABEL_HALO;
  ctx.strokeStyle = theme.bg;
  ctx.fillStyle = theme.fg;
  for (const l of scene.labels) {
    ctx.globalAlpha = near && !near.has(l.i) ? 0.35 : 1;
    ctx.textAlign = l.align;
    ctx.strokeText(l.text, l.x, l.y);
    ctx.fillText(l.text, l.x, l.y);
  }
  // A hidden label (no room for it) shows while its node is hovered or selected, on a
  // box of the background colour, on top of everything.
  ctx.globalAlpha = 1;
  for (const i of new Set([hoverNode, selected])) {
    const l = hiddenLabel(scene, i);
    if (!l) continue;
    ctx.fillStyle = theme.bg;
    ctx.globalAlpha = 0.92;
    ctx.fillRect(l.x0 - 2, l.y0, l.x1 - l.x0 + 4, l.y1 - l.y0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = theme.fg;
    ctx.textAlign = l.align;
    ctx.fillText(l.text, l.x, l.y);
  }
  ctx.restore();
}

// ---------------------------------------------------------------------------------------
// SVG back end.

/**
 * Text or an attribute value, escaped for XML.
 * @param {string} s
 * @returns {string}
 */
export function escapeXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/** @param {number} v a coordinate with 2 decimals, no trailing zeros */
function f2(v) {
  return String(Math.round(v * 100) / 100);
}

/**
 * The scene as a standalone SVG document (the same drawing as paintScene without hover
 * or selection): one <path> per edge group and one for its arrowheads, one <circle> per
 * node (a <rect> for a head; with a <title>: label and value), one <text> per placed label.
 * @param {Scene} scene
 * @param {{theme?: Theme, fontFamily?: string, title?: string}} [opts]
 * @returns {string}
 */
export function sceneToSVG(scene, opts = {}) {
  const theme = opts.theme ?? DEFAULT_THEME;
  const family = opts.fontFamily ?? "sans-serif";
  const { width, height, geom, pos, radius: r } = scene;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f2(width)}" height="${f2(height)}" viewBox="0 0 ${f2(width)} ${f2(height)}"` +
      ` font-family="${escapeXml(family)}" font-size="${LABEL_FONT_PX}">`,
  ];
  if (opts.title) out.push(`<title>${escapeXml(opts.title)}</title>`);
  out.push(`<rect width="${f2(width)}" height="${f2(height)}" fill="${escapeXml(theme.bg)}"/>`);
  out.push(`<g class="edges" stroke-linecap="round" stroke-linejoin="round">`);
  for (const g of edgeGroups(scene)) {
    const st = edgeStyle(g.sign, g.level, theme.dark);
    const curves = [];
    const heads = [];
    for (const k of g.members) {
      const o = k * GEOM_STRIDE;
      curves.push(`M${f2(geom[o])} ${f2(geom[o + 1])}Q${f2(geom[o + 2])} ${f2(geom[o + 3])} ${f2(geom[o + 4])} ${f2(geom[o + 5])}`);
      heads.push(`M${f2(geom[o + 6])} ${f2(geom[o + 7])}L${f2(geom[o + 8])} ${f2(geom[o + 9])}L${f2(geom[o + 10])} ${f2(geom[o + 11])}Z`);
    }
    out.push(`<path d="${curves.join("")}" fill="none" stroke="${st.color}" stroke-opacity="${st.alpha}" stroke-width="${st.width}"/>`);
    out.push(`<path d="${heads.join("")}" fill="${st.color}" fill-opacity="${st.alpha}"/>`);
  }
  out.push(`</g>`, `<g class="nodes">`);
  for (let i = 0; i < scene.nodes.length; i++) {
    const d = scene.nodes[i];
    const st = nodeStroke(d, theme);
    const dash = st.dash.length ? ` stroke-dasharray="${st.dash.join(" ")}"` : "";
    const v = d[scene.colourBy];
    const tip = `${d.label}: ${scene.colourBy} ${Number.isFinite(v) ? v.toPrecision(4) : "–"}${d.edited ? " (edited)" : ""}`;
    const paint = `fill="${scene.fill[i]}" stroke="${escapeXml(st.color)}" stroke-width="${st.width}"${dash}`;
    if (shapeOf(scene, i) === 1) {
      const a = SQUARE_HALF * r;
      out.push(
        `<rect class="head" x="${f2(pos[2 * i] - a)}" y="${f2(pos[2 * i + 1] - a)}" width="${f2(2 * a)}" height="${f2(2 * a)}" rx="${f2(SQUARE_CORNER * r)}"` +
          ` ${paint}><title>${escapeXml(tip)}</title></rect>`,
      );
    } else {
      out.push(`<circle cx="${f2(pos[2 * i])}" cy="${f2(pos[2 * i + 1])}" r="${f2(r)}" ${paint}><title>${escapeXml(tip)}</title></circle>`);
    }
  }
  out.push(`</g>`, `<g class="labels" fill="${escapeXml(theme.fg)}" stroke="${escapeXml(theme.bg)}" stroke-width="${LABEL_HALO}" stroke-linejoin="round" paint-order="stroke">`);
  for (const l of scene.labels) {
    const anchor = l.align === "left" ? "start" : l.align === "right" ? "end" : "middle";
    out.push(`<text x="${f2(l.x)}" y="${f2(l.y)}" text-anchor="${anchor}" dominant-baseline="central">${escapeXml(l.text)}</text>`);
  }
  out.push(`</g>`, `</svg>`);
  return out.join("\n");
}
