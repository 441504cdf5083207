// node --test tests/js/ : MonitorBoard's pure helpers (decoding the uint8 strips, counting
// what a monitor did over an input, the strips' layout and hit-testing, hover lines, the
// summary's cells, the slider's values), against fake payloads and a fake model.
import assert from "node:assert/strict";
import { test } from "node:test";
import { onChanges } from "../../js/shared/model.js";
import {
  CODE,
  EVENT,
  axisStride,
  boardColors,
  cellAt,
  codeAt,
  countAlarms,
  formatPercent,
  hoverLines,
  inputCounts,
  parseThreshold,
  readStrips,
  rowTop,
  sliderThreshold,
  sliderValue,
  stripLayout,
  summaryCells,
  summaryText,
} from "../../js/monitor_board/state.js";
import { DATA, REDRAW } from "../../js/monitor_board/traits.js";

/** The parts of anywidget's model the view uses. */
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
    listeners,
  };
}

/** uint8 payload at an odd offset inside a larger buffer, as a websocket frame delivers it. */
function u8(values, shape) {
  const b = new Uint8Array(values.length + 5);
  b.set(values, 5);
  return { buffer: new DataView(b.buffer, 5, values.length), dtype: "uint8", shape };
}
function i32(values) {
  const a = Int32Array.from(values);
  return { buffer: new DataView(a.buffer), dtype: "int32", shape: [a.length] };
}

const { NONE: N, HIT: T, FALSE: F, MISS: M, PAD: P } = CODE;
// 2 rows (a monitor, its baseline) × 2 inputs × 4 steps
const CODES = [
  T, F, N, M, /* row 0, input 0 */ N, N, F, P, /* row 0, input 1 */
  M, N, N, M, /* row 1, input 0 */ N, F, F, P, /* row 1, input 1 */
]; // prettier-ignore
const EVENTS = [1, 0, 0, 3, 0, 0, 0, 0];
const STRIPS = { codes: u8(CODES, [2, 2, 4]), events: u8(EVENTS, [2, 4]), steps: i32([2, 3, 4, 5]), labels: [] };

test("the strips decode, with their shapes checked against each other", () => {
  const st = readStrips(STRIPS);
  assert.equal(st.rows, 2);
  assert.equal(st.n, 2);
  assert.equal(st.S, 4);
  assert.deepEqual(Array.from(st.steps), [2, 3, 4, 5]);
  assert.equal(codeAt(st, 0, 1, 2), F);
  assert.equal(codeAt(st, 1, 0, 3), M);
  assert.equal(readStrips(null), null);
  assert.equal(readStrips({}), null);
  assert.throws(() => readStrips({ ...STRIPS, events: u8(EVENTS.slice(0, 4), [1, 4]) }), /do not match/);
  assert.throws(() => readStrips({ ...STRIPS, steps: i32([1, 2]) }), /do not match 4 steps/);
  assert.throws(() => readStrips({ ...STRIPS, codes: u8(CODES, [4, 4]) }), /\[rows, inputs, steps\]/);
});

test("an input's counts: hits, false alarms, misses, padding left out", () => {
  const st = readStrips(STRIPS);
  assert.deepEqual(inputCounts(st, 0, 0), { hits: 1, falses: 1, misses: 1, alarms: 2, scored: 4, labelled: 2, onsets: 1 });
  assert.deepEqual(inputCounts(st, 0, 1), { hits: 0, falses: 1, misses: 0, alarms: 1, scored: 3, labelled: 0, onsets: 0 });
  assert.equal(countAlarms(st, 0), 3);
  assert.equal(countAlarms(st, 1), 2);
  assert.equal(EVENT.LABEL | EVENT.ONSET_NEXT, 3);
});

test("the layout fits the cells in the room, and cellAt finds every cell back", () => {
  const L = stripLayout(600, 2, 4);
  assert.ok(L.cell >= 2 && L.cell <= 26);
  assert.equal(L.width, L.label + 4 * L.cell + 4);
  for (let r = 0; r <= 2; r++) {
    for (let c = 0; c < 4; c++) {
      const x = L.label + c * L.cell + L.cell / 2;
      const y = rowTop(L, r) + 3;
      assert.deepEqual(cellAt(L, x, y), { row: r, col: c });
    }
  }
  assert.equal(cellAt(L, 3, 5), null); // on the labels
  assert.equal(cellAt(L, L.label + 4 * L.cell + 1, 5), null); // right of the cells
  // many inputs: cells stay at least 2 px and the canvas grows (it scrolls)
  const wide = stripLayout(400, 1, 1000);
  assert.equal(wide.cell, 2);
  assert.ok(wide.width > 400);
  assert.equal(axisStride(1000, 2), 20);
  assert.equal(axisStride(30, 20), 2);
});

test("hover says what a monitor did at a cell and what really happened", () => {
  const st = readStrips(STRIPS);
  const rows = [{ name: "inside", kind: "monitor" }, { name: "output-only", kind: "baseline" }];
  const info = { event: "wall-contact", horizon: 4 };
  const a = hoverLines(st, rows, { row: 0, col: 0 }, "inputs", 0, info);
  assert.deepEqual(a.slice(0, 4), [["input", "0"], ["monitor", "inside"], ["alarms", "2 (1 before wall-contact, 1 false)"], ["missed", "1 of 2 steps with wall-contact coming"]]);
  const ev = hoverLines(st, rows, { row: 2, col: 0 }, "inputs", 0, info);
  assert.deepEqual(ev[1], ["truth", "2 of 4 steps have wall-contact within 4"]);
  const s = hoverLines(st, rows, { row: 0, col: 3 }, "steps", 0, info);
  assert.deepEqual(s, [["input", "0, step 5"], ["monitor", "inside"], ["", "no alarm: missed"], ["truth", "wall-contact starts at the next frame"]]);
  const withTokens = readStrips({ ...STRIPS, labels: ["a", "b", "c", "d"] });
  assert.deepEqual(hoverLines(withTokens, rows, { row: 1, col: 1 }, "steps", 1, info)[0], ["input", '1, position 3 "b"']);
});

test("summary cells, percentages, the slider's value and a typed threshold", () => {
  const c = summaryCells({ precision: 0.84712, recall: 0.8, false_alarm_rate: null, lead_time: 3.4567, auroc: 0.975, alarm_rate: 0.21 });
  assert.deepEqual(c, { precision: "0.847", recall: "0.800", falseAlarms: "–", lead: "3.46 steps", auroc: "0.975", alarmRate: "21.0%" });
  assert.equal(formatPercent(0.0012), "0.12%");
  assert.equal(formatPercent(NaN), "–");
  const m = { lo: 0, hi: 1, step: 0.005 };
  assert.equal(sliderValue(m, 0.3), 0.3);
  assert.equal(sliderValue(m, 7), 1);
  assert.equal(sliderValue(m, NaN), 0);
  assert.equal(sliderThreshold("0.200000128665135"), 0.2);
  assert.equal(sliderThreshold("1.0509e-11"), 1.051e-11);
  assert.equal(parseThreshold("0.25"), 0.25);
  assert.equal(parseThreshold("abc"), null);
  assert.equal(parseThreshold(""), null);
  assert.equal(parseThreshold("Infinity"), null);
  const model = fakeModel({ info: { n: 32, steps: 30, n_events: 61, base_rate: 0.2, kind: "world", mode: "rollout" } });
  assert.equal(summaryText(model.get("info")), "32 inputs × 30 predicted steps · 61 events · base rate 20.0%");
  assert.equal(summaryText({}), "");
});

test("colours differ between themes and between codes", () => {
  for (const dark of [false, true]) {
    const c = boardColors({ dark });
    const set = new Set([c.hit, c.falseAlarm, c.miss, c.event, c.onset]);
    assert.equal(set.size, 5);
  }
  assert.notEqual(boardColors({ dark: true }).hit, boardColors({ dark: false }).hit);
});

test("the view listens to its traits and stops listening", () => {
  const model = fakeModel({});
  const seen = [];
  const stop = onChanges(model, REDRAW, (name) => seen.push(name));
  model.set("thresholds", [0.3]);
  model.set("strips", STRIPS);
  assert.deepEqual(seen, ["thresholds", "strips"]);
  assert.ok(DATA.every((d) => REDRAW.includes(d)));
  stop();
  model.set("input", 3);
  assert.deepEqual(seen, ["thresholds", "strips"]);
  assert.ok([...model.listeners.values()].every((l) => l.length === 0));
});
