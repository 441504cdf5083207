// node --test tests/js/ : colour tables and value -> RGBA mapping.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  colorIndex,
  DIVERGING,
  luminance,
  lut,
  N_COLORS,
  NAN_RGBA,
  SEQUENTIAL,
  toRGBA,
} from "../../js/shared/colormap.js";

const entry = (t, k) => Array.from(t.slice(4 * k, 4 * k + 4));
const near = (got, want, tol, msg) =>
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol, `${msg}: ${got} vs ${want}`));

test("tables have 256 opaque entries", () => {
  for (const t of [SEQUENTIAL, DIVERGING]) {
    assert.equal(t.length, 4 * N_COLORS);
    for (let k = 0; k < N_COLORS; k++) assert.equal(t[4 * k + 3], 255);
  }
  assert.equal(lut("diverging"), DIVERGING);
  assert.equal(lut("sequential"), SEQUENTIAL);
  assert.equal(lut("nonsense"), SEQUENTIAL);
});

test("sequential endpoints are viridis's, lightness increases", () => {
  near(entry(SEQUENTIAL, 0), [68, 1, 84, 255], 4, "viridis(0)");
  near(entry(SEQUENTIAL, 128), [33, 145, 140, 255], 4, "viridis(0.5)");
  near(entry(SEQUENTIAL, 255), [253, 231, 37, 255], 4, "viridis(1)");
  // monotonic up to 8-bit rounding between neighbours, strictly over 4 entries
  for (let k = 1; k < N_COLORS; k++) assert.ok(luminance(SEQUENTIAL, k) > luminance(SEQUENTIAL, k - 1) - 1e-3, `k=${k}`);
  for (let k = 4; k < N_COLORS; k++) assert.ok(luminance(SEQUENTIAL, k) > luminance(SEQUENTIAL, k - 4), `k=${k}`);
});

test("diverging: blue at the low end, near-white in the middle, red at the high end", () => {
  const [r0, , b0] = entry(DIVERGING, 0);
  const [r1, , b1] = entry(DIVERGING, 255);
  assert.ok(b0 > 2 * r0, "low end is blue");
  assert.ok(r1 > 2 * b1, "high end is red");
  for (const k of [127, 128]) for (const c of entry(DIVERGING, k).slice(0, 3)) assert.ok(c >= 240, `mid ${k}`);
  // symmetric lightness around the middle (within a few levels)
  for (let k = 0; k < 128; k++) assert.ok(Math.abs(luminance(DIVERGING, k) - luminance(DIVERGING, 255 - k)) < 0.08);
});

test("colorIndex clamps, maps NaN to -1 and a degenerate range to the middle", () => {
  assert.equal(colorIndex(0, 0, 1), 0);
  assert.equal(colorIndex(1, 0, 1), 255);
  assert.equal(colorIndex(-5, 0, 1), 0);
  assert.equal(colorIndex(5, 0, 1), 255);
  assert.equal(colorIndex(Infinity, 0, 1), 255);
  assert.equal(colorIndex(-Infinity, 0, 1), 0);
  assert.equal(colorIndex(NaN, 0, 1), -1);
  assert.equal(colorIndex(0, -2, 2), 128);
  assert.equal(colorIndex(3, 3, 3), 128);
  assert.equal(colorIndex(3, 4, 3), 128);
});

test("toRGBA: vmin/vmax to the table's ends, NaN to neutral grey", () => {
  const px = toRGBA(new Float32Array([-1, 0, 1, NaN]), -1, 1, DIVERGING);
  assert.equal(px.length, 16);
  assert.deepEqual(Array.from(px.slice(0, 4)), entry(DIVERGING, 0));
  assert.deepEqual(Array.from(px.slice(8, 12)), entry(DIVERGING, 255));
  assert.deepEqual(Array.from(px.slice(12, 16)), NAN_RGBA);
  const out = new Uint8ClampedArray(8);
  assert.equal(toRGBA([2, 4], 2, 4, SEQUENTIAL, out), out);
  assert.deepEqual(Array.from(out.slice(0, 4)), entry(SEQUENTIAL, 0));
  assert.deepEqual(Array.from(out.slice(4, 8)), entry(SEQUENTIAL, 255));
});
