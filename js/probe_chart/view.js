// ProbeChart's DOM: the error box, the SVG's holder and the tooltip; and their CSS.

import { errorBox, h } from "../shared/dom.js";
import { baseCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";
import { POINTS } from "./svg.js";

const SCOPE = ".iwm-probe-chart";
/** The picked layer's outline in Python's SVG (iwm_widgets.charts.PICKED_STROKE). */
const PICKED_STROKE = "#222";

export const CSS = `${baseCss(SCOPE)}
.iwm-probe-chart { position: relative; display: inline-block; max-width: 100%; padding: 4px 2px; }
.iwm-probe-chart .iwm-svg svg { display: block; max-width: 100%; height: auto; }
.iwm-probe-chart ${POINTS} { cursor: pointer; }
.iwm-probe-chart .iwm-picked { stroke: var(--iwm-fg); stroke-width: 2px; }
/* Python's SVG is drawn for a white page: take the page's theme (CSS beats its attributes) */
.iwm-probe-chart .iwm-svg > svg > rect:first-child { fill: var(--iwm-bg); }
.iwm-probe-chart .iwm-svg text[fill="#000"] { fill: var(--iwm-fg); }
.iwm-probe-chart .iwm-svg text[fill="#888"] { fill: var(--iwm-muted); }
.iwm-probe-chart .iwm-svg [stroke="#ddd"] { stroke: var(--iwm-grid); }
.iwm-probe-chart .iwm-svg [stroke="${PICKED_STROKE}"] { stroke: var(--iwm-fg); }
.iwm-probe-chart.iwm-stale .iwm-svg { opacity: 0.6; }
${tooltipCss(SCOPE)}`;

/**
 * Build the view's DOM inside `el`.
 * @param {HTMLElement} el
 */
export function createView(el) {
  const root = h("div", "iwm-probe-chart", el);
  h("style", "", root).textContent = CSS;
  const errors = errorBox(root);
  const holder = h("div", "iwm-svg", root);
  const tooltip = createTooltip(root);
  return { root, errors, holder, tooltip };
}

/** @typedef {ReturnType<typeof createView>} View */
