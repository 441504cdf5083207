// node --test tests/js/ : CognitiveMap's pure helpers (decoding, the frame, streets out of
// an intersection, prediction arrows, implied edges off the grid, tooltips, the readout)
// against fake payloads of a 3 × 3 city.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ARROW_MIN_P,
  decodedXY,
  edgeEnd,
  frameOf,
  nearestNode,
  nodeTooltip,
  percent,
  predictionArrows,
  readData,
  readLive,
  readoutLines,
  sideLine,
  streetsOut,
  toPx,
} from "../../js/cognitive_map/state.js";

function payload(values, shape) {
  const a = Float32Array.from(values);
  return { buffer: new DataView(a.buffer), dtype: "float32", shape };
}

const XY = [];
for (let u = 0; u < 9; u++) XY.push(u % 3, Math.floor(u / 3));
const DEC = XY.map((v, i) => (i < 2 ? NaN : v + 0.1));
const OFFSETS = { N: [0, 1], E: [1, 0], S: [0, -1], W: [-1, 0], NE: [1, 1], NW: [-1, 1], SE: [1, -1], SW: [-1, -1] };
// probs: N .5, E .3, W .005 (not drawn), END .15
const PROBS = [0.5, 0.3, 0, 0.005, 0, 0, 0, 0, 0.15];

function state(extra = {}) {
  return {
    size: 3,
    node_xy: payload(XY, [9, 2]),
    decoded_xy: payload(DEC, [9, 2]),
    counts: [0, 4, 5, 6, 7, 8, 9, 10, 11],
    streets: [[0, 1, "street", false], [1, 2, "street", true], [4, 8, "diagonal", false], [0, 3, "street", false], [3, 99, "street", false]],
    closed: [[4, 5]],
    move_offsets: OFFSETS,
    implied_edges: { false: [[2, "E", -1], [1, "N", 4], ["x", "N", 1], [0, "UP", 3]], missing: [[1, "E", 2]], n_true: 7, precision: 0.875, recall: null },
    tokens: ["o:0", "d:8", "N", "E", "END"],
    route_nodes: [0, 0, 3, 4, 4],
    steps: [1, 2, 3],
    destination: 4,
    live: {
      step: 2,
      node: 3,
      target: null,
      decoded: [0.1, 1.05],
      probs: payload(PROBS, [9]),
      others: 0.045,
      legal_node: [true, true, true, false, false, false, false, false, false],
      legal_target: [],
      top: "N",
      top_p: 0.5,
      legal_at_true: true,
      legal_at_target: null,
    },
    ...extra,
  };
}
const model = (s) => ({ get: (k) => s[k] });

test("readData decodes positions, keeps only valid streets and implied edges", () => {
  const d = readData(model(state()));
  assert.equal(d.n, 9);
  assert.equal(d.size, 3);
  assert.equal(d.streets.length, 4); // [3, 99] is dropped
  assert.deepEqual(d.streets[1], { u: 1, v: 2, kind: "street", oneWay: true });
  assert.deepEqual(d.implied.falseEdges, [[2, "E", -1], [1, "N", 4]]);
  assert.equal(d.implied.recall, null);
  assert.deepEqual(d.moves, ["N", "E", "S", "W", "NE", "NW", "SE", "SW"]);
  assert.equal(decodedXY(d, 0), null); // NaN: never visited
  assert.deepEqual(decodedXY(d, 4).map((v) => +v.toFixed(3)), [1.1, 1.1]);
  assert.equal(d.live.probs.length, 9);
  assert.throws(() => readData(model(state({ decoded_xy: payload([1, 2], [1, 2]) }))), /shape \[9, 2\]/);
  assert.throws(() => readLive({ ...state().live, probs: payload([1, 2], [2]) }), /9 entries/);
  assert.equal(readLive({}), null);
});

test("the frame is square, y up, every intersection inside", () => {
  const f = frameOf(300, 3);
  const [x0, y0] = toPx(f, 0, 0);
  const [x1, y1] = toPx(f, 2, 2);
  assert.ok(x1 > x0 && y1 < y0);
  assert.ok(Math.abs(x1 - x0 - (y0 - y1)) < 1e-9);
  assert.ok(x0 > f.left && x1 < 300);
  const d = readData(model(state()));
  assert.equal(nearestNode(d, f, x1 + 3, y1 - 2), 8);
  assert.equal(nearestNode(d, f, (x0 + x1) / 4 + 40, y0 + 60), -1);
});

test("streets out follow one-way streets and diagonals", () => {
  const d = readData(model(state()));
  assert.deepEqual(streetsOut(d, 1), ["E", "W"]); // 1 -> 2 one-way, 1 <-> 0
  assert.deepEqual(streetsOut(d, 2), []); // only the one-way street in
  assert.deepEqual(streetsOut(d, 8), ["SW"]);
});

test("prediction arrows: width grows with p, tiny ones dropped, END is a ring", () => {
  const d = readData(model(state()));
  const f = frameOf(300, 3);
  const arrows = predictionArrows(d, d.live, f, 3, d.live.legal_node);
  assert.deepEqual(arrows.map((a) => a.token), ["N", "E", "END"]);
  assert.ok(arrows.every((a) => a.p >= ARROW_MIN_P));
  assert.ok(arrows[0].width > arrows[1].width && arrows[1].width > arrows[2].width);
  assert.equal(arrows[2].ring, true);
  assert.deepEqual(arrows.map((a) => a.legal), [true, true, false]);
  const [px, py] = toPx(f, 0, 1);
  assert.equal(arrows[0].x1, px);
  assert.ok(arrows[0].y2 < py && Math.abs(arrows[0].x2 - px) < 1e-9); // N is up
});

test("an implied edge off the grid ends in a stub; sideLine shifts right of its way", () => {
  const d = readData(model(state()));
  const [x, y] = edgeEnd(d, [2, "E", -1]);
  assert.ok(x > 2 && x < 3 && y === 0);
  assert.deepEqual(edgeEnd(d, [1, "N", 4]), [1, 1]);
  const [x1, y1, x2, y2] = sideLine(0, 0, 10, 0, 3, 1);
  assert.deepEqual([x1, y1, x2, y2], [1, 3, 9, 3]); // going right on y-down: below
});

test("tooltips and the readout say the numbers", () => {
  const d = readData(model(state()));
  const lines = nodeTooltip(d, 4, 3);
  assert.deepEqual(lines[0], ["intersection", "4"]);
  assert.deepEqual(lines[1], ["true (x, y)", "(1, 1)"]);
  assert.deepEqual(lines[2], ["decoded (x, y)", "(1.10, 1.10)"]);
  assert.deepEqual(lines[3], ["averages", "7 move tokens"]);
  assert.equal(lines.at(-1), "the taxi is here at step 3");
  assert.match(nodeTooltip(d, 0, 3)[2][1], /never visited/);
  const r = readoutLines(d, d.live, {});
  assert.match(r[0].text, /step 2 \(after “N”\): the taxi is at 3 \(0, 1\), bound for 4/);
  assert.equal(r.find((l) => l.kind === "top").text, "next: N 50%: legal ✓ at 3");
  const steered = { ...d.live, target: 5, legal_at_target: false, legal_at_true: true, base_top: "E", base_p: 0.9 };
  const s = readoutLines(d, steered, { method: "probe", layer: "blocks.1" });
  assert.match(s.find((l) => l.kind === "steer").text, /steered to 5 \(2, 1\) at blocks.1 \(probe direction\)/);
  assert.equal(s.find((l) => l.kind === "top").text, "next: N 50%: illegal ✗ at 5 (steered-to), legal ✓ at 3 (true)");
  assert.equal(s.find((l) => l.kind === "base").text, "without edits: E 90%");
  assert.equal(percent(0.99999), "100.0%");
  assert.equal(percent(0.0004), "<0.1%");
});
