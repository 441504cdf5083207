// Drawing CausalGraph: the header (output readout, ground-truth badge, badges), the scene
// (rebuilt when the graph, the size, the threshold or the colouring changed; repainted
// alone for hover and selection), the edge count, the legend, and the node list: a
// visually hidden list of buttons, one per node, that lets keyboard users (and tests)
// reach every node.

import { generationText } from "../shared/controls.js";
import { fitCanvas } from "../shared/dom.js";
import { formatValue } from "../shared/format.js";
import { fillTicks } from "../shared/legend.js";
import { themeOf } from "../shared/theme.js";
import { paintScene } from "./canvas.js";
import { LABEL_FONT_PX } from "./labels.js";
import { buildScene, edgeStyle, nodeShape, TRUTH_ALPHA, TRUTH_WIDTH } from "./scene.js";
import { colourBy, plotHeight, selectedIndex, spatialHeight } from "./state.js";
import { edgeCountText, formatSigned, outputReadout, scoreBadge } from "./text.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/**
 * The output readout, the ground-truth badge, running and the generation.
 * @param {View} view
 * @param {Pick<Model, "get">} model
 */
export function paintHeader(view, model) {
  const out = outputReadout(model.get("output"));
  const { outputBox, scoreBox } = view;
  outputBox.hidden = !out;
  if (out) {
    view.outputText.textContent = out.text;
    view.outputDelta.textContent = out.delta;
    outputBox.classList.toggle("iwm-changed", out.changed);
    outputBox.dataset.changed = out.changed ? "1" : "0";
    outputBox.title = out.changed ? "the edits changed the model's output" : "the edits did not change the model's output";
  }
  const score = scoreBadge(model.get("score"));
  scoreBox.hidden = !score.text;
  scoreBox.textContent = score.text;
  scoreBox.title = score.title;
  view.status.classList.toggle("iwm-idle", model.get("status") !== "running");
  view.genBadge.textContent = generationText(model);
}

/**
 * The legend: what the node colours show and their range, the edge colours, the node
 * kinds the graph has.
 * @param {State} state
 * @param {View} view
 * @param {Pick<Model, "get">} model
 */
export function paintLegend(state, view, model) {
  view.legendLabel.textContent = colourBy(model) === "moved" ? "node moved by the edits" : "node value";
  const kinds = new Set(state.graph.nodes.map((d) => d.kind));
  for (const { kind, item } of view.kindItems) item.hidden = !kinds.has(kind);
  const truth = !!state.graph.truth;
  for (const { sign, swatch } of view.edgeSwatches) {
    swatch.style.borderTop = `3px solid ${edgeStyle(sign, 0, state.theme.dark).color}`;
    /** @type {HTMLElement} */ (swatch.parentElement).hidden = truth; // edges are coloured by truth instead
  }
  // nodes with their own colours (particles) do not show the value scale
  view.legendNodes.hidden = state.graph.nodes.length > 0 && state.graph.nodes.every((d) => d.color);
  for (const { kind, item, swatch } of view.truthItems) {
    item.hidden = !truth;
    if (kind === "truth") {
      swatch.style.borderTop = `${TRUTH_WIDTH}px solid ${state.theme.fg}`;
      swatch.style.opacity = String(TRUTH_ALPHA);
    } else {
      const st = edgeStyle(1, 8, state.theme.dark, kind === "found" ? 1 : 0);
      swatch.style.borderTop = `3px ${kind === "found" ? "solid" : "dashed"} ${st.color}`;
    }
  }
  const lim = state.scene ? state.scene.lim : 1;
  fillTicks(view.legendTicks, [formatValue(-lim), "0", formatValue(lim)]);
}

/**
 * One button per node in the node list (rebuilt when the nodes' ids or labels change).
 * @param {State} state
 * @param {View} view
 */
export function buildNodeList(state, view) {
  const { nodes } = state.graph;
  const key = nodes.map((d) => `${d.id}\u0000${d.label}`).join("\u0001");
  if (key === state.nodeListKey) return;
  state.nodeListKey = key;
  view.nodeList.replaceChildren(
    ...nodes.map((d, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "listitem");
      b.dataset.id = d.id;
      b.dataset.index = String(i);
      b.textContent = d.label;
      return b;
    }),
  );
}

/**
 * Where each node is drawn, on its button: data-x, data-y (CSS px of the canvas),
 * data-shape, data-label (its label's box "x0,y0,x1,y1", or "" when hidden).
 * @param {State} state
 * @param {View} view
 */
function placeNodeList(state, view) {
  const { scene, graph } = state;
  if (!scene) return;
  const buttons = /** @type {HTMLButtonElement[]} */ (Array.from(view.nodeList.children));
  buttons.forEach((b, i) => {
    const d = graph.nodes[i];
    if (!d) return;
    b.dataset.x = scene.pos[2 * i].toFixed(1);
    b.dataset.y = scene.pos[2 * i + 1].toFixed(1);
    b.dataset.shape = nodeShape(d.kind) ? "square" : "circle";
    const k = scene.labelOf[i];
    const l = k >= 0 ? scene.labels[k] : null;
    b.dataset.label = l ? [l.x0, l.y0, l.x1, l.y1].map((v) => v.toFixed(1)).join(",") : "";
    b.setAttribute("aria-label", `${d.label}: value ${formatValue(d.value)}, moved ${formatSigned(d.moved)}${d.edited ? ", edited" : ""}`);
  });
}

/**
 * Paint the scene with the current hover and selection (no rebuild).
 * @param {State} state
 * @param {View} view
 * @param {Pick<Model, "get">} model
 */
export function paintCanvas(state, view, model) {
  const { scene } = state;
  if (!scene) return;
  const t0 = performance.now();
  const { ctx } = fitCanvas(view.canvas, scene.width, scene.height);
  paintScene(ctx, scene, {
    theme: state.theme,
    font: state.font,
    hoverNode: state.hoverNode,
    hoverEdge: state.hoverEdge,
    selected: selectedIndex(state, model),
  });
  view.root.dataset.paintMs = (performance.now() - t0).toFixed(2);
}

/**
 * The plot: its height from the most crowded layer; the scene, rebuilt if needed, painted.
 * @param {State} state
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @param {number} t0 when the draw started (for data-build-ms and data-draw-ms)
 */
export function paintGraph(state, view, model, t0) {
  const { graph } = state;
  const { root, plot, canvas } = view;
  const has = graph.nodes.length > 0;
  const height = graph.spatial ? spatialHeight(plot.clientWidth) : plotHeight(graph.nodes);
  plot.style.height = `${height}px`;
  view.empty.hidden = has;
  canvas.hidden = !has;
  const width = Math.floor(plot.clientWidth);
  state.lastSize = { w: width, h: height };
  if (has && width > 0) {
    const cs = getComputedStyle(root);
    state.family = cs.fontFamily || "sans-serif";
    const f = `${LABEL_FONT_PX}px ${state.family}`;
    if (f !== state.font) {
      state.font = view.measure.font = f;
      state.widths = new Map();
      state.sceneDirty = true;
    }
    state.theme = themeOf(root);
    const by = colourBy(model);
    const { threshold } = state;
    const key = `${width}x${height}|${threshold}|${by}`;
    if (state.sceneDirty || key !== state.sceneKey) {
      const widths = state.widths;
      const measure = (/** @type {string} */ s) => {
        let w = widths.get(s);
        if (w === undefined) {
          w = view.measure.measureText(s).width;
          widths.set(s, w);
        }
        return w;
      };
      const scene = buildScene(graph, { width, height, threshold, colourBy: by, measure });
      state.scene = scene;
      state.sceneDirty = false;
      state.sceneKey = key;
      if (state.hoverEdge >= scene.edges.length) state.hoverEdge = -1;
      placeNodeList(state, view);
      root.dataset.radius = scene.radius.toFixed(2);
      root.dataset.labels = String(scene.labels.length);
      root.dataset.buildMs = (performance.now() - t0).toFixed(2);
    }
    paintCanvas(state, view, model);
    const drawn = /** @type {import("./scene.js").Scene} */ (state.scene).edges.length;
    view.edgeCount.textContent = edgeCountText(drawn, graph, !!model.get("significant"));
    canvas.setAttribute("aria-label", `causal graph: ${graph.nodes.length} nodes, ${drawn} edges shown`);
    state.renderCount++;
    const ds = root.dataset;
    ds.renderCount = String(state.renderCount);
    ds.generation = String(model.get("generation") ?? 0);
    ds.edgesDrawn = String(drawn);
    ds.layout = graph.spatial ? "spatial" : "layered";
    const sc = /** @type {import("./scene.js").Scene} */ (state.scene);
    // per drawn edge "src-dst:t" (t: 1 true, 0 false, - unknown), for tests
    ds.edgeTruth = Array.from(sc.edges, (_, k) => `${sc.src[k]}-${sc.dst[k]}:${sc.truth && sc.truth[k] >= 0 ? sc.truth[k] : "-"}`).join(" ");
    ds.trueEdges = String(graph.trueEdges ? graph.trueEdges.length : 0);
    ds.drawMs = (performance.now() - t0).toFixed(2);
  } else if (!has) {
    state.scene = null;
    canvas.width = canvas.height = 0;
    view.edgeCount.textContent = "";
    root.dataset.edgesDrawn = "0";
  }
  root.dataset.nodes = String(graph.nodes.length);
}
