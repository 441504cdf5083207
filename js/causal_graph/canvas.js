// The canvas back end of a scene (scene.js): edges grouped into one path per (sign, level),
// nodes with their outlines, labels on a halo; with a hovered node, edge or selection on
// top. svg.js draws the same scene without the emphasis.

import { DEFAULT_THEME } from "../shared/theme.js";
import { hiddenLabel, LABEL_FONT_PX, LABEL_HALO } from "./labels.js";
import { edgeGroups, edgeStyle, GEOM_STRIDE, nodeStroke, shapeOf, SQUARE_CORNER, SQUARE_HALF, TRUTH_ALPHA, TRUTH_WIDTH } from "./scene.js";

/** @typedef {import("./scene.js").Scene} Scene */
/** @typedef {import("./scene.js").Theme} Theme */

/**
 * Begin a path and trace a node's outline, grown by `grow` px (rings around it): a circle
 * of radius r, or a rounded square of half side SQUARE_HALF·r.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} shape
 * @param {number} x
 * @param {number} y
 * @param {number} r node radius
 * @param {number} [grow]
 */
export function nodePath(ctx, shape, x, y, r, grow = 0) {
  ctx.beginPath();
  if (shape !== 1) {
    ctx.arc(x, y, r + grow, 0, 2 * Math.PI);
    return;
  }
  const a = SQUARE_HALF * r + grow;
  const c = SQUARE_CORNER * r + grow;
  ctx.moveTo(x - a + c, y - a);
  ctx.arcTo(x + a, y - a, x + a, y + a, c);
  ctx.arcTo(x + a, y + a, x - a, y + a, c);
  ctx.arcTo(x - a, y + a, x - a, y - a, c);
  ctx.arcTo(x - a, y - a, x + a, y - a, c);
  ctx.closePath();
}

/**
 * What is emphasised on top of the drawing.
 * @typedef {object} Emphasis
 * @property {number} [hoverNode] node index, or -1
 * @property {number} [hoverEdge] position in scene.edges, or -1
 * @property {number} [selected] node index, or -1
 * @property {boolean} [background] fill the background first (exports)
 */

/**
 * Paint a scene into a 2-D context whose transform maps CSS px (the caller sets the
 * device-pixel ratio).
 * @param {CanvasRenderingContext2D} ctx
 * @param {Scene} scene
 * @param {{theme?: Theme, font?: string} & Emphasis} [opts]
 */
export function paintScene(ctx, scene, opts = {}) {
  const theme = opts.theme ?? DEFAULT_THEME;
  const hoverNode = opts.hoverNode ?? -1;
  const hoverEdge = opts.hoverEdge ?? -1;
  const selected = opts.selected ?? -1;
  const { width, height, geom, pos, radius: r } = scene;
  ctx.clearRect(0, 0, width, height);
  if (opts.background) {
    ctx.fillStyle = theme.bg;
    ctx.fillRect(0, 0, width, height);
  }
  ctx.save();
  ctx.lineCap = "round";
  ctx.lineJoin = "round";

  // The true edges, faint and wide, under everything (a graph whose truth is known).
  const tl = scene.truthLines;
  if (tl && tl.length) {
    ctx.globalAlpha = TRUTH_ALPHA;
    ctx.strokeStyle = theme.fg;
    ctx.lineWidth = TRUTH_WIDTH;
    ctx.beginPath();
    for (let k = 0; k < tl.length; k += 4) {
      ctx.moveTo(tl[k], tl[k + 1]);
      ctx.lineTo(tl[k + 2], tl[k + 3]);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  const heads = scene.directed !== false;

  // Edges. With a hovered node, its in/out edges are drawn on top and the rest dimmed.
  const touches = (/** @type {number} */ k) => scene.src[k] === hoverNode || scene.dst[k] === hoverNode;
  const dim = hoverNode >= 0 || hoverEdge >= 0;
  /**
   * @param {{sign: number, level: number, truth: number, members: number[]}[]} groups
   * @param {(a: number) => number} alpha the group's opacity from its style's
   * @param {number} [widen] px added to the stroke width
   */
  const strokeGroups = (groups, alpha, widen = 0) => {
    for (const g of groups) {
      const st = edgeStyle(g.sign, g.level, theme.dark, g.truth);
      ctx.globalAlpha = Math.max(0, Math.min(1, alpha(st.alpha))); // out of [0, 1] is ignored
      ctx.strokeStyle = st.color;
      ctx.fillStyle = st.color;
      ctx.lineWidth = st.width + widen;
      ctx.setLineDash(st.dash ?? []);
      ctx.beginPath();
      for (const k of g.members) {
        const o = k * GEOM_STRIDE;
        ctx.moveTo(geom[o], geom[o + 1]);
        if (heads) ctx.quadraticCurveTo(geom[o + 2], geom[o + 3], geom[o + 4], geom[o + 5]);
        else ctx.quadraticCurveTo(geom[o + 2], geom[o + 3], geom[o + 6], geom[o + 7]);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      if (!heads) continue;
      ctx.beginPath();
      for (const k of g.members) {
        const o = k * GEOM_STRIDE;
        ctx.moveTo(geom[o + 6], geom[o + 7]);
        ctx.lineTo(geom[o + 8], geom[o + 9]);
        ctx.lineTo(geom[o + 10], geom[o + 11]);
        ctx.closePath();
      }
      ctx.fill();
    }
  };
  if (hoverNode >= 0) {
    strokeGroups(edgeGroups(scene, (k) => !touches(k)), (a) => a * 0.25);
    strokeGroups(edgeGroups(scene, touches), (a) => 0.5 + 0.6 * a, 0.5);
  } else {
    strokeGroups(edgeGroups(scene), (a) => (dim ? a * 0.5 : a));
  }
  if (hoverEdge >= 0 && hoverEdge < scene.edges.length) {
    // The hovered edge: a halo in the background colour, then the edge itself, opaque.
    const o = hoverEdge * GEOM_STRIDE;
    const st = edgeStyle(scene.sign[hoverEdge], scene.level[hoverEdge], theme.dark, scene.truth ? scene.truth[hoverEdge] : -1);
    ctx.globalAlpha = 1;
    for (const [color, w] of /** @type {[string, number][]} */ ([
      [theme.bg, st.width + 4],
      [st.color, Math.max(2, st.width)],
    ])) {
      ctx.strokeStyle = color;
      ctx.lineWidth = w;
      ctx.beginPath();
      ctx.moveTo(geom[o], geom[o + 1]);
      ctx.quadraticCurveTo(geom[o + 2], geom[o + 3], geom[o + 4], geom[o + 5]);
      ctx.stroke();
    }
    ctx.fillStyle = st.color;
    if (!heads) ctx.globalAlpha = 0; // no arrowhead on an undirected edge
    ctx.beginPath();
    ctx.moveTo(geom[o + 6], geom[o + 7]);
    ctx.lineTo(geom[o + 8], geom[o + 9]);
    ctx.lineTo(geom[o + 10], geom[o + 11]);
    ctx.closePath();
    ctx.fill();
  }

  // Nodes. With a hovered node, nodes it does not touch are faded.
  /** @type {Set<number> | null} */
  let near = null;
  if (hoverNode >= 0) {
    near = new Set([hoverNode]);
    for (let k = 0; k < scene.edges.length; k++) {
      if (scene.src[k] === hoverNode) near.add(scene.dst[k]);
      if (scene.dst[k] === hoverNode) near.add(scene.src[k]);
    }
  } else if (hoverEdge >= 0 && hoverEdge < scene.edges.length) {
    near = new Set([scene.src[hoverEdge], scene.dst[hoverEdge]]);
  }
  for (let i = 0; i < scene.nodes.length; i++) {
    const d = scene.nodes[i];
    const st = nodeStroke(d, theme);
    ctx.globalAlpha = near && !near.has(i) ? 0.35 : 1;
    nodePath(ctx, shapeOf(scene, i), pos[2 * i], pos[2 * i + 1], r);
    ctx.fillStyle = scene.fill[i];
    ctx.fill();
    ctx.strokeStyle = st.color;
    ctx.lineWidth = st.width;
    ctx.setLineDash(st.dash);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.globalAlpha = 1;
  for (const [i, color, w] of /** @type {[number, string, number][]} */ ([
    [selected, theme.fg, 2.5],
    [hoverNode, theme.fg, 1.5],
  ])) {
    if (i < 0 || i >= scene.nodes.length) continue;
    ctx.strokeStyle = color;
    ctx.lineWidth = w;
    nodePath(ctx, shapeOf(scene, i), pos[2 * i], pos[2 * i + 1], r, 4);
    ctx.stroke();
  }

  // Labels, on a halo of the background colour so they read over edges.
  ctx.font = opts.font ?? `${LABEL_FONT_PX}px sans-serif`;
  ctx.textBaseline = "middle";
  ctx.lineWidth = LABEL_HALO;
  ctx.strokeStyle = theme.bg;
  ctx.fillStyle = theme.fg;
  for (const l of scene.labels) {
    ctx.globalAlpha = near && !near.has(l.i) ? 0.35 : 1;
    ctx.textAlign = l.align;
    ctx.strokeText(l.text, l.x, l.y);
    ctx.fillText(l.text, l.x, l.y);
  }
  // A hidden label (no room for it) shows while its node is hovered or selected, on a
  // box of the background colour, on top of everything.
  ctx.globalAlpha = 1;
  for (const i of new Set([hoverNode, selected])) {
    const l = hiddenLabel(scene, i);
    if (!l) continue;
    ctx.fillStyle = theme.bg;
    ctx.globalAlpha = 0.92;
    ctx.fillRect(l.x0 - 2, l.y0, l.x1 - l.x0 + 4, l.y1 - l.y0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = theme.fg;
    ctx.textAlign = l.align;
    ctx.fillText(l.text, l.x, l.y);
  }
  ctx.restore();
}
