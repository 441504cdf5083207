// node --test tests/js/ : SystemView's pure helpers (decoding, the box, hover targets, the
// dial) and the CausalGraph's spatial layout (square box, node colours, true edges under
// the recovered ones, false edges dashed), against fake payloads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readGraph } from "../../js/causal_graph/graph.js";
import { buildScene, EDGE_FALSE, EDGE_TRUE, edgeGroups, edgeStyle, edgeTruth, squareFrame } from "../../js/causal_graph/scene.js";
import { sceneToSVG } from "../../js/causal_graph/svg.js";
import { futureStyle } from "../../js/system_view/paint.js";
import {
  at,
  boxOf,
  dialKnob,
  dialOn,
  dialValue,
  fromCanvas,
  MARGIN,
  nearest,
  particleColor,
  readData,
  readFrames,
  springPath,
  targets,
  toCanvas,
  tooltipLines,
} from "../../js/system_view/state.js";

function payload(values, shape) {
  const a = Float32Array.from(values);
  return { buffer: new DataView(a.buffer), dtype: "float32", shape };
}

function model(state) {
  return { get: (k) => state[k] };
}

// two particles, three input steps, two future steps
const CONTEXT = payload([0.1, 0.2, 0.8, 0.8, 0.12, 0.21, 0.79, 0.78, 0.14, 0.22, 0.78, 0.76], [3, 2, 2]);
const FUTURE = payload([0.16, 0.23, 0.77, 0.74, 0.18, 0.24, 0.76, 0.72], [2, 2, 2]);
const CF = payload([0.2, 0.22, 0.77, 0.75, 0.26, 0.22, 0.75, 0.74], [2, 2, 2]);

test("readFrames checks the shape; at() reads (x, y) of particle i at step t", () => {
  const f = readFrames(CONTEXT, 2);
  assert.equal(f.steps, 3);
  assert.equal(f.n, 2);
  assert.deepEqual(at(f, 2, 1).map((v) => +v.toFixed(4)), [0.78, 0.76]);
  assert.equal(readFrames({}, 2), null);
  assert.throws(() => readFrames(CONTEXT, 3), /shape \[steps, 3, 2\]/);
});

test("readData decodes every series, the velocity and only valid springs", () => {
  const d = readData(
    model({
      n_particles: 2,
      context: CONTEXT,
      model_future: FUTURE,
      model_cf: CF,
      sim_future: {},
      sim_cf: {},
      velocity: payload([0.02, 0.01, -0.01, -0.02], [2, 2]),
      colors: ["#1f77b4", "#2ca02c"],
      springs: [[0, 1], [0, 0], [0, 5], "x"],
    }),
  );
  assert.deepEqual(Object.keys(d.series).sort(), ["model_cf", "model_future"]);
  assert.deepEqual(d.springs, [[0, 1]]);
  assert.equal(d.velocity.length, 4);
  assert.throws(() => readData(model({ n_particles: 2, context: CONTEXT, velocity: payload([1, 2], [1, 2]) })), /velocity must have shape \[2, 2\]/);
});

test("particle colours: Python's hex colours only, else a grey", () => {
  assert.equal(particleColor(["#1f77b4"], 0), "#1f77b4");
  assert.equal(particleColor(["red; background: url(x)"], 0), "#7f7f7f");
  assert.equal(particleColor([], 3), "#7f7f7f");
});

test("the box is square, y grows upwards, and toCanvas/fromCanvas are inverses", () => {
  const b = boxOf(400, 300, [readFrames(CONTEXT, 2)]);
  assert.equal(b.size, 300);
  assert.equal(b.left, 50);
  assert.equal(b.lo, -MARGIN);
  const [px0, py0] = toCanvas(b, 0, 0);
  const [px1, py1] = toCanvas(b, 1, 1);
  assert.ok(px1 > px0 && py1 < py0, "y up");
  const [x, y] = fromCanvas(b, ...toCanvas(b, 0.3, 0.7));
  assert.ok(Math.abs(x - 0.3) < 1e-9 && Math.abs(y - 0.7) < 1e-9);
  // a point that left the box widens the view
  const wide = boxOf(300, 300, [readFrames(payload([1.4, 0.5], [1, 1, 2]), 1)]);
  assert.ok(wide.hi >= 1.4);
});

test("hover targets: each particle now with Python's velocity, each future step with its displacement", () => {
  const d = readData(model({ n_particles: 2, context: CONTEXT, model_future: FUTURE, velocity: payload([0.02, 0.01, -0.01, -0.02], [2, 2]) }));
  const b = boxOf(300, 300, [d.context]);
  const ts = targets(d, b);
  assert.equal(ts.length, 2 + 2 * 2);
  const now1 = ts.find((t) => t.series === "now" && t.particle === 1);
  assert.equal(now1.step, 2);
  assert.ok(Math.abs(now1.vx + 0.01) < 1e-7 && Math.abs(now1.vy + 0.02) < 1e-7);
  const hit = nearest(ts, now1.px + 2, now1.py - 1);
  assert.equal(hit, now1);
  assert.equal(nearest(ts, -100, -100), null);
  const f0 = ts.find((t) => t.series === "model_future" && t.particle === 0 && t.step === 3);
  assert.ok(Math.abs(f0.vx - 0.02) < 1e-6, "displacement from the last input step");
  const lines = tooltipLines(now1, "simulator");
  assert.deepEqual(lines[0], ["particle", "1"]);
  assert.deepEqual(lines[2], ["position", "(0.7800, 0.7600)"]);
  assert.deepEqual(lines[3], ["velocity (simulator)", "(-0.01000, -0.02000)"]);
});

test("the dial: pointer offset -> velocity (y up, clipped to max) and back to the knob", () => {
  assert.deepEqual(dialValue(28, 0, 56, 0.04), { vx: 0.02, vy: 0 });
  assert.deepEqual(dialValue(0, -56, 56, 0.04), { vx: 0, vy: 0.04 });
  const v = dialValue(200, 200, 56, 0.04);
  assert.ok(Math.abs(Math.hypot(v.vx, v.vy) - 0.04) < 1e-4, "clipped");
  assert.deepEqual(dialKnob(0.02, -0.02, 56, 0.04), [28, 28]);
  assert.deepEqual(dialOn({ vx: 0.1, vy: 0 }), { vx: 0.1, vy: 0 });
  assert.equal(dialOn({}), null);
  assert.equal(dialOn({ vx: "a", vy: 1 }), null);
});

test("futures: the model solid, the simulator dashed, the unedited ones faint under a counterfactual", () => {
  assert.deepEqual(futureStyle("model_future", false).dash, []);
  assert.ok(futureStyle("sim_future", false).dash.length > 0);
  assert.ok(futureStyle("model_future", true).alpha < 0.5);
  assert.ok(futureStyle("model_cf", true).width > futureStyle("model_future", true).width);
  assert.ok(futureStyle("sim_cf", true).dash.length > 0);
  const pts = springPath(0, 0, 100, 0);
  assert.deepEqual(pts.slice(0, 2), [0, 0]);
  assert.deepEqual(pts.slice(-2), [100, 0]);
  assert.ok(pts.some((v, k) => k % 2 === 1 && Math.abs(v) > 3), "zigzags");
});

// ---- CausalGraph, spatial layout
function edges(rows) {
  return payload(rows.flat(), [rows.length, 3]);
}
const NODES = [
  { id: "particle 0", x: 0.1, y: 0.2, color: "#1f77b4" },
  { id: "particle 1", x: 0.9, y: 0.2, color: "#2ca02c" },
  { id: "particle 2", x: 0.5, y: 0.9, color: "#9467bd" },
];
function spatialGraph() {
  return readGraph(NODES, edges([[0, 1, 0.9], [0, 2, 0.8], [1, 2, 0.1]]), 1, null, { layout: "spatial", trueEdges: [[0, 1], [1, 2]], directed: false });
}
const measure = (s) => 6 * s.length;

test("spatial: nodes keep the particles' positions in a square box, with their colours", () => {
  const g = spatialGraph();
  assert.equal(g.spatial, true);
  assert.equal(g.directed, false);
  const s = buildScene(g, { width: 600, height: 300, threshold: 0.5, colourBy: "value", measure });
  assert.equal(s.frame.w, s.frame.h, "square");
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(s.pos[2 * i] - (s.frame.left + NODES[i].x * s.frame.w)) < 1e-3);
    assert.ok(Math.abs(s.pos[2 * i + 1] - (s.frame.top + NODES[i].y * s.frame.h)) < 1e-3);
  }
  assert.deepEqual(s.fill, ["#1f77b4", "#2ca02c", "#9467bd"]);
  assert.deepEqual(squareFrame({ left: 0, top: 0, w: 100, h: 50 }), { left: 25, top: 0, w: 50, h: 50 });
});

test("spatial: recovered edges are marked true or false, true edges lie underneath", () => {
  const g = spatialGraph();
  assert.equal(edgeTruth(g, 1, 0), 1, "undirected: either order");
  assert.equal(edgeTruth(g, 0, 2), 0);
  const s = buildScene(g, { width: 400, height: 400, threshold: 0.5, colourBy: "value", measure });
  const drawn = Array.from(s.edges, (_, k) => `${s.src[k]}-${s.dst[k]}:${s.truth[k]}`).sort();
  assert.deepEqual(drawn, ["0-1:1", "0-2:0"], "1-2 is below the threshold: a missed spring");
  assert.equal(s.truthLines.length, 2 * 4, "both true springs underneath, the missed one too");
  assert.equal(s.directed, false);
  assert.equal(edgeStyle(1, 8, false, 1).color, EDGE_TRUE);
  assert.deepEqual(edgeStyle(1, 8, false, 1).dash, []);
  assert.equal(edgeStyle(1, 8, false, 0).color, EDGE_FALSE);
  assert.ok(edgeStyle(1, 8, false, 0).dash.length > 0, "false edges dashed");
  assert.deepEqual(new Set(edgeGroups(s).map((x) => x.truth)), new Set([0, 1]));
  const svg = sceneToSVG(s);
  assert.match(svg, /class="true-edges"/);
  assert.match(svg, /stroke-dasharray="5 4"/);
  assert.doesNotMatch(svg, /fill-opacity/, "undirected: no arrowheads");
});

test("without truth the graph draws as before: sign colours, arrowheads, no underlay", () => {
  const g = readGraph(NODES, edges([[0, 1, 0.9], [0, 2, -0.8]]));
  assert.equal(g.truth, null);
  assert.equal(g.spatial, false);
  const s = buildScene(g, { width: 400, height: 300, threshold: 0.1, colourBy: "value", measure });
  assert.deepEqual(Array.from(s.truth), [-1, -1]);
  assert.equal(s.truthLines.length, 0);
  assert.match(sceneToSVG(s), /fill-opacity/);
  assert.ok(!edgeStyle(1, 3).dash);
});
