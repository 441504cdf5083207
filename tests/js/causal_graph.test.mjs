// node --test tests/js/ : the CausalGraph view's pure helpers (js/causal_graph/) and its
// drawing (scene.js, canvas.js, svg.js there), against a fake model, a fake clock and a
// recording 2-D context.
import assert from "node:assert/strict";
import { test } from "node:test";
import { paintScene } from "../../js/causal_graph/canvas.js";
import {
  defaultEditValue,
  editMessage,
  editText,
  removeEditMessage,
  scopeText,
} from "../../js/causal_graph/editor.js";
import { exportLabel, exportMessage } from "../../js/causal_graph/export.js";
import { tooltipClearOf } from "../../js/causal_graph/pointer.js";
import { normalizeNode, readEdges, readGraph, readNodes, readOps } from "../../js/causal_graph/graph.js";
import widget from "../../js/causal_graph/index.js";
import { MAX_LABEL_CHARS, placeLabels, shortLabel } from "../../js/causal_graph/labels.js";
import {
  buildScene,
  colourLimit,
  curveDistance,
  EDGE_NEG,
  EDGE_NEG_DARK,
  EDGE_POS,
  EDGE_POS_DARK,
  edgeAt,
  edgeGeometry,
  edgeGroups,
  edgeLevel,
  edgeStyle,
  EDIT_RING,
  frameOf,
  fromCanvas,
  GEOM_STRIDE,
  LEVELS,
  MAX_RADIUS,
  MIN_RADIUS,
  NAN_FILL,
  nodeAt,
  nodeFill,
  nodeRadius,
  segmentDistance,
  toCanvas,
  visibleEdges,
} from "../../js/causal_graph/scene.js";
import {
  createState,
  MAX_HEIGHT,
  MIN_HEIGHT,
  plotHeight,
  readTraits,
  selectNode,
  THRESHOLD_STEPS,
  thresholdRange,
} from "../../js/causal_graph/state.js";
import { escapeXml, sceneToSVG } from "../../js/causal_graph/svg.js";
import { GRAPH_TRAITS, REDRAW } from "../../js/causal_graph/traits.js";
import {
  edgeCountText,
  edgeTooltip,
  effectInterval,
  formatSigned,
  nodeTooltip,
  outputReadout,
  scoreBadge,
} from "../../js/causal_graph/text.js";
import { formatValue } from "../../js/shared/format.js";
import { setTrait } from "../../js/shared/model.js";
import { DEFAULT_THEME } from "../../js/shared/theme.js";
import { debounce } from "../../js/shared/timing.js";

/** The parts of anywidget's model the view uses, recording set(), save_changes() and send(). */
function fakeModel(state) {
  const listeners = new Map();
  const log = [];
  return {
    log,
    state,
    get: (k) => state[k],
    set(k, v) {
      state[k] = v;
      log.push(["set", k, v]);
      for (const cb of listeners.get(`change:${k}`) ?? []) cb();
    },
    on: (e, cb) => listeners.set(e, [...(listeners.get(e) ?? []), cb]),
    off: (e, cb) => listeners.set(e, (listeners.get(e) ?? []).filter((f) => f !== cb)),
    save_changes: () => log.push(["save"]),
    send: (content) => log.push(["send", content]),
  };
}

/** A clock whose time only moves when told to; timers fire in order. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    setTimeout(f, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, f });
      return id;
    },
    clearTimeout: (id) => timers.delete(id),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].f();
      }
      now = end;
    },
    get pending() {
      return timers.size;
    },
  };
}

/** {buffer: DataView, dtype, shape} as ipywidgets delivers it, at an unaligned offset. */
function payload(values, shape) {
  const bytes = new Uint8Array(4 * values.length + 3);
  new Uint8Array(new Float32Array(values).buffer).forEach((b, i) => (bytes[3 + i] = b));
  return { buffer: new DataView(bytes.buffer, 3, 4 * values.length), dtype: "float32", shape };
}

/** Edges from rows [s, t, effect]. */
const edgeRows = (rows) => payload(rows.flat(), [rows.length, 3]);

const close = (a, b, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
/** A text width of 6 px a character, as a stand-in for canvas measureText. */
const measure = (s) => 6 * s.length;

/** The `ops` trait as Python sends it (iwm_widgets/tracing/ops.py: editor_specs()). */
const OPS_TRAIT = [
  { name: "set", label: "set", field: "value", default: "value", text: "{op} {node} to {value}", kinds: ["variable", "site", "head"] },
  { name: "scale", label: "scale", field: "factor", default: 2, text: "{op} {node} by {value}", kinds: ["variable", "site", "head"] },
  { name: "ablate", label: "ablate", field: "", default: null, text: "{op} {node}", kinds: ["variable", "site", "head"] },
]; // prettier-ignore
/** An op of a variable node beyond Python's own (as `register` adds one): a number field, no default. */
const BOUND = { name: "bound", label: "bound", field: "value", default: "value", text: "{op} {node} to {value}", kinds: ["variable"] };
const OPS = readOps([...OPS_TRAIT, BOUND]);
const OP_NAMES = OPS.map((o) => o.name);

/** A small graph: a -> b -> c, a -> c, with a self-loop on b. */
const NODES = [
  { id: "a", label: "vel_x", layer: 0, x: 0, y: 0.5, value: 0.5, moved: 0, kind: "variable", site: "blocks.0", edited: false, editable: ["set", "bound", "ablate"], truth: "velocity_x" },
  { id: "b", label: "h", layer: 1, x: 0.5, y: 0.25, value: -1, moved: 0.2, kind: "site", site: "blocks.1", edited: true, editable: ["scale"], truth: null },
  { id: "c", label: "x_next", layer: 2, x: 1, y: 0.5, value: 0.412, moved: -0.024, kind: "output", site: "head", edited: false, editable: [] },
]; // prettier-ignore
const EDGES = edgeRows([
  [0, 1, 0.8],
  [1, 2, -0.3],
  [0, 2, 0.05],
  [1, 1, 0.9],
]);

/** A random layered graph like the one the browser benchmark draws. */
function randomGraph(nNodes, nEdges, layers = 8, seed = 1) {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  const per = Math.ceil(nNodes / layers);
  const nodes = Array.from({ length: nNodes }, (_, i) => {
    const layer = Math.floor(i / per);
    const count = Math.min(per, nNodes - layer * per);
    return { id: `n${i}`, label: `L${layer}.v${i % per}`, layer, x: layer / (layers - 1), y: ((i % per) + 0.5) / count, value: rand() * 2 - 1, moved: 0, kind: "variable", editable: ["set"] };
  });
  const rows = [];
  for (let k = 0; k < nEdges; k++) {
    const src = Math.floor(rand() * (nNodes - per));
    const dst = Math.min(nNodes - 1, (Math.floor(src / per) + 1) * per + Math.floor(rand() * per));
    rows.push([src, dst, (rand() * 2 - 1) * Math.exp(-3 * rand())]);
  }
  return readGraph(nodes, edgeRows(rows));
}

/**
 * A minimal XML well-formedness check (no DOMParser in node): balanced, properly nested
 * tags, quoted attributes, no raw "<" or stray "&" in text. Returns the element names in
 * document order.
 */
function parseXml(text) {
  const names = [];
  const stack = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m;
  while ((m = re.exec(text))) {
    const [, closing, name, , selfClosing, chars, stray] = m;
    if (stray) throw new Error(`unparseable markup at ${m.index}: ${text.slice(m.index, m.index + 40)}`);
    if (chars !== undefined) {
      if (/&(?!(amp|lt|gt|quot|#39);)/.test(chars)) throw new Error(`unescaped & in ${JSON.stringify(chars)}`);
      if (!stack.length && chars.trim()) throw new Error(`text outside the root: ${chars}`);
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      names.push(name);
      if (!selfClosing) stack.push(name);
    }
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(", ")}`);
  return names;
}

/** A 2-D context that records the calls that draw. */
function recordingContext() {
  const calls = [];
  const record = (name) => (...args) => calls.push([name, ...args]);
  const ctx = { calls };
  for (const name of ["clearRect", "fillRect", "save", "restore", "beginPath", "moveTo", "lineTo", "quadraticCurveTo", "closePath", "arc", "stroke", "fill", "setLineDash", "strokeText", "fillText"]) {
    ctx[name] = record(name);
  }
  return ctx;
}

// ---------------------------------------------------------------------------------------

test("the module is an anywidget: default export {initialize, render}", () => {
  assert.equal(typeof widget.initialize, "function");
  assert.equal(typeof widget.render, "function");
});

test("nodes: what Python leaves out is filled in; editable ops are known ones, in Python's order", () => {
  const n = normalizeNode({ id: 7, editable: ["bound", "bogus", "ablate", "bound"], kind: "weird", truth: "" }, 3, OP_NAMES);
  assert.equal(n.id, "7");
  assert.equal(n.label, "7");
  assert.equal(n.kind, "variable");
  assert.deepEqual(n.editable, ["bound", "ablate"]);
  assert.deepEqual(normalizeNode({ editable: "set" }, 0).editable, []);
  // Without the ops trait's names, any name (a string) is kept; with them, only those.
  assert.deepEqual(normalizeNode({ editable: ["negate", 3, "set"] }, 0).editable, ["negate", "set"]);
  assert.deepEqual(readGraph([{ editable: ["negate", "set"] }], null, 1, OP_NAMES).nodes[0].editable, ["set"]);
  assert.equal(n.truth, null);
  assert.equal(n.edited, false);
  assert.ok(Number.isNaN(n.value));
  assert.equal(normalizeNode(null, 4).id, "4");
  assert.equal(normalizeNode({ id: "x", label: "velocity", truth: "vx" }, 0).truth, "vx");
  // Float noise of an unedited re-run is no move (it would saturate the "moved" colours).
  assert.equal(normalizeNode({ value: 0.7, moved: -7.45e-9 }, 0).moved, 0);
  assert.equal(normalizeNode({ value: 300, moved: 1e-3 }, 0).moved, 0);
  assert.equal(normalizeNode({ value: 0.7, moved: 1e-3 }, 0).moved, 1e-3);
});

test("nodes without a position are placed by layer and rank; layouts outside [0, 1]² are rescaled", () => {
  const placed = readNodes([
    { id: "a", layer: 0 },
    { id: "b", layer: 1 },
    { id: "c", layer: 1 },
    { id: "d", layer: 2, x: 1, y: 0.5 },
  ]);
  assert.deepEqual(placed.map((n) => [n.x, n.y]), [[0, 0.5], [0.5, 0.25], [0.5, 0.75], [1, 0.5]]);
  const raw = readNodes([
    { id: "a", x: -1, y: -0.5 },
    { id: "b", x: 1, y: 0.5 },
    { id: "c", x: 0, y: 0 },
  ]);
  assert.deepEqual(raw.map((n) => [n.x, n.y]), [[0, 0], [1, 1], [0.5, 0.5]]);
  // Inside the unit square: untouched.
  assert.deepEqual(readNodes([{ x: 0.2, y: 0.3 }]).map((n) => [n.x, n.y]), [[0.2, 0.3]]);
  assert.deepEqual(readNodes(undefined), []);
});

test("edges: decoded from an unaligned DataView; bad rows are left out and counted", () => {
  const e = readEdges(EDGES, 3);
  assert.equal(e.n, 4);
  assert.deepEqual(Array.from(e.src), [0, 1, 0, 1]);
  assert.deepEqual(Array.from(e.dst), [1, 2, 2, 1]);
  close(e.effect[1], -0.3);
  close(e.maxAbs, 0.9);
  assert.equal(e.dropped, 0);
  const bad = readEdges(edgeRows([[0, 5, 1], [0.5, 1, 1], [-1, 0, 1], [0, 1, NaN], [2, 0, -2]]), 3);
  assert.equal(bad.n, 1);
  assert.equal(bad.dropped, 4);
  close(bad.maxAbs, 2);
  assert.equal(readEdges(null, 3).n, 0);
  assert.equal(readEdges({}, 3).n, 0);
  assert.equal(readEdges(payload([], [0, 3]), 3).n, 0);
  assert.throws(() => readEdges(payload([0, 1, 2, 3], [2, 2]), 3), /shape \[E, 3\]/);
  // one input: no spread
  assert.ok(Array.from(e.se).every(Number.isNaN) && e.lo.length === 4 && Number.isNaN(e.hi[0]));
});

test("edges over a batch: [E, 6] rows carry mean, se and the 95% interval", () => {
  const rows = [
    [0, 1, 0.8, 0.1, 0.56, 1.04],
    [0, 5, 1, 1, 1, 1], // not a node: left out with its stats
    [1, 2, -0.3, 0.2, -0.77, 0.17],
  ];
  const e = readEdges(payload(rows.flat(), [3, 6]), 3);
  assert.equal(e.n, 2);
  assert.equal(e.dropped, 1);
  assert.deepEqual(Array.from(e.dst), [1, 2]);
  close(e.effect[1], -0.3);
  close(e.se[1], 0.2);
  close(e.lo[1], -0.77);
  close(e.hi[1], 0.17);
  close(e.maxAbs, 0.8);
  assert.throws(() => readEdges(payload([0, 1, 2, 3, 4], [1, 5]), 3), /\[E, 6\]/);
});

test("threshold: edges with |effect| at or below it are hidden (as Python scores), no self-loops, strongest last", () => {
  const { edges } = readGraph(NODES, EDGES);
  assert.deepEqual(Array.from(visibleEdges(edges, 0)), [2, 1, 0]); // 0.05, -0.3, 0.8
  assert.deepEqual(Array.from(visibleEdges(edges, 0.29)), [1, 0]);
  assert.deepEqual(Array.from(visibleEdges(edges, Math.fround(0.3))), [0]); // |effect| == threshold: hidden
  assert.deepEqual(Array.from(visibleEdges(edges, 5)), []);
  assert.deepEqual(Array.from(visibleEdges(edges, NaN)), [2, 1, 0]);
  assert.deepEqual(Array.from(visibleEdges(edges, -1)), [2, 1, 0]);
});

test("layout -> canvas: x grows to the right with depth, y = 0 at the top, inside the padding", () => {
  const f = frameOf(400, 300, 20);
  assert.deepEqual(f, { left: 20, top: 20, w: 360, h: 260 });
  assert.deepEqual(toCanvas(f, 0, 0), [20, 20]);
  assert.deepEqual(toCanvas(f, 1, 1), [380, 280]);
  assert.deepEqual(toCanvas(f, 0.5, 0.5), [200, 150]);
  assert.deepEqual(fromCanvas(f, ...toCanvas(f, 0.3, 0.8)).map((v) => Math.round(v * 1e9) / 1e9), [0.3, 0.8]);
  // A padding larger than the area never makes it negative.
  assert.deepEqual(frameOf(10, 300, 20), { left: 5, top: 5, w: 0, h: 290 });
});

test("scene: node centres follow the layout, the radius follows the spacing", () => {
  const graph = readGraph(NODES, EDGES);
  const s = buildScene(graph, { width: 600, height: 300, threshold: 0, colourBy: "value", measure });
  assert.equal(s.pos.length, 6);
  for (let i = 0; i < 3; i++) {
    const [px, py] = toCanvas(s.frame, graph.nodes[i].x, graph.nodes[i].y);
    close(s.pos[2 * i], px, 1e-3);
    close(s.pos[2 * i + 1], py, 1e-3);
  }
  assert.equal(s.radius, MAX_RADIUS); // three nodes far apart
  assert.equal(s.edges.length, 3); // the self-loop is not drawn
  assert.equal(buildScene(graph, { width: 600, height: 300, threshold: 0.5, colourBy: "value", measure }).edges.length, 1);
  // Crowded nodes get smaller circles, never below MIN_RADIUS.
  assert.equal(nodeRadius(new Float32Array([0, 0, 3, 0, 6, 0])), MIN_RADIUS);
  close(nodeRadius(new Float32Array([0, 0, 24, 0, 48, 0])), 8);
  assert.equal(nodeRadius(new Float32Array([5, 5])), MAX_RADIUS);
});

test("an edge starts on its source's circle and its arrow tip touches the target's", () => {
  const g = new Float32Array(GEOM_STRIDE);
  assert.ok(edgeGeometry(0, 0, 100, 0, 10, 2, g));
  close(Math.hypot(g[0], g[1]), 11, 1e-4);
  close(Math.hypot(g[6] - 100, g[7]), 11.5, 1e-4);
  // Bowed to the right of the direction of travel, on screen (y down): +x bows to +y.
  close(g[3], 12, 1e-4); // BEND × length
  // The opposite edge bows the other way, so a -> b and b -> a do not overlap.
  const back = new Float32Array(GEOM_STRIDE);
  edgeGeometry(100, 0, 0, 0, 10, 2, back);
  close(back[3], -12, 1e-4);
  // Along the bottom border the control point stays inside the area, so the curve does.
  edgeGeometry(0, 95, 100, 95, 10, 2, g, 0, { width: 200, height: 100 });
  close(g[3], 99, 1e-4);
  // Overlapping nodes: nothing to draw.
  assert.equal(edgeGeometry(0, 0, 15, 0, 10, 2, g), false);
});

test("edge hit-testing: distance to the segment, to the curve, and the edge under the pointer", () => {
  close(segmentDistance(5, 3, 0, 0, 10, 0), 3);
  close(segmentDistance(-4, 3, 0, 0, 10, 0), 5); // past the end: distance to the end point
  close(segmentDistance(1, 1, 2, 2, 2, 2), Math.SQRT2); // degenerate segment
  const graph = readGraph(NODES, EDGES);
  const s = buildScene(graph, { width: 600, height: 300, threshold: 0, colourBy: "value", measure });
  for (let k = 0; k < s.edges.length; k++) {
    const o = k * GEOM_STRIDE;
    // The curve's midpoint (t = 1/2 of the quadratic from start to tip) is on it.
    const mx = 0.25 * s.geom[o] + 0.5 * s.geom[o + 2] + 0.25 * s.geom[o + 6];
    const my = 0.25 * s.geom[o + 1] + 0.5 * s.geom[o + 3] + 0.25 * s.geom[o + 7];
    assert.ok(curveDistance(s.geom, o, mx, my) < 0.5);
    assert.equal(edgeAt(s, mx, my), k, `edge ${k}`);
  }
  assert.equal(edgeAt(s, 300, 295), -1); // empty bottom edge of the plot
  // Nodes win by distance; the slop makes small circles easy to hit.
  assert.equal(nodeAt(s, s.pos[2] + 2, s.pos[3] - 2), 1);
  assert.equal(nodeAt(s, s.pos[2] + s.radius + 2, s.pos[3]), 1);
  assert.equal(nodeAt(s, s.pos[2] + s.radius + 10, s.pos[3]), -1);
});

test("hit-testing 2,000 edges finds the nearest drawn edge", () => {
  const graph = randomGraph(200, 2000);
  const s = buildScene(graph, { width: 1000, height: 600, threshold: 0, colourBy: "value", measure });
  assert.ok(s.edges.length > 1900);
  const k = s.edges.length - 1; // the strongest edge, drawn last
  const o = k * GEOM_STRIDE;
  const mx = 0.25 * s.geom[o] + 0.5 * s.geom[o + 2] + 0.25 * s.geom[o + 6];
  const my = 0.25 * s.geom[o + 1] + 0.5 * s.geom[o + 3] + 0.25 * s.geom[o + 7];
  const hit = edgeAt(s, mx, my);
  assert.ok(hit >= 0 && curveDistance(s.geom, hit * GEOM_STRIDE, mx, my) <= curveDistance(s.geom, o, mx, my));
});

test("node colours: diverging and symmetric around 0, by value or by how much the edits moved it", () => {
  const nodes = readNodes(NODES);
  assert.equal(colourLimit(nodes, "value"), 1);
  close(colourLimit(nodes, "moved"), 0.2);
  assert.equal(colourLimit(readNodes([{ value: 0 }]), "value"), 1); // all zero: a unit range
  const rgb = (css) => css.match(/\d+/g).map(Number);
  const [r0, g0, b0] = rgb(nodeFill(0, 1));
  assert.ok(r0 > 230 && g0 > 230 && b0 > 230, "0 is near-white");
  const [rp, , bp] = rgb(nodeFill(0.8, 1));
  assert.ok(rp > bp, "positive is red");
  const [rn, , bn] = rgb(nodeFill(-0.8, 1));
  assert.ok(bn > rn, "negative is blue");
  assert.deepEqual(nodeFill(5, 1), nodeFill(1, 1)); // clamped
  assert.equal(nodeFill(NaN, 1), NAN_FILL);
  const byMoved = buildScene(readGraph(NODES, EDGES), { width: 600, height: 300, threshold: 0, colourBy: "moved", measure });
  assert.equal(byMoved.fill[1], nodeFill(0.2, 0.2));
  assert.equal(byMoved.fill[0], nodeFill(0, 1));
});

test("edge styles: width and opacity grow with |effect|; red positive, blue negative", () => {
  assert.equal(edgeLevel(0, 2), 0);
  assert.equal(edgeLevel(-2, 2), LEVELS - 1);
  assert.equal(edgeLevel(10, 2), LEVELS - 1); // clamped
  assert.equal(edgeLevel(1, 0), LEVELS - 1);
  let prev = edgeStyle(1, 0);
  for (let l = 1; l < LEVELS; l++) {
    const st = edgeStyle(1, l);
    assert.ok(st.width > prev.width && st.alpha > prev.alpha);
    prev = st;
  }
  assert.equal(edgeStyle(1, 3).color, EDGE_POS);
  assert.equal(edgeStyle(-1, 3).color, EDGE_NEG);
  assert.equal(edgeStyle(-1, 3).width, edgeStyle(1, 3).width);
  // On a dark background: lighter colours of the same map, same widths.
  assert.equal(edgeStyle(1, 3, true).color, EDGE_POS_DARK);
  assert.equal(edgeStyle(-1, 3, true).color, EDGE_NEG_DARK);
  assert.equal(edgeStyle(-1, 3, true).width, edgeStyle(-1, 3).width);
});

test("labels: cut to a short length, never overlapping, right of the deepest layer's nodes", () => {
  assert.equal(shortLabel("short"), "short");
  const long = shortLabel("transformer.h.11.mlp.c_proj");
  assert.equal(long.length, MAX_LABEL_CHARS);
  assert.ok(long.endsWith("…"));
  const graph = randomGraph(200, 10);
  const s = buildScene(graph, { width: 1000, height: 600, threshold: 0, colourBy: "value", measure });
  assert.ok(s.labels.length > 100, `${s.labels.length} labels placed`);
  const boxes = s.labels.map((l) => [l.x0, l.x1, l.y0, l.y1]);
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length; b++) {
      const [ax0, ax1, ay0, ay1] = boxes[a];
      const [bx0, bx1, by0, by1] = boxes[b];
      assert.ok(!(ax0 < bx1 && ax1 > bx0 && ay0 < by1 && ay1 > by0), `labels ${a} and ${b} overlap`);
    }
    assert.ok(boxes[a][0] >= 0 && boxes[a][1] <= 1000);
  }
  const last = s.labels.find((l) => graph.nodes[l.i].x === 1);
  assert.equal(last.side, "right"); // the deepest layer's labels sit right of their nodes (nothing leaves them)
  assert.ok(last.x0 > s.pos[2 * last.i] && last.x1 <= 1000);
  // Crowded: an edited node keeps its label ahead of its neighbours.
  const nodes = readNodes([
    { id: "a", label: "alpha", x: 0, y: 0 },
    { id: "b", label: "beta", x: 0, y: 0.02, edited: true },
  ]);
  const pos = new Float32Array([10, 10, 10, 16]);
  const placed = placeLabels(nodes, pos, 2, 200, measure);
  assert.deepEqual(placed.map((l) => l.i), [1]);
});

test("paint: edges are stroked in groups (not one stroke each), one circle per node", () => {
  const graph = randomGraph(200, 2000);
  const s = buildScene(graph, { width: 1000, height: 600, threshold: 0, colourBy: "value", measure });
  const ctx = recordingContext();
  paintScene(ctx, s);
  const count = (name) => ctx.calls.filter((c) => c[0] === name).length;
  const groups = edgeGroups(s).length;
  assert.ok(groups <= 3 * LEVELS);
  assert.equal(count("quadraticCurveTo"), s.edges.length);
  assert.equal(count("arc"), 200);
  assert.equal(count("stroke"), groups + 200); // one per group, one outline per node
  assert.equal(count("fillText"), s.labels.length);
  // A hovered node: its edges on top, plus a ring around it; the selected node gets one too.
  const hovered = recordingContext();
  paintScene(hovered, s, { hoverNode: 40, selected: 3 });
  assert.equal(hovered.calls.filter((c) => c[0] === "arc").length, 202);
  assert.equal(hovered.calls.filter((c) => c[0] === "quadraticCurveTo").length, s.edges.length);
});

test("SVG export: a parseable document with one <circle> per node and escaped text", () => {
  const nodes = NODES.map((n) => ({ ...n }));
  nodes[0].label = `a<b & "c"`;
  const graph = readGraph(nodes, EDGES);
  const s = buildScene(graph, { width: 600, height: 300, threshold: 0, colourBy: "value", measure });
  const svg = sceneToSVG(s, { title: "causal graph", fontFamily: `"Segoe UI", sans-serif` });
  const names = parseXml(svg);
  assert.equal(names[0], "svg");
  assert.equal(names.filter((n) => n === "circle").length, 3);
  assert.equal(names.filter((n) => n === "text").length, s.labels.length);
  assert.ok(svg.includes("a&lt;b &amp; &quot;c&quot;"));
  assert.ok(!svg.includes("NaN"));
  assert.ok(svg.includes(`stroke="${EDIT_RING}"`), "the edited node has the edit ring");
  // One path for the curves and one for the arrowheads of every (sign, level) group.
  assert.equal(names.filter((n) => n === "path").length, 2 * edgeGroups(s).length);
  // Big graphs too.
  const big = randomGraph(200, 2000);
  const bigScene = buildScene(big, { width: 1000, height: 600, threshold: 0.1, colourBy: "moved", measure });
  const bigNames = parseXml(sceneToSVG(bigScene));
  assert.equal(bigNames.filter((n) => n === "circle").length, 200);
  assert.equal(escapeXml(`<&>"'`), "&lt;&amp;&gt;&quot;&#39;");
});

test("editor messages: {type: 'edit', node, op, value}, value null for ablate", () => {
  const [a, b, c] = readNodes(NODES, OP_NAMES);
  assert.deepEqual(editMessage(a, "set", "0.5", OPS), { type: "edit", node: "a", op: "set", value: 0.5 });
  assert.deepEqual(editMessage(a, "bound", " -2 ", OPS), { type: "edit", node: "a", op: "bound", value: -2 });
  assert.deepEqual(editMessage(a, "ablate", "ignored", OPS), { type: "edit", node: "a", op: "ablate", value: null });
  assert.deepEqual(editMessage(b, "scale", 3, OPS), { type: "edit", node: "b", op: "scale", value: 3 });
  assert.throws(() => editMessage(a, "set", "", OPS), /value must be a number/);
  assert.throws(() => editMessage(b, "scale", "abc", OPS), /factor must be a number/);
  assert.throws(() => editMessage(a, "scale", "2", OPS), /cannot be edited with scale/);
  assert.throws(() => editMessage(c, "set", "1", OPS), /x_next cannot be edited/);
  assert.throws(() => editMessage(a, "set", "1", []), /cannot be edited with set/); // not in the trait
  assert.deepEqual(removeEditMessage(b), { type: "remove_edit", node: "b" });
  assert.deepEqual(exportMessage("svg", "<svg/>"), { type: "export", format: "svg", data: "<svg/>" });
  assert.equal(defaultEditValue(a, "set", OPS), "0.5");
  assert.equal(defaultEditValue(b, "scale", OPS), "2");
  assert.equal(defaultEditValue(a, "ablate", OPS), "");
  assert.equal(editText(a, "set", 0.5, OPS), "set vel_x to 0.5000");
  assert.equal(editText(b, "scale", 2, OPS), "scale h by 2.000");
  assert.equal(editText(a, "ablate", null, OPS), "ablate vel_x");
});

test("the editor's ops come from the `ops` trait: a new op needs no front-end change", () => {
  const ops = readOps([...OPS_TRAIT, { name: "negate", label: "negate", field: "", default: null, text: "{op} {node}", kinds: ["site"] }]);
  assert.deepEqual(ops.map((o) => o.name), ["set", "scale", "ablate", "negate"]);
  const [node] = readNodes([{ id: "h", label: "h", kind: "site", editable: ["negate", "scale"] }], ops.map((o) => o.name));
  assert.deepEqual(node.editable, ["negate", "scale"]);
  assert.deepEqual(editMessage(node, "negate", "", ops), { type: "edit", node: "h", op: "negate", value: null });
  assert.equal(editText(node, "negate", null, ops), "negate h");
  assert.equal(defaultEditValue(node, "negate", ops), "");
  // A field with a number default; the text's {value} filled in.
  const tilt = readOps([{ name: "tilt", field: "angle", default: 0.25, text: "tilt {node} by {value} $&" }]);
  assert.deepEqual(tilt[0], { name: "tilt", label: "tilt", field: "angle", default: 0.25, text: "tilt {node} by {value} $&", kinds: [] });
  const t = { ...node, editable: ["tilt"] };
  assert.equal(defaultEditValue(t, "tilt", tilt), "0.25");
  assert.throws(() => editMessage(t, "tilt", "x", tilt), /angle must be a number/);
  assert.equal(editText(t, "tilt", 0.5, tilt), "tilt h by 0.5000 $&");
  // What the trait may get wrong: no name, a repeated name, odd fields.
  assert.deepEqual(readOps(null), []);
  const odd = readOps([{}, { name: "" }, { name: "a", default: "x", field: 3, kinds: ["site", 1] }, { name: "a" }]);
  assert.deepEqual(odd, [{ name: "a", label: "a", field: "", default: null, text: "{op} {node}", kinds: ["site"] }]);
});

test("the view reads the `ops` trait with the nodes: editable ops are the trait's", () => {
  const model = fakeModel({ nodes: NODES, edges: EDGES, n_inputs: 1, ops: OPS_TRAIT, edge_threshold: 0 });
  const state = createState(model, DEFAULT_THEME);
  assert.equal(readTraits(state, model), true);
  assert.deepEqual(state.ops.map((o) => o.name), ["set", "scale", "ablate"]);
  assert.deepEqual(state.graph.nodes[0].editable, ["set", "ablate"]); // bound is not in the trait
  model.state.ops = [...OPS_TRAIT, BOUND];
  assert.ok(GRAPH_TRAITS.includes("ops") && REDRAW.includes("ops"));
  state.graphDirty = true; // as a change of `ops` (a GRAPH_TRAITS name) marks it
  readTraits(state, model);
  assert.deepEqual(state.graph.nodes[0].editable, ["set", "bound", "ablate"]);
});

test("selecting a node sets `selected` and saves once; closing sets ''", () => {
  const model = fakeModel({ selected: "" });
  assert.equal(selectNode(model, "b"), true);
  assert.equal(selectNode(model, "b"), false); // unchanged: nothing sent
  assert.equal(selectNode(model, ""), true);
  assert.deepEqual(model.log, [["set", "selected", "b"], ["save"], ["set", "selected", ""], ["save"]]);
  assert.equal(setTrait(model, "colour_by", "moved"), true);
  assert.equal(model.state.colour_by, "moved");
});

test("the threshold reaches Python debounced: once, with the last value; flush on release", () => {
  const clock = fakeClock();
  const model = fakeModel({ edge_threshold: 0 });
  const send = debounce((t) => setTrait(model, "edge_threshold", t), 250, clock);
  send(0.1);
  clock.advance(100);
  send(0.2);
  clock.advance(100);
  send(0.3);
  assert.equal(model.log.length, 0);
  assert.ok(send.pending());
  clock.advance(250);
  assert.deepEqual(model.log, [["set", "edge_threshold", 0.3], ["save"]]);
  assert.equal(send.pending(), false);
  send(0.4);
  assert.equal(send.flush(), true); // the slider was released
  assert.equal(model.state.edge_threshold, 0.4);
  assert.equal(clock.pending, 0);
  assert.equal(send.flush(), false);
  send(0.5);
  send.cancel();
  clock.advance(1000);
  assert.equal(model.state.edge_threshold, 0.4);
});

test("threshold slider range: 0 to the largest |effect|", () => {
  assert.deepEqual(thresholdRange(2, 0), { max: 2, step: 2 / THRESHOLD_STEPS });
  assert.equal(thresholdRange(2, 3).max, 3); // a threshold from Python above every edge
  assert.equal(thresholdRange(0, 0).max, 1);
  assert.equal(thresholdRange(NaN, NaN).max, 1);
});

test("output readout: before → after, highlighted only when they differ", () => {
  assert.equal(outputReadout({}), null);
  assert.equal(outputReadout(null), null);
  const changed = outputReadout({ label: "predicted x at t+1", before: 0.412, after: 0.388 });
  assert.equal(changed.text, "predicted x at t+1: 0.4120 → 0.3880");
  assert.equal(changed.changed, true);
  assert.equal(changed.delta, "(−0.02400)");
  const same = outputReadout({ label: "y", before: 0.412, after: 0.412 + 1e-12 });
  assert.equal(same.changed, false);
  assert.equal(same.delta, "");
  assert.equal(outputReadout({ before: 1, after: NaN }).changed, true);
});

test("score badge: precision and recall against the true graph", () => {
  assert.equal(scoreBadge({}).text, "");
  assert.equal(scoreBadge(null).text, "");
  const b = scoreBadge({ precision: 0.8333, recall: 0.714, true_edges: 7, found_edges: 6 });
  assert.equal(b.text, "vs ground truth: precision 83% · recall 71% · 6 found / 7 true edges");
  assert.ok(b.title.includes("precision"));
  assert.equal(scoreBadge({ precision: 1, recall: 1, true_edges: 0, found_edges: 0 }).text, "vs ground truth: no variable → output pairs to score");
  const listed = scoreBadge({ precision: 1, recall: 0.5, missed: ["vx -> next x"], extra: [] });
  assert.ok(listed.title.endsWith("missed: vx -> next x"));
});

test("tooltips: node value, moved, site; edge source → target and effect to 4 digits", () => {
  const graph = readGraph(NODES, EDGES);
  const s = buildScene(graph, { width: 600, height: 300, threshold: 0, colourBy: "value", measure });
  const node = Object.fromEntries(nodeTooltip(graph, s, 1));
  assert.equal(node.node, "h (b)");
  assert.equal(node.site, "blocks.1");
  assert.equal(node.value, "-1.000");
  assert.equal(node.moved, "+0.2000");
  assert.equal(node.edges, "1 in · 1 out");
  assert.equal(node.edited, "yes");
  assert.equal(Object.fromEntries(nodeTooltip(graph, s, 0)).truth, "velocity_x");
  assert.deepEqual(edgeTooltip(graph, 1), [
    ["edge", "h → x_next"],
    ["effect", "−0.3000"],
  ]);
  assert.equal(graph.nInputs, 1);
  assert.equal(edgeCountText(2, graph, false), "2 of 4 edges");
  assert.equal(formatValue(0.123456), "0.1235");
  assert.equal(formatValue(123456), "1.235e+5");
  assert.equal(formatValue(null), "–");
  assert.equal(formatSigned(0), "0");
  assert.equal(formatSigned(-2e-6), "−2.000e-6");
});

test("tooltips over a batch: mean ± se (95% CI [lo, hi]), n=B; one input as before", () => {
  const rows = [
    [0, 1, 0.8, 0.1, 0.5635, 1.036],
    [1, 2, -0.3, 0.2, -0.7729, 0.1729],
  ];
  const batch = readGraph(NODES, payload(rows.flat(), [2, 6]), 8);
  assert.equal(batch.nInputs, 8);
  assert.deepEqual(edgeTooltip(batch, 1), [
    ["edge", "h → x_next"],
    ["effect", "−0.3000 ± 0.2000 (95% CI [−0.7729, 0.1729]), n=8"],
  ]);
  assert.equal(effectInterval(0.8, 0.1, 0.5635, 1.036, 8), "+0.8000 ± 0.1000 (95% CI [0.5635, 1.036]), n=8");
  assert.equal(edgeCountText(2, batch, false), "2 of 2 edges · mean of 8 inputs");
  assert.equal(edgeCountText(1, batch, true), "1 of 2 edges · mean of 8 inputs · 95% CI excludes 0");
  // n_inputs of 1 (or missing, or junk): no interval even if stats came
  for (const n of [1, undefined, "x", 0]) {
    const one = readGraph(NODES, payload(rows.flat(), [2, 6]), n);
    assert.equal(one.nInputs, 1);
    assert.deepEqual(edgeTooltip(one, 0)[1], ["effect", "+0.8000"]);
  }
});

test("plot height: 22 px per node of the most crowded layer, within bounds", () => {
  assert.equal(plotHeight(readNodes(NODES)), MIN_HEIGHT);
  assert.equal(plotHeight(randomGraph(200, 0).nodes), 25 * 22 + 40);
  assert.equal(plotHeight(randomGraph(200, 0, 2).nodes), MAX_HEIGHT);
});


test("a node's scope reaches the editor: which time step its edits edit", () => {
  const n = normalizeNode({ id: "a", scope: "time step 29 only (the last of 30; positions=[-1])" }, 0);
  assert.equal(scopeText(n), "edits time step 29 only (the last of 30; positions=[-1])");
  assert.equal(normalizeNode({ id: "b" }, 1).scope, ""); // an old payload, or an output
  assert.equal(scopeText(normalizeNode({ id: "b", scope: 3 }, 1)), "");
});

test("the tooltip keeps off the open editor: moved beside the pointer, or hidden", () => {
  const area = { width: 600, height: 400 };
  const tip = { w: 120, h: 50 };
  const editor = { x0: 300, y0: 100, x1: 590, y1: 300 };
  const covers = (p) => p.left < editor.x1 && p.left + tip.w > editor.x0 && p.top < editor.y1 && p.top + tip.h > editor.y0;
  // Right of the pointer would cover the editor: it goes left of the pointer.
  const p = tooltipClearOf(250, 150, tip, editor, area);
  assert.ok(p && !covers(p), JSON.stringify(p));
  assert.ok(p.left + tip.w <= 250 && p.left >= 0);
  // Far from the editor: where it always was (right of and below the pointer).
  assert.deepEqual(tooltipClearOf(50, 50, tip, editor, area), { left: 64, top: 64 });
  // Hemmed in: every place covers the editor (or leaves the area): none.
  assert.equal(tooltipClearOf(450, 200, tip, { x0: 0, y0: 0, x1: 600, y1: 400 }, area), null);
});

test("the PNG and SVG buttons say the export is in the theme shown", () => {
  assert.equal(exportLabel("png", { dark: true }).text, "PNG (dark, as shown)");
  assert.equal(exportLabel("svg", { dark: false }).text, "SVG (light, as shown)");
  assert.match(exportLabel("png", { dark: true }).title, /dark background/);
  assert.match(exportLabel("png", { dark: false }).title, /light background/);
});
