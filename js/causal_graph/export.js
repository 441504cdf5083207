// CausalGraph's exports: the scene as a PNG (painted offscreen at EXPORT_SCALE) or as an
// SVG document, handed to Python in a {type: "export", format, data} message.

import { paintScene } from "./canvas.js";
import { sceneToSVG } from "./svg.js";

/** @typedef {import("./state.js").State} State */
/** @typedef {import("../shared/theme.js").Theme} Theme */

/**
 * The export buttons' text and title: an export is drawn as the graph is shown, in the
 * page's theme (a dark background in a dark theme), and says so.
 * @param {"png" | "svg"} format
 * @param {Pick<Theme, "dark">} theme
 * @returns {{text: string, title: string}}
 */
export function exportLabel(format, theme) {
  const look = theme.dark ? "dark" : "light";
  const what = format === "png" ? "a PNG image" : "an SVG document";
  return {
    text: `${format.toUpperCase()} (${look}, as shown)`,
    title:
      `send the graph to Python as ${what} (then g.save("graph.${format}")), drawn as shown: ` +
      (theme.dark ? "a dark background with light text" : "a light background with dark text") +
      `, the notebook's theme; switch the theme (Settings → Theme) for a ${theme.dark ? "light" : "dark"} one`,
  };
}

/** PNG exports are drawn at this many device pixels per CSS pixel. */
export const EXPORT_SCALE = 2;

/**
 * The message that hands an export to Python.
 * @param {"png" | "svg"} format
 * @param {string} data a PNG data URL, or an SVG document
 * @returns {{type: "export", format: "png" | "svg", data: string}}
 */
export function exportMessage(format, data) {
  return { type: "export", format, data };
}

/**
 * The current scene as a PNG data URL or an SVG document ("" without a scene).
 * @param {State} state
 * @param {"png" | "svg"} format
 * @returns {string}
 */
export function exportScene(state, format) {
  const { scene, theme } = state;
  if (!scene) return "";
  if (format === "svg") return sceneToSVG(scene, { theme, fontFamily: state.family, title: "causal graph" });
  const off = document.createElement("canvas");
  off.width = Math.round(scene.width * EXPORT_SCALE);
  off.height = Math.round(scene.height * EXPORT_SCALE);
  const ctx = /** @type {CanvasRenderingContext2D} */ (off.getContext("2d"));
  ctx.setTransform(EXPORT_SCALE, 0, 0, EXPORT_SCALE, 0, 0);
  paintScene(ctx, scene, { theme, font: state.font, background: true });
  const data = off.toDataURL("image/png");
  off.width = off.height = 0;
  return data;
}
