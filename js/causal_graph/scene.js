// A directed graph with signed edge weights as one drawing ("scene") with two back ends:
// a 2-D canvas (paint.js, the live view) and an SVG string (svg.js, the export).
//
// Nodes come with a layout in the unit square, computed in Python (networkx): x grows
// with depth (inputs on the left), y = 0 at the top. The scene maps the layout into a
// width × height area, curves every edge a little (so a → b and b → a do not overlap and
// long edges bend around the nodes between), sizes and colours it by |effect|, and places
// node labels where they fit (labels.js). Edges are grouped by (sign, strength level): the
// canvas strokes each group as one path (2,000 edges are ~40 strokes, not 2,000), and the
// SVG writes each group as one <path>, so both back ends draw exactly the same thing.

import { colorIndex, cssColor, DIVERGING } from "../shared/colormap.js";
import { EDIT_COLOR } from "../shared/theme.js";
import { pairKey } from "./graph.js";
import { labelFrame, layoutLabels, shortLabel } from "./labels.js";

/** @typedef {import("./graph.js").GraphNode} GraphNode */
/** @typedef {import("./graph.js").Edges} Edges */
/** @typedef {import("./graph.js").Graph} Graph */
/** @typedef {import("./labels.js").Label} Label */
/** @typedef {Pick<import("../shared/theme.js").Theme, "fg" | "muted" | "bg" | "dark">} Theme colours; dark: light on dark */

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
export const EDIT_RING = EDIT_COLOR;
/** With the truth known (a spatial graph of particles): a recovered edge that is a true
 * edge, one that is not (drawn dashed), and the true edges underneath (faint, wide). */
export const EDGE_TRUE = "#2166ac";
export const EDGE_TRUE_DARK = "#92c5de";
export const EDGE_FALSE = "#d62728";
export const EDGE_FALSE_DARK = "#ff6b6b";
export const FALSE_DASH = Object.freeze([5, 4]);
export const TRUTH_WIDTH = 7;
export const TRUTH_ALPHA = 0.22;
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
/** Segments per edge curve for hit testing. */
const HIT_SEGMENTS = 8;
/** Floats per edge in Scene.geom: x0 y0 cx cy x1 y1 (the curve), tx ty (arrow tip),
 * ax ay bx by (the arrowhead's back corners). */
export const GEOM_STRIDE = 12;

/** @typedef {{left: number, top: number, w: number, h: number}} Frame */

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
 * @property {Int8Array} [truth] per drawn edge: 1 a true edge, 0 not one (false), -1 no truth known
 * @property {Float32Array} [truthLines] the true edges underneath: x0 y0 x1 y1 (node centres) each
 * @property {boolean} [directed] false: no arrowheads (one undirected edge per pair)
 * @property {boolean} [spatial] nodes are where their particles are
 * @property {Label[]} labels node labels that fit, drawn always
 * @property {Int32Array} labelOf per node: its position in labels, or -1 (hidden: drawn on hover)
 * @property {(Label | null)[]} spots per node: where its label goes when it is shown on hover
 */

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
 * @param {number} [truth] 1: a true edge, 0: a false edge (dashed), -1 (default): no
 *   truth known (coloured by sign)
 * @returns {{color: string, width: number, alpha: number, dash?: number[]}}
 */
export function edgeStyle(sign, level, dark = false, truth = -1) {
  const t = level / (LEVELS - 1);
  if (truth === 0 || truth === 1) {
    return {
      color: truth === 1 ? (dark ? EDGE_TRUE_DARK : EDGE_TRUE) : dark ? EDGE_FALSE_DARK : EDGE_FALSE,
      width: round2(1.5 + (EDGE_MAX_WIDTH - 1.5) * t),
      alpha: round2(0.55 + 0.4 * t),
      dash: truth === 0 ? [...FALSE_DASH] : [],
    };
  }
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
 * Whether an edge is a true edge: 1 yes, 0 no, -1 when the graph knows no truth.
 * @param {Graph} graph
 * @param {number} s
 * @param {number} t
 * @returns {number}
 */
export function edgeTruth(graph, s, t) {
  if (!graph.truth) return -1;
  return graph.truth.has(pairKey(s, t, graph.directed !== false)) ? 1 : 0;
}

/**
 * The largest square inside a frame, centred: a spatial graph's box keeps its aspect.
 * @param {Frame} f
 * @returns {Frame}
 */
export function squareFrame(f) {
  const side = Math.min(f.w, f.h);
  return { left: f.left + (f.w - side) / 2, top: f.top + (f.h - side) / 2, w: side, h: side };
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
 * Node i's shape in a scene (0 circle, 1 rounded square); scenes built before shapes
 * existed are all circles.
 * @param {Scene} scene
 * @param {number} i
 * @returns {number}
 */
export function shapeOf(scene, i) {
  return scene.shape ? scene.shape[i] : 0;
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
  if (graph.spatial) frame = squareFrame(frame);
  place();
  const shape = Uint8Array.from(nodes, (d) => nodeShape(d.kind));

  const lim = colourLimit(nodes, colourBy);
  const fill = nodes.map((d) => d.color || nodeFill(d[colourBy], lim));

  const shown = visibleEdges(edges, threshold);
  const geom = new Float32Array(shown.length * GEOM_STRIDE);
  const level = new Uint8Array(shown.length);
  const sign = new Int8Array(shown.length);
  const src = new Int32Array(shown.length);
  const dst = new Int32Array(shown.length);
  const truth = new Int8Array(shown.length);
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
    truth[m] = edgeTruth(graph, s, t);
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
    truth: truth.slice(0, m),
    truthLines: Float32Array.from((graph.trueEdges ?? []).flatMap(([s, t]) => [pos[2 * s], pos[2 * s + 1], pos[2 * t], pos[2 * t + 1]])),
    directed: graph.directed !== false,
    spatial: !!graph.spatial,
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
 * @returns {{sign: number, level: number, truth: number, members: number[]}[]} truth: 1 true
 *   edges, 0 false ones, -1 no truth known (see edgeTruth)
 */
export function edgeGroups(scene, keep) {
  /** @type {Map<number, number[]>} */
  const groups = new Map();
  for (let k = 0; k < scene.edges.length; k++) {
    if (keep && !keep(k)) continue;
    const tr = scene.truth ? scene.truth[k] : -1;
    const key = (scene.level[k] * 3 + (scene.sign[k] + 1)) * 3 + (tr + 1);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(k);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((key) => {
      const sl = Math.floor(key / 3);
      return { sign: (sl % 3) - 1, level: Math.floor(sl / 3), truth: (key % 3) - 1, members: /** @type {number[]} */ (groups.get(key)) };
    });
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
