// The synced traits of CausalGraph (iwm_widgets/widgets/causal_graph.py, with
// WorkspaceWidget's). Declared in Python; tests/test_traits_js.py checks that this list is
// exactly the Python traits and that every name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {"value" | "moved"} colour_by what the node colours show
 * @property {number} edge_threshold edges with |effect| at or below it are hidden
 * @property {boolean} directed edges are directed (arrowheads); false: one undirected edge per pair
 * @property {import("../shared/transport.js").Payload} edges [E, 3] rows: source, target, effect; over several inputs [E, 6]: source, target, mean, se, lo, hi
 * @property {string} error message of the last failed run ("" when fine)
 * @property {number} generation generation of the result drawn
 * @property {"layered" | "spatial"} graph_layout layered (x = depth) or spatial (nodes where the particles are, a square box)
 * @property {number} n_inputs how many inputs the effects average over
 * @property {object[]} nodes node records with their layout (normalizeNode in graph.js reads them)
 * @property {object[]} ops the node editor's ops, from Python's table of edit ops: {name, label, field, default, text, kinds} (readOps in graph.js)
 * @property {{label?: string, before?: number, after?: number}} output the output readout
 * @property {string} remote NDIF host of a remote model (not read here)
 * @property {string} remote_status NDIF's job status of the run in flight (not read here)
 * @property {number} round_trip_ms remote models: median round trip of a run (not read here)
 * @property {number} run_started when the run in flight started (not read here)
 * @property {object} score ground-truth precision and recall (zoo models; scoreBadge in text.js)
 * @property {string} selected id of the node whose editor is open ("" for none)
 * @property {boolean} significant only edges whose 95% interval excludes 0 were sent
 * @property {string} status "idle" or "running"
 * @property {number[][]} true_edges the true edges [[i, j], ...] by node index (drawn faintly under the recovered ones; [] when unknown)
 */

/** Traits whose change redraws the view. */
export const REDRAW = Object.freeze([
  "nodes", "edges", "n_inputs", "ops", "significant", "edge_threshold", "colour_by",
  "selected", "output", "score", "error", "status", "generation", "graph_layout", "true_edges",
  "directed",
]); // prettier-ignore

/** Traits the graph is read from. */
export const GRAPH_TRAITS = Object.freeze(["nodes", "edges", "n_inputs", "ops", "graph_layout", "true_edges", "directed"]);
