// node --test tests/js/ : AttentionView's layout, state and pointer helpers, against a fake model.
import assert from "node:assert/strict";
import { test } from "node:test";
import widget from "../../js/attention_view/index.js";
import { cellAt, fitLabel, GAP_PX, GRID_MAX_PX, labelIndices, layout, PANEL_MIN_PX, panelOrigin, SINGLE_MAX_PX, TITLE_PX } from "../../js/attention_view/layout.js";
import {
  chooseHead,
  chooseSite,
  clickCell,
  createState,
  headsShown,
  parseSelection,
  positionText,
  readValues,
  tokensError,
  tooltipLines,
  weight,
} from "../../js/attention_view/state.js";

function fakeModel(state) {
  const log = [];
  return {
    log,
    get: (k) => state[k],
    set(k, v) {
      state[k] = v;
      log.push(["set", k, v]);
    },
    on() {},
    off() {},
    save_changes: () => log.push(["save"]),
  };
}

/** A [heads, T, T] payload: causal rows of uniform weight 1 / (q + 1) for head 0, others one-hot on key h. */
function payload(H, T) {
  const data = new Float32Array(H * T * T);
  for (let h = 0; h < H; h++)
    for (let q = 0; q < T; q++)
      for (let k = 0; k <= q; k++) data[(h * T + q) * T + k] = h === 0 ? 1 / (q + 1) : k === Math.min(h, q) ? 1 : 0;
  return { buffer: new DataView(data.buffer), dtype: "float32", shape: [H, T, T] };
}

test("the panels: integer cells, no overlap, every cell found again under the pointer", () => {
  const L = layout({ width: 900, heads: [0, 1, 2, 3], positions: 32, labelPx: 20 });
  assert.equal(L.cols, 4);
  assert.ok(Number.isInteger(L.cell) && L.cell >= 1 && L.panel === L.cell * 32);
  assert.ok(L.width <= 900 && L.panel <= GRID_MAX_PX);
  for (let k = 0; k < 4; k++) {
    const o = panelOrigin(L, k);
    for (const [q, key] of [[0, 0], [31, 31], [7, 20]]) {
      assert.deepEqual(cellAt(L, o.x + (key + 0.5) * L.cell, o.y + (q + 0.5) * L.cell), { head: k, query: q, key });
    }
  }
  // between panels and on the labels: nothing
  const o1 = panelOrigin(L, 1);
  assert.equal(cellAt(L, o1.x - 2, o1.y + 5), null);
  assert.equal(cellAt(L, o1.x + 3, o1.y - 3), null);
});

test("a narrow view wraps the heads onto rows; one head alone is drawn large", () => {
  const L = layout({ width: 400, heads: [0, 1, 2, 3], positions: 8, labelPx: 40 });
  assert.ok(L.cols < 4 && L.rows === Math.ceil(4 / L.cols));
  assert.ok(L.panel >= PANEL_MIN_PX - 8 && L.width <= 400);
  const o = panelOrigin(L, L.cols); // first panel of the second row
  assert.equal(o.x, L.gutter);
  assert.equal(o.y, TITLE_PX + L.panel + L.below + GAP_PX + TITLE_PX);
  assert.equal(L.height, L.rows * (TITLE_PX + L.panel + L.below) + (L.rows - 1) * GAP_PX);
  const one = layout({ width: 1200, heads: [2], positions: 8, labelPx: 40 });
  assert.equal(one.cols, 1);
  assert.ok(one.panel <= SINGLE_MAX_PX && one.panel > GRID_MAX_PX);
  assert.deepEqual(cellAt(one, one.gutter + 1, TITLE_PX + 1), { head: 2, query: 0, key: 0 });
});

test("labels are thinned to fit and cut with an ellipsis", () => {
  assert.deepEqual(labelIndices(8, 30), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(labelIndices(32, 4), [0, 4, 8, 12, 16, 20, 24, 28]);
  const measure = (s) => s.length * 6;
  assert.equal(fitLabel("city", 90, measure), "city");
  const cut = fitLabel("a-very-long-token-label", 60, measure);
  assert.ok(cut.endsWith("…") && measure(cut) <= 60);
});

test("values decode to [heads, queries, keys]; a bad shape is an error in the view", () => {
  const s = createState();
  readValues(s, fakeModel({ values: payload(4, 6) }));
  assert.equal(s.localError, "");
  assert.equal(s.pattern.heads, 4);
  assert.equal(s.pattern.positions, 6);
  assert.equal(weight(s.pattern, 0, 3, 1), 0.25);
  assert.equal(weight(s.pattern, 2, 5, 2), 1);
  const bad = { buffer: new DataView(new Float32Array(24).buffer), dtype: "float32", shape: [4, 2, 3] };
  s.valuesDirty = true;
  readValues(s, fakeModel({ values: bad }));
  assert.match(s.localError, /\[heads, queries, keys\] with queries = keys, got shape \[4, 2, 3\]/);
  assert.equal(s.pattern.heads, 4); // the last good weights stay
});

test("a head out of range is an error and every head is shown", () => {
  const p = { data: new Float32Array(4 * 9), heads: 4, positions: 3 };
  assert.deepEqual(headsShown(p, -1), { heads: [0, 1, 2, 3], error: "" });
  assert.deepEqual(headsShown(p, 2), { heads: [2], error: "" });
  const bad = headsShown(p, 7);
  assert.deepEqual(bad.heads, [0, 1, 2, 3]);
  assert.match(bad.error, /head 7 is out of range: this site has 4 heads \(0 to 3\)/);
  assert.equal(tokensError(p, ["a", "b", "c"]), "");
  assert.match(tokensError(p, ["a"]), /1 position labels for 3 positions/);
});

test("the tooltip: head, query and key with their tokens, the weight", () => {
  const s = createState();
  readValues(s, fakeModel({ values: payload(2, 4) }));
  const tokens = ["The", "Eiffel", "Tower", "is"];
  const lines = tooltipLines(s.pattern, tokens, { head: 0, query: 3, key: 1 });
  assert.deepEqual(lines, [
    ["head", "0"],
    ["query", '3 · "is"'],
    ["key", '1 · "Eiffel"'],
    ["weight", "0.2500"],
  ]);
  const masked = tooltipLines(s.pattern, tokens, { head: 1, query: 0, key: 2 });
  assert.match(String(masked.at(-1)), /causal mask/);
  assert.equal(positionText(["0", "1"], 1), "1"); // step labels are not quoted twice
});

test("selection: a clicked cell, a query from another view, out-of-range ignored", () => {
  const p = { data: new Float32Array(2 * 16), heads: 2, positions: 4 };
  assert.deepEqual(parseSelection({ head: 1, query: 2, key: 0 }, p), { query: 2, head: 1, key: 0 });
  assert.deepEqual(parseSelection({ query: 3 }, p), { query: 3, head: null, key: null });
  assert.equal(parseSelection({ query: 4 }, p), null);
  assert.equal(parseSelection({}, p), null);
  assert.deepEqual(parseSelection({ head: 5, query: 1, key: 0 }, p), { query: 1, head: null, key: null });
});

test("a click selects the cell (JS -> Python); clicking it again clears", () => {
  const m = fakeModel({ selection: {} });
  clickCell(m, { head: 1, query: 2, key: 0 });
  assert.deepEqual(m.log, [["set", "selection", { head: 1, query: 2, key: 0 }], ["save"]]);
  clickCell(m, { head: 1, query: 2, key: 0 });
  assert.deepEqual(m.log.at(-2), ["set", "selection", {}]);
});

test("the selects send head and site only when they change", () => {
  const m = fakeModel({ head: -1, site: "blocks.0.attn.pattern" });
  chooseHead(m, "-1");
  chooseSite(m, "blocks.0.attn.pattern");
  assert.deepEqual(m.log, []);
  chooseHead(m, "2");
  chooseSite(m, "blocks.3.attn.pattern");
  chooseSite(m, "");
  assert.deepEqual(m.log, [["set", "head", 2], ["save"], ["set", "site", "blocks.3.attn.pattern"], ["save"]]);
});

test("the module exports the anywidget contract", () => {
  assert.equal(typeof widget.render, "function");
  assert.equal(typeof widget.initialize, "function");
});
