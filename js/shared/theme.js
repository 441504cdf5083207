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
 * The page's theme as --iwm-* CSS variables: JupyterLab's (Lab and Notebook 7), else VS
 * Code's, else light defaults. Text, the page and the controls' backgrounds, borders.
 */
export const THEME_VARS = [
  "--iwm-fg: var(--jp-ui-font-color1, var(--vscode-foreground, #222));",
  "--iwm-bg: var(--jp-layout-color0, var(--vscode-editor-background, #fff));",
  "--iwm-control-bg: var(--jp-layout-color1, var(--vscode-dropdown-background, var(--vscode-input-background, #fff)));",
  "--iwm-border: var(--jp-border-color1, var(--vscode-dropdown-border, #bbb));",
  "--iwm-grid: var(--jp-border-color2, var(--vscode-editorWidget-border, #ddd));",
].join(" ");

/**
 * Selectors of a page in a dark theme (JupyterLab and Notebook 7, VS Code): views inside
 * get `color-scheme: dark`, so native parts (a select's open list, a number field's
 * arrows, scroll bars) are dark too.
 */
export const DARK_HOSTS = Object.freeze([
  'body[data-jp-theme-light="false"]',
  "body.vscode-dark",
  "body.vscode-high-contrast:not(.vscode-high-contrast-light)",
]);

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
  font-size: var(--jp-ui-font-size1, 13px); color: var(--iwm-fg);
  --iwm-edit: ${EDIT_COLOR}; --iwm-muted: var(--jp-ui-font-color2, var(--vscode-descriptionForeground, #666));
  --iwm-faint: var(--jp-ui-font-color3, #999);
  ${THEME_VARS}
}
${DARK_HOSTS.map((d) => `${d} ${scope}`).join(", ")} { color-scheme: dark; }
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

/**
 * Call `callback` when the page's theme changes (JupyterLab and Notebook 7 mark the theme
 * on <body>: data-jp-theme-name, data-jp-theme-light): canvases read the theme's colours
 * when they paint, so a view repaints on a switch. JupyterLab may mark <body> before the
 * new theme's stylesheet applies, so a canvas painted at once can read the old theme's
 * variables (dark springs on a dark box): the callback runs again when a stylesheet
 * loads and once more shortly after the switch.
 * @param {() => void} callback
 * @returns {() => void} stops watching
 */
export function onThemeChange(callback) {
  if (typeof MutationObserver === "undefined" || typeof document === "undefined" || !document.body) return () => {};
  /** @type {ReturnType<typeof setTimeout>[]} */
  let timers = [];
  const later = () => {
    timers.forEach(clearTimeout);
    timers = [150, 600].map((ms) => setTimeout(callback, ms));
  };
  const mo = new MutationObserver(() => {
    callback();
    later();
  });
  mo.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
  // a stylesheet that finishes loading (load events do not bubble: listen in capture)
  const onLoad = (/** @type {Event} */ e) => {
    const t = /** @type {Element | null} */ (e.target);
    if (t && t.tagName === "LINK") callback();
  };
  document.addEventListener("load", onLoad, true);
  return () => {
    mo.disconnect();
    timers.forEach(clearTimeout);
    document.removeEventListener("load", onLoad, true);
  };
}
