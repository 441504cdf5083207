// The synced traits of CognitiveMap (iwm_widgets/widgets/cognitive_map.py, plus
// WorkspaceWidget's). Declared in Python; tests/test_traits_js.py checks that this list is
// exactly the Python traits and that every name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {number[][]} closed closed streets [[u, v], ...]
 * @property {number[]} counts move tokens each decoded position averages, per node
 * @property {import("../shared/transport.js").Payload} decoded_xy [N, 2] mean probe-decoded (x, y) per node (NaN: unvisited)
 * @property {number} destination the route's destination
 * @property {string} error message of the last failed run or action ("" when fine)
 * @property {number} generation generation of the result drawn
 * @property {{false?: any[][], missing?: any[][], n_true?: number, precision?: number | null, recall?: number | null, n_prefixes?: number}} implied_edges the implied map
 * @property {object} live at the shown step, from the latest result (see state.js readLive)
 * @property {Record<string, number[]>} move_offsets {move: [dx, dy]}
 * @property {import("../shared/transport.js").Payload} node_xy [N, 2] true (x, y) per node
 * @property {{layer?: string, r2?: number | null, r2_shuffled?: number | null, dead_reckoning?: number | null, mean_error?: number | null}} probe_info the probe at the layer
 * @property {string} remote NDIF host of a remote model ("" for a local one)
 * @property {string} remote_status NDIF's job status of the run in flight, or ""
 * @property {number} round_trip_ms remote models: median round trip of a run (not read here)
 * @property {number[]} route_nodes the true intersection after each token (-1 before the origin)
 * @property {number} run_started when the run in flight started (ms since the epoch; 0 when idle)
 * @property {boolean} show_implied draw the implied map's false and missing streets
 * @property {number} size the grid's side
 * @property {string} status "idle" or "running"
 * @property {number} step the route position shown
 * @property {string} steer_method "mean_diff" or "probe": how a click steers
 * @property {number} steer_scale scale of a click's steering vector (not read here)
 * @property {object} steering {} or {target, source, step, layer, method, scale, norm, id}
 * @property {number[]} steps the steps that can be shown
 * @property {any[][]} streets [u, v, kind, one_way] street segments
 * @property {string} title title shown above the map
 * @property {string[]} tokens the route's tokens
 */

/** Traits whose change redraws the view (the run panel follows its own). */
export const REDRAW = Object.freeze([
  "closed", "counts", "decoded_xy", "destination", "error", "generation", "implied_edges", "live",
  "move_offsets", "node_xy", "probe_info", "route_nodes", "show_implied", "size", "status", "step",
  "steer_method", "steering", "steps", "streets", "title", "tokens",
]); // prettier-ignore
