// ProbeChart: a probe sweep's score-by-layer chart (the view of
// iwm_widgets/widgets/probe_chart.py).
//
// Python renders the altair chart to SVG (vl-convert) and sends it as text; this view shows
// it, a tooltip over points and baseline rules, and turns a click on a point into the
// `selected` trait (its site; clicking the picked point again clears it). Python then
// re-renders the SVG with the picked layer highlighted; until it arrives the picked points
// carry the class iwm-picked, so a click shows at once.
//
// Each point is <path role="graphics-symbol" aria-label="site: blocks.1; series: ...;
// score: 0.953"> inside g.mark-symbol: the label (Vega's ARIA description, set by the
// spec's `description` channel) is both the tooltip and where the site is read from.
//
// Synced traits (see the Python class): svg, sites, selected, drawn, error, render_ms. The
// root element carries data-render-count, data-selected, data-drawn and data-points for
// tests.

import { errorBox as makeErrorBox, h, setTrait, showError } from "./widget_util.js";

/**
 * The slice of anywidget's model that this view uses.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, cb: Function) => void} on
 * @property {(event: string, cb: Function) => void} off
 * @property {() => void} save_changes
 */

/** Points (clickable, with a tooltip). */
export const POINTS = "g.mark-symbol [role='graphics-symbol']";
/** Everything with a tooltip: points and the baseline rules. */
export const TIPPED = `${POINTS}, g.mark-rule.role-mark [role='graphics-symbol']`;

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM), exported for tests/js.

/**
 * The fields of an ARIA label "site: blocks.1; series: probe (held-out); score: 0.953".
 * @param {string | null | undefined} label
 * @returns {Record<string, string>}
 */
export function parseLabel(label) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const part of (label || "").split("; ")) {
    const i = part.indexOf(": ");
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 2);
  }
  return out;
}

/**
 * The tooltip's lines for a label: one "key: value" per field.
 * @param {string | null | undefined} label
 * @returns {string[]}
 */
export function tooltipLines(label) {
  return Object.entries(parseLabel(label)).map(([k, v]) => `${k}: ${v}`);
}

/**
 * What a click on the point of `site` picks: the site, or "" (clear) when it is already
 * picked or not a probed site.
 * @param {string} current the pick now ("" for none)
 * @param {string | undefined} site
 * @param {readonly string[]} sites
 * @returns {string}
 */
export function nextPick(current, site, sites) {
  if (!site || !sites.includes(site)) return current;
  return site === current ? "" : site;
}

/**
 * Remove what could run code from a parsed SVG: scripts, foreign objects, event-handler
 * attributes and javascript: links (the SVG comes from Python, but a saved notebook's
 * widget state is only as trustworthy as the notebook).
 * @param {Element} svg
 * @returns {Element}
 */
export function scrubSvg(svg) {
  for (const bad of [...svg.querySelectorAll("script, foreignObject, iframe")]) bad.remove();
  for (const el of [svg, ...svg.querySelectorAll("*")]) {
    for (const a of [...el.attributes]) {
      const name = a.name.toLowerCase();
      const js = /^\s*javascript:/i.test(a.value);
      if (name.startsWith("on") || ((name === "href" || name === "xlink:href") && js)) {
        el.removeAttribute(a.name);
      }
    }
  }
  return svg;
}

// ---------------------------------------------------------------------------------------
// The view.

const CSS = `
.iwm-probe-chart {
  position: relative; display: inline-block; max-width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
}
.iwm-probe-chart [hidden] { display: none !important; }
.iwm-probe-chart .iwm-svg svg { display: block; max-width: 100%; height: auto; }
.iwm-probe-chart ${POINTS} { cursor: pointer; }
.iwm-probe-chart .iwm-picked { stroke: #222; stroke-width: 2px; }
.iwm-probe-chart.iwm-stale .iwm-svg { opacity: 0.6; }
.iwm-probe-chart .iwm-tooltip {
  position: absolute; pointer-events: none; z-index: 10; white-space: pre;
  padding: 3px 6px; border: 1px solid #bbb; border-radius: 3px; background: rgba(255, 255, 255, 0.95);
  color: #222; font-size: 12px; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.2);
}
.iwm-probe-chart .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
`;

/**
 * @param {{model: Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const root = h("div", "iwm-probe-chart", el);
  h("style", "", root).textContent = CSS;
  const errorBox = makeErrorBox(root);
  const holder = h("div", "iwm-svg", root);
  const tip = h("div", "iwm-tooltip", root);
  tip.hidden = true;
  tip.setAttribute("role", "tooltip");
  let renders = 0;

  /** Mark the picked points (before Python's highlighted SVG arrives) and the dataset. */
  function markPicked() {
    const picked = model.get("selected") || "";
    for (const p of holder.querySelectorAll(POINTS)) {
      const site = parseLabel(p.getAttribute("aria-label")).site;
      p.classList.toggle("iwm-picked", !!picked && site === picked);
    }
    root.dataset.selected = picked;
    root.dataset.drawn = model.get("drawn") || "";
  }

  function drawSvg() {
    const text = model.get("svg") || "";
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    const svg = doc.documentElement;
    if (!text || svg.nodeName !== "svg" || doc.querySelector("parsererror")) {
      holder.replaceChildren();
    } else {
      holder.replaceChildren(document.importNode(scrubSvg(svg), true));
    }
    renders += 1;
    root.dataset.renderCount = String(renders);
    root.dataset.points = String(holder.querySelectorAll(POINTS).length);
    hideTip();
    markPicked();
  }

  function drawError() {
    showError(root, errorBox, [model.get("error")]);
  }

  function hideTip() {
    tip.hidden = true;
  }

  /** @param {MouseEvent} e */
  function onMove(e) {
    const target = /** @type {Element} */ (e.target);
    const mark = target.closest?.(TIPPED);
    if (!mark || !holder.contains(mark)) return hideTip();
    tip.textContent = tooltipLines(mark.getAttribute("aria-label")).join("\n");
    tip.hidden = false;
    const box = root.getBoundingClientRect();
    const x = e.clientX - box.left + 12;
    const y = e.clientY - box.top + 12;
    // keep it inside the widget: flip to the left of the pointer near the right edge
    const flip = x + tip.offsetWidth > box.width;
    tip.style.left = `${flip ? Math.max(0, x - 24 - tip.offsetWidth) : x}px`;
    tip.style.top = `${y}px`;
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const target = /** @type {Element} */ (e.target);
    const point = target.closest?.(POINTS);
    if (!point || !holder.contains(point)) return;
    const site = parseLabel(point.getAttribute("aria-label")).site;
    const pick = nextPick(model.get("selected") || "", site, model.get("sites") || []);
    if (setTrait(model, "selected", pick)) markPicked();
  }

  /** @type {[string, Function][]} */
  const handlers = [
    ["change:svg", drawSvg],
    ["change:selected", markPicked],
    ["change:drawn", markPicked],
    ["change:error", drawError],
  ];
  for (const [event, cb] of handlers) model.on(event, cb);
  holder.addEventListener("click", onClick);
  holder.addEventListener("mousemove", onMove);
  holder.addEventListener("mouseleave", hideTip);

  drawSvg();
  drawError();

  return () => {
    for (const [event, cb] of handlers) model.off(event, cb);
    holder.removeEventListener("click", onClick);
    holder.removeEventListener("mousemove", onMove);
    holder.removeEventListener("mouseleave", hideTip);
    root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
