// Typed arrays from the binary payloads of iwm_widgets/transport.py (its Python twin).
//
// Python sends {buffer: memoryview, dtype, shape}; ipywidgets delivers the buffer as a
// DataView, usually into a larger ArrayBuffer (a websocket frame), so byteOffset matters
// and may not be aligned to the element size. Byte order is little-endian, as numpy
// writes it on every machine we support.

/** @typedef {"float32" | "float16" | "uint8" | "int32"} Dtype */

/**
 * A payload as it arrives from a synced trait.
 * @typedef {object} Payload
 * @property {DataView | ArrayBuffer | ArrayBufferView} buffer
 * @property {Dtype} dtype
 * @property {number[]} shape
 */

/**
 * A decoded array: row-major data and its shape. float16 is widened to float32.
 * @typedef {object} Decoded
 * @property {Float32Array | Uint8Array | Int32Array} data
 * @property {number[]} shape
 */

/** Bytes per element on the wire. */
export const ITEMSIZE = Object.freeze({ float32: 4, float16: 2, uint8: 1, int32: 4 });

/**
 * Number of elements of an array of this shape (1 for a scalar, shape []).
 * @param {number[]} shape
 * @returns {number}
 */
export function numel(shape) {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape ${JSON.stringify(shape)}`);
    n *= d;
  }
  return n;
}

/**
 * The payload's bytes as a Uint8Array view (no copy), honouring byteOffset/byteLength.
 * @param {DataView | ArrayBuffer | ArrayBufferView} buffer
 * @returns {Uint8Array}
 */
function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError(`buffer must be a DataView, ArrayBuffer or typed array, got ${Object.prototype.toString.call(buffer)}`);
}

/**
 * A fresh ArrayBuffer at offset 0 when the view is not aligned to `align` bytes
 * (typed arrays need aligned offsets); the view's own buffer otherwise.
 * @param {Uint8Array} bytes
 * @param {number} align
 * @returns {[ArrayBuffer, number]} buffer and byte offset
 */
function aligned(bytes, align) {
  if (bytes.byteOffset % align === 0) return [/** @type {ArrayBuffer} */ (bytes.buffer), bytes.byteOffset];
  return [/** @type {ArrayBuffer} */ (bytes.slice().buffer), 0];
}

/**
 * One IEEE 754 binary16 value (as its 16 bits) to a JS number.
 * Handles signed zeros, subnormals, infinities and NaN.
 * @param {number} h
 * @returns {number}
 */
export function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** @type {Float32Array | null} lazily built: all 65536 half values */
let HALF_TABLE = null;

/**
 * Decode a payload into a typed array. float32 / int32 / uint8 are views on the received
 * bytes when aligned (no copy; treat them as read-only), copies otherwise.
 * @param {Payload} payload
 * @returns {Decoded}
 */
export function decode(payload) {
  if (!payload || typeof payload !== "object") throw new TypeError("payload must be {buffer, dtype, shape}");
  const { buffer, dtype } = payload;
  const shape = Array.from(payload.shape ?? [], Number);
  // own keys only: "toString" or "__proto__" are no dtypes
  const size = typeof dtype === "string" && Object.hasOwn(ITEMSIZE, dtype) ? ITEMSIZE[dtype] : 0;
  if (!size) throw new Error(`unsupported dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(ITEMSIZE).join(", ")}`);
  const n = numel(shape);
  const bytes = bytesOf(buffer);
  if (bytes.byteLength !== n * size) {
    throw new Error(`buffer has ${bytes.byteLength} bytes, shape ${JSON.stringify(shape)} of ${dtype} needs ${n * size}`);
  }
  if (dtype === "uint8") return { data: bytes, shape };
  const [buf, off] = aligned(bytes, size);
  if (dtype === "float32") return { data: new Float32Array(buf, off, n), shape };
  if (dtype === "int32") return { data: new Int32Array(buf, off, n), shape };
  // float16: widened by the engine's Float16Array where it has one (Chromium >= 135,
  // Firefox >= 129), else through a 65536-entry table (256 KiB, built once).
  const F16 = /** @type {any} */ (globalThis).Float16Array;
  if (typeof F16 === "function") return { data: new Float32Array(new F16(buf, off, n)), shape };
  if (HALF_TABLE === null) {
    HALF_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloat(h);
  }
  const halves = new Uint16Array(buf, off, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = HALF_TABLE[halves[i]];
  return { data: out, shape };
}
