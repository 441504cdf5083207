// The SVG back end of a scene: the same drawing as paintScene (paint.js), without hover or
// selection, as a standalone document (CausalGraph's SVG export).

import { DEFAULT_THEME } from "../shared/theme.js";
import { LABEL_FONT_PX, LABEL_HALO } from "./labels.js";
import { edgeGroups, edgeStyle, GEOM_STRIDE, nodeStroke, shapeOf, SQUARE_CORNER, SQUARE_HALF, TRUTH_ALPHA, TRUTH_WIDTH } from "./scene.js";

/** @typedef {import("./scene.js").Scene} Scene */
/** @typedef {Pick<import("../shared/theme.js").Theme, "fg" | "muted" | "bg" | "dark">} Theme colours; dark: light on dark */

/**
 * Text or an attribute value, escaped for XML.
 * @param {string} s
 * @returns {string}
 */
export function escapeXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/** @param {number} v a coordinate with 2 decimals, no trailing zeros */
function f2(v) {
  return String(Math.round(v * 100) / 100);
}

/**
 * The scene as a standalone SVG document (the same drawing as paintScene without hover
 * or selection): one <path> per edge group and one for its arrowheads, one <circle> per
 * node (a <rect> for a head; with a <title>: label and value), one <text> per placed label.
 * @param {Scene} scene
 * @param {{theme?: Theme, fontFamily?: string, title?: string}} [opts]
 * @returns {string}
 */
export function sceneToSVG(scene, opts = {}) {
  const theme = opts.theme ?? DEFAULT_THEME;
  const family = opts.fontFamily ?? "sans-serif";
  const { width, height, geom, pos, radius: r } = scene;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f2(width)}" height="${f2(height)}" viewBox="0 0 ${f2(width)} ${f2(height)}"` +
      ` font-family="${escapeXml(family)}" font-size="${LABEL_FONT_PX}">`,
  ];
  if (opts.title) out.push(`<title>${escapeXml(opts.title)}</title>`);
  out.push(`<rect width="${f2(width)}" height="${f2(height)}" fill="${escapeXml(theme.bg)}"/>`);
  const tl = scene.truthLines;
  if (tl && tl.length) {
    const lines = [];
    for (let k = 0; k < tl.length; k += 4) lines.push(`M${f2(tl[k])} ${f2(tl[k + 1])}L${f2(tl[k + 2])} ${f2(tl[k + 3])}`);
    out.push(`<path class="true-edges" d="${lines.join("")}" fill="none" stroke="${escapeXml(theme.fg)}" stroke-opacity="${TRUTH_ALPHA}" stroke-width="${TRUTH_WIDTH}" stroke-linecap="round"/>`);
  }
  const heads = scene.directed !== false;
  out.push(`<g class="edges" stroke-linecap="round" stroke-linejoin="round">`);
  for (const g of edgeGroups(scene)) {
    const st = edgeStyle(g.sign, g.level, theme.dark, g.truth);
    const curves = [];
    const arrows = [];
    for (const k of g.members) {
      const o = k * GEOM_STRIDE;
      const e = heads ? 4 : 6; // an undirected edge runs to the rim, with no arrowhead
      curves.push(`M${f2(geom[o])} ${f2(geom[o + 1])}Q${f2(geom[o + 2])} ${f2(geom[o + 3])} ${f2(geom[o + e])} ${f2(geom[o + e + 1])}`);
      arrows.push(`M${f2(geom[o + 6])} ${f2(geom[o + 7])}L${f2(geom[o + 8])} ${f2(geom[o + 9])}L${f2(geom[o + 10])} ${f2(geom[o + 11])}Z`);
    }
    const dash = st.dash && st.dash.length ? ` stroke-dasharray="${st.dash.join(" ")}"` : "";
    out.push(`<path d="${curves.join("")}" fill="none" stroke="${st.color}" stroke-opacity="${st.alpha}" stroke-width="${st.width}"${dash}/>`);
    if (heads) out.push(`<path d="${arrows.join("")}" fill="${st.color}" fill-opacity="${st.alpha}"/>`);
  }
  out.push(`</g>`, `<g class="nodes">`);
  for (let i = 0; i < scene.nodes.length; i++) {
    const d = scene.nodes[i];
    const st = nodeStroke(d, theme);
    const dash = st.dash.length ? ` stroke-dasharray="${st.dash.join(" ")}"` : "";
    const v = d[scene.colourBy];
    const tip = `${d.label}: ${scene.colourBy} ${Number.isFinite(v) ? v.toPrecision(4) : "–"}${d.edited ? " (edited)" : ""}`;
    const paint = `fill="${scene.fill[i]}" stroke="${escapeXml(st.color)}" stroke-width="${st.width}"${dash}`;
    if (shapeOf(scene, i) === 1) {
      const a = SQUARE_HALF * r;
      out.push(
        `<rect class="head" x="${f2(pos[2 * i] - a)}" y="${f2(pos[2 * i + 1] - a)}" width="${f2(2 * a)}" height="${f2(2 * a)}" rx="${f2(SQUARE_CORNER * r)}"` +
          ` ${paint}><title>${escapeXml(tip)}</title></rect>`,
      );
    } else {
      out.push(`<circle cx="${f2(pos[2 * i])}" cy="${f2(pos[2 * i + 1])}" r="${f2(r)}" ${paint}><title>${escapeXml(tip)}</title></circle>`);
    }
  }
  out.push(`</g>`, `<g class="labels" fill="${escapeXml(theme.fg)}" stroke="${escapeXml(theme.bg)}" stroke-width="${LABEL_HALO}" stroke-linejoin="round" paint-order="stroke">`);
  for (const l of scene.labels) {
    const anchor = l.align === "left" ? "start" : l.align === "right" ? "end" : "middle";
    out.push(`<text x="${f2(l.x)}" y="${f2(l.y)}" text-anchor="${anchor}" dominant-baseline="central">${escapeXml(l.text)}</text>`);
  }
  out.push(`</g>`, `</svg>`);
  return out.join("\n");
}
