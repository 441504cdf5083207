// The synced traits of ActivationMap and Heatmap (iwm_widgets/widgets/activation_map.py:
// HeatmapTraits, plus WorkspaceWidget's for ActivationMap; a Heatmap has no run traits, so
// they read as undefined). Declared in Python; tests/test_traits_js.py checks that this
// list is exactly the Python traits and that every name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {"mean" | "max" | "min"} aggregate what a pixel column shows when positions outnumber pixels
 * @property {string[] | {n: number, lazy: true, key: number}} cell_text per-cell text, rows × cols row-major, or empty; many: fetched on demand (texts.js)
 * @property {string[] | {n: number, prefix: string, start: number} | {n: number, lazy: true, key: number}} columns column labels (steps or tokens); many: a pattern, or fetched on demand (texts.js)
 * @property {number} dim hidden dimension for quantity "dim"
 * @property {string} error message of the last failed run ("" when fine)
 * @property {number} generation generation of the result drawn
 * @property {number} n_dims hidden size of the rows
 * @property {{above?: number, below?: number, text: string}[]} notes what a value beyond a bound means (tooltip)
 * @property {{value: string, label?: string}[]} quantities quantities offered
 * @property {string} quantity the quantity drawn
 * @property {string} remote NDIF host of a remote model ("" for a local one)
 * @property {string} remote_status NDIF's job status of the run in flight, or ""
 * @property {number} round_trip_ms remote models: median round trip of a run (not read here)
 * @property {string[]} rows row labels (site paths), bottom first
 * @property {number} run_started when the run in flight started (ms since the epoch; 0 when idle)
 * @property {"sequential" | "diverging"} scale colour scale
 * @property {{row?: number, col?: number}} selection {} or {row, col}: the selected cell
 * @property {string} status "idle" or "running"
 * @property {string} title title shown above the map
 * @property {import("../shared/transport.js").Payload} values {buffer, dtype, shape: [rows, cols]}: the heatmap
 * @property {number} vmax colour scale maximum
 * @property {number} vmin colour scale minimum
 */

/** Traits whose change redraws the view (the run panel follows its own). */
export const REDRAW = Object.freeze([
  "values", "rows", "columns", "cell_text", "quantity", "quantities", "dim", "n_dims",
  "scale", "vmin", "vmax", "selection", "error", "status", "generation", "title", "notes",
  "aggregate",
]); // prettier-ignore

/** Traits that change the colours of the cells (the offscreen image is rebuilt). */
export const IMAGE_TRAITS = Object.freeze(["values", "vmin", "vmax", "scale", "aggregate"]);
