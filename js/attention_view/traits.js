// The synced traits of AttentionView (iwm_widgets/widgets/attention_view.py, plus
// WorkspaceWidget's). Declared in Python; tests/test_traits_js.py checks that this list is
// exactly the Python traits and that every name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {string} error message of the last failed run ("" when fine)
 * @property {number} generation generation of the result drawn
 * @property {number} head head shown, or -1 for every head
 * @property {number} n_heads number of heads at the site
 * @property {string} remote NDIF host of a remote model ("" for a local one)
 * @property {string} remote_status NDIF's job status of the run in flight, or ""
 * @property {number} round_trip_ms remote models: median round trip of a run (not read here)
 * @property {number} run_started when the run in flight started (ms since the epoch; 0 when idle)
 * @property {{head?: number, query?: number, key?: number}} selection {}, {query} or {head, query, key}
 * @property {string} site the attention site shown
 * @property {string[]} sites attention sites offered
 * @property {string} status "idle" or "running"
 * @property {string} title title shown above the view
 * @property {string[]} tokens labels of the positions (tokens or time steps)
 * @property {import("../shared/transport.js").Payload} values {buffer, dtype, shape: [heads, queries, keys]}
 */

/** Traits whose change redraws the view (the run panel follows its own). */
export const REDRAW = Object.freeze([
  "values", "tokens", "head", "n_heads", "site", "sites", "selection", "error", "status",
  "generation", "title",
]); // prettier-ignore
