// ProbeChart's SVG, without the view: which marks are points, what their ARIA labels say,
// what a click picks, and scrubbing what could run code out of a parsed SVG.
//
// Each point is <path role="graphics-symbol" aria-label="site: blocks.1; series: ...;
// score: 0.953"> inside g.mark-symbol: the label (Vega's ARIA description, set by the
// spec's `description` channel) is both the tooltip and where the site is read from.

/** Points (clickable, with a tooltip). */
export const POINTS = "g.mark-symbol [role='graphics-symbol']";
/** Everything with a tooltip: points and the baseline rules. */
export const TIPPED = `${POINTS}, g.mark-rule.role-mark [role='graphics-symbol']`;

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
