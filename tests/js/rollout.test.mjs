// node --test tests/js/ : the rollout drawing's pure helpers (js/steering_dials/rollout.js).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  canvasRuns,
  drawRollout,
  frameOf,
  fromCanvas,
  lastPoint,
  legendItems,
  LIMIT,
  MARGIN,
  readPoints,
  readSeries,
  STYLES,
  toCanvas,
  viewOf,
} from "../../js/steering_dials/rollout.js";

/** {buffer: DataView, dtype, shape: [n, 2]} as ipywidgets delivers it, at a non-zero offset. */
function traj(points) {
  const flat = points.flat();
  const f = new Float32Array(flat.length + 1);
  f.set(flat, 1);
  return { buffer: new DataView(f.buffer, 4, 4 * flat.length), dtype: "float32", shape: [points.length, 2] };
}

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test("a trajectory payload decodes to (x, y) points", () => {
  const p = readPoints(traj([[0.1, 0.2], [0.3, 0.4]]));
  assert.equal(p.n, 2);
  assert.deepEqual(Array.from(p.data), Array.from(new Float32Array([0.1, 0.2, 0.3, 0.4])));
  assert.equal(readPoints(null), null);
  assert.equal(readPoints(traj([])), null);
  assert.throws(() => readPoints({ buffer: new DataView(new ArrayBuffer(12)), dtype: "float32", shape: [3] }), /shape \[n, 2\]/);
});

test("float16 trajectories are widened", () => {
  // 0.5 = 0x3800, 1 = 0x3c00
  const u = new Uint16Array([0x3800, 0x3c00]);
  const p = readPoints({ buffer: new DataView(u.buffer), dtype: "float16", shape: [1, 2] });
  assert.ok(p.data instanceof Float32Array);
  assert.deepEqual(Array.from(p.data), [0.5, 1]);
});

test("readSeries keeps only the series present", () => {
  assert.deepEqual(readSeries({}), {});
  assert.deepEqual(readSeries(null), {});
  const s = readSeries({ context: traj([[0.5, 0.5]]), factual: traj([[0.6, 0.5]]), counterfactual: null, truth: null });
  assert.deepEqual(Object.keys(s).sort(), ["context", "factual"]);
});

test("the legend lists the series present, in a fixed order, with their styles", () => {
  const s = readSeries({ truth_cf: traj([[0, 0]]), context: traj([[0, 0]]), counterfactual: traj([[0, 0]]) });
  const items = legendItems(s);
  assert.deepEqual(items.map((i) => i.name), ["context", "counterfactual", "truth_cf"]);
  assert.equal(items[1].color, STYLES.counterfactual.color);
  assert.equal(items[2].dash, true);
  assert.equal(items[1].dash, false);
  assert.deepEqual(legendItems({}), []);
});

test("model series are blue (no edit) and orange (edited); the simulator's are dashed", () => {
  assert.equal(STYLES.factual.color, STYLES.truth.color);
  assert.equal(STYLES.counterfactual.color, STYLES.truth_cf.color);
  assert.notEqual(STYLES.factual.color, STYLES.counterfactual.color);
  assert.equal(STYLES.factual.dash.length, 0);
  assert.ok(STYLES.truth.dash.length > 0 && STYLES.truth_cf.dash.length > 0);
});

test("the view is the box with a margin when everything is inside", () => {
  const v = viewOf(readSeries({ context: traj([[0.2, 0.3], [0.9, 0.1]]) }));
  close(v.xmin, -MARGIN);
  close(v.xmax, 1 + MARGIN);
  close(v.ymin, -MARGIN);
  close(v.ymax, 1 + MARGIN);
});

test("the view widens to keep escaped points in sight, stays square, and is capped", () => {
  const v = viewOf(readSeries({ context: traj([[0.5, 0.5]]), counterfactual: traj([[1.4, 0.5]]) }));
  close(v.xmax, 1.4 + MARGIN, 1e-6);
  close(v.xmin, -MARGIN);
  close(v.xmax - v.xmin, v.ymax - v.ymin, 1e-9);
  assert.ok(v.ymin < -MARGIN && v.ymax > 1 + MARGIN); // grown around the centre
  const far = viewOf(readSeries({ counterfactual: traj([[50, -50], [NaN, Infinity]]) }));
  assert.ok(far.xmax <= 1 + LIMIT + 1e-9 && far.ymin >= -LIMIT - 1e-9);
  close(far.xmax - far.xmin, far.ymax - far.ymin, 1e-9);
});

test("world -> canvas: square pixels, y up, centred; fromCanvas inverts it", () => {
  const view = { xmin: 0, xmax: 1, ymin: 0, ymax: 1 };
  const f = frameOf(view, 300, 200, 10); // limited by the height: 180 px per unit
  assert.equal(f.scale, 180);
  assert.deepEqual(toCanvas(f, 0, 0), [60, 190]);
  assert.deepEqual(toCanvas(f, 1, 1), [240, 10]);
  assert.deepEqual(toCanvas(f, 0.5, 0.5), [150, 100]);
  const [x, y] = fromCanvas(f, ...toCanvas(f, 0.3, 0.8));
  close(x, 0.3);
  close(y, 0.8);
  // A wider view keeps 1:1 and shrinks the box
  const g = frameOf({ xmin: -0.5, xmax: 1.5, ymin: -0.5, ymax: 1.5 }, 400, 400, 0);
  assert.equal(g.scale, 200);
  assert.deepEqual(toCanvas(g, 0, 1), [100, 100]);
});

test("canvas runs start at the branch point and break at non-finite points", () => {
  const f = frameOf({ xmin: 0, xmax: 1, ymin: 0, ymax: 1 }, 100, 100, 0);
  const p = readPoints(traj([[0.1, 0.1], [0.2, 0.2], [NaN, 0.3], [0.4, 0.4], [0.5, Infinity]]));
  const runs = canvasRuns(f, p, [0, 0]);
  assert.equal(runs.length, 2);
  assert.deepEqual(runs[0].map(Math.round), [0, 100, 10, 90, 20, 80]);
  assert.deepEqual(runs[1].map(Math.round), [40, 60]);
  assert.deepEqual(canvasRuns(f, p).length, 2);
});

test("lastPoint is the branch point of the predictions", () => {
  assert.deepEqual(lastPoint(readPoints(traj([[0.1, 0.2], [0.25, 0.5]]))), [0.25, 0.5]);
  assert.equal(lastPoint(readPoints(traj([[NaN, 0.2]]))), null);
  assert.equal(lastPoint(undefined), null);
});

/** A 2-D context that records what is drawn. */
function recordingContext() {
  const calls = [];
  const ctx = new Proxy(
    { calls },
    {
      get(target, prop) {
        if (prop in target) return target[prop];
        return (...args) => calls.push([prop, ...args]);
      },
      set(target, prop, value) {
        calls.push([`=${String(prop)}`, value]);
        return true;
      },
    },
  );
  return ctx;
}

test("drawRollout draws the walls and each series in its colour", () => {
  const ctx = recordingContext();
  const series = readSeries({
    context: traj([[0.2, 0.2], [0.3, 0.3]]),
    factual: traj([[0.4, 0.4], [0.5, 0.5]]),
    counterfactual: traj([[0.35, 0.45]]),
    truth: traj([[0.4, 0.4]]),
  });
  const f = drawRollout(ctx, series, 300, 300);
  assert.ok(f.scale > 0);
  const strokes = ctx.calls.filter((c) => c[0] === "=strokeStyle").map((c) => c[1]);
  for (const name of ["context", "factual", "counterfactual", "truth"]) {
    assert.ok(strokes.includes(STYLES[name].color), `${name} not drawn`);
  }
  assert.ok(ctx.calls.some((c) => c[0] === "strokeRect"), "no walls");
  const dashes = ctx.calls.filter((c) => c[0] === "setLineDash").map((c) => c[1].length);
  assert.ok(dashes.some((n) => n > 0), "the simulator's series is not dashed");
  // Predicted series branch from the last context point.
  const [bx, by] = toCanvas(f, Math.fround(0.3), Math.fround(0.3));
  const moves = ctx.calls.filter((c) => c[0] === "moveTo");
  assert.ok(moves.filter((m) => Math.abs(m[1] - bx) < 1e-9 && Math.abs(m[2] - by) < 1e-9).length >= 3);
});

test("the axes' ticks and titles are in the theme's text colour, with units", () => {
  // A dark theme: light text. Every fillText must use the theme's text colour (the
  // labels were drawn in a muted grey that vanished on a dark background).
  const ctx = recordingContext();
  const dark = { fg: "rgb(240, 240, 240)", muted: "rgba(255, 255, 255, 0.54)", bg: "#111", dark: true, wall: "#ddd", outside: "rgba(128,128,128,0.12)" };
  const series = readSeries({ context: traj([[0.2, 0.2], [0.3, 0.3]]) });
  drawRollout(ctx, series, 300, 300, { theme: dark });
  let fill = null;
  const texts = [];
  for (const c of ctx.calls) {
    if (c[0] === "=fillStyle") fill = c[1];
    if (c[0] === "fillText") texts.push([c[1], fill]);
  }
  assert.deepEqual(
    texts.map((t) => t[0]).sort(),
    ["0", "1", "1", "x (box units)", "y (box units)"].sort(),
  );
  for (const [text, colour] of texts) assert.equal(colour, dark.fg, `${text} drawn in ${colour}`);
});

test("axis titles sit outside the box, clear of the ticks, inside the canvas", async () => {
  const { axisLabels, frameOf: fo, viewOf: vo } = await import("../../js/steering_dials/rollout.js");
  const f = fo(vo({}), 320, 320, 26);
  const labels = axisLabels(f, 320, 320);
  const [bx0, by1] = toCanvas(f, 0, 0);
  const x = labels.find((l) => l.text === "x (box units)");
  const y = labels.find((l) => l.text === "y (box units)");
  assert.ok(x.y >= by1 && x.y + 12 <= 320, "x title under the box");
  assert.ok(y.rotate && y.x <= bx0 && y.x - 12 >= 0, "y title left of the box, turned");
});
