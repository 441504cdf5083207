// ProbeChart's DOM: the error box, the SVG's holder and the tooltip; and their CSS.

import { errorBox, h } from "../shared/dom.js";
import { baseCss } from "../shared/theme.js";
import { createTooltip, tooltipCss } from "../shared/tooltip.js";
import { POINTS } from "./svg.js";

const SCOPE = ".iwm-probe-chart";

export const CSS = `${baseCss(SCOPE)}
.iwm-probe-chart { position: relative; display: inline-block; max-width: 100%; padding: 4px 2px; }
.iwm-probe-chart .iwm-svg svg { display: block; max-width: 100%; height: auto; }
.iwm-probe-chart ${POINTS} { cursor: pointer; }
.iwm-probe-chart .iwm-picked { stroke: #222; stroke-width: 2px; }
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
