// node --test tests/js/ : the ActivationMap view's pure helpers, against a fake model.
import assert from "node:assert/strict";
import { test } from "node:test";
import widget from "../../js/activation_map/index.js";
import {
  binMatrix,
  cellAt,
  cellRect,
  columnLabels,
  fitLabel,
  formatTick,
  MAX_HEIGHT,
  MIN_HEIGHT,
  niceStep,
  plotHeight,
  thinLabels,
  UPRIGHT_MAX_PX,
  widestLabel,
} from "../../js/activation_map/layout.js";
import {
  AGGREGATES,
  aggregate,
  aggregateName,
  binEdges,
  binOf,
  binStats,
  clampWindow,
  hitAt,
  isBin,
  MIN_WINDOW,
  panWindow,
  pickCell,
  zoomWindow,
} from "../../js/activation_map/lod.js";
import {
  chooseAggregate,
  chooseDim,
  chooseQuantity,
  createState,
  hitTooltip,
  listTexts,
  markChanged,
  parseSelection,
  quantityLabel,
  readMatrix,
  readTexts,
  toggleSelection,
  tooltipLines,
  valueNotes,
  visibleWindow,
} from "../../js/activation_map/state.js";
import { CHUNK, createTexts } from "../../js/activation_map/texts.js";
import { followSelection, setWindow } from "../../js/activation_map/zoom.js";
import { formatValue } from "../../js/shared/format.js";

/** The parts of anywidget's model the view uses, recording set() and save_changes(). */
function fakeModel(state) {
  const listeners = new Map();
  const log = [];
  return {
    log,
    get: (k) => state[k],
    set(k, v) {
      state[k] = v;
      log.push(["set", k, v]);
      for (const cb of listeners.get(`change:${k}`) ?? []) cb();
    },
    on: (e, cb) => listeners.set(e, [...(listeners.get(e) ?? []), cb]),
    off: (e, cb) => listeners.set(e, (listeners.get(e) ?? []).filter((f) => f !== cb)),
    save_changes: () => log.push(["save"]),
  };
}

/** {buffer: DataView, dtype, shape} as ipywidgets delivers it, at a non-zero offset. */
function payload(values, shape) {
  const f = new Float32Array(values.length + 3);
  f.set(values, 3);
  return { buffer: new DataView(f.buffer, 12, 4 * values.length), dtype: "float32", shape };
}

test("the module is an anywidget: default export {initialize, render}", () => {
  assert.equal(typeof widget.initialize, "function");
  assert.equal(typeof widget.render, "function");
});

test("plot height: 24 px a row within [160, 480]", () => {
  assert.equal(plotHeight(1), MIN_HEIGHT);
  assert.equal(plotHeight(10), 240);
  assert.equal(plotHeight(48), MAX_HEIGHT);
});

test("cellAt: row 0 at the bottom, edges, outside", () => {
  // 4 rows × 10 cols on 100 × 40 px: cells 10 × 10
  assert.deepEqual(cellAt(0, 39.9, 100, 40, 4, 10), { row: 0, col: 0 });
  assert.deepEqual(cellAt(0, 0, 100, 40, 4, 10), { row: 3, col: 0 });
  assert.deepEqual(cellAt(99.99, 0, 100, 40, 4, 10), { row: 3, col: 9 });
  assert.deepEqual(cellAt(25, 15, 100, 40, 4, 10), { row: 2, col: 2 });
  assert.equal(cellAt(100, 5, 100, 40, 4, 10), null);
  assert.equal(cellAt(-1, 5, 100, 40, 4, 10), null);
  assert.equal(cellAt(5, 40, 100, 40, 4, 10), null);
  assert.equal(cellAt(5, 5, 0, 40, 4, 10), null);
  assert.equal(cellAt(5, 5, 100, 40, 0, 10), null);
});

test("cellRect is the inverse of cellAt, also with 4096 sub-pixel columns", () => {
  for (const [nRows, nCols, w, hgt] of [[4, 10, 100, 40], [48, 4096, 913, 480], [7, 33, 640, 168]]) {
    for (let k = 0; k < 200; k++) {
      const row = (k * 7) % nRows;
      const col = (k * 131) % nCols;
      const r = cellRect(row, col, w, hgt, nRows, nCols);
      assert.deepEqual(cellAt(r.x + r.w / 2, r.y + r.h / 2, w, hgt, nRows, nCols), { row, col });
    }
  }
});

test("niceStep: 1, 2, 5 × 10^k", () => {
  assert.deepEqual([0, 0.3, 1, 1.01, 2, 2.5, 5.5, 11, 150, 4096].map(niceStep), [1, 1, 1, 2, 2, 5, 10, 20, 200, 5000]);
});

/** Shown labels never overlap, stay inside the axis, and come in index order. */
function assertThinned(shown, sizes, extent, gap) {
  for (let i = 0; i < shown.length; i++) {
    const { index, start } = shown[i];
    assert.ok(start >= 0 && start + sizes[index] <= extent + 1e-9, `label ${index} inside`);
    if (i) {
      const prev = shown[i - 1];
      assert.ok(prev.index < index);
      assert.ok(prev.start + sizes[prev.index] + gap <= start + 1e-9, `labels ${prev.index} and ${index} overlap`);
    }
  }
}

test("thinLabels: 4096 position labels on 900 px never overlap", () => {
  const sizes = Array.from({ length: 4096 }, (_, i) => 6 * `t${i}`.length);
  const shown = thinLabels(4096, 900 / 4096, sizes, 900, 6);
  assertThinned(shown, sizes, 900, 6);
  assert.ok(shown.length >= 10 && shown.length <= 40, `${shown.length} labels`);
  assert.equal(shown[0].index, 0);
  const step = shown[1].index - shown[0].index;
  assert.equal(step, niceStep(step)); // round steps: 0, 200, 400, ...
});

test("thinLabels: all labels when they fit, ends nudged inside", () => {
  const sizes = [20, 20, 20, 20];
  const shown = thinLabels(4, 40, sizes, 160, 6);
  assert.deepEqual(shown.map((s) => s.index), [0, 1, 2, 3]);
  assert.equal(shown[0].start, 10);
  const wide = [60, 10, 10, 60];
  const nudged = thinLabels(4, 40, wide, 160, 0);
  assertThinned(nudged, wide, 160, 0);
  assert.equal(nudged[0].start, 0);
});

test("thinLabels: rows of 10 px with 14 px labels show every other row", () => {
  const sizes = new Array(48).fill(14);
  const shown = thinLabels(48, 10, sizes, 480, 0);
  assertThinned(shown, sizes, 480, 0);
  assert.deepEqual(shown.slice(0, 3).map((s) => s.index), [0, 2, 4]);
  assert.equal(thinLabels(0, 10, [], 100).length, 0);
});

test("thinLabels: random label widths never overlap", () => {
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + Math.floor(rand() * 300);
    const extent = 50 + rand() * 1200;
    const sizes = Array.from({ length: n }, () => 5 + rand() * 80);
    assertThinned(thinLabels(n, extent / n, sizes, extent, 4), sizes, extent, 4);
  }
});

test("thinLabels sizes only the candidates it needs, and widestLabel estimates from the longest", () => {
  const labels = Array.from({ length: 4096 }, (_, i) => `t${i}`);
  const measure = (s) => 6 * s.length;
  const asked = new Set();
  const sizeOf = (i) => (asked.add(i), measure(labels[i]));
  const max = widestLabel(labels, measure);
  assert.ok(max >= 30 && max <= 36, `${max}`);
  const shown = thinLabels(4096, 900 / 4096, sizeOf, 900, 6, max);
  assertThinned(shown, labels.map(measure), 900, 6);
  assert.ok(asked.size < 100, `${asked.size} labels measured`);
  assert.equal(widestLabel(["a", "bbb"], measure), 18);
  assert.equal(widestLabel([], measure), 0);
});

test("binMatrix averages bins and ignores NaN", () => {
  const data = new Float32Array([1, 3, 5, 7, 2, 4, NaN, NaN]); // 2 × 4
  assert.deepEqual(Array.from(binMatrix(data, 2, 4, 2, 2)), [2, 6, 3, NaN]);
  assert.deepEqual(Array.from(binMatrix(data, 2, 4, 1, 1)), [Math.fround(22 / 6)]);
  assert.deepEqual(Array.from(binMatrix(data, 2, 4, 2, 4)).slice(0, 6), [1, 3, 5, 7, 2, 4]);
});

test("formatValue: 4 significant digits", () => {
  assert.equal(formatValue(0.123456), "0.1235");
  assert.equal(formatValue(-12.3456), "-12.35");
  assert.equal(formatValue(1234.5), "1235");
  assert.equal(formatValue(123456), "1.235e+5");
  assert.equal(formatValue(0.000012346), "1.235e-5");
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(NaN), "NaN");
  assert.equal(formatValue(-Infinity), "-inf");
  assert.equal(formatTick(2.5), "2.5");
  assert.equal(formatTick(-3), "-3");
  assert.equal(formatTick(0.12345), "0.123");
  assert.equal(formatTick(1e-17), "0");
  assert.equal(formatTick(250000), "2.5e+5");
});

test("readMatrix decodes values at a byteOffset and checks the shape", () => {
  const m = readMatrix(fakeModel({ values: payload([1, 2, 3, 4, 5, 6], [2, 3]) }));
  assert.equal(m.nRows, 2);
  assert.equal(m.nCols, 3);
  assert.deepEqual(Array.from(m.data), [1, 2, 3, 4, 5, 6]);
  assert.equal(readMatrix(fakeModel({ values: {} })), null);
  assert.equal(readMatrix(fakeModel({})), null);
  assert.equal(readMatrix(fakeModel({ values: payload([1, 2], [2]) })).nCols, 2);
  assert.throws(() => readMatrix(fakeModel({ values: payload([1, 2], [1, 1, 2]) })), /2-D/);
});

test("click toggles the selection and saves it (JS -> Python)", () => {
  const model = fakeModel({ selection: {} });
  const seen = [];
  const cb = () => seen.push(model.get("selection"));
  model.on("change:selection", cb);
  assert.deepEqual(toggleSelection(model, { row: 2, col: 5 }), { row: 2, col: 5 });
  assert.deepEqual(model.get("selection"), { row: 2, col: 5 });
  assert.deepEqual(toggleSelection(model, { row: 1, col: 5 }), { row: 1, col: 5 });
  assert.equal(toggleSelection(model, { row: 1, col: 5 }), null); // same cell again clears
  assert.deepEqual(model.get("selection"), {});
  assert.deepEqual(model.log.filter((e) => e[0] === "save").length, 3);
  assert.equal(seen.length, 3);
  model.off("change:selection", cb);
  toggleSelection(model, { row: 0, col: 0 });
  assert.equal(seen.length, 3);
});

test("parseSelection ignores empty and out-of-range selections", () => {
  assert.equal(parseSelection({}, 4, 4), null);
  assert.equal(parseSelection(null, 4, 4), null);
  assert.equal(parseSelection({ row: 4, col: 0 }, 4, 4), null);
  assert.equal(parseSelection({ row: 1.5, col: 0 }, 4, 4), null);
  assert.deepEqual(parseSelection({ row: 3, col: 0 }, 4, 4), { row: 3, col: 0 });
});

test("quantity and dim controls set and save only on a change", () => {
  const model = fakeModel({ quantity: "norm", dim: 0, n_dims: 64 });
  chooseQuantity(model, "norm");
  assert.equal(model.log.length, 0);
  chooseQuantity(model, "dim");
  assert.deepEqual(model.log, [["set", "quantity", "dim"], ["save"]]);
  assert.deepEqual(chooseDim(model, 7), { dim: 7, error: "" });
  assert.deepEqual(model.log.slice(-2), [["set", "dim", 7], ["save"]]);
  assert.equal(model.get("dim"), 7);
  assert.equal(quantityLabel([{ value: "norm", label: "activation norm" }], "norm"), "activation norm");
  assert.equal(quantityLabel([], "delta"), "delta");
});

test("tooltip lines: layer, position, value, and cell text when present", () => {
  const state = {
    values: payload([0.5, 1.23456, -2, NaN], [2, 2]),
    rows: ["blocks.0", "blocks.1"],
    columns: ["t0", "t1"],
    cell_text: [],
    quantity: "norm",
    dim: 3,
  };
  const model = fakeModel(state);
  const m = readMatrix(model);
  assert.deepEqual(tooltipLines(model, m, { row: 0, col: 1 }), [["layer", "blocks.0"], ["position", "t1"], ["norm", "1.235"]]);
  state.cell_text = ["a", " the", "c", "d"];
  state.quantity = "dim";
  assert.deepEqual(tooltipLines(model, m, { row: 0, col: 1 }).slice(2), [["h[3]", "1.235"], ["text", '" the"']]);
  assert.deepEqual(tooltipLines(model, m, { row: 1, col: 1 })[2], ["h[3]", "NaN"]);
  state.rows = [];
  assert.equal(tooltipLines(model, m, { row: 1, col: 0 })[0][1], "1");
});

test("a bad dim is refused with a clear message, not clamped: nothing sent, the old one kept", () => {
  const model = fakeModel({ quantity: "dim", dim: 7, n_dims: 64, rows: ["blocks.0", "blocks.1"] });
  for (const bad of [999, 64, -3, -1]) {
    const { dim, error } = chooseDim(model, bad);
    assert.equal(dim, 7);
    assert.match(error, new RegExp(`^dim ${bad} is out of range: blocks\\.0 has 64 hidden dimensions, so dim is one of 0 … 63`));
    assert.match(error, /still shows dim 7$/);
  }
  for (const bad of [7.9, NaN]) assert.match(chooseDim(model, bad).error, /whole number/);
  assert.deepEqual(model.log, []); // nothing was sent to Python
  assert.equal(model.get("dim"), 7);
});

test("column labels: long tokens turn upright (cut, full text kept) instead of thinning", () => {
  const measure = (s) => 6 * s.length; // 6 px a character
  const tokens = ["The", " Brandenburg", " Gate", " is", " in", " the", " city", " of", " Berlin", "."];
  const sizes = tokens.map(measure);
  const max = Math.max(...sizes);
  // 10 columns of 40 px: a flat " Brandenburg" (72 px) would keep only every other label
  const { upright, shown } = columnLabels(10, 40, sizes, 400, max);
  assert.equal(upright, true);
  assert.deepEqual(shown.map((s) => s.index), [...Array(10).keys()]); // every column labelled
  // short labels that fit flat stay flat
  const flat = columnLabels(10, 40, new Array(10).fill(18), 400, 18);
  assert.equal(flat.upright, false);
  assert.equal(flat.shown.length, 10);
  // 4096 steps "t1234": flat thinning is as good, so the labels stay flat
  assert.equal(columnLabels(4096, 900 / 4096, () => 30, 900, 30).upright, false);
  // cut with an ellipsis to the upright length, never longer
  const long = " Brandenburg Gate and the Reichstag building";
  const cut = fitLabel(long, UPRIGHT_MAX_PX, measure);
  assert.ok(cut.endsWith("…") && measure(cut) <= UPRIGHT_MAX_PX && long.startsWith(cut.slice(0, -1)), cut);
  assert.equal(fitLabel(" Gate", UPRIGHT_MAX_PX, measure), " Gate");
});

test("heatmap tooltip: the value is named by its label, and notes explain values beyond a bound", () => {
  const state = {
    values: payload([0.5, 1.3, -0.2, 1.0], [2, 2]),
    rows: ["embed", "blocks.0"],
    columns: ["t0", "t1"],
    cell_text: [],
    quantity: "value",
    quantities: [{ value: "value", label: "fraction of the clean–corrupt difference restored" }],
    notes: [
      { above: 1, text: "above 1: over-restoration: patching this site moves the metric past the clean run" },
      { below: 0, text: "below 0: further from the clean run" },
    ],
  };
  const model = fakeModel(state);
  const m = readMatrix(model);
  assert.deepEqual(tooltipLines(model, m, { row: 0, col: 0 }).slice(2), [["fraction of the clean–corrupt difference restored", "0.5000"]]);
  const over = tooltipLines(model, m, { row: 0, col: 1 });
  assert.deepEqual(over.at(-1), ["note", state.notes[0].text]);
  assert.equal(tooltipLines(model, m, { row: 1, col: 0 }).at(-1)[1], state.notes[1].text);
  assert.equal(tooltipLines(model, m, { row: 1, col: 1 }).length, 3); // exactly 1: no note
  assert.deepEqual(valueNotes(state.notes, NaN), []);
});

// ---- level of detail (lod.js) --------------------------------------------------------

const f = Math.fround;

test("aggregate: mean, max and min per pixel column, exact against a hand computation", () => {
  // 2 rows × 10 columns in 3 pixel columns: bins [0, 3), [3, 6), [6, 10)
  const data = new Float32Array([
    1, 5, 2, 8, NaN, 3, 4, 4, 9, 0,
    -1, -2, -3, NaN, NaN, NaN, 10, 0, 0, 2,
  ]); // prettier-ignore
  assert.deepEqual(Array.from(binEdges(0, 10, 3)), [0, 3, 6, 10]);
  assert.deepEqual(Array.from(aggregate(data, 2, 10, 0, 10, 2, 3, "mean")), [f(8 / 3), f(11 / 2), f(17 / 4), -2, NaN, 3]);
  assert.deepEqual(Array.from(aggregate(data, 2, 10, 0, 10, 2, 3, "max")), [5, 8, 9, -1, NaN, 10]);
  assert.deepEqual(Array.from(aggregate(data, 2, 10, 0, 10, 2, 3, "min")), [1, 3, 0, -3, NaN, 0]);
  // a window of columns [2, 8) in 2 pixel columns: [2, 5), [5, 8)
  assert.deepEqual(Array.from(aggregate(data, 2, 10, 2, 8, 2, 2, "mean")), [5, f(11 / 3), -3, 5]);
  assert.deepEqual(Array.from(aggregate(data, 2, 10, 2, 8, 2, 2, "max")), [8, 4, -3, 10]);
  // rows aggregated too (one pixel row): both rows' cells of each bin
  assert.deepEqual(Array.from(aggregate(data, 2, 10, 0, 10, 1, 3, "min")), [-3, 3, 0]);
  assert.deepEqual(Array.from(aggregate(data, 2, 10, 0, 10, 1, 3, "mean")), [f(2 / 6), f(11 / 2), f(29 / 8)]);
  // at full detail the aggregate is the data
  assert.deepEqual(Array.from(aggregate(data, 2, 10, 0, 10, 2, 10, "max")), Array.from(data));
  assert.deepEqual(Array.from(binMatrix(data, 2, 10, 2, 3)), Array.from(aggregate(data, 2, 10, 0, 10, 2, 3, "mean")));
  assert.deepEqual([aggregateName("max"), aggregateName("min"), aggregateName("mean"), aggregateName(undefined), aggregateName("sum")], ["max", "min", "mean", "mean", "mean"]);
  assert.deepEqual([...AGGREGATES], ["mean", "max", "min"]);
});

test("aggregate at 48 × 32768 on 912 px equals a brute force over every bin's positions", () => {
  const nRows = 48;
  const nCols = 32768;
  const out = 912;
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const data = new Float32Array(nRows * nCols).map(() => rand() * 10 - 5);
  data[17 * nCols + 20000] = 99; // a spike
  data[3 * nCols + 5] = NaN;
  const t0 = performance.now();
  const max = aggregate(data, nRows, nCols, 0, nCols, nRows, out, "max");
  const ms = performance.now() - t0;
  const mean = aggregate(data, nRows, nCols, 0, nCols, nRows, out, "mean");
  const edges = binEdges(0, nCols, out);
  assert.equal(edges[out], nCols);
  for (let j = 0; j < out; j++) assert.ok(edges[j + 1] - edges[j] === 35 || edges[j + 1] - edges[j] === 36);
  for (const r of [0, 3, 17, 47]) {
    for (let j = 0; j < out; j += 37) {
      let m = -Infinity;
      let sum = 0;
      let k = 0;
      for (let c = edges[j]; c < edges[j + 1]; c++) {
        const v = data[r * nCols + c];
        if (Number.isNaN(v)) continue;
        m = Math.max(m, v);
        sum += v;
        k++;
      }
      assert.equal(max[r * out + j], f(m));
      assert.equal(mean[r * out + j], f(sum / k));
    }
  }
  const j = binOf(20000, nCols, out);
  assert.equal(max[17 * out + j], 99); // the spike survives max; the mean dilutes it
  assert.ok(mean[17 * out + j] < 99 / 10);
  assert.ok(ms < 500, `aggregate took ${ms.toFixed(1)} ms`);
});

test("binOf is the inverse of binEdges: every position is in exactly one bin", () => {
  for (const [n, out] of [[10, 3], [32768, 912], [32768, 1216], [7, 7], [1000, 1], [4097, 4096]]) {
    const edges = binEdges(0, n, out);
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 5000))) {
      const j = binOf(i, n, out);
      assert.ok(edges[j] <= i && i < edges[j + 1], `n ${n} out ${out} i ${i} -> bin ${j}`);
    }
  }
});

test("hitAt: the pixel column's positions and the position under the pointer", () => {
  // 1 row × 32768 positions drawn in 1000 bins on 1000 px
  const hit = hitAt(500.5, 5, 1000, 10, 1, 0, 32768, 1, 1000);
  const edges = binEdges(0, 32768, 1000);
  assert.deepEqual([hit.c0, hit.c1], [edges[500], edges[501]]);
  assert.ok(hit.col >= hit.c0 && hit.col < hit.c1);
  assert.equal(hit.col, Math.floor((500.5 * 32768) / 1000));
  assert.ok(isBin(hit));
  // a window [1000, 1100) at full detail on 1000 px: 10 px a position, one cell per hit
  const one = hitAt(255, 35, 1000, 40, 4, 1000, 1100, 4, 100);
  assert.deepEqual(one, { row: 0, col: 1025, r0: 0, r1: 1, c0: 1025, c1: 1026 });
  assert.ok(!isBin(one));
  // matches cellAt at full detail, for every cell centre
  for (const [nRows, nCols, w, hh] of [[4, 10, 100, 40], [7, 33, 640, 168]]) {
    for (let k = 0; k < 100; k++) {
      const row = (k * 3) % nRows;
      const col = (k * 13) % nCols;
      const r = cellRect(row, col, w, hh, nRows, nCols);
      const got = hitAt(r.x + r.w / 2, r.y + r.h / 2, w, hh, nRows, 0, nCols, nRows, nCols);
      assert.deepEqual({ row: got.row, col: got.col }, cellAt(r.x + r.w / 2, r.y + r.h / 2, w, hh, nRows, nCols));
      assert.deepEqual([got.c0, got.c1], [col, col + 1]);
    }
  }
  assert.equal(hitAt(1000, 5, 1000, 10, 1, 0, 32768, 1, 1000), null);
  assert.equal(hitAt(-1, 5, 1000, 10, 1, 0, 32768, 1, 1000), null);
  assert.equal(hitAt(5, 5, 1000, 10, 1, 0, 0, 1, 1000), null);
});

test("binStats and pickCell: a click on a bin selects the cell its pixel shows", () => {
  const data = new Float32Array([0, 7, 1, NaN, 2, -4, 7, 3]); // 2 × 4
  const s = binStats(data, 4, 0, 2, 0, 4);
  assert.deepEqual(s, { cells: 8, count: 7, min: -4, max: 7, mean: 16 / 7, argmin: { row: 1, col: 1 }, argmax: { row: 0, col: 1 } });
  const hit = { row: 1, col: 3, r0: 0, r1: 2, c0: 0, c1: 4 };
  assert.deepEqual(pickCell(hit, "max", s), { row: 0, col: 1 }); // the first max
  assert.deepEqual(pickCell(hit, "min", s), { row: 1, col: 1 });
  assert.deepEqual(pickCell(hit, "mean", s), { row: 1, col: 3 }); // the cell under the pointer
  const nan = binStats(new Float32Array([NaN, NaN]), 2, 0, 1, 0, 2);
  assert.equal(nan.count, 0);
  assert.ok(Number.isNaN(nan.mean));
  assert.deepEqual(pickCell({ row: 0, col: 1, r0: 0, r1: 1, c0: 0, c1: 2 }, "max", nan), { row: 0, col: 1 });
  const single = { row: 0, col: 2, r0: 0, r1: 1, c0: 2, c1: 3 };
  assert.deepEqual(pickCell(single, "max", null), { row: 0, col: 2 });
});

test("zoom windows: clamped inside the map, at least MIN_WINDOW wide, whole positions", () => {
  assert.deepEqual(clampWindow(-50, 100, 32768), { c0: 0, c1: 150 });
  assert.deepEqual(clampWindow(32700, 32900, 32768), { c0: 32568, c1: 32768 });
  assert.deepEqual(clampWindow(10, 11, 32768), { c0: 10, c1: 10 + MIN_WINDOW });
  assert.deepEqual(clampWindow(2, 3, 5), { c0: 0, c1: 5 });
  assert.deepEqual(zoomWindow({ c0: 1000, c1: 2000 }, 1500, 4, 32768), { c0: 0, c1: 4000 });
  assert.deepEqual(zoomWindow({ c0: 1000, c1: 2000 }, 1500, 0.5, 32768), { c0: 1250, c1: 1750 });
  assert.deepEqual(panWindow({ c0: 1000, c1: 2000 }, 500, 32768), { c0: 1500, c1: 2500 });
  assert.deepEqual(panWindow({ c0: 32000, c1: 32700 }, 500, 32768), { c0: 32068, c1: 32768 });
  const state = createState();
  state.matrix = { data: new Float32Array(2 * 100), nRows: 2, nCols: 100 };
  assert.deepEqual(visibleWindow(state), { c0: 0, c1: 100 });
  assert.equal(setWindow(state, 10, 30), true);
  assert.deepEqual(visibleWindow(state), { c0: 10, c1: 30 });
  assert.equal(setWindow(state, 10, 30), false);
  assert.equal(setWindow(state, -5, 500), true); // all of it: no window
  assert.equal(state.window, null);
  // a selection made elsewhere, outside the window, moves the window to it
  assert.equal(followSelection(state, { row: 0, col: 90 }), false); // no window: all shown
  setWindow(state, 10, 30);
  assert.equal(followSelection(state, { row: 1, col: 20 }), false); // inside
  assert.equal(followSelection(state, { row: 1, col: 70 }), true);
  assert.deepEqual(state.window, { c0: 60, c1: 80 });
  assert.equal(followSelection(state, { row: 1, col: 99 }), true);
  assert.deepEqual(state.window, { c0: 80, c1: 100 });
  assert.equal(followSelection(state, {}), false);
});

test("thinLabels with an offset labels whole multiples of the step in the whole axis", () => {
  const shown = thinLabels(1000, 1, () => 30, 1000, 6, 30, 1234);
  const step = niceStep(36);
  assert.equal(step, 50);
  assert.ok(shown.length > 5);
  for (const { index } of shown) assert.equal((1234 + index) % step, 0);
  assert.equal(columnLabels(1000, 1, () => 30, 1000, 30, 1234).shown[0].index, 16);
});

// ---- texts (texts.js) ------------------------------------------------------------------

/** Let queued requests go out (texts.js sends them at the end of the task). */
const sendQueued = () => new Promise((resolve) => queueMicrotask(resolve));

test("texts: a list, a pattern, and lazy chunks asked for once and dropped when stale", async () => {
  const sent = [];
  const model = { send: (m) => sent.push(m) };
  const list = createTexts("columns", model);
  list.update(["a", "b"]);
  assert.deepEqual([list.kind, list.n, list.get(1), list.get(2), list.want(0, 2)], ["list", 2, "b", undefined, true]);
  const pattern = createTexts("columns", model);
  pattern.update({ n: 32768, prefix: "t", start: 0 });
  assert.deepEqual([pattern.kind, pattern.n, pattern.get(0), pattern.get(32767), pattern.get(32768)], ["pattern", 32768, "t0", "t32767", undefined]);
  assert.equal(sent.length, 0);

  const lazy = createTexts("cell_text", model);
  lazy.update({ n: 48 * 32768, lazy: true, key: 3 });
  assert.equal(lazy.get(300), undefined);
  assert.equal(lazy.want(300, 301), false);
  await sendQueued();
  assert.deepEqual(sent, [{ type: "text", what: "cell_text", key: 3, size: CHUNK, chunks: [1] }]);
  assert.equal(lazy.want(256, 600), false); // chunk 1 pending: only chunk 2 is asked for
  assert.equal(lazy.want(1024, 1025), false); // the same task: the same request
  await sendQueued();
  assert.deepEqual(sent[1].chunks, [2, 4]);
  assert.equal(sent.length, 2);
  const chunk1 = Array.from({ length: CHUNK }, (_, i) => `x${CHUNK + i}`);
  assert.equal(lazy.receive({ type: "text", what: "columns", key: 3, size: CHUNK, chunks: [[1, chunk1]] }), false);
  assert.equal(lazy.receive({ type: "text", what: "cell_text", key: 2, size: CHUNK, chunks: [[1, chunk1]] }), false); // stale
  assert.equal(lazy.get(300), undefined);
  assert.equal(lazy.receive({ type: "text", what: "cell_text", key: 3, size: CHUNK, chunks: [[1, chunk1]] }), true);
  assert.equal(lazy.get(300), "x300");
  assert.equal(lazy.want(256, 512), true);
  lazy.update({ n: 10, lazy: true, key: 4 }); // new texts: the cache goes
  assert.equal(lazy.get(3), undefined);
});

test("readTexts reads columns and cell_text as sent, and tooltipLines uses them", async () => {
  const sent = [];
  const state = {
    values: payload([1, 2, 3, 4, 5, 6], [2, 3]),
    rows: ["blocks.0", "blocks.1"],
    columns: { n: 3, prefix: "t", start: 10 },
    cell_text: { n: 6, lazy: true, key: 1 },
    quantity: "norm",
  };
  const model = { ...fakeModel(state), send: (m) => sent.push(m) };
  const st = createState(model);
  readTexts(st, model);
  const m = readMatrix(model);
  const texts = { columns: st.columns, cellText: st.cellText };
  assert.deepEqual(tooltipLines(model, m, { row: 1, col: 2 }, texts), [["layer", "blocks.1"], ["position", "t12"], ["norm", "6.000"]]);
  await sendQueued();
  assert.equal(sent.length, 1); // the cell's text is asked for
  st.cellText.receive({ type: "text", what: "cell_text", key: 1, size: CHUNK, chunks: [[0, ["a", "b", "c", "d", "e", " f"]]] });
  assert.deepEqual(tooltipLines(model, m, { row: 1, col: 2 }, texts).at(-1), ["text", '" f"']);
  assert.deepEqual(listTexts(fakeModel({ columns: ["x"] })).columns.get(0), "x");
});

test("bin tooltip: the range of positions, the aggregate drawn and the others, and what a click selects", () => {
  const nCols = 4096;
  const values = new Float32Array(2 * nCols).map((_, i) => (i % nCols) / 1000);
  values[nCols + 1037] = 50;
  const f32 = new Float32Array(values);
  const state = {
    values: { buffer: new DataView(f32.buffer), dtype: "float32", shape: [2, nCols] },
    rows: ["blocks.0", "blocks.1"],
    columns: { n: nCols, prefix: "t", start: 0 },
    cell_text: [],
    quantity: "norm",
    aggregate: "max",
    notes: [],
  };
  const model = fakeModel(state);
  const st = createState();
  readTexts(st, model);
  const m = readMatrix(model);
  const texts = { columns: st.columns, cellText: st.cellText };
  const hit = { row: 1, col: 1030, r0: 1, r1: 2, c0: 1024, c1: 1060 };
  const { lines, pick } = hitTooltip(model, m, hit, texts);
  assert.deepEqual(pick, { row: 1, col: 1037 });
  const byKey = Object.fromEntries(lines);
  assert.equal(byKey.layer, "blocks.1");
  assert.equal(byKey.positions, "1,024 … 1,059 (36 in this pixel column)");
  assert.equal(byKey.labels, undefined); // "t1024 … t1059" says no more than the positions
  assert.equal(byKey["norm (max)"], "50.00");
  assert.equal(byKey.also, `mean ${formatValue((50 + (36 * 1041.5 - 1037) / 1000) / 36)} · min 1.024`);
  assert.equal(byKey.click, "selects blocks.1 · position 1,037 (its max)");
  state.aggregate = "mean";
  const mean = hitTooltip(model, m, hit, texts);
  assert.deepEqual(mean.pick, { row: 1, col: 1030 });
  assert.equal(Object.fromEntries(mean.lines).click, "selects blocks.1 · position 1,030 (under the pointer)");
  // one cell: the usual lines
  const cell = hitTooltip(model, m, { row: 0, col: 7, r0: 0, r1: 1, c0: 7, c1: 8 }, texts);
  assert.deepEqual(cell.lines, [["layer", "blocks.0"], ["position", "t7"], ["norm", "0.007000"]]);
});

test("the aggregate menu sets and saves the trait (JS -> Python)", () => {
  const model = fakeModel({ aggregate: "mean" });
  assert.equal(chooseAggregate(model, "mean"), false);
  assert.equal(chooseAggregate(model, "max"), true);
  assert.deepEqual(model.log, [["set", "aggregate", "max"], ["save"]]);
  chooseAggregate(model, "bogus");
  assert.equal(model.get("aggregate"), "mean");
});

test("bin tooltip: token labels of the bin's ends (lazy: asked for), and bins of rows", async () => {
  const values = new Float32Array(4 * 100).map((_, i) => i);
  const tokens = Array.from({ length: 100 }, (_, i) => ` w${i}`);
  const state = {
    values: { buffer: new DataView(values.buffer), dtype: "float32", shape: [4, 100] },
    rows: ["l0", "l1", "l2", "l3"],
    columns: tokens,
    cell_text: [],
    quantity: "norm",
    aggregate: "min",
  };
  const sent = [];
  const model = { ...fakeModel(state), send: (m) => sent.push(m) };
  const st = createState(model);
  readTexts(st, model);
  const m = readMatrix(model);
  const texts = { columns: st.columns, cellText: st.cellText };
  const hit = { row: 2, col: 12, r0: 2, r1: 4, c0: 10, c1: 20 };
  const { lines, pick } = hitTooltip(model, m, hit, texts);
  const byKey = Object.fromEntries(lines);
  assert.equal(byKey.layers, "l2 … l3 (2 rows)");
  assert.equal(byKey.labels, " w10 …  w19");
  assert.equal(byKey["norm (min)"], "210.0");
  assert.deepEqual(pick, { row: 2, col: 10 });
  // lazy labels: asked for, shown once they came
  state.columns = { n: 100, lazy: true, key: 5 };
  markChanged(st, "columns");
  readTexts(st, model);
  assert.equal(Object.fromEntries(hitTooltip(model, m, hit, texts).lines).labels, undefined);
  await sendQueued();
  assert.deepEqual(sent.at(-1), { type: "text", what: "columns", key: 5, size: CHUNK, chunks: [0] });
  st.columns.receive({ type: "text", what: "columns", key: 5, size: CHUNK, chunks: [[0, tokens]] });
  assert.equal(Object.fromEntries(hitTooltip(model, m, hit, texts).lines).labels, " w10 …  w19");
});
