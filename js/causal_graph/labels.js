// CausalGraph's node labels: where each one goes (beside its node, clear of the other
// labels, the nodes and the arrowheads), which ones fit, and where hidden ones show on hover.

/** @typedef {import("./graph.js").GraphNode} GraphNode */
/** @typedef {import("./scene.js").Frame} Frame */
/** @typedef {import("./scene.js").Scene} Scene */

/** Labels longer than this are cut with "…" (the tooltip has the full name). */
export const MAX_LABEL_CHARS = 18;
export const LABEL_FONT_PX = 11;
export const LABEL_H = 14;
/** Width of the background-coloured outline under label text (canvas and SVG). */
export const LABEL_HALO = 3.5;

/**
 * A placed label: text anchored at (x, y) (y is the middle of the text line), aligned
 * left / right / center on x; its box (x0, y0)–(x1, y1); side: where it sits around
 * its node.
 * @typedef {{i: number, text: string, x: number, y: number, w: number, align: "left" | "right" | "center",
 *   side: LabelSide, x0: number, y0: number, x1: number, y1: number}} Label
 */
/** @typedef {"right" | "above" | "below" | "left"} LabelSide */

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
