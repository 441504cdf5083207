// The synced traits of ProbeChart (iwm_widgets/widgets/probe_chart.py). Declared in Python;
// tests/test_traits_js.py checks that this list is exactly the Python traits and that every
// name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {string} drawn the pick the SVG shows ("" for none); lags `selected` while it renders
 * @property {string} error why the last pick or render failed ("" when fine)
 * @property {number} render_ms how long the last SVG render took (ms; not read here)
 * @property {string} selected the picked site ("" for none)
 * @property {string[]} sites the probed sites, in layer order
 * @property {string} svg the chart as SVG text (rendered by Python)
 */

/** Traits that change which points show as picked (the SVG itself redraws on `svg`). */
export const PICK_TRAITS = Object.freeze(["selected", "drawn"]);
