// CognitiveMap's state: the decoded traits, the map's frame (grid <-> SVG px, y up), the
// geometry of streets, displacement and prediction arrows, and the tooltip of an
// intersection. Pure helpers (no DOM), exported for tests/js/cognitive_map.test.mjs.

import { decode } from "../shared/transport.js";

/** Free space around the grid (grid units), for arrows leaving the outer intersections. */
export const MARGIN = 0.62;
/** The token after the eight moves in `live.probs`. */
export const END = "END";
/** A prediction arrow's length (grid units) at any probability; its width grows with p. */
export const ARROW_LEN = 0.55;
/** Widest prediction arrow (px), at p = 1. */
export const ARROW_MAX_W = 9;
/** Arrows below this probability are not drawn. */
export const ARROW_MIN_P = 0.01;

/**
 * @typedef {object} Live what the model predicts at the shown step (latest result)
 * @property {number} step
 * @property {number} node the true intersection
 * @property {number | null} target the steered-to intersection, if steered
 * @property {[number, number] | null} decoded what the probe reads at the step
 * @property {Float32Array} probs [9]: the moves (move_offsets order) then END
 * @property {number} others probability of every other token
 * @property {boolean[]} legal_node [9] legal at the true intersection
 * @property {boolean[]} legal_target [9] legal at the target ([] when not steered)
 * @property {string} top
 * @property {number} top_p
 * @property {boolean} legal_at_true
 * @property {boolean | null} legal_at_target
 * @property {string} [base_top] the unedited run's top token (when steered)
 * @property {number} [base_p]
 */

/**
 * Everything the view draws, decoded from the model.
 * @typedef {object} Data
 * @property {number} size grid side
 * @property {number} n intersections
 * @property {Float32Array} xy [N, 2] true positions
 * @property {Float32Array | null} decoded [N, 2] (NaN: unvisited)
 * @property {number[]} counts
 * @property {{u: number, v: number, kind: string, oneWay: boolean}[]} streets
 * @property {[number, number][]} closed
 * @property {string[]} moves the eight move tokens, in the order of live.probs
 * @property {Record<string, [number, number]>} offsets
 * @property {{falseEdges: [number, string, number][], missing: [number, string, number][], nTrue: number, precision: number | null, recall: number | null}} implied
 * @property {string[]} tokens
 * @property {number[]} routeNodes
 * @property {number[]} steps
 * @property {number} destination
 * @property {Live | null} live
 */

/**
 * Decode an [N, 2] payload; null when absent.
 * @param {any} payload
 * @param {number} [n]
 * @returns {Float32Array | null}
 */
export function readXY(payload, n) {
  if (!payload || !payload.buffer) return null;
  const { data, shape } = decode(payload);
  if (shape.length !== 2 || shape[1] !== 2 || (n !== undefined && shape[0] !== n)) {
    throw new Error(`positions must have shape [${n ?? "N"}, 2], got [${shape.join(", ")}]`);
  }
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

/** @param {any} v @returns {number | null} */
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * An edge [node, move, to] with an integer node and to, and a known move.
 * @param {any} e
 * @param {Record<string, any>} offsets
 * @returns {e is [number, string, number]}
 */
function isEdge(e, offsets) {
  return Array.isArray(e) && e.length === 3 && Number.isInteger(e[0]) && Object.hasOwn(offsets, e[1]) && Number.isInteger(e[2]);
}

/**
 * The live prediction, decoded; null when there is none yet.
 * @param {any} live
 * @returns {Live | null}
 */
export function readLive(live) {
  if (!live || typeof live !== "object" || !live.probs || !live.probs.buffer) return null;
  const { data } = decode(live.probs);
  if (data.length !== 9) throw new Error(`live.probs must have 9 entries (8 moves, END), got ${data.length}`);
  const dec = Array.isArray(live.decoded) && live.decoded.length === 2 ? /** @type {[number, number]} */ (live.decoded.map(Number)) : null;
  return {
    step: Number(live.step),
    node: Number(live.node),
    target: Number.isInteger(live.target) ? live.target : null,
    decoded: dec,
    probs: Float32Array.from(data),
    others: Number(live.others) || 0,
    legal_node: Array.isArray(live.legal_node) ? live.legal_node.map(Boolean) : [],
    legal_target: Array.isArray(live.legal_target) ? live.legal_target.map(Boolean) : [],
    top: String(live.top ?? ""),
    top_p: Number(live.top_p),
    legal_at_true: !!live.legal_at_true,
    legal_at_target: live.legal_at_target === null || live.legal_at_target === undefined ? null : !!live.legal_at_target,
    base_top: live.base_top === undefined ? undefined : String(live.base_top),
    base_p: live.base_p === undefined ? undefined : Number(live.base_p),
  };
}

/**
 * Decode the traits; throws with a readable message on a bad payload.
 * @param {{get: (name: string) => any}} model
 * @returns {Data}
 */
export function readData(model) {
  const size = Math.max(1, Math.trunc(Number(model.get("size")) || 0));
  const xy = readXY(model.get("node_xy")) ?? new Float32Array(0);
  const n = xy.length / 2;
  const decoded = readXY(model.get("decoded_xy"), n);
  const ok = (/** @type {any} */ u) => Number.isInteger(u) && u >= 0 && u < n;
  const rawOffsets = model.get("move_offsets") || {};
  /** @type {Record<string, [number, number]>} */
  const offsets = {};
  for (const [m, o] of Object.entries(rawOffsets)) {
    if (Array.isArray(o) && o.length === 2) offsets[m] = [Number(o[0]), Number(o[1])];
  }
  const streets = (model.get("streets") || [])
    .filter((/** @type {any} */ s) => Array.isArray(s) && ok(s[0]) && ok(s[1]))
    .map((/** @type {any[]} */ s) => ({ u: s[0], v: s[1], kind: String(s[2]), oneWay: !!s[3] }));
  const closed = (model.get("closed") || []).filter((/** @type {any} */ s) => Array.isArray(s) && ok(s[0]) && ok(s[1]));
  const imp = model.get("implied_edges") || {};
  const edges = (/** @type {any} */ list) => (Array.isArray(list) ? list.filter((e) => isEdge(e, offsets) && ok(e[0])) : []);
  return {
    size,
    n,
    xy,
    decoded,
    counts: (model.get("counts") || []).map(Number),
    streets,
    closed,
    moves: Object.keys(offsets),
    offsets,
    implied: { falseEdges: edges(imp.false), missing: edges(imp.missing), nTrue: Number(imp.n_true) || 0, precision: num(imp.precision), recall: num(imp.recall) },
    tokens: (model.get("tokens") || []).map(String),
    routeNodes: (model.get("route_nodes") || []).map(Number),
    steps: (model.get("steps") || []).map(Number),
    destination: Number(model.get("destination")),
    live: readLive(model.get("live")),
  };
}

/**
 * @typedef {{left: number, top: number, scale: number, lo: number, hi: number, width: number}} Frame
 * the square [lo, hi]² of the grid drawn at (left, top), scale px per grid unit
 */

/**
 * The frame of a square map `width` px wide for a grid of side `size`.
 * @param {number} width
 * @param {number} size
 * @returns {Frame}
 */
export function frameOf(width, size) {
  const lo = -MARGIN;
  const hi = size - 1 + MARGIN;
  const gutter = 18; // axis labels
  const inner = Math.max(10, width - gutter);
  return { left: gutter, top: 0, scale: inner / (hi - lo), lo, hi, width };
}

/**
 * Grid (x, y), y up -> SVG (px, py), y down.
 * @param {Frame} f
 * @param {number} x
 * @param {number} y
 * @returns {[number, number]}
 */
export function toPx(f, x, y) {
  return [f.left + (x - f.lo) * f.scale, f.top + (f.hi - y) * f.scale];
}

/**
 * Node u's true position.
 * @param {Data} d
 * @param {number} u
 * @returns {[number, number]}
 */
export function nodeXY(d, u) {
  return [d.xy[2 * u], d.xy[2 * u + 1]];
}

/**
 * Node u's decoded position, or null when never visited.
 * @param {Data} d
 * @param {number} u
 * @returns {[number, number] | null}
 */
export function decodedXY(d, u) {
  if (!d.decoded) return null;
  const x = d.decoded[2 * u];
  const y = d.decoded[2 * u + 1];
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

/**
 * The moves of the city's streets out of u (street order: as the city lists them).
 * @param {Data} d
 * @param {number} u
 * @returns {string[]}
 */
export function streetsOut(d, u) {
  const out = [];
  for (const s of d.streets) {
    const other = s.u === u ? s.v : !s.oneWay && s.v === u ? s.u : -1;
    if (other < 0) continue;
    const [x0, y0] = nodeXY(d, u);
    const [x1, y1] = nodeXY(d, other);
    const m = d.moves.find((k) => d.offsets[k][0] === Math.round(x1 - x0) && d.offsets[k][1] === Math.round(y1 - y0));
    if (m) out.push(m);
  }
  return d.moves.filter((m) => out.includes(m));
}

/**
 * A line from (x0, y0) to (x1, y1) (px) moved `off` px to its right (seen along it), so
 * that the two directions of a street do not overlap; shortened by `trim` px at each end.
 * @param {number} x0
 * @param {number} y0
 * @param {number} x1
 * @param {number} y1
 * @param {number} off
 * @param {number} [trim]
 * @returns {[number, number, number, number]}
 */
export function sideLine(x0, y0, x1, y1, off, trim = 0) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len;
  const uy = dy / len;
  // right of the direction on a y-down canvas: (-uy, ux)
  const nx = -uy * off;
  const ny = ux * off;
  return [x0 + nx + ux * trim, y0 + ny + uy * trim, x1 + nx - ux * trim, y1 + ny - uy * trim];
}

/**
 * The arrowhead triangle at (x1, y1) of a line from (x0, y0): its three points.
 * @param {number} x0
 * @param {number} y0
 * @param {number} x1
 * @param {number} y1
 * @param {number} len head length px
 * @param {number} half head half-width px
 * @returns {number[]} x, y pairs
 */
export function arrowHead(x0, y0, x1, y1, len, half) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const l = Math.hypot(dx, dy) || 1;
  const ux = dx / l;
  const uy = dy / l;
  const bx = x1 - ux * len;
  const by = y1 - uy * len;
  return [x1, y1, bx - uy * half, by + ux * half, bx + uy * half, by - ux * half];
}

/**
 * The prediction arrows out of one intersection: one per move with p >= ARROW_MIN_P, and
 * END as a ring; each legal or not where it is drawn.
 * @param {Data} d
 * @param {Live} live
 * @param {Frame} f
 * @param {number} node where the arrows start
 * @param {boolean[]} legal [9] legal at that node
 * @returns {{token: string, p: number, legal: boolean, width: number, x1: number, y1: number, x2: number, y2: number, ring: boolean}[]}
 */
export function predictionArrows(d, live, f, node, legal) {
  const [x, y] = nodeXY(d, node);
  const [px, py] = toPx(f, x, y);
  const out = [];
  for (let k = 0; k < 9; k++) {
    const p = live.probs[k];
    if (!(p >= ARROW_MIN_P)) continue;
    const token = k < 8 ? d.moves[k] : END;
    const width = 1.5 + (ARROW_MAX_W - 1.5) * Math.min(1, p);
    if (token === END || !token) {
      out.push({ token: END, p, legal: !!legal[k], width, x1: px, y1: py, x2: px, y2: py, ring: true });
      continue;
    }
    const [dx, dy] = d.offsets[token];
    const s = ARROW_LEN / Math.hypot(dx, dy);
    const [qx, qy] = toPx(f, x + dx * s, y + dy * s);
    out.push({ token, p, legal: !!legal[k], width, x1: px, y1: py, x2: qx, y2: qy, ring: false });
  }
  return out;
}

/**
 * Where a false or missing implied edge [node, move, to] ends (grid units): at `to`, or a
 * stub of ARROW_LEN·1.3 off the grid.
 * @param {Data} d
 * @param {[number, string, number]} e
 * @returns {[number, number]}
 */
export function edgeEnd(d, e) {
  const [u, m, to] = e;
  if (to >= 0 && to < d.n) return nodeXY(d, to);
  const [x, y] = nodeXY(d, u);
  const [dx, dy] = d.offsets[m];
  const s = (ARROW_LEN * 1.3) / Math.hypot(dx, dy);
  return [x + dx * s, y + dy * s];
}

/**
 * The tooltip of intersection u.
 * @param {Data} d
 * @param {number} u
 * @param {number} step the shown step
 * @returns {import("../shared/tooltip.js").TooltipLine[]}
 */
export function nodeTooltip(d, u, step) {
  const [x, y] = nodeXY(d, u);
  const dec = decodedXY(d, u);
  const count = d.counts[u] ?? 0;
  /** @type {import("../shared/tooltip.js").TooltipLine[]} */
  const lines = [
    ["intersection", String(u)],
    ["true (x, y)", `(${x}, ${y})`],
    ["decoded (x, y)", dec ? formatXY(dec[0], dec[1]) : "– (never visited)"],
    ["averages", `${count} move token${count === 1 ? "" : "s"}`],
    ["streets out", streetsOut(d, u).join(" ") || "none"],
  ];
  if (d.routeNodes[step] === u) lines.push(`the taxi is here at step ${step}`);
  else lines.push("click: steer “where am I” here");
  return lines;
}

/**
 * The intersection nearest to (px, py) within `reach` px, else -1.
 * @param {Data} d
 * @param {Frame} f
 * @param {number} px
 * @param {number} py
 * @param {number} [reach]
 * @returns {number}
 */
export function nearestNode(d, f, px, py, reach = 14) {
  let best = -1;
  let bestD = reach;
  for (let u = 0; u < d.n; u++) {
    const [qx, qy] = toPx(f, ...nodeXY(d, u));
    const dd = Math.hypot(qx - px, qy - py);
    if (dd < bestD) {
      bestD = dd;
      best = u;
    }
  }
  return best;
}

/**
 * A position in grid units as the view prints it: two decimals ("(4.82, 0.98)").
 * @param {number} x
 * @param {number} y
 * @returns {string}
 */
export function formatXY(x, y) {
  const f = (/** @type {number} */ v) => (Number.isFinite(v) ? (Math.abs(v) < 0.005 ? 0 : v).toFixed(2) : "–");
  return `(${f(x)}, ${f(y)})`;
}

/**
 * "99.2%", "0.3%", "<0.1%".
 * @param {number} p
 * @returns {string}
 */
export function percent(p) {
  if (!Number.isFinite(p)) return "–";
  if (p > 0 && p < 0.001) return "<0.1%";
  return `${(100 * p).toFixed(p >= 0.995 || p < 0.1 ? 1 : 0)}%`;
}

/**
 * What the readout says about the prediction: lines of plain text.
 * @param {Data} d
 * @param {Live} live
 * @param {{method?: string, layer?: string}} steering
 * @returns {{kind: string, text: string}[]}
 */
export function readoutLines(d, live, steering) {
  const a = live.node;
  const [ax, ay] = a >= 0 && a < d.n ? nodeXY(d, a) : [NaN, NaN];
  const tok = d.tokens[live.step] ?? "";
  const yes = (/** @type {boolean | null} */ v) => (v ? "legal ✓" : "illegal ✗");
  const out = [
    { kind: "where", text: `step ${live.step} (after “${tok}”): the taxi is at ${a} (${ax}, ${ay}), bound for ${d.destination}` },
  ];
  if (live.decoded) out.push({ kind: "decoded", text: `the probe reads ${formatXY(live.decoded[0], live.decoded[1])}` });
  if (live.target === null) {
    out.push({ kind: "top", text: `next: ${live.top} ${percent(live.top_p)}: ${yes(live.legal_at_true)} at ${a}` });
  } else {
    const b = live.target;
    const [bx, by] = b < d.n ? nodeXY(d, b) : [NaN, NaN];
    const how = steering.method === "probe" ? "probe direction" : "mean difference";
    out.push({ kind: "steer", text: `steered to ${b} (${bx}, ${by}) at ${steering.layer ?? ""} (${how})` });
    out.push({
      kind: "top",
      text: `next: ${live.top} ${percent(live.top_p)}: ${yes(live.legal_at_target)} at ${b} (steered-to), ${yes(live.legal_at_true)} at ${a} (true)`,
    });
    if (live.base_top !== undefined) out.push({ kind: "base", text: `without edits: ${live.base_top} ${percent(live.base_p ?? NaN)}` });
  }
  if (live.others >= 0.01) out.push({ kind: "others", text: `${percent(live.others)} on tokens that are no move and not END` });
  return out;
}
