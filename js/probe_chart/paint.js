// Drawing ProbeChart: Python's SVG (scrubbed) and the picked points.

import { parseLabel, POINTS, scrubSvg } from "./svg.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./view.js").View} View */

/**
 * Mark the picked points (before Python's highlighted SVG arrives) and the dataset.
 * @param {View} view
 * @param {Pick<Model, "get">} model
 */
export function markPicked(view, model) {
  const picked = model.get("selected") || "";
  for (const p of view.holder.querySelectorAll(POINTS)) {
    const site = parseLabel(p.getAttribute("aria-label")).site;
    p.classList.toggle("iwm-picked", !!picked && site === picked);
  }
  view.root.dataset.selected = picked;
  view.root.dataset.drawn = model.get("drawn") || "";
}

/**
 * Show the `svg` trait (nothing when it is empty or not an SVG document).
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @param {number} renders how many SVGs this view has shown, this one included
 */
export function paintSvg(view, model, renders) {
  const { root, holder } = view;
  const text = model.get("svg") || "";
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (!text || svg.nodeName !== "svg" || doc.querySelector("parsererror")) {
    holder.replaceChildren();
  } else {
    holder.replaceChildren(document.importNode(scrubSvg(svg), true));
  }
  root.dataset.renderCount = String(renders);
  root.dataset.points = String(holder.querySelectorAll(POINTS).length);
  view.tooltip.hide();
  markPicked(view, model);
}
