// CausalGraph: a live graph of causal effects between variables (the view of
// iwm_widgets/widgets/causal_graph.py).
//
// Python computes the graph and its layout (networkx) and sends nodes (a list of dicts,
// positions in the unit square, x grows with depth, y = 0 at the top) and edges (a binary
// [E, 3] payload of source index, target index, signed effect; over a batch of inputs
// [E, 6]: source, target, mean effect, its standard error, its 95% interval lo, hi, with
// `n_inputs` saying over how many inputs; the edge tooltip shows them). js/graph_scene.js turns
// them into one drawing that the canvas paints (200 nodes and 2,000 edges in a few ms)
// and the SVG export serialises. Clicking a node opens an editor next to it; its Apply and
// Remove buttons send {type: "edit"} / {type: "remove_edit"} messages, Python adds the
// edit to the workspace, re-runs, and sends the graph back with the nodes' new values.
// The threshold slider filters the drawing at once and sets `edge_threshold` (debounced).
//
// Synced traits (see the Python class): nodes, edges, n_inputs, significant, edge_threshold,
// colour_by, selected, output, score, error, status, generation. Messages to Python: {type: "edit", node, op,
// value}, {type: "remove_edit", node}, {type: "export", format: "png" | "svg", data}. The
// root element carries data-render-count, data-generation, data-nodes, data-edges-drawn,
// data-selected, data-draw-ms, data-build-ms (the scene rebuilt), data-paint-ms,
// data-labels (labels shown; the rest show on hover), data-radius, data-hover, data-sent
// and data-exported for tests; a visually hidden list of buttons (one per node, data-id,
// data-x, data-y in CSS px of the canvas, data-shape, data-label: its label's box
// "x0,y0,x1,y1" or "" when hidden) lets keyboard users, and tests, reach every node. The
// editor carries data-side: where it sits around its node.

import { cssColor, DIVERGING, N_COLORS } from "./colormap.js";
import {
  buildScene,
  DEFAULT_THEME,
  EDIT_RING,
  edgeAt,
  edgeStyle,
  labelOfNode,
  LABEL_FONT_PX,
  maxLayerSize,
  nodeAt,
  OPS,
  nodeShape,
  paintScene,
  readGraph,
  sceneToSVG,
} from "./graph_scene.js";
import {
  debounce,
  drawScheduler,
  errorBox as makeErrorBox,
  fillSelect,
  formatValue,
  generationBadge,
  generationText,
  h,
  setTrait,
  showError,
  statusBadge,
} from "./widget_util.js";

export { debounce, formatValue, setTrait };

/**
 * The slice of anywidget's model that this view uses.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, cb: Function) => void} on
 * @property {(event: string, cb: Function) => void} off
 * @property {() => void} save_changes
 * @property {(content: any) => void} send
 */

/** @typedef {import("./graph_scene.js").Graph} Graph */
/** @typedef {import("./graph_scene.js").GraphNode} GraphNode */
/** @typedef {import("./graph_scene.js").Scene} Scene */
/** @typedef {import("./graph_scene.js").Theme} Theme */

/** `edge_threshold` reaches Python this long after the slider stops (at once on release). */
export const THRESHOLD_DEBOUNCE_MS = 250;
/** The slider has this many steps from 0 to the largest |effect|. */
export const THRESHOLD_STEPS = 200;
export const ROW_PX = 22;
export const MIN_HEIGHT = 260;
export const MAX_HEIGHT = 640;
export const COLOUR_BY = Object.freeze([
  { value: "value", label: "node value" },
  { value: "moved", label: "moved by the edits" },
]);
/** What the number input of an op means ("" for none: ablate takes no number). */
export const OP_INPUT = Object.freeze({ ablate: "", scale: "factor", set: "value", clamp: "value" });
/** PNG exports are drawn at this many device pixels per CSS pixel. */
export const EXPORT_SCALE = 2;

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM), exported for tests/js.

/**
 * A change with its sign ("+0.02", "−0.4100", "0").
 * @param {any} v
 * @returns {string}
 */
export function formatSigned(v) {
  const s = formatValue(v);
  const x = Number(v);
  if (!Number.isFinite(x) || x === 0) return s;
  return x > 0 ? `+${s}` : `−${s.slice(1)}`;
}

/**
 * Height of the plot in CSS px: ROW_PX per node of the most crowded layer, in
 * [MIN_HEIGHT, MAX_HEIGHT].
 * @param {GraphNode[]} nodes
 * @returns {number}
 */
export function plotHeight(nodes) {
  return Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, maxLayerSize(nodes) * ROW_PX + 40));
}

/**
 * Open the editor of a node, or close it ("").
 * @param {Model} model
 * @param {string} id
 * @returns {boolean} whether `selected` changed
 */
export function selectNode(model, id) {
  return setTrait(model, "selected", id);
}

/**
 * The threshold slider's range: 0 to the largest |effect| (or to the threshold, if that is
 * larger), in THRESHOLD_STEPS steps; 0 to 1 without edges.
 * @param {number} maxAbs
 * @param {number} threshold
 * @returns {{max: number, step: number}}
 */
export function thresholdRange(maxAbs, threshold) {
  let max = Math.max(maxAbs > 0 ? maxAbs : 0, threshold > 0 ? threshold : 0);
  if (!(max > 0) || !Number.isFinite(max)) max = 1;
  return { max, step: max / THRESHOLD_STEPS };
}

/**
 * The message that asks Python to edit a node.
 * @param {GraphNode} node
 * @param {string} op one of node.editable
 * @param {any} raw the number input's text (ignored for ablate)
 * @returns {{type: "edit", node: string, op: string, value: number | null}}
 * @throws {Error} with a message for the user when the op or the number is not usable
 */
export function editMessage(node, op, raw) {
  if (!node.editable.includes(op)) {
    throw new Error(node.editable.length ? `${node.label} cannot be edited with ${op}` : `${node.label} cannot be edited`);
  }
  if (op === "ablate") return { type: "edit", node: node.id, op, value: null };
  const text = String(raw ?? "").trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value)) {
    throw new Error(`${OP_INPUT[/** @type {keyof typeof OP_INPUT} */ (op)] || "value"} must be a number`);
  }
  return { type: "edit", node: node.id, op, value };
}

/**
 * An edit in words: "set x to 0.5", "scale x by 2", "ablate x".
 * @param {GraphNode} node
 * @param {string} op
 * @param {number | null} value
 * @returns {string}
 */
export function editText(node, op, value) {
  if (op === "ablate") return `ablate ${node.label}`;
  return op === "scale" ? `scale ${node.label} by ${formatValue(value)}` : `${op} ${node.label} to ${formatValue(value)}`;
}

/**
 * The message that asks Python to remove a node's edit.
 * @param {GraphNode} node
 * @returns {{type: "remove_edit", node: string}}
 */
export function removeEditMessage(node) {
  return { type: "remove_edit", node: node.id };
}

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
 * The number an op's input starts from: the node's value for set and clamp, 2 for scale.
 * @param {GraphNode} node
 * @param {string} op
 * @returns {string}
 */
export function defaultEditValue(node, op) {
  if (op === "scale") return "2";
  if (op === "set" || op === "clamp") return Number.isFinite(node.value) ? String(Number(node.value.toPrecision(4))) : "0";
  return "";
}

/** Space between the editor and what it keeps clear of (the node, its rings, its label). */
export const EDITOR_GAP = 8;

/**
 * Where the node editor goes, in the plot's px: beside the node and clear of it (with
 * its selection ring) and of its label, inside the area. Tried in order: right of them,
 * left, below, above; the first that fits wins. When none fits (a tiny plot) the one
 * that covers the least of the node and its label, pushed inside the area.
 * @param {{x: number, y: number, r: number}} node centre and radius
 * @param {{x0: number, y0: number, x1: number, y1: number} | null} label the node's label box
 * @param {{w: number, h: number}} size the editor's
 * @param {{width: number, height: number}} area the plot's
 * @param {number} [gap]
 * @returns {{left: number, top: number, side: "right" | "left" | "below" | "above"}}
 */
export function editorPlacement(node, label, size, area, gap = EDITOR_GAP) {
  const ring = node.r + 6; // the selection ring: r + 4, 2.5 px wide
  const keep = [[node.x - ring, node.y - ring, node.x + ring, node.y + ring]];
  if (label) keep.push([label.x0, label.y0, label.x1, label.y1]);
  const x0 = Math.min(...keep.map((b) => b[0]));
  const y0 = Math.min(...keep.map((b) => b[1]));
  const x1 = Math.max(...keep.map((b) => b[2]));
  const y1 = Math.max(...keep.map((b) => b[3]));
  const { w, h } = size;
  const W = area.width;
  const H = area.height;
  const clamp = (/** @type {number} */ v, /** @type {number} */ hi) => Math.max(0, Math.min(Math.max(0, hi), v));
  // Beside the node, its title row level with the node; under or over it, its left edge
  // a little left of the node.
  const top = clamp(node.y - 24, H - h);
  const left = clamp(node.x - 40, W - w);
  /** @type {{left: number, top: number, side: "right" | "left" | "below" | "above"}[]} */
  const candidates = [
    { left: x1 + gap, top, side: "right" },
    { left: x0 - gap - w, top, side: "left" },
    { left, top: y1 + gap, side: "below" },
    { left, top: y0 - gap - h, side: "above" },
  ];
  const fits = (/** @type {{left: number, top: number}} */ c) => c.left >= 0 && c.top >= 0 && c.left + w <= W + 0.5 && c.top + h <= H + 0.5;
  const found = candidates.find(fits);
  if (found) return found;
  const covered = (/** @type {{left: number, top: number}} */ c) =>
    keep.reduce((sum, b) => sum + Math.max(0, Math.min(c.left + w, b[2]) - Math.max(c.left, b[0])) * Math.max(0, Math.min(c.top + h, b[3]) - Math.max(c.top, b[1])), 0);
  const inside = candidates.map((c) => ({ left: clamp(c.left, W - w), top: clamp(c.top, H - h), side: c.side }));
  return inside.reduce((best, c) => (covered(c) < covered(best) ? c : best));
}

/**
 * The output readout: "label: before → after", changed when the two differ beyond
 * float noise; null when the trait is empty.
 * @param {any} output {label, before, after}
 * @returns {{text: string, delta: string, changed: boolean} | null}
 */
export function outputReadout(output) {
  if (!output || typeof output !== "object" || !("before" in output || "after" in output)) return null;
  const before = Number(output.before);
  const after = Number(output.after);
  const label = output.label ? String(output.label) : "output";
  const scale = Math.max(1, Math.abs(before), Math.abs(after));
  const changed = Number.isFinite(before) && Number.isFinite(after) ? Math.abs(after - before) > 1e-6 * scale : before !== after && !(Number.isNaN(before) && Number.isNaN(after));
  const delta = changed && Number.isFinite(after - before) ? `(${formatSigned(after - before)})` : "";
  return { text: `${label}: ${formatValue(output.before)} → ${formatValue(output.after)}`, delta, changed };
}

/**
 * The ground-truth badge: "" when there is no score. Its title names the missed and extra
 * edges when the score lists them.
 * @param {any} score {precision, recall, true_edges, found_edges, missed?, extra?}
 * @returns {{text: string, title: string}}
 */
export function scoreBadge(score) {
  if (!score || typeof score !== "object" || !("precision" in score || "recall" in score)) return { text: "", title: "" };
  const pct = (/** @type {any} */ v) => (Number.isFinite(Number(v)) ? `${Math.round(100 * Number(v))}%` : "–");
  const found = Number.isFinite(Number(score.found_edges)) ? Number(score.found_edges) : null;
  const truth = Number.isFinite(Number(score.true_edges)) ? Number(score.true_edges) : null;
  const counts = found !== null && truth !== null ? ` · ${found} found / ${truth} true edges` : "";
  let title =
    "Scored against the simulator's true causal graph: precision = share of the edges found that are true edges, " +
    "recall = share of the true edges that were found.";
  for (const [key, name] of [
    ["missed", "missed"],
    ["extra", "found but not true"],
  ]) {
    const list = Array.isArray(score[key]) ? score[key].map(String) : [];
    if (list.length) title += `\n${name}: ${list.join(", ")}`;
  }
  if (found === 0 && truth === 0) {
    // Precision and recall of nothing are 1 by convention: say what it means instead.
    return { text: "vs ground truth: no variable → output pairs to score", title: `${title}\nNo pair of nodes here maps to a true variable and an output.` };
  }
  return { text: `vs ground truth: precision ${pct(score.precision)} · recall ${pct(score.recall)}${counts}`, title };
}

/**
 * What the tooltip says about a node, as [key, text] lines.
 * @param {Graph} graph
 * @param {Scene | null} scene for the counts of drawn edges
 * @param {number} i
 * @returns {[string, string][]}
 */
export function nodeTooltip(graph, scene, i) {
  const d = graph.nodes[i];
  /** @type {[string, string][]} */
  const lines = [["node", d.label === d.id ? d.label : `${d.label} (${d.id})`]];
  if (d.site) lines.push(["site", d.site]);
  lines.push(["kind", d.kind], ["value", formatValue(d.value)], ["moved", formatSigned(d.moved)]);
  if (d.truth) lines.push(["truth", d.truth]);
  if (scene) {
    let nin = 0;
    let nout = 0;
    for (let k = 0; k < scene.edges.length; k++) {
      if (scene.dst[k] === i) nin++;
      if (scene.src[k] === i) nout++;
    }
    lines.push(["edges", `${nin} in · ${nout} out`]);
  }
  if (d.edited) lines.push(["edited", "yes"]);
  lines.push(["", d.editable.length ? "click to edit" : "not editable"]);
  return lines;
}

/**
 * What the tooltip says about an edge, as [key, text] lines.
 * @param {Graph} graph
 * @param {number} k index into graph.edges
 * @returns {[string, string][]}
 */
export function edgeTooltip(graph, k) {
  const { src, dst, effect, se, lo, hi } = graph.edges;
  const edge = /** @type {[string, string]} */ (["edge", `${graph.nodes[src[k]].label} → ${graph.nodes[dst[k]].label}`]);
  const n = graph.nInputs ?? 1;
  if (n > 1 && se && Number.isFinite(se[k])) {
    return [edge, ["effect", effectInterval(effect[k], se[k], lo[k], hi[k], n)]];
  }
  return [edge, ["effect", formatSigned(effect[k])]];
}

/**
 * An average effect with its spread: "mean ± se (95% CI [lo, hi]), n=B".
 * @param {number} mean
 * @param {number} se
 * @param {number} lo
 * @param {number} hi
 * @param {number} n
 * @returns {string}
 */
export function effectInterval(mean, se, lo, hi, n) {
  const plain = (/** @type {number} */ v) => {
    const s = formatValue(v);
    return s.startsWith("-") ? `−${s.slice(1)}` : s;
  };
  return `${formatSigned(mean)} ± ${formatValue(se)} (95% CI [${plain(lo)}, ${plain(hi)}]), n=${n}`;
}

/**
 * The edge count under the toolbar: "3 of 5 edges", and over a batch what the effects
 * are ("· mean of 8 inputs", "· 95% CI excludes 0" when only those edges were sent).
 * @param {number} drawn
 * @param {Graph} graph
 * @param {boolean} significant
 * @returns {string}
 */
export function edgeCountText(drawn, graph, significant) {
  const n = graph.nInputs ?? 1;
  let text = `${drawn} of ${graph.edges.n} edges`;
  if (n > 1) text += ` · mean of ${n} inputs${significant ? " · 95% CI excludes 0" : ""}`;
  return text;
}

// ---------------------------------------------------------------------------------------
// The view.

const CSS = `
.iwm-causal-graph {
  position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
  --iwm-edit: ${EDIT_RING}; --iwm-muted: var(--jp-ui-font-color2, #666); --iwm-faint: var(--jp-ui-font-color3, #999);
}
.iwm-causal-graph [hidden] { display: none !important; }
.iwm-causal-graph .iwm-header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 6px; }
.iwm-causal-graph .iwm-title { font-weight: 600; }
.iwm-causal-graph .iwm-output {
  padding: 1px 8px; border-radius: 3px; border: 1px solid var(--jp-border-color2, #ddd);
  font-variant-numeric: tabular-nums; transition: background-color 0.2s;
}
.iwm-causal-graph .iwm-output.iwm-changed { border-color: var(--iwm-edit); background: rgba(232, 112, 10, 0.14); font-weight: 600; }
.iwm-causal-graph .iwm-output-delta { margin-left: 4px; color: var(--iwm-edit); }
.iwm-causal-graph .iwm-score {
  padding: 1px 8px; border-radius: 10px; font-size: 0.9em; cursor: help;
  background: var(--jp-layout-color2, #eee); color: var(--jp-ui-font-color1, #222);
}
.iwm-causal-graph .iwm-status { color: var(--iwm-muted); font-style: italic; }
.iwm-causal-graph .iwm-status.iwm-idle { visibility: hidden; }
.iwm-causal-graph .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; margin-left: auto; }
.iwm-causal-graph label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-causal-graph select, .iwm-causal-graph input[type="number"], .iwm-causal-graph button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px;
}
.iwm-causal-graph button { cursor: pointer; }
.iwm-causal-graph button:hover:not(:disabled) { background: var(--jp-layout-color2, #eee); }
.iwm-causal-graph button:disabled { cursor: default; opacity: 0.5; }
.iwm-causal-graph .iwm-options { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 4px 0 6px 0; }
.iwm-causal-graph .iwm-threshold { width: 140px; }
.iwm-causal-graph .iwm-threshold-value, .iwm-causal-graph .iwm-edge-count { font-variant-numeric: tabular-nums; }
.iwm-causal-graph .iwm-threshold-value { min-width: 4.5em; color: var(--jp-ui-font-color1, #222); }
.iwm-causal-graph .iwm-edge-count { color: var(--iwm-muted); }
.iwm-causal-graph .iwm-exports { display: inline-flex; gap: 4px; margin-left: auto; }
.iwm-causal-graph .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
.iwm-causal-graph .iwm-plot { position: relative; width: 100%; min-width: 0; transition: opacity 0.15s; }
.iwm-causal-graph.iwm-stale .iwm-plot, .iwm-causal-graph.iwm-stale .iwm-legend { opacity: 0.4; }
.iwm-causal-graph .iwm-canvas { position: absolute; left: 0; top: 0; display: block; cursor: default; }
.iwm-causal-graph .iwm-canvas.iwm-pointer { cursor: pointer; }
.iwm-causal-graph .iwm-canvas:focus { outline: none; }
.iwm-causal-graph .iwm-empty {
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  color: var(--iwm-muted); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-causal-graph .iwm-node-list {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
.iwm-causal-graph .iwm-editor {
  position: absolute; z-index: 5; box-sizing: border-box; width: 290px; max-width: 100%; padding: 6px 8px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); border-radius: 4px; box-shadow: 0 3px 10px rgba(0, 0, 0, 0.25);
}
.iwm-causal-graph .iwm-editor-head { display: flex; align-items: baseline; gap: 6px; margin-bottom: 2px; }
.iwm-causal-graph .iwm-editor-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.iwm-causal-graph .iwm-editor-close { margin-left: auto; border: none !important; background: none !important; padding: 0 4px; font-size: 15px; line-height: 1; }
.iwm-causal-graph .iwm-editor-info { color: var(--iwm-muted); font-size: 0.9em; margin-bottom: 6px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.iwm-causal-graph .iwm-editor-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin-bottom: 6px; }
.iwm-causal-graph .iwm-editor input[type="number"] { box-sizing: border-box; width: 9.5em; min-width: 0; font-variant-numeric: tabular-nums; }
.iwm-causal-graph .iwm-editor-actions { display: flex; gap: 6px; }
.iwm-causal-graph .iwm-apply { border-color: var(--iwm-edit) !important; }
.iwm-causal-graph .iwm-editor-msg { margin-top: 4px; font-size: 0.9em; color: var(--iwm-muted); }
.iwm-causal-graph .iwm-editor-msg.iwm-bad { color: var(--jp-error-color1, #d32f2f); }
.iwm-causal-graph .iwm-legend { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 6px 18px; margin-top: 6px; font-size: 12px; }
.iwm-causal-graph .iwm-legend-item { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; color: var(--iwm-muted); }
.iwm-causal-graph .iwm-legend-scale { width: 160px; }
.iwm-causal-graph .iwm-legend-bar { height: 10px; border: 1px solid var(--jp-border-color2, #999); box-sizing: border-box; }
.iwm-causal-graph .iwm-legend-ticks { position: relative; height: 14px; font-size: 11px; color: var(--jp-ui-font-color1, #222); }
.iwm-causal-graph .iwm-legend-ticks span { position: absolute; top: 1px; white-space: nowrap; }
.iwm-causal-graph .iwm-swatch { display: inline-block; width: 22px; height: 0; }
.iwm-causal-graph .iwm-kind { display: inline-block; box-sizing: border-box; width: 12px; height: 12px; border: 1.5px solid var(--iwm-muted); border-radius: 50%; }
.iwm-causal-graph .iwm-kind-site { border-style: dashed; }
.iwm-causal-graph .iwm-kind-head { border-radius: 3px; }
.iwm-causal-graph .iwm-ring { display: inline-block; width: 9px; height: 9px; border-radius: 50%; border: 3px solid var(--iwm-edit); }
.iwm-causal-graph .iwm-tooltip {
  position: absolute; z-index: 10; pointer-events: none; padding: 4px 8px; border-radius: 3px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
  font-size: 12px; line-height: 16px; white-space: nowrap; font-variant-numeric: tabular-nums;
}
.iwm-causal-graph .iwm-tooltip b { font-weight: 600; margin-right: 2px; color: var(--iwm-muted); }
`;

/**
 * The theme of an element: its text colour and JupyterLab's variables where present.
 * @param {Element} el
 * @returns {Theme}
 */
function themeOf(el) {
  const cs = getComputedStyle(el);
  const v = (/** @type {string} */ name, /** @type {string} */ fallback) => cs.getPropertyValue(name).trim() || fallback;
  // Light text means a dark theme (the computed colour is always rgb()/rgba()).
  const [r, g, b] = (cs.color.match(/[\d.]+/g) ?? ["0", "0", "0"]).map(Number);
  const dark = 0.2126 * r + 0.7152 * g + 0.0722 * b > 140;
  return {
    fg: cs.color || DEFAULT_THEME.fg,
    muted: v("--jp-ui-font-color2", DEFAULT_THEME.muted),
    bg: v("--jp-layout-color0", dark ? "#111" : DEFAULT_THEME.bg),
    dark,
  };
}

const EVENTS = ["nodes", "edges", "n_inputs", "significant", "edge_threshold", "colour_by", "selected", "output", "score", "error", "status", "generation"];

/**
 * @param {{model: Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const root = h("div", "iwm-causal-graph", el);
  h("style", "", root).textContent = CSS;

  const header = h("div", "iwm-header", root);
  h("span", "iwm-title", header).textContent = "Causal graph";
  const outputBox = h("span", "iwm-output", header);
  outputBox.setAttribute("aria-live", "polite");
  const outputText = h("span", "iwm-output-text", outputBox);
  const outputDelta = h("span", "iwm-output-delta", outputBox);
  const scoreBox = h("span", "iwm-score", header);
  const status = statusBadge(header, "iwm-status iwm-idle");
  const genBadge = generationBadge(header);

  const errorBox = makeErrorBox(root);

  const options = h("div", "iwm-options", root);
  const colourLabel = h("label", "", options);
  colourLabel.append("colour nodes by");
  const colourSelect = /** @type {HTMLSelectElement} */ (h("select", "iwm-colour-by", colourLabel));
  fillSelect(colourSelect, COLOUR_BY);
  const thLabel = h("label", "", options);
  thLabel.append("hide edges with |effect| below");
  const thInput = /** @type {HTMLInputElement} */ (h("input", "iwm-threshold", thLabel));
  thInput.type = "range";
  thInput.min = "0";
  const thValue = h("span", "iwm-threshold-value", thLabel);
  const edgeCount = h("span", "iwm-edge-count", options);
  const exports = h("span", "iwm-exports", options);
  const pngButton = h("button", "iwm-export-png", exports);
  pngButton.type = "button";
  pngButton.textContent = "PNG";
  pngButton.title = "send the graph to Python as a PNG image";
  const svgButton = h("button", "iwm-export-svg", exports);
  svgButton.type = "button";
  svgButton.textContent = "SVG";
  svgButton.title = "send the graph to Python as an SVG document";

  const plot = h("div", "iwm-plot", root);
  const canvas = /** @type {HTMLCanvasElement} */ (h("canvas", "iwm-canvas", plot));
  canvas.setAttribute("role", "img");
  canvas.tabIndex = -1; // focusable by click, so Escape reaches us; the node list is the tab stop
  const empty = h("div", "iwm-empty", plot);
  empty.textContent = "no graph yet";
  const nodeList = h("div", "iwm-node-list", plot);
  nodeList.setAttribute("role", "list");
  nodeList.setAttribute("aria-label", "nodes");

  const editor = h("div", "iwm-editor", plot);
  editor.setAttribute("role", "dialog");
  editor.hidden = true;
  const editorHead = h("div", "iwm-editor-head", editor);
  const editorTitle = h("span", "iwm-editor-title", editorHead);
  const closeButton = h("button", "iwm-editor-close", editorHead);
  closeButton.type = "button";
  closeButton.textContent = "×";
  closeButton.title = "close (Escape)";
  closeButton.setAttribute("aria-label", "close the editor");
  const editorInfo = h("div", "iwm-editor-info", editor);
  const editorRow = h("div", "iwm-editor-row", editor);
  const opLabel = h("label", "", editorRow);
  opLabel.append("op");
  const opSelect = /** @type {HTMLSelectElement} */ (h("select", "iwm-op", opLabel));
  const valueLabel = h("label", "iwm-value-label", editorRow);
  const valueName = h("span", "", valueLabel);
  const valueInput = /** @type {HTMLInputElement} */ (h("input", "iwm-edit-value", valueLabel));
  valueInput.type = "number";
  valueInput.step = "any";
  const editorActions = h("div", "iwm-editor-actions", editor);
  const applyButton = h("button", "iwm-apply", editorActions);
  applyButton.type = "button";
  applyButton.textContent = "Apply";
  const removeButton = h("button", "iwm-remove", editorActions);
  removeButton.type = "button";
  removeButton.textContent = "Remove edit";
  const editorMsg = h("div", "iwm-editor-msg", editor);

  const legend = h("div", "iwm-legend", root);
  const legendNodes = h("span", "iwm-legend-item", legend);
  const legendLabel = h("span", "", legendNodes);
  const legendScale = h("span", "iwm-legend-scale", legendNodes);
  const legendBar = h("div", "iwm-legend-bar", legendScale);
  const legendTicks = h("div", "iwm-legend-ticks", legendScale);
  const edgeSwatches = [1, -1].map((sign) => {
    const item = h("span", "iwm-legend-item", legend);
    const swatch = h("span", "iwm-swatch", item);
    item.append(sign > 0 ? "effect > 0" : "effect < 0");
    return { sign, swatch };
  });
  // Node kinds with a shape of their own, shown only when the graph has them.
  const kindItems = [
    ["site", "site"],
    ["head", "attention head"],
  ].map(([kind, text]) => {
    const item = h("span", `iwm-legend-item iwm-legend-kind`, legend);
    item.dataset.kind = kind;
    h("span", `iwm-kind iwm-kind-${kind}`, item);
    item.append(text);
    item.hidden = true;
    return { kind, item };
  });
  const editedItem = h("span", "iwm-legend-item", legend);
  h("span", "iwm-ring", editedItem);
  editedItem.append("edited");
  const stops = [];
  for (let i = 0; i <= 16; i++) stops.push(`${cssColor(DIVERGING, Math.round((i / 16) * (N_COLORS - 1)))} ${((100 * i) / 16).toFixed(2)}%`);
  legendBar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;

  const tooltip = h("div", "iwm-tooltip", root);
  tooltip.hidden = true;

  const measureCtx = /** @type {CanvasRenderingContext2D} */ (document.createElement("canvas").getContext("2d"));

  /** @type {Graph} */
  let graph = readGraph([], null);
  /** @type {Scene | null} */
  let scene = null;
  let graphDirty = true;
  let sceneDirty = true;
  let sceneKey = "";
  let localError = "";
  let renderCount = 0;
  let sent = 0;
  let exported = 0;
  let disposed = false;
  let hoverNode = -1;
  let hoverEdge = -1;
  /** the threshold drawn: the slider's while it moves, else the trait's */
  let threshold = Number(model.get("edge_threshold")) || 0;
  /** @type {string | null} the node whose editor is built */
  let editorFor = null;
  let editorKey = "";
  /** @type {Map<string, number>} label widths at the current font */
  let widths = new Map();
  let font = "";
  let family = "sans-serif";
  /** @type {Theme} */
  let theme = DEFAULT_THEME;
  let lastSize = { w: 0, h: 0 };
  let nodeListKey = "";
  /** @type {number} */
  let frame = 0;
  /** @type {MouseEvent | null} */
  let lastMove = null;

  const sendThreshold = debounce((/** @type {number} */ t) => setTrait(model, "edge_threshold", t), THRESHOLD_DEBOUNCE_MS);

  // one draw after all trait changes of a message
  const schedule = drawScheduler(() => draw(), () => disposed);

  /** @param {string} s */
  function measure(s) {
    let w = widths.get(s);
    if (w === undefined) {
      w = measureCtx.measureText(s).width;
      widths.set(s, w);
    }
    return w;
  }

  // ---- header, options, legend ------------------------------------------------------
  function updateHeader() {
    const out = outputReadout(model.get("output"));
    outputBox.hidden = !out;
    if (out) {
      outputText.textContent = out.text;
      outputDelta.textContent = out.delta;
      outputBox.classList.toggle("iwm-changed", out.changed);
      outputBox.dataset.changed = out.changed ? "1" : "0";
      outputBox.title = out.changed ? "the edits changed the model's output" : "the edits did not change the model's output";
    }
    const score = scoreBadge(model.get("score"));
    scoreBox.hidden = !score.text;
    scoreBox.textContent = score.text;
    scoreBox.title = score.title;
    status.classList.toggle("iwm-idle", model.get("status") !== "running");
    genBadge.textContent = generationText(model);
  }

  function updateError() {
    showError(root, errorBox, [model.get("error") || "", localError]);
  }

  function updateOptions() {
    colourSelect.value = model.get("colour_by") === "moved" ? "moved" : "value";
    const { max, step } = thresholdRange(graph.edges.maxAbs, threshold);
    thInput.max = String(max);
    thInput.step = String(step);
    if (document.activeElement !== thInput || !sendThreshold.pending()) thInput.value = String(threshold);
    thValue.textContent = formatValue(threshold);
  }

  function updateLegend() {
    const by = model.get("colour_by") === "moved" ? "moved" : "value";
    legendLabel.textContent = by === "moved" ? "node moved by the edits" : "node value";
    const kinds = new Set(graph.nodes.map((d) => d.kind));
    for (const { kind, item } of kindItems) item.hidden = !kinds.has(kind);
    for (const { sign, swatch } of edgeSwatches) swatch.style.borderTop = `3px solid ${edgeStyle(sign, 0, theme.dark).color}`;
    const lim = scene ? scene.lim : 1;
    legendTicks.replaceChildren(
      ...[
        [formatValue(-lim), "0%", "translateX(0)"],
        ["0", "50%", "translateX(-50%)"],
        [formatValue(lim), "100%", "translateX(-100%)"],
      ].map(([text, left, transform]) => {
        const s = document.createElement("span");
        s.textContent = text;
        s.style.left = left;
        s.style.transform = transform;
        return s;
      }),
    );
  }

  // ---- node list (keyboard access; tests find nodes here) ----------------------------
  function buildNodeList() {
    const key = graph.nodes.map((d) => `${d.id}\u0000${d.label}`).join("\u0001");
    if (key === nodeListKey) return;
    nodeListKey = key;
    nodeList.replaceChildren(
      ...graph.nodes.map((d, i) => {
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

  function placeNodeList() {
    if (!scene) return;
    const buttons = /** @type {HTMLButtonElement[]} */ (Array.from(nodeList.children));
    buttons.forEach((b, i) => {
      const d = graph.nodes[i];
      if (!d || !scene) return;
      b.dataset.x = scene.pos[2 * i].toFixed(1);
      b.dataset.y = scene.pos[2 * i + 1].toFixed(1);
      b.dataset.shape = nodeShape(d.kind) ? "square" : "circle";
      const k = scene.labelOf[i];
      const l = k >= 0 ? scene.labels[k] : null;
      b.dataset.label = l ? [l.x0, l.y0, l.x1, l.y1].map((v) => v.toFixed(1)).join(",") : "";
      b.setAttribute("aria-label", `${d.label}: value ${formatValue(d.value)}, moved ${formatSigned(d.moved)}${d.edited ? ", edited" : ""}`);
    });
  }

  // ---- drawing -----------------------------------------------------------------------
  /** Paint the scene with the current hover and selection (no rebuild). */
  function paint() {
    if (!scene) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const W = Math.max(1, Math.round(scene.width * dpr));
    const H = Math.max(1, Math.round(scene.height * dpr));
    if (canvas.width !== W) canvas.width = W;
    if (canvas.height !== H) canvas.height = H;
    canvas.style.width = `${scene.width}px`;
    canvas.style.height = `${scene.height}px`;
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintScene(ctx, scene, { theme, font, hoverNode, hoverEdge, selected: selectedIndex() });
    root.dataset.paintMs = (performance.now() - t0).toFixed(2);
  }

  /** Index of the selected node, or -1 (none, or not in the graph). */
  function selectedIndex() {
    const id = model.get("selected") || "";
    const i = id ? graph.index.get(id) : undefined;
    return i === undefined ? -1 : i;
  }

  function draw() {
    const t0 = performance.now();
    if (graphDirty) {
      graphDirty = false;
      sceneDirty = true;
      try {
        graph = readGraph(model.get("nodes"), model.get("edges"), model.get("n_inputs"));
        const n = graph.edges.dropped;
        localError = n ? `${n} edge${n === 1 ? "" : "s"} left out: an index that is not a node, or a NaN effect` : "";
      } catch (e) {
        // Keep the last good graph on screen, dimmed under the message.
        localError = `cannot draw the graph: ${/** @type {Error} */ (e).message}`;
      }
      hoverNode = hoverEdge = -1;
      buildNodeList();
      if (lastMove && !frame) frame = requestAnimationFrame(onFrame); // what is under the pointer now
    }
    updateHeader();
    updateOptions();
    const has = graph.nodes.length > 0;
    const height = plotHeight(graph.nodes);
    plot.style.height = `${height}px`;
    empty.hidden = has;
    canvas.hidden = !has;
    const width = Math.floor(plot.clientWidth);
    lastSize = { w: width, h: height };
    if (has && width > 0) {
      const cs = getComputedStyle(root);
      family = cs.fontFamily || "sans-serif";
      const f = `${LABEL_FONT_PX}px ${family}`;
      if (f !== font) {
        font = measureCtx.font = f;
        widths = new Map();
        sceneDirty = true;
      }
      theme = themeOf(root);
      const colourBy = model.get("colour_by") === "moved" ? "moved" : "value";
      const key = `${width}x${height}|${threshold}|${colourBy}`;
      if (sceneDirty || key !== sceneKey) {
        scene = buildScene(graph, { width, height, threshold, colourBy, measure });
        sceneDirty = false;
        sceneKey = key;
        if (hoverEdge >= scene.edges.length) hoverEdge = -1;
        placeNodeList();
        root.dataset.radius = scene.radius.toFixed(2);
        root.dataset.labels = String(scene.labels.length);
        root.dataset.buildMs = (performance.now() - t0).toFixed(2);
      }
      paint();
      const drawn = /** @type {Scene} */ (scene).edges.length;
      edgeCount.textContent = edgeCountText(drawn, graph, !!model.get("significant"));
      canvas.setAttribute("aria-label", `causal graph: ${graph.nodes.length} nodes, ${drawn} edges shown`);
      renderCount++;
      const ds = root.dataset;
      ds.renderCount = String(renderCount);
      ds.generation = String(model.get("generation") ?? 0);
      ds.edgesDrawn = String(drawn);
      ds.drawMs = (performance.now() - t0).toFixed(2);
    } else if (!has) {
      scene = null;
      canvas.width = canvas.height = 0;
      edgeCount.textContent = "";
      root.dataset.edgesDrawn = "0";
    }
    root.dataset.nodes = String(graph.nodes.length);
    updateLegend();
    updateEditor();
    updateHover();
    updateError();
  }

  // ---- editor ------------------------------------------------------------------------
  function updateEditor() {
    const i = selectedIndex();
    root.dataset.selected = i >= 0 ? graph.nodes[i].id : "";
    if (i < 0 || !scene) {
      editor.hidden = true;
      editorFor = null;
      editorKey = "";
      return;
    }
    const d = graph.nodes[i];
    const key = `${d.id}|${d.editable.join(",")}`;
    if (key !== editorKey) {
      // A new node (or new ops): rebuild. Otherwise keep what the user is typing.
      editorKey = key;
      editorFor = d.id;
      fillSelect(opSelect, d.editable.map((op) => ({ value: op, label: op })));
      opSelect.disabled = d.editable.length === 0;
      if (d.editable.length) opSelect.value = d.editable[0];
      valueInput.value = defaultEditValue(d, opSelect.value);
      editorMsg.textContent = d.editable.length ? "" : "this node cannot be edited";
      editorMsg.classList.remove("iwm-bad");
    }
    editor.setAttribute("aria-label", `edit ${d.label}`);
    editor.dataset.node = d.id;
    editorTitle.textContent = d.label;
    editorTitle.title = d.site ? `${d.label} at ${d.site}` : d.label;
    const info = [`value ${formatValue(d.value)} · moved ${formatSigned(d.moved)}${d.edited ? " · edited" : ""}`];
    if (d.site) info.unshift(d.site);
    editorInfo.replaceChildren(
      ...info.map((t) => {
        const line = document.createElement("div");
        line.textContent = t;
        return line;
      }),
    );
    updateValueField();
    applyButton.disabled = d.editable.length === 0;
    removeButton.disabled = !d.edited;
    editor.hidden = false;
    // Beside the node, clear of it and its label, on the side with room; inside the plot.
    const place = editorPlacement(
      { x: scene.pos[2 * i], y: scene.pos[2 * i + 1], r: scene.radius },
      labelOfNode(scene, i),
      { w: editor.offsetWidth, h: editor.offsetHeight },
      { width: scene.width, height: scene.height },
    );
    editor.style.left = `${place.left}px`;
    editor.style.top = `${place.top}px`;
    editor.dataset.side = place.side;
  }

  function updateValueField() {
    const op = /** @type {keyof typeof OP_INPUT} */ (opSelect.value);
    const name = OP_INPUT[op] ?? "";
    valueLabel.hidden = !name;
    valueName.textContent = name;
  }

  /** @returns {GraphNode | null} */
  function editedNode() {
    const i = selectedIndex();
    return i >= 0 ? graph.nodes[i] : null;
  }

  function onApply() {
    const d = editedNode();
    if (!d) return;
    try {
      const msg = editMessage(d, opSelect.value, valueInput.value);
      model.send(msg);
      sent++;
      root.dataset.sent = String(sent);
      editorMsg.textContent = `sent: ${editText(d, msg.op, msg.value)}`;
      editorMsg.classList.remove("iwm-bad");
    } catch (e) {
      editorMsg.textContent = /** @type {Error} */ (e).message;
      editorMsg.classList.add("iwm-bad");
    }
  }

  function onRemove() {
    const d = editedNode();
    if (!d) return;
    model.send(removeEditMessage(d));
    sent++;
    root.dataset.sent = String(sent);
    editorMsg.textContent = `sent: remove the edit of ${d.label}`;
    editorMsg.classList.remove("iwm-bad");
  }

  function onOp() {
    const d = editedNode();
    if (d) valueInput.value = defaultEditValue(d, opSelect.value);
    updateValueField();
    editorMsg.textContent = "";
  }

  function closeEditor() {
    if (selectNode(model, "")) schedule();
  }

  /** @param {string} id @param {boolean} focus move the focus into the editor */
  function openEditor(id, focus) {
    if (selectNode(model, id)) {
      draw(); // now, so the editor exists to take the focus
    }
    if (focus && !editor.hidden) (opSelect.disabled ? closeButton : opSelect).focus({ preventScroll: true });
  }

  // ---- hover and tooltip -------------------------------------------------------------
  function updateHover() {
    const ds = root.dataset;
    if (hoverNode >= 0 && hoverNode < graph.nodes.length) ds.hover = `node:${graph.nodes[hoverNode].id}`;
    else if (scene && hoverEdge >= 0 && hoverEdge < scene.edges.length) {
      const k = scene.edges[hoverEdge];
      ds.hover = `edge:${graph.nodes[graph.edges.src[k]].id}->${graph.nodes[graph.edges.dst[k]].id}`;
    } else ds.hover = "";
    canvas.classList.toggle("iwm-pointer", hoverNode >= 0);
    if (lastMove && (hoverNode >= 0 || hoverEdge >= 0)) showTooltip(lastMove);
    else tooltip.hidden = true;
  }

  /** @param {MouseEvent} e */
  function showTooltip(e) {
    /** @type {[string, string][]} */
    let lines = [];
    if (hoverNode >= 0) lines = nodeTooltip(graph, scene, hoverNode);
    else if (scene && hoverEdge >= 0) lines = edgeTooltip(graph, scene.edges[hoverEdge]);
    tooltip.replaceChildren(
      ...lines.map(([key, text]) => {
        const line = document.createElement("div");
        if (key) {
          const b = document.createElement("b");
          b.textContent = key;
          line.append(b, " ");
        }
        line.append(text);
        return line;
      }),
    );
    tooltip.hidden = false;
    const box = root.getBoundingClientRect();
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    let x = e.clientX - box.left + 14;
    let y = e.clientY - box.top + 14;
    if (x + tw > box.width) x = Math.max(0, e.clientX - box.left - tw - 14);
    if (y + th > box.height) y = Math.max(0, e.clientY - box.top - th - 14);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }

  /** Hit-test the last pointer position once per frame; repaint only when the hover changed. */
  function onFrame() {
    frame = 0;
    if (!lastMove || !scene) return;
    const rect = canvas.getBoundingClientRect();
    const px = lastMove.clientX - rect.left;
    const py = lastMove.clientY - rect.top;
    const n = nodeAt(scene, px, py);
    const k = n >= 0 ? -1 : edgeAt(scene, px, py);
    const changed = n !== hoverNode || k !== hoverEdge;
    hoverNode = n;
    hoverEdge = k;
    if (changed) paint();
    updateHover();
  }

  /** @param {MouseEvent} e */
  function onMove(e) {
    lastMove = e;
    if (!frame) frame = requestAnimationFrame(onFrame);
  }

  function onLeave() {
    lastMove = null;
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    if (hoverNode >= 0 || hoverEdge >= 0) {
      hoverNode = hoverEdge = -1;
      paint();
    }
    updateHover();
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    if (!scene) return;
    const rect = canvas.getBoundingClientRect();
    const i = nodeAt(scene, e.clientX - rect.left, e.clientY - rect.top);
    if (i < 0) {
      closeEditor(); // a click on the background (or an edge) closes the editor
      return;
    }
    const id = graph.nodes[i].id;
    if (model.get("selected") === id) closeEditor();
    else openEditor(id, true);
  }

  /** @param {FocusEvent} e */
  function onListFocus(e) {
    const b = /** @type {HTMLElement} */ (e.target);
    const i = Number(b.dataset.index);
    if (!Number.isInteger(i) || !scene) return;
    hoverNode = i;
    hoverEdge = -1;
    paint();
    updateHover();
  }

  function onListBlur() {
    if (lastMove) return;
    hoverNode = -1;
    paint();
    updateHover();
  }

  /** @param {MouseEvent} e */
  function onListClick(e) {
    const b = /** @type {HTMLElement} */ (e.target);
    if (b.dataset.id !== undefined) openEditor(b.dataset.id, true);
  }

  // ---- options -----------------------------------------------------------------------
  function onThreshold() {
    const t = Number(thInput.value);
    if (!Number.isFinite(t)) return;
    threshold = t;
    thValue.textContent = formatValue(t);
    sendThreshold(t);
    schedule();
  }

  function onThresholdChange() {
    onThreshold();
    sendThreshold.flush(); // released: Python gets it now
  }

  function onColour() {
    setTrait(model, "colour_by", colourSelect.value);
    schedule();
  }

  // ---- export ------------------------------------------------------------------------
  /** @param {"png" | "svg"} format */
  function onExport(format) {
    if (!scene) return;
    let data = "";
    if (format === "svg") {
      data = sceneToSVG(scene, { theme, fontFamily: family, title: "causal graph" });
    } else {
      const off = document.createElement("canvas");
      off.width = Math.round(scene.width * EXPORT_SCALE);
      off.height = Math.round(scene.height * EXPORT_SCALE);
      const ctx = /** @type {CanvasRenderingContext2D} */ (off.getContext("2d"));
      ctx.setTransform(EXPORT_SCALE, 0, 0, EXPORT_SCALE, 0, 0);
      paintScene(ctx, scene, { theme, font, background: true });
      data = off.toDataURL("image/png");
      off.width = off.height = 0;
    }
    model.send(exportMessage(format, data));
    exported++;
    root.dataset.exported = format;
    root.dataset.exportCount = String(exported);
  }
  const onPng = () => onExport("png");
  const onSvg = () => onExport("svg");

  /** @param {KeyboardEvent} e */
  function onKeydown(e) {
    // Keys typed into our controls are ours, not JupyterLab's notebook shortcuts.
    e.stopPropagation();
    if (e.key === "Escape" && !editor.hidden) {
      e.preventDefault();
      const back = /** @type {HTMLElement[]} */ (Array.from(nodeList.children)).find((b) => b.dataset.id === editorFor);
      closeEditor();
      if (editor.contains(document.activeElement) && back) back.focus({ preventScroll: true });
    } else if (e.key === "Enter" && e.target === valueInput) {
      onApply();
    }
  }

  // ---- events ------------------------------------------------------------------------
  /** @type {[string, Function][]} */
  const handlers = EVENTS.map((name) => [
    `change:${name}`,
    () => {
      if (name === "nodes" || name === "edges" || name === "n_inputs") graphDirty = true;
      if (name === "edge_threshold" && !sendThreshold.pending()) threshold = Number(model.get("edge_threshold")) || 0;
      if (name === "error" || name === "status") {
        updateHeader();
        updateError();
      }
      schedule();
    },
  ]);
  for (const [event, cb] of handlers) model.on(event, cb);

  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("click", onClick);
  nodeList.addEventListener("focusin", onListFocus);
  nodeList.addEventListener("focusout", onListBlur);
  nodeList.addEventListener("click", onListClick);
  colourSelect.addEventListener("change", onColour);
  thInput.addEventListener("input", onThreshold);
  thInput.addEventListener("change", onThresholdChange);
  opSelect.addEventListener("change", onOp);
  applyButton.addEventListener("click", onApply);
  removeButton.addEventListener("click", onRemove);
  closeButton.addEventListener("click", closeEditor);
  pngButton.addEventListener("click", onPng);
  svgButton.addEventListener("click", onSvg);
  root.addEventListener("keydown", onKeydown);

  const ro = new ResizeObserver(() => {
    if (Math.floor(plot.clientWidth) !== lastSize.w) schedule();
  });
  ro.observe(plot);

  root.dataset.sent = "0";
  draw();

  return () => {
    disposed = true;
    try {
      sendThreshold.flush(); // the user's last threshold still reaches Python
    } catch {
      sendThreshold.cancel(); // the model is closing
    }
    ro.disconnect();
    if (frame) cancelAnimationFrame(frame);
    for (const [event, cb] of handlers) model.off(event, cb);
    canvas.removeEventListener("mousemove", onMove);
    canvas.removeEventListener("mouseleave", onLeave);
    canvas.removeEventListener("click", onClick);
    nodeList.removeEventListener("focusin", onListFocus);
    nodeList.removeEventListener("focusout", onListBlur);
    nodeList.removeEventListener("click", onListClick);
    colourSelect.removeEventListener("change", onColour);
    thInput.removeEventListener("input", onThreshold);
    thInput.removeEventListener("change", onThresholdChange);
    opSelect.removeEventListener("change", onOp);
    applyButton.removeEventListener("click", onApply);
    removeButton.removeEventListener("click", onRemove);
    closeButton.removeEventListener("click", closeEditor);
    pngButton.removeEventListener("click", onPng);
    svgButton.removeEventListener("click", onSvg);
    root.removeEventListener("keydown", onKeydown);
    canvas.width = canvas.height = 0;
    root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
