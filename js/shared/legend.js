// The colour bar of a legend: a colour map as a CSS gradient, and its three tick labels.

import { cssColor, N_COLORS } from "./colormap.js";

/**
 * A colour table as a left-to-right CSS gradient (17 stops).
 * @param {Uint8ClampedArray} colors a table from colormap.js
 * @returns {string}
 */
export function gradientCss(colors) {
  const stops = [];
  for (let i = 0; i <= 16; i++) {
    const k = Math.round((i / 16) * (N_COLORS - 1));
    stops.push(`${cssColor(colors, k)} ${((100 * i) / 16).toFixed(2)}%`);
  }
  return `linear-gradient(to right, ${stops.join(", ")})`;
}

/**
 * Three tick labels under a colour bar: at its left end, its middle and its right end.
 * @param {HTMLElement} el
 * @param {[string, string, string]} texts
 */
export function fillTicks(el, texts) {
  const at = [
    ["0%", "translateX(0)"],
    ["50%", "translateX(-50%)"],
    ["100%", "translateX(-100%)"],
  ];
  el.replaceChildren(
    ...texts.map((text, i) => {
      const s = document.createElement("span");
      s.textContent = text;
      s.style.left = at[i][0];
      s.style.transform = at[i][1];
      return s;
    }),
  );
}
