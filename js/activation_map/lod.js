// ActivationMap's level of detail, without the DOM: when the visible positions outnumber
// the canvas's pixel columns, each pixel column shows one aggregate (mean, max or min) of
// the positions it covers, per row; the legend says which and of how many. Bins split the
// visible columns evenly: bin j of n columns in `out` bins is [floor(j·n/out),
// floor((j+1)·n/out)), so every position is in exactly one bin. Also: what is under the
// pointer (a cell, or a bin of cells), which cell a click on a bin selects, and the zoom
// window (the visible columns).

/** The aggregates a pixel column can show, the first the default. */
export const AGGREGATES = Object.freeze(["mean", "max", "min"]);

/** The narrowest zoom window (positions). */
export const MIN_WINDOW = 8;

/**
 * @typedef {object} Hit what is under the pointer
 * @property {number} row the row under it
 * @property {number} col the column under it (proportional to x; inside [c0, c1))
 * @property {number} r0 first row of its bin
 * @property {number} r1 one past the last row of its bin
 * @property {number} c0 first column of its bin
 * @property {number} c1 one past the last column of its bin
 */

/**
 * @typedef {object} BinStats the cells of a bin, NaNs left out
 * @property {number} cells cells in the bin
 * @property {number} count finite or infinite (not NaN) cells
 * @property {number} min
 * @property {number} max
 * @property {number} mean
 * @property {{row: number, col: number} | null} argmin first cell holding the min
 * @property {{row: number, col: number} | null} argmax first cell holding the max
 */

/**
 * An aggregate's name ("mean" for anything unknown).
 * @param {any} mode
 * @returns {"mean" | "max" | "min"}
 */
export function aggregateName(mode) {
  return mode === "max" || mode === "min" ? mode : "mean";
}

/**
 * The out + 1 bin edges of n cells starting at `start`: bin j is [edges[j], edges[j + 1]).
 * @param {number} start
 * @param {number} n
 * @param {number} out
 * @returns {Int32Array}
 */
export function binEdges(start, n, out) {
  const edges = new Int32Array(out + 1);
  for (let j = 0; j <= out; j++) edges[j] = start + Math.floor((j * n) / out);
  return edges;
}

/**
 * The bin holding cell i (0 <= i < n) of n cells in `out` bins (inverse of binEdges).
 * @param {number} i
 * @param {number} n
 * @param {number} out
 * @returns {number}
 */
export function binOf(i, n, out) {
  // the j with floor(j·n/out) <= i < floor((j+1)·n/out)
  return Math.max(0, Math.min(out - 1, Math.ceil(((i + 1) * out) / n) - 1));
}

/**
 * Aggregate rows × columns [c0, c1) of a row-major matrix into outRows × outCols bins:
 * the mean, max or min of each bin's cells, NaNs left out (an all-NaN bin is NaN).
 * @param {ArrayLike<number>} data nRows × nCols, row-major
 * @param {number} nRows
 * @param {number} nCols
 * @param {number} c0 first column
 * @param {number} c1 one past the last column
 * @param {number} outRows <= nRows
 * @param {number} outCols <= c1 - c0
 * @param {"mean" | "max" | "min"} [mode]
 * @returns {Float32Array} outRows × outCols, row-major, row 0 first
 */
export function aggregate(data, nRows, nCols, c0, c1, outRows, outCols, mode = "mean") {
  const out = new Float32Array(outRows * outCols);
  const rows = binEdges(0, nRows, outRows);
  const cols = binEdges(c0, c1 - c0, outCols);
  // one loop per aggregate: a mode test inside the innermost loop costs a third of the time
  for (let i = 0; i < outRows; i++) {
    const ra = rows[i];
    const rb = rows[i + 1];
    const o = i * outCols;
    for (let j = 0; j < outCols; j++) {
      const ca = cols[j];
      const cb = cols[j + 1];
      let count = 0;
      let acc = 0;
      if (mode === "max") {
        acc = -Infinity;
        for (let r = ra; r < rb; r++) {
          for (let c = r * nCols + ca, end = r * nCols + cb; c < end; c++) {
            const v = data[c];
            if (v === v) {
              count++;
              if (v > acc) acc = v;
            }
          }
        }
      } else if (mode === "min") {
        acc = Infinity;
        for (let r = ra; r < rb; r++) {
          for (let c = r * nCols + ca, end = r * nCols + cb; c < end; c++) {
            const v = data[c];
            if (v === v) {
              count++;
              if (v < acc) acc = v;
            }
          }
        }
      } else {
        for (let r = ra; r < rb; r++) {
          for (let c = r * nCols + ca, end = r * nCols + cb; c < end; c++) {
            const v = data[c];
            if (v === v) {
              count++;
              acc += v;
            }
          }
        }
        acc /= count;
      }
      out[o + j] = count === 0 ? NaN : acc; // NaN: no cell but NaNs
    }
  }
  return out;
}

/**
 * Min, max and mean of the cells rows [r0, r1) × columns [c0, c1), and where the min and
 * max are (the first such cell, row by row).
 * @param {ArrayLike<number>} data
 * @param {number} nCols
 * @param {number} r0
 * @param {number} r1
 * @param {number} c0
 * @param {number} c1
 * @returns {BinStats}
 */
export function binStats(data, nCols, r0, r1, c0, c1) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  /** @type {{row: number, col: number} | null} */
  let argmin = null;
  /** @type {{row: number, col: number} | null} */
  let argmax = null;
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      const v = data[r * nCols + c];
      if (v !== v) continue;
      count++;
      sum += v;
      if (argmin === null || v < min) {
        min = v;
        argmin = { row: r, col: c };
      }
      if (argmax === null || v > max) {
        max = v;
        argmax = { row: r, col: c };
      }
    }
  }
  const cells = (r1 - r0) * (c1 - c0);
  if (!count) return { cells, count, min: NaN, max: NaN, mean: NaN, argmin, argmax };
  return { cells, count, min, max, mean: sum / count, argmin, argmax };
}

/**
 * What is under a point of the plot, whose columns [c0, c1) are drawn as outCols bins and
 * whose nRows rows as outRows bins (row 0 at the bottom); null outside it.
 * @param {number} x CSS px from the plot's left edge
 * @param {number} y CSS px from the plot's top edge
 * @param {number} width plot width
 * @param {number} height plot height
 * @param {number} nRows
 * @param {number} c0 first visible column
 * @param {number} c1 one past the last visible column
 * @param {number} outRows
 * @param {number} outCols
 * @returns {Hit | null}
 */
export function hitAt(x, y, width, height, nRows, c0, c1, outRows, outCols) {
  const n = c1 - c0;
  if (!(width > 0 && height > 0 && nRows > 0 && n > 0 && outRows > 0 && outCols > 0)) return null;
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  const j = Math.min(outCols - 1, Math.floor((x * outCols) / width));
  const ca = c0 + Math.floor((j * n) / outCols);
  const cb = c0 + Math.floor(((j + 1) * n) / outCols);
  const col = Math.max(ca, Math.min(cb - 1, c0 + Math.floor((x * n) / width)));
  const i = outRows - 1 - Math.min(outRows - 1, Math.floor((y * outRows) / height)); // bin from the bottom
  const ra = Math.floor((i * nRows) / outRows);
  const rb = Math.floor(((i + 1) * nRows) / outRows);
  const fromTop = Math.floor((y * nRows) / height);
  const row = Math.max(ra, Math.min(rb - 1, nRows - 1 - fromTop));
  return { row, col, r0: ra, r1: rb, c0: ca, c1: cb };
}

/**
 * Whether a hit covers more than one cell.
 * @param {Hit} hit
 * @returns {boolean}
 */
export function isBin(hit) {
  return hit.r1 - hit.r0 > 1 || hit.c1 - hit.c0 > 1;
}

/**
 * The cell a click on `hit` selects: the cell itself at full detail; in a bin, the cell
 * whose value the pixel shows (the max or the min), or for the mean the cell under the
 * pointer (also when the bin is all NaN).
 * @param {Hit} hit
 * @param {"mean" | "max" | "min"} mode
 * @param {BinStats | null} stats binStats of the hit's bin (null at full detail)
 * @returns {{row: number, col: number}}
 */
export function pickCell(hit, mode, stats) {
  const under = { row: hit.row, col: hit.col };
  if (!stats || !isBin(hit)) return under;
  if (mode === "max" && stats.argmax) return stats.argmax;
  if (mode === "min" && stats.argmin) return stats.argmin;
  return under;
}

/**
 * A window of columns [c0, c1) inside [0, n), whole, at least min(minCols, n) wide, moved
 * (not shrunk) to stay inside.
 * @param {number} c0
 * @param {number} c1
 * @param {number} n
 * @param {number} [minCols]
 * @returns {{c0: number, c1: number}}
 */
export function clampWindow(c0, c1, n, minCols = MIN_WINDOW) {
  if (!(n > 0)) return { c0: 0, c1: 0 };
  const w = Math.max(Math.min(n, minCols), Math.min(n, Math.round(c1 - c0)));
  const a = Math.max(0, Math.min(n - w, Math.round(c0)));
  return { c0: a, c1: a + w };
}

/**
 * The window `factor` times as wide, centred on column `center` (factor < 1 zooms in).
 * @param {{c0: number, c1: number}} win
 * @param {number} center
 * @param {number} factor
 * @param {number} n
 * @param {number} [minCols]
 * @returns {{c0: number, c1: number}}
 */
export function zoomWindow(win, center, factor, n, minCols = MIN_WINDOW) {
  const w = (win.c1 - win.c0) * factor;
  return clampWindow(center - w / 2, center + w / 2, n, minCols);
}

/**
 * The window moved by `delta` columns (its width kept).
 * @param {{c0: number, c1: number}} win
 * @param {number} delta
 * @param {number} n
 * @returns {{c0: number, c1: number}}
 */
export function panWindow(win, delta, n) {
  return clampWindow(win.c0 + delta, win.c1 + delta, n, 1);
}
