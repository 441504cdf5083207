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
  chooseDim,
  chooseQuantity,
  parseSelection,
  quantityLabel,
  readMatrix,
  toggleSelection,
  tooltipLines,
  valueNotes,
} from "../../js/activation_map/state.js";
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
