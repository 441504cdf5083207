// Colour maps as 256-entry RGBA lookup tables, and values -> RGBA pixels.
//
// SEQUENTIAL is viridis (a polynomial fit of matplotlib's table, within ~1/255):
// perceptually uniform, monotonic in lightness, readable in grey and by most colour-blind
// readers. DIVERGING is ColorBrewer's RdBu reversed: blue below the midpoint, near-white at
// it, red above; widgets give it a range symmetric around 0.

/** @typedef {"sequential" | "diverging"} ScaleName */

/** RGBA of a NaN cell: a neutral grey that neither map uses near its ends. */
export const NAN_RGBA = Object.freeze([128, 128, 128, 255]);

/** Number of entries in each table. */
export const N_COLORS = 256;

/**
 * Build a table from a function t in [0, 1] -> [r, g, b] in [0, 1].
 * @param {(t: number) => number[]} f
 * @returns {Uint8ClampedArray} N_COLORS * 4 bytes
 */
function table(f) {
  const lut = new Uint8ClampedArray(N_COLORS * 4);
  for (let i = 0; i < N_COLORS; i++) {
    const rgb = f(i / (N_COLORS - 1));
    lut[4 * i] = Math.round(255 * rgb[0]);
    lut[4 * i + 1] = Math.round(255 * rgb[1]);
    lut[4 * i + 2] = Math.round(255 * rgb[2]);
    lut[4 * i + 3] = 255;
  }
  return lut;
}

// Viridis as a degree-6 polynomial per channel (Matt Zucker's fit, public domain).
const VIRIDIS = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

/** @param {number} t */
function viridis(t) {
  return [0, 1, 2].map((c) => {
    let v = 0;
    for (let k = VIRIDIS.length - 1; k >= 0; k--) v = v * t + VIRIDIS[k][c];
    return Math.min(1, Math.max(0, v));
  });
}

// ColorBrewer RdBu (11 classes), reversed: dark blue -> near-white -> dark red.
const RDBU_R = [
  "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
  "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
].map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255));

/** @param {number} t */
function blueWhiteRed(t) {
  const x = t * (RDBU_R.length - 1);
  const i = Math.min(RDBU_R.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => RDBU_R[i][c] * (1 - f) + RDBU_R[i + 1][c] * f);
}

/** Viridis-like sequential table (dark purple -> yellow). */
export const SEQUENTIAL = table(viridis);
/** Blue-white-red diverging table. */
export const DIVERGING = table(blueWhiteRed);

/**
 * The table of a scale name (unknown names fall back to sequential).
 * @param {string} scale
 * @returns {Uint8ClampedArray}
 */
export function lut(scale) {
  return scale === "diverging" ? DIVERGING : SEQUENTIAL;
}

/**
 * Index into a table for one value. A degenerate range (vmax <= vmin) maps everything to
 * the middle; values outside the range clamp to the ends (so +-Infinity do too).
 * @param {number} v
 * @param {number} vmin
 * @param {number} vmax
 * @returns {number} 0..255, or -1 for NaN
 */
export function colorIndex(v, vmin, vmax) {
  if (Number.isNaN(v)) return -1;
  const span = vmax - vmin;
  if (!(span > 0) || !Number.isFinite(span)) return N_COLORS >> 1;
  const t = (v - vmin) / span;
  if (t <= 0) return 0;
  if (t >= 1) return N_COLORS - 1;
  return Math.round(t * (N_COLORS - 1));
}

/**
 * Map values to RGBA pixels.
 * @param {ArrayLike<number>} values
 * @param {number} vmin
 * @param {number} vmax
 * @param {Uint8ClampedArray} [colors] a table from `lut` (default SEQUENTIAL)
 * @param {Uint8ClampedArray} [out] values.length * 4 bytes to fill (allocated if absent)
 * @returns {Uint8ClampedArray}
 */
export function toRGBA(values, vmin, vmax, colors = SEQUENTIAL, out) {
  const n = values.length;
  const rgba = out ?? new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) writeColor(rgba, 4 * i, values[i], vmin, vmax, colors);
  return rgba;
}

/**
 * Write one value's colour at byte offset `o` of `rgba`.
 * @param {Uint8ClampedArray} rgba
 * @param {number} o
 * @param {number} v
 * @param {number} vmin
 * @param {number} vmax
 * @param {Uint8ClampedArray} colors
 */
export function writeColor(rgba, o, v, vmin, vmax, colors) {
  const k = colorIndex(v, vmin, vmax);
  if (k < 0) {
    rgba[o] = NAN_RGBA[0];
    rgba[o + 1] = NAN_RGBA[1];
    rgba[o + 2] = NAN_RGBA[2];
    rgba[o + 3] = NAN_RGBA[3];
    return;
  }
  rgba[o] = colors[4 * k];
  rgba[o + 1] = colors[4 * k + 1];
  rgba[o + 2] = colors[4 * k + 2];
  rgba[o + 3] = colors[4 * k + 3];
}

/**
 * CSS colour of table entry k.
 * @param {Uint8ClampedArray} colors
 * @param {number} k 0..255
 * @returns {string}
 */
export function cssColor(colors, k) {
  return `rgb(${colors[4 * k]}, ${colors[4 * k + 1]}, ${colors[4 * k + 2]})`;
}

/**
 * Relative luminance (0..1) of table entry k, to choose black or white text on it.
 * @param {Uint8ClampedArray} colors
 * @param {number} k
 * @returns {number}
 */
export function luminance(colors, k) {
  const lin = (/** @type {number} */ c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(colors[4 * k]) + 0.7152 * lin(colors[4 * k + 1]) + 0.0722 * lin(colors[4 * k + 2]);
}
