// The synced traits of SteeringDials (iwm_widgets/widgets/steering_dials.py, with
// WorkspaceWidget's). Declared in Python; tests/test_traits_js.py checks that this list is
// exactly the Python traits and that every name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {string} code nnsight code of the current edits
 * @property {object[]} dials one entry per control (normalizeDial in values.js reads it)
 * @property {"encoding" | "probe"} direction along the model's encoding direction or the probe's
 * @property {string} error message of the last failed run ("" when fine)
 * @property {number} generation generation of the result drawn
 * @property {number} latency_ms wall time of the last traced run
 * @property {object} lm language models: next-token top-k and greedy continuation, before vs after (lm_panel.js)
 * @property {number} n_steps context length of the inputs
 * @property {string} remote NDIF host of a remote model ("" for a local one)
 * @property {string} remote_status NDIF's job status of the run in flight, or ""
 * @property {object} rollout trajectories for the rollout view, binary payloads (rollout.js)
 * @property {number} round_trip_ms remote models: median round trip of a run (not read here: Python sets throttle_ms from it)
 * @property {number} run_started when the run in flight started (ms since the epoch; 0 when idle)
 * @property {"rollout" | "from" | "once"} scope where the edits apply
 * @property {number} scope_start the step for scope "from" / "once"
 * @property {string} status "idle" or "running"
 * @property {number} throttle_ms throttle interval of update mode "throttle" (ms)
 * @property {"live" | "release" | "throttle"} update_mode when a dial move is sent
 * @property {import("./values.js").Values} values {dial id: null (off) | number | {angle, radius}}
 */

/** Traits whose change redraws the view (the run panel follows its own). */
export const REDRAW = Object.freeze([
  "dials", "values", "scope", "scope_start", "n_steps", "direction", "code", "rollout", "lm",
  "latency_ms", "error", "status", "generation", "update_mode", "throttle_ms",
]); // prettier-ignore
