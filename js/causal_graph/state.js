// CausalGraph's state: the graph read from the traits, the scene built from it and what
// it was built for, the hover, and the threshold while its slider moves.

import { setTrait } from "../shared/model.js";
import { readGraph, readOps } from "./graph.js";
import { maxLayerSize } from "./scene.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./graph.js").Graph} Graph */
/** @typedef {import("./graph.js").GraphNode} GraphNode */
/** @typedef {import("./graph.js").OpSpec} OpSpec */
/** @typedef {import("./scene.js").Scene} Scene */
/** @typedef {import("./scene.js").Theme} Theme */

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

/**
 * Height of the plot in CSS px: ROW_PX per node of the most crowded layer, in
 * [MIN_HEIGHT, MAX_HEIGHT].
 * @param {GraphNode[]} nodes
 * @returns {number}
 */
export function plotHeight(nodes) {
  return Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, maxLayerSize(nodes) * ROW_PX + 40));
}

/** A spatial graph's plot is square, at most this high (CSS px). */
export const SPATIAL_MAX = 480;

/**
 * Height of a spatial graph's plot: as wide as the plot (a square box), in
 * [MIN_HEIGHT, SPATIAL_MAX].
 * @param {number} width
 * @returns {number}
 */
export function spatialHeight(width) {
  return Math.max(MIN_HEIGHT, Math.min(SPATIAL_MAX, Math.floor(width)));
}

/**
 * Open the editor of a node, or close it ("").
 * @param {Pick<Model, "get" | "set" | "save_changes">} model
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
 * What one view of the graph holds between draws.
 * @typedef {object} State
 * @property {Graph} graph the last good graph
 * @property {OpSpec[]} ops the node editor's ops (the `ops` trait)
 * @property {Scene | null} scene the drawing of the graph at the current size
 * @property {boolean} graphDirty nodes, edges, n_inputs or ops changed: read them at the next draw
 * @property {boolean} sceneDirty the scene must be rebuilt
 * @property {string} sceneKey what the scene was built for: size, threshold, colouring
 * @property {string} localError an error of this view itself (an unreadable graph)
 * @property {number} threshold the threshold drawn: the slider's while it moves, else the trait's
 * @property {number} hoverNode node under the pointer (or focused in the node list), or -1
 * @property {number} hoverEdge drawn edge under the pointer, or -1
 * @property {MouseEvent | null} lastMove the last pointer position over the canvas
 * @property {Map<string, number>} widths label widths at the current font
 * @property {string} font the labels' canvas font
 * @property {string} family the page's font family
 * @property {Theme} theme
 * @property {{w: number, h: number}} lastSize the plot's size at the last draw
 * @property {string} nodeListKey what the node list was built for: the nodes' ids and labels
 * @property {number} sent messages sent (edits)
 * @property {number} exported exports sent
 * @property {number} renderCount
 * @property {boolean} disposed
 */

/**
 * @param {Pick<Model, "get">} model
 * @param {Theme} theme the theme until the first draw reads the page's
 * @returns {State}
 */
export function createState(model, theme) {
  return {
    graph: readGraph([], null),
    ops: [],
    scene: null,
    graphDirty: true,
    sceneDirty: true,
    sceneKey: "",
    localError: "",
    threshold: Number(model.get("edge_threshold")) || 0,
    hoverNode: -1,
    hoverEdge: -1,
    lastMove: null,
    widths: new Map(),
    font: "",
    family: "sans-serif",
    theme,
    lastSize: { w: 0, h: 0 },
    nodeListKey: "",
    sent: 0,
    exported: 0,
    renderCount: 0,
    disposed: false,
  };
}

/**
 * Read the graph if its traits changed; on failure keep the last good graph (drawn dimmed
 * under the message).
 * @param {State} state
 * @param {Pick<Model, "get">} model
 * @returns {boolean} whether it was read
 */
export function readTraits(state, model) {
  if (!state.graphDirty) return false;
  state.graphDirty = false;
  state.sceneDirty = true;
  try {
    state.ops = readOps(model.get("ops"));
    const known = state.ops.map((o) => o.name);
    state.graph = readGraph(model.get("nodes"), model.get("edges"), model.get("n_inputs"), known, {
      layout: model.get("graph_layout"),
      trueEdges: model.get("true_edges"),
      directed: model.get("directed"),
    });
    const n = state.graph.edges.dropped;
    state.localError = n ? `${n} edge${n === 1 ? "" : "s"} left out: an index that is not a node, or a NaN effect` : "";
  } catch (e) {
    state.localError = `cannot draw the graph: ${/** @type {Error} */ (e).message}`;
  }
  state.hoverNode = state.hoverEdge = -1;
  return true;
}

/**
 * Index of the selected node, or -1 (none, or not in the graph).
 * @param {State} state
 * @param {Pick<Model, "get">} model
 * @returns {number}
 */
export function selectedIndex(state, model) {
  const id = model.get("selected") || "";
  const i = id ? state.graph.index.get(id) : undefined;
  return i === undefined ? -1 : i;
}

/**
 * How nodes are coloured.
 * @param {Pick<Model, "get">} model
 * @returns {"value" | "moved"}
 */
export function colourBy(model) {
  return model.get("colour_by") === "moved" ? "moved" : "value";
}
