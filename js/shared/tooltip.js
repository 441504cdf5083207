// The tooltip of every view: lines next to the pointer, kept inside the widget.

import { h } from "./dom.js";

/** The tooltip sits this many px right of and below the pointer (left / above near an edge). */
export const TOOLTIP_OFFSET = 14;

/**
 * One line: [key, text] (the key in bold, none when "") or plain text.
 * @typedef {[string, string] | string} TooltipLine
 */

/**
 * A tooltip inside `root` (which must be positioned): `show` fills it and places it at
 * the pointer, flipped left of it or above it where it would leave `root`.
 * @param {HTMLElement} root
 * @returns {{el: HTMLDivElement, show: (e: {clientX: number, clientY: number}, lines: TooltipLine[]) => void, hide: () => void}}
 */
export function createTooltip(root) {
  const el = h("div", "iwm-tooltip", root);
  el.setAttribute("role", "tooltip");
  el.hidden = true;
  return {
    el,
    show(e, lines) {
      el.replaceChildren(
        ...lines.map((ln) => {
          const line = document.createElement("div");
          if (typeof ln === "string") {
            line.append(ln);
            return line;
          }
          const [key, text] = ln;
          if (key) {
            const b = document.createElement("b");
            b.textContent = key;
            line.append(b, " ");
          }
          line.append(text);
          return line;
        }),
      );
      el.hidden = false;
      const box = root.getBoundingClientRect();
      const tw = el.offsetWidth;
      const th = el.offsetHeight;
      const d = TOOLTIP_OFFSET;
      let x = e.clientX - box.left + d;
      let y = e.clientY - box.top + d;
      if (x + tw > box.width) x = Math.max(0, e.clientX - box.left - tw - d);
      if (y + th > box.height) y = Math.max(0, e.clientY - box.top - th - d);
      el.style.left = `${x}px`;
      el.style.top = `${y}px`;
    },
    hide() {
      el.hidden = true;
    },
  };
}

/**
 * The tooltip's CSS, scoped to a view's root class.
 * @param {string} scope e.g. ".iwm-activation-map"
 * @returns {string}
 */
export function tooltipCss(scope) {
  return `
${scope} .iwm-tooltip {
  position: absolute; z-index: 10; pointer-events: none; padding: 4px 8px; border-radius: 3px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
  font-size: 12px; line-height: 16px; white-space: nowrap; font-variant-numeric: tabular-nums;
}
${scope} .iwm-tooltip b { font-weight: 600; margin-right: 2px; color: var(--iwm-muted); }
`;
}
