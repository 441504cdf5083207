// The synced traits of SystemView (iwm_widgets/widgets/system_view.py, plus
// WorkspaceWidget's). Declared in Python; tests/test_traits_js.py checks that this list is
// exactly the Python traits and that every name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {string} code nnsight code of the Workspace's edits (not read here)
 * @property {string[]} colors colour of each particle (the CausalGraph's nodes use the same)
 * @property {import("../shared/transport.js").Payload} context [T, N, 2] input positions
 * @property {{vx?: number, vy?: number}} dial {} (off) or the dialled particle's velocity
 * @property {number} dial_max the dial's largest speed (box/step)
 * @property {string} dial_mode "input" or "variable": what the dial edits
 * @property {string} error message of the last failed run ("" when fine)
 * @property {number} generation generation of the result drawn
 * @property {boolean} has_truth whether the Workspace carries the simulator's truth
 * @property {import("../shared/transport.js").Payload} model_cf [S, N, 2] the model's rollout with the dial's edit, or {}
 * @property {import("../shared/transport.js").Payload} model_future [S, N, 2] the model's rollout without the edit
 * @property {number} n_particles number of particles N
 * @property {number} particle the particle the dial turns
 * @property {string} remote NDIF host of a remote model ("" for a local one)
 * @property {string} remote_status NDIF's job status of the run in flight, or ""
 * @property {number} round_trip_ms remote models: median round trip of a run (not read here)
 * @property {number} run_started when the run in flight started (ms since the epoch; 0 when idle)
 * @property {boolean} show_springs reveal the true springs
 * @property {import("../shared/transport.js").Payload} sim_cf [S, N, 2] the simulator's future with the dial's velocity, or {}
 * @property {import("../shared/transport.js").Payload} sim_future [S, N, 2] the simulator's future, or {}
 * @property {number[][]} springs the true springs [[i, j], ...]; empty until show_springs
 * @property {string} status "idle" or "running"
 * @property {string} title title shown above the view
 * @property {import("../shared/transport.js").Payload} velocity [N, 2] velocity at the last context step
 * @property {string} velocity_source "simulator" or "displacement"
 */

/** Traits whose change redraws the view (the run panel follows its own). */
export const REDRAW = Object.freeze([
  "context", "velocity", "velocity_source", "model_future", "model_cf", "sim_future", "sim_cf",
  "springs", "show_springs", "has_truth", "particle", "dial", "dial_max", "dial_mode", "colors",
  "n_particles", "error", "status", "generation", "title",
]); // prettier-ignore

/** Traits holding trajectories (decoded again when they change). */
export const DATA = Object.freeze(["context", "velocity", "model_future", "model_cf", "sim_future", "sim_cf"]);
