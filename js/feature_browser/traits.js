// The synced traits of FeatureBrowser (iwm_widgets/widgets/feature_browser.py, plus
// WorkspaceWidget's). Declared in Python; tests/test_traits_js.py checks that this list is
// exactly the Python traits and that every name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {string} compare the true variable drawn beside the traces ("" for none)
 * @property {string} error message of the last failed run or pick ("" when fine)
 * @property {number} feature the picked feature (an index into the FeatureSet)
 * @property {object[]} features one entry per feature: {index, name, variance, density, best, corr, r2, auroc}
 * @property {number} generation generation of the Workspace result drawn
 * @property {object} histogram {edges, counts} binary, with n, mean, std, zero, held_out
 * @property {object} info the FeatureSet: {model, site, method, k, rows, held_rows, n_sequences, n_fit, unexplained, mcc, kind, has_truth}
 * @property {object} live the feature over the Workspace's inputs: {values, baseline, truth, truth_name, labels, edits, generation}; {} without one
 * @property {object[]} made Variables made so far: {name, feature, particle, into, site}
 * @property {number} n_particles particles with a slot each (0: no slots)
 * @property {number} n_top how many top-activating rows are listed
 * @property {number[]} order feature indices in list order (follows sort_by)
 * @property {number} particle per-particle FeatureSets: the particle traced and dialled
 * @property {string} remote NDIF host of a remote model ("" for a local one)
 * @property {string} remote_status NDIF's job status of the run in flight, or ""
 * @property {number} round_trip_ms remote models: median round trip of a run (not read here)
 * @property {number} run_started when the run in flight started (ms since the epoch; 0 when idle)
 * @property {number} sequence the data set's sequence whose trace is drawn
 * @property {string} sort_by "variance", "sparsity" or "match"
 * @property {string} status "idle" or "running"
 * @property {number} step the step marked in the trace, or -1
 * @property {object} targets where "make a dial" goes: {dials, graph, map, workspace}
 * @property {string} title title shown above the browser
 * @property {object[]} top the picked feature's top rows: {rank, row, sequence, step, particle, value, held_out, truth, token, before, after}
 * @property {object} trace the feature over `sequence`: {steps, values, truth, truth_name, labels, sequence, particle, held_out}
 * @property {string[]} truth_names the FeatureSet's true variables
 */

/** Traits whose change redraws the view (the run panel follows its own). */
export const REDRAW = Object.freeze([
  "title", "info", "features", "sort_by", "order", "feature", "n_top", "top", "histogram",
  "sequence", "step", "particle", "n_particles", "compare", "truth_names", "trace", "live",
  "targets", "made", "error", "status", "generation",
]); // prettier-ignore

/** Traits holding binary series (decoded again when they change). */
export const DATA = Object.freeze(["histogram", "trace", "live"]);
