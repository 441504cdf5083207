// node --test tests/js/ : FeatureBrowser's pure helpers (decoding the binary series, the
// feature list's rows and keyboard moves, axis ranges and ticks, the histogram's bars,
// hover, token labels, what "make a dial" says), against fake payloads.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  barAt,
  dialText,
  extent,
  featureRows,
  formatPercent,
  histogramBars,
  hoverLines,
  labelStride,
  linear,
  madeEntry,
  nearestStep,
  niceTicks,
  plotBox,
  readHistogram,
  readLive,
  readSeries,
  readTrace,
  stepPick,
  tickText,
  tokenText,
  topTruthHead,
  truthStyle,
} from "../../js/feature_browser/state.js";
import { DATA, REDRAW } from "../../js/feature_browser/traits.js";

function f32(values) {
  const a = Float32Array.from(values);
  return { buffer: new DataView(a.buffer), dtype: "float32", shape: [a.length] };
}
function i32(values) {
  const a = Int32Array.from(values);
  return { buffer: new DataView(a.buffer), dtype: "int32", shape: [a.length] };
}

const FEATURES = [
  { index: 0, name: "pca_0", variance: 0.335, density: 0.36, best: "velocity_x", corr: 0.9377, r2: 0.88, auroc: null },
  { index: 1, name: "pca_1", variance: 0.248, density: 0.35, best: "velocity_y", corr: 0.9396, r2: null, auroc: null },
  { index: 2, name: "pca_2", variance: 0.0012, density: 0.1, best: "position_x", corr: 0.36, r2: null, auroc: 0.91 },
];

test("series decode from float32 and int32 payloads and check their lengths", () => {
  assert.deepEqual(Array.from(readSeries(i32([2, 3, 4]))), [2, 3, 4]);
  assert.equal(readSeries(null), null);
  assert.equal(readSeries({}), null);
  assert.throws(() => readSeries(f32([1, 2]), 3), /2 values, its steps 3/);
  const bad = { buffer: new DataView(new ArrayBuffer(8)), dtype: "float32", shape: [1, 2] };
  assert.throws(() => readSeries(bad), /shape \[n\]/);
});

test("a trace carries its steps, values, an optional truth and token labels", () => {
  const t = readTrace({ steps: i32([2, 3, 4]), values: f32([0.5, 1, 1.5]), truth: f32([NaN, 0.1, 0.2]), truth_name: "velocity_x", labels: ["a", "b", "c"] });
  assert.deepEqual(Array.from(t.steps), [2, 3, 4]);
  assert.equal(t.truthName, "velocity_x");
  assert.ok(Number.isNaN(t.truth[0]));
  assert.deepEqual(t.labels, ["a", "b", "c"]);
  assert.equal(readTrace({ steps: i32([1]), values: f32([1]), truth: null }).truth, null);
  assert.throws(() => readTrace({ steps: i32([1, 2]), values: f32([1]) }), /1 values, its steps 2/);
  assert.equal(readTrace({}), null);
});

test("the live trace counts positions from 0; its baseline only with edits", () => {
  const l = readLive({ values: f32([1, 2, 3]), baseline: f32([1, 2, 1]), truth: null, labels: [], edits: 2, generation: 7 });
  assert.deepEqual(Array.from(l.steps), [0, 1, 2]);
  assert.equal(l.edits, 2);
  assert.equal(l.generation, 7);
  assert.equal(readLive({ values: f32([1]), baseline: null }).baseline, null);
  assert.equal(readLive({}), null);
  assert.throws(() => readLive({ values: f32([1, 2]), baseline: f32([1]) }), /1 values/);
});

test("the histogram needs one more edge than counts", () => {
  const h = readHistogram({ edges: f32([0, 1, 2]), counts: f32([3, 5]), n: 8, mean: 1.1, std: 0.5, zero: 0, held_out: true });
  assert.equal(h.n, 8);
  assert.equal(h.heldOut, true);
  assert.throws(() => readHistogram({ edges: f32([0, 1]), counts: f32([3, 5]) }), /2 counts and 2 edges/);
  assert.equal(readHistogram({}), null);
  const box = { left: 10, top: 0, width: 100, height: 50 };
  const bars = histogramBars(h, box);
  assert.equal(bars.length, 2);
  assert.deepEqual(
    bars.map((b) => [b.x, b.w, Math.round(b.h)]),
    [
      [10, 50, 30],
      [60, 50, 50],
    ],
  );
  assert.equal(bars[1].y, 0); // the tallest bin fills the box
  assert.equal(barAt(bars, 59), 0);
  assert.equal(barAt(bars, 60), 1);
  assert.equal(barAt(bars, 5), -1);
});

test("feature rows follow Python's order, mark the pick and drop unknown indices", () => {
  const rows = featureRows(FEATURES, [1, 0, 7, 1, 2], 0);
  assert.deepEqual(
    rows.map((r) => r.index),
    [1, 0, 2],
  );
  assert.deepEqual(
    rows.map((r) => r.picked),
    [false, true, false],
  );
  assert.equal(rows[1].variance, "33.5%");
  assert.equal(rows[2].variance, "0.12%");
  assert.equal(rows[1].varianceShare, 1);
  assert.equal(rows[1].corr, "0.9377");
  assert.match(rows[1].title, /best matches velocity_x \(\|corr\| 0\.9377 on held-out rows; R² 0\.8800\)/);
  assert.match(rows[2].title, /AUROC 0\.9100/);
  // no order yet: index order; no truth: empty cells
  const plain = featureRows([{ index: 0, name: "sae_0", variance: 0.1, density: 0.02, best: "", corr: null }], [], 0);
  assert.equal(plain[0].corr, "");
  assert.equal(plain[0].title, "sae_0");
});

test("arrow keys step through the list order, stopping at the ends", () => {
  const order = [2, 0, 1];
  assert.equal(stepPick(order, 0, 1), 1);
  assert.equal(stepPick(order, 0, -1), 2);
  assert.equal(stepPick(order, 2, -1), 2);
  assert.equal(stepPick(order, 1, 1), 1);
  assert.equal(stepPick(order, 9, 1), 2); // not in the list: its first
  assert.equal(stepPick([], 4, 1), 4);
});

test("percentages, ranges and ticks", () => {
  assert.equal(formatPercent(0.3348), "33.5%");
  assert.equal(formatPercent(0.05), "5.0%");
  assert.equal(formatPercent(null), "–");
  assert.equal(formatPercent(NaN), "–");
  assert.deepEqual(extent([Float32Array.from([1, NaN, 3]), null], 0), [1, 3]);
  assert.deepEqual(extent([Float32Array.from([2, 2])]), [1, 3]);
  assert.deepEqual(extent([Float32Array.from([0, 0])]), [-0.5, 0.5]);
  const [lo, hi] = extent([Float32Array.from([0.03, 0.03])]);
  assert.ok(Math.abs(lo - 0.015) < 1e-6 && Math.abs(hi - 0.045) < 1e-6); // a flat velocity keeps its scale
  assert.equal(extent([Float32Array.from([NaN])]), null);
  assert.deepEqual(niceTicks(0, 1, 4), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-3.2, 7.9, 4), [-2, 0, 2, 4, 6]);
  assert.deepEqual(niceTicks(1, 1, 4), []);
  const x = linear(0, 10, 100, 200);
  assert.equal(x(5), 150);
  assert.equal(linear(3, 3, 0, 1)(3), 0);
});

test("axis ticks are short", () => {
  assert.equal(tickText(4), "4");
  assert.equal(tickText(-0.04), "-0.04");
  assert.equal(tickText(0.30000000000000004), "0.3");
  assert.equal(tickText(150000), "1.5e5");
  assert.equal(tickText(0), "0");
  assert.equal(tickText(NaN), "");
});

test("the plot box leaves room for a right axis and rotated token labels", () => {
  const a = plotBox(400, 170, false);
  const b = plotBox(400, 170, true, 44);
  assert.ok(b.width < a.width);
  assert.ok(b.height < a.height);
  assert.equal(a.left, b.left);
});

test("hover: the nearest step, and the tooltip's lines", () => {
  const steps = Float32Array.from([2, 3, 4, 5]);
  const x = linear(2, 5, 0, 30);
  assert.equal(nearestStep(steps, x, 14), 1);
  assert.equal(nearestStep(steps, x, 16), 2);
  assert.equal(nearestStep(new Float32Array(0), x, 1), -1);
  const lines = hoverLines(
    [
      { label: "pca_0", values: Float32Array.from([1, 2, 3, 4]) },
      { label: "velocity_x", values: null },
    ],
    2,
    "step 4",
  );
  assert.deepEqual(lines, [
    ["", "step 4"],
    ["pca_0", "3.000"],
  ]);
});

test("the top rows' truth column names the per-particle variable they show", () => {
  const top = [{ truth_name: "velocity_2_x" }, { truth_name: "velocity_0_x" }];
  assert.equal(topTruthHead(top, "velocity_3_x"), "velocity_p_x (row's particle)");
  assert.equal(topTruthHead([{ truth_name: "speed" }, { truth_name: "speed" }], "speed"), "speed");
  assert.equal(topTruthHead([], "speed"), "speed");
});

test("an anti-correlated true variable is drawn on a flipped axis, and says so", () => {
  const anti = truthStyle("velocity_y", -0.9396, "simulator");
  assert.equal(anti.flip, true);
  assert.equal(anti.label, "velocity_y (simulator; corr −0.9396 on held-out rows, its axis flipped)");
  const pos = truthStyle("velocity_x", 0.5, "simulator");
  assert.equal(pos.flip, false);
  assert.equal(pos.label, "velocity_x (simulator; corr +0.5000 on held-out rows)");
  assert.deepEqual(truthStyle("direction=top", null, "label"), { label: "direction=top (label)", flip: false });
});

test("token labels make spaces visible and cut long tokens; labels thin out", () => {
  assert.equal(tokenText(" Paris"), "␣Paris");
  assert.equal(tokenText("a\nb"), "a⏎b");
  assert.equal(tokenText("Constantinople", 8), "Constan…");
  assert.equal(labelStride(10, 400, 36), 1);
  assert.equal(labelStride(40, 400, 36), 4);
  assert.equal(labelStride(1, 0), 1);
});

test("make a dial: where it goes, and once made it says so", () => {
  const made = [{ name: "pca_0_p2", feature: 0, particle: 2, into: ["SteeringDials"] }];
  assert.equal(madeEntry(made, 0, 2).name, "pca_0_p2");
  assert.equal(madeEntry(made, 0, 1), null);
  assert.equal(madeEntry([{ name: "pca_1", feature: 1, particle: null, into: [] }], 1, null).name, "pca_1");
  const both = dialText({ dials: true, graph: true }, "pca_1", null);
  assert.equal(both.button, "make a dial");
  assert.equal(both.disabled, false);
  assert.match(both.note, /adds pca_1 to the SteeringDials and the CausalGraph/);
  assert.match(dialText({}, "pca_1", null).note, /fb\.variables \(give dials= or graph=/);
  const done = dialText({ dials: true }, "pca_0_p2", made[0]);
  assert.equal(done.disabled, true);
  assert.match(done.note, /pca_0_p2 is a Variable in SteeringDials/);
});

test("the decoded series redraw when they change", () => {
  for (const name of DATA) assert.ok(REDRAW.includes(name));
  assert.ok(REDRAW.includes("feature") && REDRAW.includes("order") && REDRAW.includes("made"));
});
