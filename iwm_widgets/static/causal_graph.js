// Generated from js/causal_graph.js by scripts/build_js.mjs (npm run build). Do not edit.

// js/colormap.js
var NAN_RGBA = Object.freeze([128, 128, 128, 255]);
var N_COLORS = 256;
function table(f) {
  const lut = new Uint8ClampedArray(N_COLORS * 4);
  for (let i = 0; i < N_COLORS; i++) {
    const rgb = f(i / (N_COLORS - 1));
    lut[4 * i] = Math.round(255 * rgb[0]);
    lut[4 * i + 1] = Math.round(255 * rgb[1]);
    lut[4 * i + 2] = Math.round(255 * rgb[2]);
    lut[4 * i + 3] = 255;
  }
  return lut;
}
var VIRIDIS = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832]
];
function viridis(t) {
  return [0, 1, 2].map((c) => {
    let v = 0;
    for (let k = VIRIDIS.length - 1; k >= 0; k--) v = v * t + VIRIDIS[k][c];
    return Math.min(1, Math.max(0, v));
  });
}
var RDBU_R = [
  "#053061",
  "#2166ac",
  "#4393c3",
  "#92c5de",
  "#d1e5f0",
  "#f7f7f7",
  "#fddbc7",
  "#f4a582",
  "#d6604d",
  "#b2182b",
  "#67001f"
].map((h2) => [1, 3, 5].map((i) => parseInt(h2.slice(i, i + 2), 16) / 255));
function blueWhiteRed(t) {
  const x = t * (RDBU_R.length - 1);
  const i = Math.min(RDBU_R.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => RDBU_R[i][c] * (1 - f) + RDBU_R[i + 1][c] * f);
}
var SEQUENTIAL = table(viridis);
var DIVERGING = table(blueWhiteRed);
function colorIndex(v, vmin, vmax) {
  if (Number.isNaN(v)) return -1;
  const span = vmax - vmin;
  if (!(span > 0) || !Number.isFinite(span)) return N_COLORS >> 1;
  const t = (v - vmin) / span;
  if (t <= 0) return 0;
  if (t >= 1) return N_COLORS - 1;
  return Math.round(t * (N_COLORS - 1));
}
function cssColor(colors, k) {
  return `rgb(${colors[4 * k]}, ${colors[4 * k + 1]}, ${colors[4 * k + 2]})`;
}

// js/transport.js
var ITEMSIZE = Object.freeze({ float32: 4, float16: 2, uint8: 1, int32: 4 });
function numel(shape) {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape ${JSON.stringify(shape)}`);
    n *= d;
  }
  return n;
}
function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError(`buffer must be a DataView, ArrayBuffer or typed array, got ${Object.prototype.toString.call(buffer)}`);
}
function aligned(bytes, align) {
  if (bytes.byteOffset % align === 0) return [
    /** @type {ArrayBuffer} */
    bytes.buffer,
    bytes.byteOffset
  ];
  return [
    /** @type {ArrayBuffer} */
    bytes.slice().buffer,
    0
  ];
}
function halfToFloat(h2) {
  const sign = h2 & 32768 ? -1 : 1;
  const exp = h2 >> 10 & 31;
  const frac = h2 & 1023;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
var HALF_TABLE = null;
function decode(payload) {
  if (!payload || typeof payload !== "object") throw new TypeError("payload must be {buffer, dtype, shape}");
  const { buffer, dtype } = payload;
  const shape = Array.from(payload.shape ?? [], Number);
  const size = ITEMSIZE[dtype];
  if (!size) throw new Error(`unsupported dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(ITEMSIZE).join(", ")}`);
  const n = numel(shape);
  const bytes = bytesOf(buffer);
  if (bytes.byteLength !== n * size) {
    throw new Error(`buffer has ${bytes.byteLength} bytes, shape ${JSON.stringify(shape)} of ${dtype} needs ${n * size}`);
  }
  if (dtype === "uint8") return { data: bytes, shape };
  const [buf, off] = aligned(bytes, size);
  if (dtype === "float32") return { data: new Float32Array(buf, off, n), shape };
  if (dtype === "int32") return { data: new Int32Array(buf, off, n), shape };
  if (HALF_TABLE === null) {
    HALF_TABLE = new Float32Array(65536);
    for (let h2 = 0; h2 < 65536; h2++) HALF_TABLE[h2] = halfToFloat(h2);
  }
  const halves = new Uint16Array(buf, off, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = HALF_TABLE[halves[i]];
  return { data: out, shape };
}

// js/graph_scene.js
var OPS = Object.freeze(["ablate", "scale", "set", "clamp"]);
var KINDS = Object.freeze(["variable", "site", "output", "head"]);
var SQUARE_KINDS = Object.freeze(["head"]);
var SQUARE_HALF = 0.88;
var SQUARE_CORNER = 0.3;
var EDGE_POS = "#b2182b";
var EDGE_NEG = "#2166ac";
var EDGE_POS_DARK = "#f4a582";
var EDGE_NEG_DARK = "#92c5de";
var EDGE_ZERO = "#888888";
var EDIT_RING = "#e8700a";
var NAN_FILL = "rgb(128, 128, 128)";
var LEVELS = 16;
var EDGE_MIN_WIDTH = 0.6;
var EDGE_MAX_WIDTH = 6;
var EDGE_MIN_ALPHA = 0.16;
var EDGE_MAX_ALPHA = 0.85;
var BEND = 0.12;
var MIN_RADIUS = 4;
var MAX_RADIUS = 11;
var MAX_LABEL_CHARS = 18;
var LABEL_FONT_PX = 11;
var LABEL_H = 14;
var MOVED_EPS = 1e-5;
var HIT_SEGMENTS = 8;
var GEOM_STRIDE = 12;
function num(v, fallback) {
  if (v === null || v === void 0 || v === "") return fallback;
  const x = Number(v);
  return Number.isFinite(x) ? x : fallback;
}
function normalizeNode(d, i) {
  const o = d && typeof d === "object" ? d : {};
  const id = o.id === void 0 || o.id === null ? String(i) : String(o.id);
  const kind = KINDS.includes(o.kind) ? o.kind : "variable";
  const editable = Array.isArray(o.editable) ? [...new Set(o.editable.filter((op) => OPS.includes(op)))] : [];
  const value = num(o.value, NaN);
  let moved = num(o.moved, NaN);
  if (Math.abs(moved) <= MOVED_EPS * Math.max(1, Number.isFinite(value) ? Math.abs(value) : 1)) moved = 0;
  return {
    id,
    label: o.label === void 0 || o.label === null || o.label === "" ? id : String(o.label),
    layer: Math.max(0, Math.trunc(num(o.layer, 0))),
    x: num(o.x, NaN),
    y: num(o.y, NaN),
    value,
    moved,
    kind: (
      /** @type {GraphNode["kind"]} */
      kind
    ),
    site: o.site === void 0 || o.site === null ? "" : String(o.site),
    edited: !!o.edited,
    editable,
    truth: o.truth === void 0 || o.truth === null || o.truth === "" ? null : String(o.truth)
  };
}
function readNodes(list) {
  if (!Array.isArray(list)) return [];
  const nodes = list.map(normalizeNode);
  const maxLayer = nodes.reduce((m, n) => Math.max(m, n.layer), 0);
  const missing = /* @__PURE__ */ new Map();
  nodes.forEach((n, i) => {
    if (Number.isFinite(n.x) && Number.isFinite(n.y)) return;
    missing.set(n.layer, [...missing.get(n.layer) ?? [], i]);
  });
  for (const [layer, idx] of missing) {
    idx.forEach((i, rank) => {
      nodes[i].x = maxLayer > 0 ? layer / maxLayer : 0.5;
      nodes[i].y = (rank + 0.5) / idx.length;
    });
  }
  for (
    const axis of
    /** @type {("x" | "y")[]} */
    ["x", "y"]
  ) {
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
function readEdges(payload, nNodes) {
  const empty = { src: new Int32Array(0), dst: new Int32Array(0), effect: new Float32Array(0), n: 0, maxAbs: 0, dropped: 0 };
  if (!payload || !payload.buffer) return empty;
  const { data, shape } = decode(payload);
  if (shape.length === 1 && shape[0] === 0) return empty;
  if (shape.length !== 2 || shape[1] !== 3) {
    throw new Error(`edges must have shape [E, 3] (source, target, effect), got ${JSON.stringify(shape)}`);
  }
  const rows = shape[0];
  const src = new Int32Array(rows);
  const dst = new Int32Array(rows);
  const effect = new Float32Array(rows);
  let n = 0;
  let maxAbs = 0;
  for (let r = 0; r < rows; r++) {
    const s = data[3 * r];
    const t = data[3 * r + 1];
    const e = data[3 * r + 2];
    if (!(Number.isInteger(s) && Number.isInteger(t) && s >= 0 && t >= 0 && s < nNodes && t < nNodes) || Number.isNaN(e)) continue;
    src[n] = s;
    dst[n] = t;
    effect[n] = e;
    if (Number.isFinite(e)) maxAbs = Math.max(maxAbs, Math.abs(e));
    n++;
  }
  return { src: src.subarray(0, n), dst: dst.subarray(0, n), effect: effect.subarray(0, n), n, maxAbs, dropped: rows - n };
}
function readGraph(nodesTrait, edgesTrait) {
  const nodes = readNodes(nodesTrait);
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  return { nodes, edges: readEdges(edgesTrait, nodes.length), index };
}
function visibleEdges(edges, threshold) {
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
function frameOf(width, height, pad) {
  const p = Math.max(0, Math.min(pad, width / 2, height / 2));
  return { left: p, top: p, w: Math.max(0, width - 2 * p), h: Math.max(0, height - 2 * p) };
}
function toCanvas(f, x, y) {
  return [f.left + x * f.w, f.top + y * f.h];
}
function maxLayerSize(nodes) {
  const count = /* @__PURE__ */ new Map();
  let m = 0;
  for (const n of nodes) {
    const c = (count.get(n.layer) ?? 0) + 1;
    count.set(n.layer, c);
    m = Math.max(m, c);
  }
  return m;
}
function nodeRadius(pos) {
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
function colourLimit(nodes, by) {
  let lim = 0;
  for (const n of nodes) {
    const v = n[by];
    if (Number.isFinite(v)) lim = Math.max(lim, Math.abs(v));
  }
  return lim > 0 ? lim : 1;
}
function nodeFill(v, lim) {
  const k = colorIndex(v, -lim, lim);
  return k < 0 ? NAN_FILL : cssColor(DIVERGING, k);
}
function edgeLevel(effect, maxAbs) {
  if (!(maxAbs > 0)) return LEVELS - 1;
  const t = Math.min(1, Math.abs(effect) / maxAbs);
  return Number.isFinite(t) ? Math.round(t * (LEVELS - 1)) : LEVELS - 1;
}
function edgeStyle(sign, level, dark = false) {
  const t = level / (LEVELS - 1);
  return {
    color: sign > 0 ? dark ? EDGE_POS_DARK : EDGE_POS : sign < 0 ? dark ? EDGE_NEG_DARK : EDGE_NEG : EDGE_ZERO,
    width: round2(EDGE_MIN_WIDTH + (EDGE_MAX_WIDTH - EDGE_MIN_WIDTH) * t),
    alpha: round2(EDGE_MIN_ALPHA + (EDGE_MAX_ALPHA - EDGE_MIN_ALPHA) * t)
  };
}
function round2(v) {
  return Math.round(v * 100) / 100;
}
function nodeShape(kind) {
  return SQUARE_KINDS.includes(kind) ? 1 : 0;
}
function rimDistance(shape, r, ux, uy) {
  if (shape !== 1) return r;
  const a = SQUARE_HALF * r;
  const c = SQUARE_CORNER * r;
  const m = Math.max(Math.abs(ux), Math.abs(uy));
  const side = m > 0 ? a / m : a;
  return Math.min(side, (a - c) * Math.SQRT2 + c);
}
function edgeGeometry(x0, y0, x1, y1, r, width, out = new Float32Array(GEOM_STRIDE), o = 0, bounds, shapes) {
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
function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  let t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}
function curveDistance(geom, o, px, py) {
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
function nodeAt(scene, px, py, slop = 3) {
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
function edgeAt(scene, px, py, slop = 3) {
  let best = -1;
  let bestD = Infinity;
  const g = scene.geom;
  for (let k = scene.edges.length - 1; k >= 0; k--) {
    const o = k * GEOM_STRIDE;
    const reach = Math.max(4, edgeStyle(scene.sign[k], scene.level[k]).width / 2 + slop);
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
function shortLabel(s) {
  return s.length > MAX_LABEL_CHARS ? `${s.slice(0, MAX_LABEL_CHARS - 1)}…` : s;
}
var LABEL_GAP_X = 4;
var LABEL_GAP_Y = 3;
var MAX_RIGHT_LABEL_SHARE = 0.25;
function labelBox(side, i, text, w, x, y, r) {
  if (side === "right" || side === "left") {
    const x0 = side === "right" ? x + r + LABEL_GAP_X : x - r - LABEL_GAP_X - w;
    return { i, text, w, side, align: side === "right" ? "left" : "right", x: side === "right" ? x0 : x0 + w, y, x0, y0: y - LABEL_H / 2, x1: x0 + w, y1: y + LABEL_H / 2 };
  }
  const y0 = side === "above" ? y - r - LABEL_GAP_Y - LABEL_H : y + r + LABEL_GAP_Y;
  return { i, text, w, side, align: "center", x, y: y0 + LABEL_H / 2, x0: x - w / 2, y0, x1: x + w / 2, y1: y0 + LABEL_H };
}
function nudgeInside(b, width) {
  if (b.align !== "center") return b;
  const w = b.x1 - b.x0;
  const reach = Math.max(0, w / 2 - 2);
  let shift = 0;
  if (b.x0 < 0) shift = Math.min(-b.x0, reach);
  else if (b.x1 > width) shift = -Math.min(b.x1 - width, reach);
  if (!shift) return b;
  return { ...b, x: b.x + shift, x0: b.x0 + shift, x1: b.x1 + shift };
}
function labelSides(last) {
  return last ? ["right", "above", "below", "left"] : ["above", "below", "right", "left"];
}
function layoutLabels(nodes, pos, r, area, measure, opts = {}) {
  const width = typeof area === "number" ? area : area.width;
  const height = typeof area === "number" ? Infinity : area.height ?? Infinity;
  const n = nodes.length;
  let maxX = -Infinity;
  for (const d of nodes) if (d.x > maxX) maxX = d.x;
  const last = opts.last ?? ((i) => nodes[i].x >= maxX - 1e-6);
  const obstacles = opts.obstacles ?? [];
  const order = nodes.map((_, i) => i);
  const rank = (d) => d.edited ? 0 : d.kind === "output" ? 1 : 2;
  order.sort((a, b) => rank(nodes[a]) - rank(nodes[b]) || a - b);
  const boxes = [];
  const labels = [];
  const labelOf = new Int32Array(n).fill(-1);
  const spots = new Array(n).fill(null);
  const nr = r + 1;
  const hits = (b) => {
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
  const inside = (b) => b.x0 >= 0 && b.x1 <= width && b.y0 >= 0 && b.y1 <= height;
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
function labelFrame(width, height, r, right) {
  const side = r + 8;
  const top = r + LABEL_GAP_Y + LABEL_H + 2;
  const rw = right > 0 ? Math.min(right, MAX_RIGHT_LABEL_SHARE * width) + LABEL_GAP_X + 2 : 0;
  const left = Math.min(side, width / 2);
  const t = Math.min(top, height / 2);
  return { left, top: t, w: Math.max(0, width - left - side - rw), h: Math.max(0, height - t - side) };
}
function arrowheadBoxes(geom, m, pad = 1) {
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
function buildScene(graph, opts) {
  const { width, height, threshold, measure } = opts;
  const colourBy = opts.colourBy === "moved" ? "moved" : "value";
  const { nodes, edges } = graph;
  const n = nodes.length;
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
  const isLast = (i) => nodes[i].x >= maxX - 1e-6;
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
    spots: placed.spots
  };
}
function edgeGroups(scene, keep) {
  const groups = /* @__PURE__ */ new Map();
  for (let k = 0; k < scene.edges.length; k++) {
    if (keep && !keep(k)) continue;
    const key = scene.level[k] * 3 + (scene.sign[k] + 1);
    let g = groups.get(key);
    if (!g) groups.set(key, g = []);
    g.push(k);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((key) => ({ sign: key % 3 - 1, level: Math.floor(key / 3), members: (
    /** @type {number[]} */
    groups.get(key)
  ) }));
}
function nodeStroke(d, theme) {
  if (d.edited) return { color: EDIT_RING, width: 3.5, dash: [] };
  if (d.kind === "output") return { color: theme.fg, width: 2, dash: [] };
  if (d.kind === "site") return { color: theme.muted, width: 1.25, dash: [3, 2] };
  return { color: theme.muted, width: 1, dash: [] };
}
var LABEL_HALO = 3.5;
function shapeOf(scene, i) {
  return scene.shape ? scene.shape[i] : 0;
}
function nodePath(ctx, shape, x, y, r, grow = 0) {
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
function hiddenLabel(scene, i) {
  if (!(i >= 0 && i < scene.nodes.length) || !scene.labelOf || scene.labelOf[i] >= 0) return null;
  return scene.spots[i] ?? null;
}
function labelOfNode(scene, i) {
  if (!(i >= 0 && i < scene.nodes.length)) return null;
  const k = scene.labelOf ? scene.labelOf[i] : -1;
  return k >= 0 ? scene.labels[k] : scene.spots?.[i] ?? null;
}
var DEFAULT_THEME = Object.freeze({ fg: "#222", muted: "#666", bg: "#fff", dark: false });
function paintScene(ctx, scene, opts = {}) {
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
  const touches = (k) => scene.src[k] === hoverNode || scene.dst[k] === hoverNode;
  const dim = hoverNode >= 0 || hoverEdge >= 0;
  const strokeGroups = (groups, alpha, widen = 0) => {
    for (const g of groups) {
      const st = edgeStyle(g.sign, g.level, theme.dark);
      ctx.globalAlpha = Math.max(0, Math.min(1, alpha(st.alpha)));
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
    strokeGroups(edgeGroups(scene), (a) => dim ? a * 0.5 : a);
  }
  if (hoverEdge >= 0 && hoverEdge < scene.edges.length) {
    const o = hoverEdge * GEOM_STRIDE;
    const st = edgeStyle(scene.sign[hoverEdge], scene.level[hoverEdge], theme.dark);
    ctx.globalAlpha = 1;
    for (
      const [color, w] of
      /** @type {[string, number][]} */
      [
        [theme.bg, st.width + 4],
        [st.color, Math.max(2, st.width)]
      ]
    ) {
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
  let near = null;
  if (hoverNode >= 0) {
    near = /* @__PURE__ */ new Set([hoverNode]);
    for (let k = 0; k < scene.edges.length; k++) {
      if (scene.src[k] === hoverNode) near.add(scene.dst[k]);
      if (scene.dst[k] === hoverNode) near.add(scene.src[k]);
    }
  } else if (hoverEdge >= 0 && hoverEdge < scene.edges.length) {
    near = /* @__PURE__ */ new Set([scene.src[hoverEdge], scene.dst[hoverEdge]]);
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
  for (
    const [i, color, w] of
    /** @type {[number, string, number][]} */
    [
      [selected, theme.fg, 2.5],
      [hoverNode, theme.fg, 1.5]
    ]
  ) {
    if (i < 0 || i >= scene.nodes.length) continue;
    ctx.strokeStyle = color;
    ctx.lineWidth = w;
    nodePath(ctx, shapeOf(scene, i), pos[2 * i], pos[2 * i + 1], r, 4);
    ctx.stroke();
  }
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
  ctx.globalAlpha = 1;
  for (const i of /* @__PURE__ */ new Set([hoverNode, selected])) {
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
function escapeXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}
function f2(v) {
  return String(Math.round(v * 100) / 100);
}
function sceneToSVG(scene, opts = {}) {
  const theme = opts.theme ?? DEFAULT_THEME;
  const family = opts.fontFamily ?? "sans-serif";
  const { width, height, geom, pos, radius: r } = scene;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f2(width)}" height="${f2(height)}" viewBox="0 0 ${f2(width)} ${f2(height)}" font-family="${escapeXml(family)}" font-size="${LABEL_FONT_PX}">`
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
        `<rect class="head" x="${f2(pos[2 * i] - a)}" y="${f2(pos[2 * i + 1] - a)}" width="${f2(2 * a)}" height="${f2(2 * a)}" rx="${f2(SQUARE_CORNER * r)}" ${paint}><title>${escapeXml(tip)}</title></rect>`
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

// js/widget_util.js
function formatValue(v) {
  if (v === null || v === void 0 || v === "") return "–";
  const x = Number(v);
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(4) : x.toExponential(3);
}
function setTrait(model, name, value) {
  if (model.get(name) === value) return false;
  model.set(name, value);
  model.save_changes();
  return true;
}
function realClock() {
  return {
    now: () => performance.now(),
    setTimeout: (f, ms) => setTimeout(f, ms),
    clearTimeout: (t) => clearTimeout(t)
  };
}
function pendingCall(clock, invoke, arm) {
  const state = { timer: null };
  let args = null;
  const run = () => {
    if (state.timer !== null) clock.clearTimeout(state.timer);
    state.timer = null;
    const a = (
      /** @type {A} */
      args
    );
    args = null;
    invoke(a);
  };
  const call = (...a) => {
    args = a;
    arm(state, run);
  };
  call.flush = () => {
    if (args === null) return false;
    run();
    return true;
  };
  call.cancel = () => {
    if (state.timer !== null) clock.clearTimeout(state.timer);
    state.timer = null;
    args = null;
  };
  call.pending = () => args !== null;
  return call;
}
function debounce(fn, wait, clock) {
  const c = clock ?? realClock();
  return pendingCall(
    c,
    (a) => fn(...a),
    (state, run) => {
      if (state.timer !== null) c.clearTimeout(state.timer);
      state.timer = c.setTimeout(run, wait);
    }
  );
}
function h(tag, className, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (parent) parent.appendChild(e);
  return e;
}
function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map((o) => {
      const opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      return opt;
    })
  );
}
function statusBadge(parent, className = "iwm-status") {
  const status = h("span", className, parent);
  status.textContent = "running…";
  return status;
}
function generationBadge(parent) {
  return h("span", "iwm-generation", parent);
}
function generationText(model) {
  return `generation ${model.get("generation") ?? 0}`;
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

// js/causal_graph.js
var THRESHOLD_DEBOUNCE_MS = 250;
var THRESHOLD_STEPS = 200;
var ROW_PX = 22;
var MIN_HEIGHT = 260;
var MAX_HEIGHT = 640;
var COLOUR_BY = Object.freeze([
  { value: "value", label: "node value" },
  { value: "moved", label: "moved by the edits" }
]);
var OP_INPUT = Object.freeze({ ablate: "", scale: "factor", set: "value", clamp: "value" });
var EXPORT_SCALE = 2;
function formatSigned(v) {
  const s = formatValue(v);
  const x = Number(v);
  if (!Number.isFinite(x) || x === 0) return s;
  return x > 0 ? `+${s}` : `−${s.slice(1)}`;
}
function plotHeight(nodes) {
  return Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, maxLayerSize(nodes) * ROW_PX + 40));
}
function selectNode(model, id) {
  return setTrait(model, "selected", id);
}
function thresholdRange(maxAbs, threshold) {
  let max = Math.max(maxAbs > 0 ? maxAbs : 0, threshold > 0 ? threshold : 0);
  if (!(max > 0) || !Number.isFinite(max)) max = 1;
  return { max, step: max / THRESHOLD_STEPS };
}
function editMessage(node, op, raw) {
  if (!node.editable.includes(op)) {
    throw new Error(node.editable.length ? `${node.label} cannot be edited with ${op}` : `${node.label} cannot be edited`);
  }
  if (op === "ablate") return { type: "edit", node: node.id, op, value: null };
  const text = String(raw ?? "").trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value)) {
    throw new Error(`${OP_INPUT[
      /** @type {keyof typeof OP_INPUT} */
      op
    ] || "value"} must be a number`);
  }
  return { type: "edit", node: node.id, op, value };
}
function editText(node, op, value) {
  if (op === "ablate") return `ablate ${node.label}`;
  return op === "scale" ? `scale ${node.label} by ${formatValue(value)}` : `${op} ${node.label} to ${formatValue(value)}`;
}
function removeEditMessage(node) {
  return { type: "remove_edit", node: node.id };
}
function exportMessage(format, data) {
  return { type: "export", format, data };
}
function defaultEditValue(node, op) {
  if (op === "scale") return "2";
  if (op === "set" || op === "clamp") return Number.isFinite(node.value) ? String(Number(node.value.toPrecision(4))) : "0";
  return "";
}
var EDITOR_GAP = 8;
function editorPlacement(node, label, size, area, gap = EDITOR_GAP) {
  const ring = node.r + 6;
  const keep = [[node.x - ring, node.y - ring, node.x + ring, node.y + ring]];
  if (label) keep.push([label.x0, label.y0, label.x1, label.y1]);
  const x0 = Math.min(...keep.map((b) => b[0]));
  const y0 = Math.min(...keep.map((b) => b[1]));
  const x1 = Math.max(...keep.map((b) => b[2]));
  const y1 = Math.max(...keep.map((b) => b[3]));
  const { w, h: h2 } = size;
  const W = area.width;
  const H = area.height;
  const clamp = (v, hi) => Math.max(0, Math.min(Math.max(0, hi), v));
  const top = clamp(node.y - 24, H - h2);
  const left = clamp(node.x - 40, W - w);
  const candidates = [
    { left: x1 + gap, top, side: "right" },
    { left: x0 - gap - w, top, side: "left" },
    { left, top: y1 + gap, side: "below" },
    { left, top: y0 - gap - h2, side: "above" }
  ];
  const fits = (c) => c.left >= 0 && c.top >= 0 && c.left + w <= W + 0.5 && c.top + h2 <= H + 0.5;
  const found = candidates.find(fits);
  if (found) return found;
  const covered = (c) => keep.reduce((sum, b) => sum + Math.max(0, Math.min(c.left + w, b[2]) - Math.max(c.left, b[0])) * Math.max(0, Math.min(c.top + h2, b[3]) - Math.max(c.top, b[1])), 0);
  const inside = candidates.map((c) => ({ left: clamp(c.left, W - w), top: clamp(c.top, H - h2), side: c.side }));
  return inside.reduce((best, c) => covered(c) < covered(best) ? c : best);
}
function outputReadout(output) {
  if (!output || typeof output !== "object" || !("before" in output || "after" in output)) return null;
  const before = Number(output.before);
  const after = Number(output.after);
  const label = output.label ? String(output.label) : "output";
  const scale = Math.max(1, Math.abs(before), Math.abs(after));
  const changed = Number.isFinite(before) && Number.isFinite(after) ? Math.abs(after - before) > 1e-6 * scale : before !== after && !(Number.isNaN(before) && Number.isNaN(after));
  const delta = changed && Number.isFinite(after - before) ? `(${formatSigned(after - before)})` : "";
  return { text: `${label}: ${formatValue(output.before)} → ${formatValue(output.after)}`, delta, changed };
}
function scoreBadge(score) {
  if (!score || typeof score !== "object" || !("precision" in score || "recall" in score)) return { text: "", title: "" };
  const pct = (v) => Number.isFinite(Number(v)) ? `${Math.round(100 * Number(v))}%` : "–";
  const found = Number.isFinite(Number(score.found_edges)) ? Number(score.found_edges) : null;
  const truth = Number.isFinite(Number(score.true_edges)) ? Number(score.true_edges) : null;
  const counts = found !== null && truth !== null ? ` · ${found} found / ${truth} true edges` : "";
  let title = "Scored against the simulator's true causal graph: precision = share of the edges found that are true edges, recall = share of the true edges that were found.";
  for (const [key, name] of [
    ["missed", "missed"],
    ["extra", "found but not true"]
  ]) {
    const list = Array.isArray(score[key]) ? score[key].map(String) : [];
    if (list.length) title += `
${name}: ${list.join(", ")}`;
  }
  if (found === 0 && truth === 0) {
    return { text: "vs ground truth: no variable → output pairs to score", title: `${title}
No pair of nodes here maps to a true variable and an output.` };
  }
  return { text: `vs ground truth: precision ${pct(score.precision)} · recall ${pct(score.recall)}${counts}`, title };
}
function nodeTooltip(graph, scene, i) {
  const d = graph.nodes[i];
  const lines = [["node", d.label === d.id ? d.label : `${d.label} (${d.id})`]];
  if (d.site) lines.push(["site", d.site]);
  lines.push(["kind", d.kind], ["value", formatValue(d.value)], ["moved", formatSigned(d.moved)]);
  if (d.truth) lines.push(["truth", d.truth]);
  if (scene) {
    let nin = 0;
    let nout = 0;
    for (let k = 0; k < scene.edges.length; k++) {
      if (scene.dst[k] === i) nin++;
      if (scene.src[k] === i) nout++;
    }
    lines.push(["edges", `${nin} in · ${nout} out`]);
  }
  if (d.edited) lines.push(["edited", "yes"]);
  lines.push(["", d.editable.length ? "click to edit" : "not editable"]);
  return lines;
}
function edgeTooltip(graph, k) {
  const { src, dst, effect } = graph.edges;
  return [
    ["edge", `${graph.nodes[src[k]].label} → ${graph.nodes[dst[k]].label}`],
    ["effect", formatSigned(effect[k])]
  ];
}
var CSS = `
.iwm-causal-graph {
  position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
  --iwm-edit: ${EDIT_RING}; --iwm-muted: var(--jp-ui-font-color2, #666); --iwm-faint: var(--jp-ui-font-color3, #999);
}
.iwm-causal-graph [hidden] { display: none !important; }
.iwm-causal-graph .iwm-header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 6px; }
.iwm-causal-graph .iwm-title { font-weight: 600; }
.iwm-causal-graph .iwm-output {
  padding: 1px 8px; border-radius: 3px; border: 1px solid var(--jp-border-color2, #ddd);
  font-variant-numeric: tabular-nums; transition: background-color 0.2s;
}
.iwm-causal-graph .iwm-output.iwm-changed { border-color: var(--iwm-edit); background: rgba(232, 112, 10, 0.14); font-weight: 600; }
.iwm-causal-graph .iwm-output-delta { margin-left: 4px; color: var(--iwm-edit); }
.iwm-causal-graph .iwm-score {
  padding: 1px 8px; border-radius: 10px; font-size: 0.9em; cursor: help;
  background: var(--jp-layout-color2, #eee); color: var(--jp-ui-font-color1, #222);
}
.iwm-causal-graph .iwm-status { color: var(--iwm-muted); font-style: italic; }
.iwm-causal-graph .iwm-status.iwm-idle { visibility: hidden; }
.iwm-causal-graph .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; margin-left: auto; }
.iwm-causal-graph label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-causal-graph select, .iwm-causal-graph input[type="number"], .iwm-causal-graph button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px;
}
.iwm-causal-graph button { cursor: pointer; }
.iwm-causal-graph button:hover:not(:disabled) { background: var(--jp-layout-color2, #eee); }
.iwm-causal-graph button:disabled { cursor: default; opacity: 0.5; }
.iwm-causal-graph .iwm-options { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 4px 0 6px 0; }
.iwm-causal-graph .iwm-threshold { width: 140px; }
.iwm-causal-graph .iwm-threshold-value, .iwm-causal-graph .iwm-edge-count { font-variant-numeric: tabular-nums; }
.iwm-causal-graph .iwm-threshold-value { min-width: 4.5em; color: var(--jp-ui-font-color1, #222); }
.iwm-causal-graph .iwm-edge-count { color: var(--iwm-muted); }
.iwm-causal-graph .iwm-exports { display: inline-flex; gap: 4px; margin-left: auto; }
.iwm-causal-graph .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
.iwm-causal-graph .iwm-plot { position: relative; width: 100%; min-width: 0; transition: opacity 0.15s; }
.iwm-causal-graph.iwm-stale .iwm-plot, .iwm-causal-graph.iwm-stale .iwm-legend { opacity: 0.4; }
.iwm-causal-graph .iwm-canvas { position: absolute; left: 0; top: 0; display: block; cursor: default; }
.iwm-causal-graph .iwm-canvas.iwm-pointer { cursor: pointer; }
.iwm-causal-graph .iwm-canvas:focus { outline: none; }
.iwm-causal-graph .iwm-empty {
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  color: var(--iwm-muted); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-causal-graph .iwm-node-list {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
.iwm-causal-graph .iwm-editor {
  position: absolute; z-index: 5; box-sizing: border-box; width: 290px; max-width: 100%; padding: 6px 8px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); border-radius: 4px; box-shadow: 0 3px 10px rgba(0, 0, 0, 0.25);
}
.iwm-causal-graph .iwm-editor-head { display: flex; align-items: baseline; gap: 6px; margin-bottom: 2px; }
.iwm-causal-graph .iwm-editor-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.iwm-causal-graph .iwm-editor-close { margin-left: auto; border: none !important; background: none !important; padding: 0 4px; font-size: 15px; line-height: 1; }
.iwm-causal-graph .iwm-editor-info { color: var(--iwm-muted); font-size: 0.9em; margin-bottom: 6px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.iwm-causal-graph .iwm-editor-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin-bottom: 6px; }
.iwm-causal-graph .iwm-editor input[type="number"] { box-sizing: border-box; width: 9.5em; min-width: 0; font-variant-numeric: tabular-nums; }
.iwm-causal-graph .iwm-editor-actions { display: flex; gap: 6px; }
.iwm-causal-graph .iwm-apply { border-color: var(--iwm-edit) !important; }
.iwm-causal-graph .iwm-editor-msg { margin-top: 4px; font-size: 0.9em; color: var(--iwm-muted); }
.iwm-causal-graph .iwm-editor-msg.iwm-bad { color: var(--jp-error-color1, #d32f2f); }
.iwm-causal-graph .iwm-legend { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 6px 18px; margin-top: 6px; font-size: 12px; }
.iwm-causal-graph .iwm-legend-item { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; color: var(--iwm-muted); }
.iwm-causal-graph .iwm-legend-scale { width: 160px; }
.iwm-causal-graph .iwm-legend-bar { height: 10px; border: 1px solid var(--jp-border-color2, #999); box-sizing: border-box; }
.iwm-causal-graph .iwm-legend-ticks { position: relative; height: 14px; font-size: 11px; color: var(--jp-ui-font-color1, #222); }
.iwm-causal-graph .iwm-legend-ticks span { position: absolute; top: 1px; white-space: nowrap; }
.iwm-causal-graph .iwm-swatch { display: inline-block; width: 22px; height: 0; }
.iwm-causal-graph .iwm-kind { display: inline-block; box-sizing: border-box; width: 12px; height: 12px; border: 1.5px solid var(--iwm-muted); border-radius: 50%; }
.iwm-causal-graph .iwm-kind-site { border-style: dashed; }
.iwm-causal-graph .iwm-kind-head { border-radius: 3px; }
.iwm-causal-graph .iwm-ring { display: inline-block; width: 9px; height: 9px; border-radius: 50%; border: 3px solid var(--iwm-edit); }
.iwm-causal-graph .iwm-tooltip {
  position: absolute; z-index: 10; pointer-events: none; padding: 4px 8px; border-radius: 3px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
  font-size: 12px; line-height: 16px; white-space: nowrap; font-variant-numeric: tabular-nums;
}
.iwm-causal-graph .iwm-tooltip b { font-weight: 600; margin-right: 2px; color: var(--iwm-muted); }
`;
function themeOf(el) {
  const cs = getComputedStyle(el);
  const v = (name, fallback) => cs.getPropertyValue(name).trim() || fallback;
  const [r, g, b] = (cs.color.match(/[\d.]+/g) ?? ["0", "0", "0"]).map(Number);
  const dark = 0.2126 * r + 0.7152 * g + 0.0722 * b > 140;
  return {
    fg: cs.color || DEFAULT_THEME.fg,
    muted: v("--jp-ui-font-color2", DEFAULT_THEME.muted),
    bg: v("--jp-layout-color0", dark ? "#111" : DEFAULT_THEME.bg),
    dark
  };
}
var EVENTS = ["nodes", "edges", "edge_threshold", "colour_by", "selected", "output", "score", "error", "status", "generation"];
function render({ model, el }) {
  const root = h("div", "iwm-causal-graph", el);
  h("style", "", root).textContent = CSS;
  const header = h("div", "iwm-header", root);
  h("span", "iwm-title", header).textContent = "Causal graph";
  const outputBox = h("span", "iwm-output", header);
  outputBox.setAttribute("aria-live", "polite");
  const outputText = h("span", "iwm-output-text", outputBox);
  const outputDelta = h("span", "iwm-output-delta", outputBox);
  const scoreBox = h("span", "iwm-score", header);
  const status = statusBadge(header, "iwm-status iwm-idle");
  const genBadge = generationBadge(header);
  const errorBox2 = errorBox(root);
  const options = h("div", "iwm-options", root);
  const colourLabel = h("label", "", options);
  colourLabel.append("colour nodes by");
  const colourSelect = (
    /** @type {HTMLSelectElement} */
    h("select", "iwm-colour-by", colourLabel)
  );
  fillSelect(colourSelect, COLOUR_BY);
  const thLabel = h("label", "", options);
  thLabel.append("hide edges with |effect| below");
  const thInput = (
    /** @type {HTMLInputElement} */
    h("input", "iwm-threshold", thLabel)
  );
  thInput.type = "range";
  thInput.min = "0";
  const thValue = h("span", "iwm-threshold-value", thLabel);
  const edgeCount = h("span", "iwm-edge-count", options);
  const exports = h("span", "iwm-exports", options);
  const pngButton = h("button", "iwm-export-png", exports);
  pngButton.type = "button";
  pngButton.textContent = "PNG";
  pngButton.title = "send the graph to Python as a PNG image";
  const svgButton = h("button", "iwm-export-svg", exports);
  svgButton.type = "button";
  svgButton.textContent = "SVG";
  svgButton.title = "send the graph to Python as an SVG document";
  const plot = h("div", "iwm-plot", root);
  const canvas = (
    /** @type {HTMLCanvasElement} */
    h("canvas", "iwm-canvas", plot)
  );
  canvas.setAttribute("role", "img");
  canvas.tabIndex = -1;
  const empty = h("div", "iwm-empty", plot);
  empty.textContent = "no graph yet";
  const nodeList = h("div", "iwm-node-list", plot);
  nodeList.setAttribute("role", "list");
  nodeList.setAttribute("aria-label", "nodes");
  const editor = h("div", "iwm-editor", plot);
  editor.setAttribute("role", "dialog");
  editor.hidden = true;
  const editorHead = h("div", "iwm-editor-head", editor);
  const editorTitle = h("span", "iwm-editor-title", editorHead);
  const closeButton = h("button", "iwm-editor-close", editorHead);
  closeButton.type = "button";
  closeButton.textContent = "×";
  closeButton.title = "close (Escape)";
  closeButton.setAttribute("aria-label", "close the editor");
  const editorInfo = h("div", "iwm-editor-info", editor);
  const editorRow = h("div", "iwm-editor-row", editor);
  const opLabel = h("label", "", editorRow);
  opLabel.append("op");
  const opSelect = (
    /** @type {HTMLSelectElement} */
    h("select", "iwm-op", opLabel)
  );
  const valueLabel = h("label", "iwm-value-label", editorRow);
  const valueName = h("span", "", valueLabel);
  const valueInput = (
    /** @type {HTMLInputElement} */
    h("input", "iwm-edit-value", valueLabel)
  );
  valueInput.type = "number";
  valueInput.step = "any";
  const editorActions = h("div", "iwm-editor-actions", editor);
  const applyButton = h("button", "iwm-apply", editorActions);
  applyButton.type = "button";
  applyButton.textContent = "Apply";
  const removeButton = h("button", "iwm-remove", editorActions);
  removeButton.type = "button";
  removeButton.textContent = "Remove edit";
  const editorMsg = h("div", "iwm-editor-msg", editor);
  const legend = h("div", "iwm-legend", root);
  const legendNodes = h("span", "iwm-legend-item", legend);
  const legendLabel = h("span", "", legendNodes);
  const legendScale = h("span", "iwm-legend-scale", legendNodes);
  const legendBar = h("div", "iwm-legend-bar", legendScale);
  const legendTicks = h("div", "iwm-legend-ticks", legendScale);
  const edgeSwatches = [1, -1].map((sign) => {
    const item = h("span", "iwm-legend-item", legend);
    const swatch = h("span", "iwm-swatch", item);
    item.append(sign > 0 ? "effect > 0" : "effect < 0");
    return { sign, swatch };
  });
  const kindItems = [
    ["site", "site"],
    ["head", "attention head"]
  ].map(([kind, text]) => {
    const item = h("span", `iwm-legend-item iwm-legend-kind`, legend);
    item.dataset.kind = kind;
    h("span", `iwm-kind iwm-kind-${kind}`, item);
    item.append(text);
    item.hidden = true;
    return { kind, item };
  });
  const editedItem = h("span", "iwm-legend-item", legend);
  h("span", "iwm-ring", editedItem);
  editedItem.append("edited");
  const stops = [];
  for (let i = 0; i <= 16; i++) stops.push(`${cssColor(DIVERGING, Math.round(i / 16 * (N_COLORS - 1)))} ${(100 * i / 16).toFixed(2)}%`);
  legendBar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
  const tooltip = h("div", "iwm-tooltip", root);
  tooltip.hidden = true;
  const measureCtx = (
    /** @type {CanvasRenderingContext2D} */
    document.createElement("canvas").getContext("2d")
  );
  let graph = readGraph([], null);
  let scene = null;
  let graphDirty = true;
  let sceneDirty = true;
  let sceneKey = "";
  let localError = "";
  let renderCount = 0;
  let sent = 0;
  let exported = 0;
  let scheduled = false;
  let disposed = false;
  let hoverNode = -1;
  let hoverEdge = -1;
  let threshold = Number(model.get("edge_threshold")) || 0;
  let editorFor = null;
  let editorKey = "";
  let widths = /* @__PURE__ */ new Map();
  let font = "";
  let family = "sans-serif";
  let theme = DEFAULT_THEME;
  let lastSize = { w: 0, h: 0 };
  let nodeListKey = "";
  let frame = 0;
  let lastMove = null;
  const sendThreshold = debounce((t) => setTrait(model, "edge_threshold", t), THRESHOLD_DEBOUNCE_MS);
  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!disposed) draw();
    });
  }
  function measure(s) {
    let w = widths.get(s);
    if (w === void 0) {
      w = measureCtx.measureText(s).width;
      widths.set(s, w);
    }
    return w;
  }
  function updateHeader() {
    const out = outputReadout(model.get("output"));
    outputBox.hidden = !out;
    if (out) {
      outputText.textContent = out.text;
      outputDelta.textContent = out.delta;
      outputBox.classList.toggle("iwm-changed", out.changed);
      outputBox.dataset.changed = out.changed ? "1" : "0";
      outputBox.title = out.changed ? "the edits changed the model's output" : "the edits did not change the model's output";
    }
    const score = scoreBadge(model.get("score"));
    scoreBox.hidden = !score.text;
    scoreBox.textContent = score.text;
    scoreBox.title = score.title;
    status.classList.toggle("iwm-idle", model.get("status") !== "running");
    genBadge.textContent = generationText(model);
  }
  function updateError() {
    showError(root, errorBox2, [model.get("error") || "", localError]);
  }
  function updateOptions() {
    colourSelect.value = model.get("colour_by") === "moved" ? "moved" : "value";
    const { max, step } = thresholdRange(graph.edges.maxAbs, threshold);
    thInput.max = String(max);
    thInput.step = String(step);
    if (document.activeElement !== thInput || !sendThreshold.pending()) thInput.value = String(threshold);
    thValue.textContent = formatValue(threshold);
  }
  function updateLegend() {
    const by = model.get("colour_by") === "moved" ? "moved" : "value";
    legendLabel.textContent = by === "moved" ? "node moved by the edits" : "node value";
    const kinds = new Set(graph.nodes.map((d) => d.kind));
    for (const { kind, item } of kindItems) item.hidden = !kinds.has(kind);
    for (const { sign, swatch } of edgeSwatches) swatch.style.borderTop = `3px solid ${edgeStyle(sign, 0, theme.dark).color}`;
    const lim = scene ? scene.lim : 1;
    legendTicks.replaceChildren(
      ...[
        [formatValue(-lim), "0%", "translateX(0)"],
        ["0", "50%", "translateX(-50%)"],
        [formatValue(lim), "100%", "translateX(-100%)"]
      ].map(([text, left, transform]) => {
        const s = document.createElement("span");
        s.textContent = text;
        s.style.left = left;
        s.style.transform = transform;
        return s;
      })
    );
  }
  function buildNodeList() {
    const key = graph.nodes.map((d) => `${d.id}\0${d.label}`).join("");
    if (key === nodeListKey) return;
    nodeListKey = key;
    nodeList.replaceChildren(
      ...graph.nodes.map((d, i) => {
        const b = document.createElement("button");
        b.type = "button";
        b.setAttribute("role", "listitem");
        b.dataset.id = d.id;
        b.dataset.index = String(i);
        b.textContent = d.label;
        return b;
      })
    );
  }
  function placeNodeList() {
    if (!scene) return;
    const buttons = (
      /** @type {HTMLButtonElement[]} */
      Array.from(nodeList.children)
    );
    buttons.forEach((b, i) => {
      const d = graph.nodes[i];
      if (!d || !scene) return;
      b.dataset.x = scene.pos[2 * i].toFixed(1);
      b.dataset.y = scene.pos[2 * i + 1].toFixed(1);
      b.dataset.shape = nodeShape(d.kind) ? "square" : "circle";
      const k = scene.labelOf[i];
      const l = k >= 0 ? scene.labels[k] : null;
      b.dataset.label = l ? [l.x0, l.y0, l.x1, l.y1].map((v) => v.toFixed(1)).join(",") : "";
      b.setAttribute("aria-label", `${d.label}: value ${formatValue(d.value)}, moved ${formatSigned(d.moved)}${d.edited ? ", edited" : ""}`);
    });
  }
  function paint() {
    if (!scene) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const W = Math.max(1, Math.round(scene.width * dpr));
    const H = Math.max(1, Math.round(scene.height * dpr));
    if (canvas.width !== W) canvas.width = W;
    if (canvas.height !== H) canvas.height = H;
    canvas.style.width = `${scene.width}px`;
    canvas.style.height = `${scene.height}px`;
    const ctx = (
      /** @type {CanvasRenderingContext2D} */
      canvas.getContext("2d")
    );
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintScene(ctx, scene, { theme, font, hoverNode, hoverEdge, selected: selectedIndex() });
    root.dataset.paintMs = (performance.now() - t0).toFixed(2);
  }
  function selectedIndex() {
    const id = model.get("selected") || "";
    const i = id ? graph.index.get(id) : void 0;
    return i === void 0 ? -1 : i;
  }
  function draw() {
    const t0 = performance.now();
    if (graphDirty) {
      graphDirty = false;
      sceneDirty = true;
      try {
        graph = readGraph(model.get("nodes"), model.get("edges"));
        const n = graph.edges.dropped;
        localError = n ? `${n} edge${n === 1 ? "" : "s"} left out: an index that is not a node, or a NaN effect` : "";
      } catch (e) {
        localError = `cannot draw the graph: ${/** @type {Error} */
        e.message}`;
      }
      hoverNode = hoverEdge = -1;
      buildNodeList();
      if (lastMove && !frame) frame = requestAnimationFrame(onFrame);
    }
    updateHeader();
    updateOptions();
    const has = graph.nodes.length > 0;
    const height = plotHeight(graph.nodes);
    plot.style.height = `${height}px`;
    empty.hidden = has;
    canvas.hidden = !has;
    const width = Math.floor(plot.clientWidth);
    lastSize = { w: width, h: height };
    if (has && width > 0) {
      const cs = getComputedStyle(root);
      family = cs.fontFamily || "sans-serif";
      const f = `${LABEL_FONT_PX}px ${family}`;
      if (f !== font) {
        font = measureCtx.font = f;
        widths = /* @__PURE__ */ new Map();
        sceneDirty = true;
      }
      theme = themeOf(root);
      const colourBy = model.get("colour_by") === "moved" ? "moved" : "value";
      const key = `${width}x${height}|${threshold}|${colourBy}`;
      if (sceneDirty || key !== sceneKey) {
        scene = buildScene(graph, { width, height, threshold, colourBy, measure });
        sceneDirty = false;
        sceneKey = key;
        if (hoverEdge >= scene.edges.length) hoverEdge = -1;
        placeNodeList();
        root.dataset.radius = scene.radius.toFixed(2);
        root.dataset.labels = String(scene.labels.length);
        root.dataset.buildMs = (performance.now() - t0).toFixed(2);
      }
      paint();
      const drawn = (
        /** @type {Scene} */
        scene.edges.length
      );
      edgeCount.textContent = `${drawn} of ${graph.edges.n} edges`;
      canvas.setAttribute("aria-label", `causal graph: ${graph.nodes.length} nodes, ${drawn} edges shown`);
      renderCount++;
      const ds = root.dataset;
      ds.renderCount = String(renderCount);
      ds.generation = String(model.get("generation") ?? 0);
      ds.edgesDrawn = String(drawn);
      ds.drawMs = (performance.now() - t0).toFixed(2);
    } else if (!has) {
      scene = null;
      canvas.width = canvas.height = 0;
      edgeCount.textContent = "";
      root.dataset.edgesDrawn = "0";
    }
    root.dataset.nodes = String(graph.nodes.length);
    updateLegend();
    updateEditor();
    updateHover();
    updateError();
  }
  function updateEditor() {
    const i = selectedIndex();
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
      editorKey = key;
      editorFor = d.id;
      fillSelect(opSelect, d.editable.map((op) => ({ value: op, label: op })));
      opSelect.disabled = d.editable.length === 0;
      if (d.editable.length) opSelect.value = d.editable[0];
      valueInput.value = defaultEditValue(d, opSelect.value);
      editorMsg.textContent = d.editable.length ? "" : "this node cannot be edited";
      editorMsg.classList.remove("iwm-bad");
    }
    editor.setAttribute("aria-label", `edit ${d.label}`);
    editor.dataset.node = d.id;
    editorTitle.textContent = d.label;
    editorTitle.title = d.site ? `${d.label} at ${d.site}` : d.label;
    const info = [`value ${formatValue(d.value)} · moved ${formatSigned(d.moved)}${d.edited ? " · edited" : ""}`];
    if (d.site) info.unshift(d.site);
    editorInfo.replaceChildren(
      ...info.map((t) => {
        const line = document.createElement("div");
        line.textContent = t;
        return line;
      })
    );
    updateValueField();
    applyButton.disabled = d.editable.length === 0;
    removeButton.disabled = !d.edited;
    editor.hidden = false;
    const place = editorPlacement(
      { x: scene.pos[2 * i], y: scene.pos[2 * i + 1], r: scene.radius },
      labelOfNode(scene, i),
      { w: editor.offsetWidth, h: editor.offsetHeight },
      { width: scene.width, height: scene.height }
    );
    editor.style.left = `${place.left}px`;
    editor.style.top = `${place.top}px`;
    editor.dataset.side = place.side;
  }
  function updateValueField() {
    const op = (
      /** @type {keyof typeof OP_INPUT} */
      opSelect.value
    );
    const name = OP_INPUT[op] ?? "";
    valueLabel.hidden = !name;
    valueName.textContent = name;
  }
  function editedNode() {
    const i = selectedIndex();
    return i >= 0 ? graph.nodes[i] : null;
  }
  function onApply() {
    const d = editedNode();
    if (!d) return;
    try {
      const msg = editMessage(d, opSelect.value, valueInput.value);
      model.send(msg);
      sent++;
      root.dataset.sent = String(sent);
      editorMsg.textContent = `sent: ${editText(d, msg.op, msg.value)}`;
      editorMsg.classList.remove("iwm-bad");
    } catch (e) {
      editorMsg.textContent = /** @type {Error} */
      e.message;
      editorMsg.classList.add("iwm-bad");
    }
  }
  function onRemove() {
    const d = editedNode();
    if (!d) return;
    model.send(removeEditMessage(d));
    sent++;
    root.dataset.sent = String(sent);
    editorMsg.textContent = `sent: remove the edit of ${d.label}`;
    editorMsg.classList.remove("iwm-bad");
  }
  function onOp() {
    const d = editedNode();
    if (d) valueInput.value = defaultEditValue(d, opSelect.value);
    updateValueField();
    editorMsg.textContent = "";
  }
  function closeEditor() {
    if (selectNode(model, "")) schedule();
  }
  function openEditor(id, focus) {
    if (selectNode(model, id)) {
      draw();
    }
    if (focus && !editor.hidden) (opSelect.disabled ? closeButton : opSelect).focus({ preventScroll: true });
  }
  function updateHover() {
    const ds = root.dataset;
    if (hoverNode >= 0 && hoverNode < graph.nodes.length) ds.hover = `node:${graph.nodes[hoverNode].id}`;
    else if (scene && hoverEdge >= 0 && hoverEdge < scene.edges.length) {
      const k = scene.edges[hoverEdge];
      ds.hover = `edge:${graph.nodes[graph.edges.src[k]].id}->${graph.nodes[graph.edges.dst[k]].id}`;
    } else ds.hover = "";
    canvas.classList.toggle("iwm-pointer", hoverNode >= 0);
    if (lastMove && (hoverNode >= 0 || hoverEdge >= 0)) showTooltip(lastMove);
    else tooltip.hidden = true;
  }
  function showTooltip(e) {
    let lines = [];
    if (hoverNode >= 0) lines = nodeTooltip(graph, scene, hoverNode);
    else if (scene && hoverEdge >= 0) lines = edgeTooltip(graph, scene.edges[hoverEdge]);
    tooltip.replaceChildren(
      ...lines.map(([key, text]) => {
        const line = document.createElement("div");
        if (key) {
          const b = document.createElement("b");
          b.textContent = key;
          line.append(b, " ");
        }
        line.append(text);
        return line;
      })
    );
    tooltip.hidden = false;
    const box = root.getBoundingClientRect();
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    let x = e.clientX - box.left + 14;
    let y = e.clientY - box.top + 14;
    if (x + tw > box.width) x = Math.max(0, e.clientX - box.left - tw - 14);
    if (y + th > box.height) y = Math.max(0, e.clientY - box.top - th - 14);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }
  function onFrame() {
    frame = 0;
    if (!lastMove || !scene) return;
    const rect = canvas.getBoundingClientRect();
    const px = lastMove.clientX - rect.left;
    const py = lastMove.clientY - rect.top;
    const n = nodeAt(scene, px, py);
    const k = n >= 0 ? -1 : edgeAt(scene, px, py);
    const changed = n !== hoverNode || k !== hoverEdge;
    hoverNode = n;
    hoverEdge = k;
    if (changed) paint();
    updateHover();
  }
  function onMove(e) {
    lastMove = e;
    if (!frame) frame = requestAnimationFrame(onFrame);
  }
  function onLeave() {
    lastMove = null;
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    if (hoverNode >= 0 || hoverEdge >= 0) {
      hoverNode = hoverEdge = -1;
      paint();
    }
    updateHover();
  }
  function onClick(e) {
    if (!scene) return;
    const rect = canvas.getBoundingClientRect();
    const i = nodeAt(scene, e.clientX - rect.left, e.clientY - rect.top);
    if (i < 0) {
      closeEditor();
      return;
    }
    const id = graph.nodes[i].id;
    if (model.get("selected") === id) closeEditor();
    else openEditor(id, true);
  }
  function onListFocus(e) {
    const b = (
      /** @type {HTMLElement} */
      e.target
    );
    const i = Number(b.dataset.index);
    if (!Number.isInteger(i) || !scene) return;
    hoverNode = i;
    hoverEdge = -1;
    paint();
    updateHover();
  }
  function onListBlur() {
    if (lastMove) return;
    hoverNode = -1;
    paint();
    updateHover();
  }
  function onListClick(e) {
    const b = (
      /** @type {HTMLElement} */
      e.target
    );
    if (b.dataset.id !== void 0) openEditor(b.dataset.id, true);
  }
  function onThreshold() {
    const t = Number(thInput.value);
    if (!Number.isFinite(t)) return;
    threshold = t;
    thValue.textContent = formatValue(t);
    sendThreshold(t);
    schedule();
  }
  function onThresholdChange() {
    onThreshold();
    sendThreshold.flush();
  }
  function onColour() {
    setTrait(model, "colour_by", colourSelect.value);
    schedule();
  }
  function onExport(format) {
    if (!scene) return;
    let data = "";
    if (format === "svg") {
      data = sceneToSVG(scene, { theme, fontFamily: family, title: "causal graph" });
    } else {
      const off = document.createElement("canvas");
      off.width = Math.round(scene.width * EXPORT_SCALE);
      off.height = Math.round(scene.height * EXPORT_SCALE);
      const ctx = (
        /** @type {CanvasRenderingContext2D} */
        off.getContext("2d")
      );
      ctx.setTransform(EXPORT_SCALE, 0, 0, EXPORT_SCALE, 0, 0);
      paintScene(ctx, scene, { theme, font, background: true });
      data = off.toDataURL("image/png");
      off.width = off.height = 0;
    }
    model.send(exportMessage(format, data));
    exported++;
    root.dataset.exported = format;
    root.dataset.exportCount = String(exported);
  }
  const onPng = () => onExport("png");
  const onSvg = () => onExport("svg");
  function onKeydown(e) {
    e.stopPropagation();
    if (e.key === "Escape" && !editor.hidden) {
      e.preventDefault();
      const back = (
        /** @type {HTMLElement[]} */
        Array.from(nodeList.children).find((b) => b.dataset.id === editorFor)
      );
      closeEditor();
      if (editor.contains(document.activeElement) && back) back.focus({ preventScroll: true });
    } else if (e.key === "Enter" && e.target === valueInput) {
      onApply();
    }
  }
  const handlers = EVENTS.map((name) => [
    `change:${name}`,
    () => {
      if (name === "nodes" || name === "edges") graphDirty = true;
      if (name === "edge_threshold" && !sendThreshold.pending()) threshold = Number(model.get("edge_threshold")) || 0;
      if (name === "error" || name === "status") {
        updateHeader();
        updateError();
      }
      schedule();
    }
  ]);
  for (const [event, cb] of handlers) model.on(event, cb);
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("click", onClick);
  nodeList.addEventListener("focusin", onListFocus);
  nodeList.addEventListener("focusout", onListBlur);
  nodeList.addEventListener("click", onListClick);
  colourSelect.addEventListener("change", onColour);
  thInput.addEventListener("input", onThreshold);
  thInput.addEventListener("change", onThresholdChange);
  opSelect.addEventListener("change", onOp);
  applyButton.addEventListener("click", onApply);
  removeButton.addEventListener("click", onRemove);
  closeButton.addEventListener("click", closeEditor);
  pngButton.addEventListener("click", onPng);
  svgButton.addEventListener("click", onSvg);
  root.addEventListener("keydown", onKeydown);
  const ro = new ResizeObserver(() => {
    if (Math.floor(plot.clientWidth) !== lastSize.w) schedule();
  });
  ro.observe(plot);
  root.dataset.sent = "0";
  draw();
  return () => {
    disposed = true;
    try {
      sendThreshold.flush();
    } catch {
      sendThreshold.cancel();
    }
    ro.disconnect();
    if (frame) cancelAnimationFrame(frame);
    for (const [event, cb] of handlers) model.off(event, cb);
    canvas.removeEventListener("mousemove", onMove);
    canvas.removeEventListener("mouseleave", onLeave);
    canvas.removeEventListener("click", onClick);
    nodeList.removeEventListener("focusin", onListFocus);
    nodeList.removeEventListener("focusout", onListBlur);
    nodeList.removeEventListener("click", onListClick);
    colourSelect.removeEventListener("change", onColour);
    thInput.removeEventListener("input", onThreshold);
    thInput.removeEventListener("change", onThresholdChange);
    opSelect.removeEventListener("change", onOp);
    applyButton.removeEventListener("click", onApply);
    removeButton.removeEventListener("click", onRemove);
    closeButton.removeEventListener("click", closeEditor);
    pngButton.removeEventListener("click", onPng);
    svgButton.removeEventListener("click", onSvg);
    root.removeEventListener("keydown", onKeydown);
    canvas.width = canvas.height = 0;
    root.remove();
  };
}
function initialize() {
}
var causal_graph_default = { initialize, render };
export {
  COLOUR_BY,
  EDITOR_GAP,
  EXPORT_SCALE,
  MAX_HEIGHT,
  MIN_HEIGHT,
  OP_INPUT,
  ROW_PX,
  THRESHOLD_DEBOUNCE_MS,
  THRESHOLD_STEPS,
  debounce,
  causal_graph_default as default,
  defaultEditValue,
  edgeTooltip,
  editMessage,
  editText,
  editorPlacement,
  exportMessage,
  formatSigned,
  formatValue,
  nodeTooltip,
  outputReadout,
  plotHeight,
  removeEditMessage,
  scoreBadge,
  selectNode,
  setTrait,
  thresholdRange
};
