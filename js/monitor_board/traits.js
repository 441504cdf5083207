// The synced traits of MonitorBoard (iwm_widgets/widgets/monitor_board.py). Declared in
// Python; tests/test_traits_js.py checks that this list is exactly the Python traits and
// that every name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {string} error the last bad threshold or click ("" when fine)
 * @property {object} info the reports: {model, event, horizon, mode, n, steps, kind, n_events, base_rate, workspace}
 * @property {number} input the input whose steps are drawn
 * @property {object[]} monitors per monitor: {name, rule, threshold, default, lo, hi, step, control}
 * @property {number} opened the input last opened in the Workspace, or -1
 * @property {object[]} rows the strips, top to bottom: {name, monitor, kind}
 * @property {boolean} show_baselines draw each monitor's output-only baseline strip
 * @property {number} step the step picked in the input's strip, or -1
 * @property {object} strips binary {codes [rows, inputs, steps], events [inputs, steps], steps [steps]} and labels
 * @property {object[]} summary per monitor and baseline: {monitor, name, kind, rule, threshold, precision, recall, false_alarm_rate, lead_time, detection_rate, auroc, alarm_rate}
 * @property {string[]} texts language models: the prompts
 * @property {number[]} thresholds each monitor's alarm-score cut
 * @property {string} title title shown above the board
 */

/** Traits whose change redraws the view. */
export const REDRAW = Object.freeze([
  "title", "error", "info", "monitors", "rows", "strips", "summary", "thresholds", "input",
  "step", "opened", "show_baselines", "texts",
]); // prettier-ignore

/** Traits holding binary data (decoded again when they change). */
export const DATA = Object.freeze(["strips"]);
