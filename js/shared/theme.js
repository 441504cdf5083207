// The look shared by the views: the colours a canvas or an SVG export needs, read from the
// page's theme (JupyterLab's CSS variables) with fallbacks, and the CSS every view starts
// from (its font and colours, the --iwm-* variables, hidden elements, the error box).

/** The edit colour: a dial that is on, an edited graph node, the LM panel's edited tokens. */
export const EDIT_COLOR = "#e8700a";

/**
 * Colours for drawing: text, muted text, background, walls (the rollout's box), the shade
 * outside them; dark: light text on a dark background.
 * @typedef {{fg: string, muted: string, bg: string, dark: boolean, wall: string, outside: string}} Theme
 */

/** @type {Readonly<Theme>} */
export const DEFAULT_THEME = Object.freeze({
  fg: "#222",
  muted: "#666",
  bg: "#fff",
  dark: false,
  wall: "#444",
  outside: "rgba(128, 128, 128, 0.12)",
});

/**
 * The theme of an element: its text colour and JupyterLab's variables where present, else
 * `fallback`'s colours.
 * @param {Element} el
 * @param {Readonly<Theme>} [fallback]
 * @returns {Theme}
 */
export function themeOf(el, fallback = DEFAULT_THEME) {
  const cs = getComputedStyle(el);
  const v = (/** @type {string} */ name, /** @type {string} */ other) => cs.getPropertyValue(name).trim() || other;
  // Light text means a dark theme (the computed colour is always rgb()/rgba()).
  const [r, g, b] = (cs.color.match(/[\d.]+/g) ?? ["0", "0", "0"]).map(Number);
  const dark = 0.2126 * r + 0.7152 * g + 0.0722 * b > 140;
  return {
    fg: cs.color || fallback.fg,
    muted: v("--jp-ui-font-color2", fallback.muted),
    bg: v("--jp-layout-color0", dark ? "#111" : fallback.bg),
    dark,
    wall: v("--jp-ui-font-color1", fallback.wall),
    outside: fallback.outside,
  };
}

/**
 * What every view's CSS starts with, scoped to its root class: font and colours, the
 * --iwm-* colour variables, `[hidden]` that wins over display rules, the title and the
 * error box.
 * @param {string} scope e.g. ".iwm-causal-graph"
 * @returns {string}
 */
export function baseCss(scope) {
  return `
${scope} {
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
  --iwm-edit: ${EDIT_COLOR}; --iwm-muted: var(--jp-ui-font-color2, #666); --iwm-faint: var(--jp-ui-font-color3, #999);
}
${scope} [hidden] { display: none !important; }
${scope} .iwm-title { font-weight: 600; }
${scope} .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
`;
}

/**
 * The header row of the workspace views (title, badges, controls), scoped to a root class.
 * @param {string} scope
 * @returns {string}
 */
export function headerCss(scope) {
  return `
${scope} .iwm-header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 6px; }
`;
}
