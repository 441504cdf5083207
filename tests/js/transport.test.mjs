// node --test tests/js/ : decoding of iwm_widgets/transport.py payloads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decode, halfToFloat, numel } from "../../js/shared/transport.js";

/** A DataView on `bytes` placed at `offset` inside a larger buffer, as a websocket frame would. */
function framed(bytes, offset) {
  const frame = new Uint8Array(offset + bytes.byteLength + 7).fill(0xee);
  frame.set(bytes, offset);
  return new DataView(frame.buffer, offset, bytes.byteLength);
}

const f32 = (xs) => new Uint8Array(new Float32Array(xs).buffer);
const u16 = (xs) => new Uint8Array(new Uint16Array(xs).buffer);

test("float32 from a DataView at offset 0", () => {
  const { data, shape } = decode({ buffer: framed(f32([1, -2.5, 3e8, 0.1]), 0), dtype: "float32", shape: [2, 2] });
  assert.ok(data instanceof Float32Array);
  assert.deepEqual(shape, [2, 2]);
  assert.deepEqual(Array.from(data), Array.from(new Float32Array([1, -2.5, 3e8, 0.1])));
});

test("float32 honours byteOffset, aligned and unaligned", () => {
  for (const offset of [4, 8, 1, 2, 3, 5]) {
    const { data } = decode({ buffer: framed(f32([1, 2, 3]), offset), dtype: "float32", shape: [3] });
    assert.deepEqual(Array.from(data), [1, 2, 3], `offset ${offset}`);
  }
});

test("aligned float32 is a view, not a copy", () => {
  const dv = framed(f32([7, 8]), 8);
  const { data } = decode({ buffer: dv, dtype: "float32", shape: [2] });
  assert.equal(data.buffer, dv.buffer);
  assert.equal(data.byteOffset, 8);
});

test("ArrayBuffer and typed arrays are accepted too", () => {
  assert.deepEqual(Array.from(decode({ buffer: f32([5, 6]).buffer, dtype: "float32", shape: [2] }).data), [5, 6]);
  assert.deepEqual(Array.from(decode({ buffer: new Uint8Array([1, 2, 3]), dtype: "uint8", shape: [3] }).data), [1, 2, 3]);
});

test("float16: normals, zeros, subnormals, infinities, NaN", () => {
  const cases = [
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504], // largest normal
    [0x0400, 2 ** -14], // smallest normal
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x8001, -(2 ** -24)],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x0000, 0],
  ];
  const { data } = decode({ buffer: framed(u16(cases.map((c) => c[0])), 3), dtype: "float16", shape: [cases.length] });
  assert.ok(data instanceof Float32Array);
  cases.forEach(([bits, want], i) => {
    assert.equal(data[i], Math.fround(want), `0x${bits.toString(16)}`);
    assert.equal(halfToFloat(bits), want);
  });
  assert.ok(Object.is(halfToFloat(0x8000), -0));
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  const nan = decode({ buffer: u16([0x7e00, 0xfe01]), dtype: "float16", shape: [2] }).data;
  assert.ok(Number.isNaN(nan[0]) && Number.isNaN(nan[1]));
});

test("int32 and uint8, with offsets", () => {
  const i32 = new Uint8Array(new Int32Array([-1, 2147483647, -2147483648]).buffer);
  const a = decode({ buffer: framed(i32, 6), dtype: "int32", shape: [3] }).data;
  assert.ok(a instanceof Int32Array);
  assert.deepEqual(Array.from(a), [-1, 2147483647, -2147483648]);
  const b = decode({ buffer: framed(new Uint8Array([0, 128, 255]), 5), dtype: "uint8", shape: [1, 3] });
  assert.ok(b.data instanceof Uint8Array);
  assert.deepEqual(Array.from(b.data), [0, 128, 255]);
});

test("shape and size are checked", () => {
  assert.equal(numel([]), 1);
  assert.equal(numel([48, 4096]), 196608);
  assert.equal(decode({ buffer: new ArrayBuffer(0), dtype: "float32", shape: [0, 5] }).data.length, 0);
  assert.throws(() => decode({ buffer: f32([1, 2, 3]), dtype: "float32", shape: [2, 2] }), /12 bytes.*needs 16/);
  assert.throws(() => decode({ buffer: f32([1]), dtype: "float64", shape: [1] }), /unsupported dtype/);
  assert.throws(() => decode({ buffer: [1, 2], dtype: "uint8", shape: [2] }), TypeError);
  assert.throws(() => numel([2, -1]), /invalid shape/);
});

test("only the four wire dtypes are dtypes (not Object.prototype's keys)", () => {
  for (const dtype of ["toString", "__proto__", "constructor", "hasOwnProperty", undefined, 4]) {
    assert.throws(() => decode({ buffer: new ArrayBuffer(0), dtype, shape: [0] }), /unsupported dtype/, String(dtype));
  }
  assert.throws(() => decode(null), TypeError);
  assert.throws(() => decode({ buffer: new ArrayBuffer(4), dtype: "float32", shape: [0.5] }), /invalid shape/);
});
