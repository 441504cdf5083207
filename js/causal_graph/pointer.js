// CausalGraph under the pointer and the keyboard: the node or edge under the pointer (hit
// tested once per frame, repainted only when it changed) with its tooltip, a click that
// opens a node's editor (or closes it), and the node list's focus and clicks.

import { TOOLTIP_OFFSET } from "../shared/tooltip.js";
import { edgeAt, nodeAt } from "./scene.js";
import { edgeTooltip, nodeTooltip } from "./text.js";

/**
 * Where the tooltip goes while the node editor is open: next to the pointer (right and
 * below, left and below, right and above, left and above: the first that stays inside the
 * area and clear of the editor), or null when every one covers the editor (then it hides).
 * All in px of the widget's root.
 * @param {number} px pointer
 * @param {number} py
 * @param {{w: number, h: number}} tip the tooltip's size
 * @param {{x0: number, y0: number, x1: number, y1: number}} avoid the editor's box
 * @param {{width: number, height: number}} area the root's
 * @param {number} [d] the gap from the pointer
 * @returns {{left: number, top: number} | null}
 */
export function tooltipClearOf(px, py, tip, avoid, area, d = TOOLTIP_OFFSET) {
  const xs = [px + d, px - d - tip.w];
  const ys = [py + d, py - d - tip.h];
  for (const top of ys) {
    for (const left of xs) {
      const inside = left >= 0 && top >= 0 && left + tip.w <= area.width + 0.5 && top + tip.h <= area.height + 0.5;
      const covers = left < avoid.x1 && left + tip.w > avoid.x0 && top < avoid.y1 && top + tip.h > avoid.y0;
      if (inside && !covers) return { left, top };
    }
  }
  return null;
}

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/**
 * @param {View} view
 * @param {State} state
 * @param {Pick<Model, "get">} model
 * @param {{paint: () => void, editor: {open: (id: string, focus: boolean) => void, close: () => void}}} deps
 *   paint: repaint the scene (no rebuild)
 * @returns {{update: () => void, rehover: () => void, dispose: () => void}} update: show the
 *   hover (data-hover, the tooltip); rehover: hit-test again (the graph changed under a still pointer)
 */
export function createPointer(view, state, model, deps) {
  const { root, canvas, nodeList, tooltip } = view;
  /** @type {number} */
  let frame = 0;

  function update() {
    const { graph, scene, hoverNode, hoverEdge } = state;
    const ds = root.dataset;
    if (hoverNode >= 0 && hoverNode < graph.nodes.length) ds.hover = `node:${graph.nodes[hoverNode].id}`;
    else if (scene && hoverEdge >= 0 && hoverEdge < scene.edges.length) {
      const k = scene.edges[hoverEdge];
      ds.hover = `edge:${graph.nodes[graph.edges.src[k]].id}->${graph.nodes[graph.edges.dst[k]].id}`;
    } else ds.hover = "";
    canvas.classList.toggle("iwm-pointer", hoverNode >= 0);
    if (state.lastMove && (hoverNode >= 0 || hoverEdge >= 0)) {
      /** @type {[string, string][]} */
      let lines = [];
      if (hoverNode >= 0) lines = nodeTooltip(graph, scene, hoverNode);
      else if (scene && hoverEdge >= 0) lines = edgeTooltip(graph, scene.edges[hoverEdge]);
      tooltip.show(state.lastMove, lines);
      if (!view.editor.hidden) keepOffEditor(state.lastMove);
    } else tooltip.hide();
  }

  /** The open editor's fields stay readable: the tooltip moves off it, or hides. @param {{clientX: number, clientY: number}} at */
  function keepOffEditor(at) {
    const rb = root.getBoundingClientRect();
    const eb = view.editor.getBoundingClientRect();
    const avoid = { x0: eb.left - rb.left, y0: eb.top - rb.top, x1: eb.right - rb.left, y1: eb.bottom - rb.top };
    const el = tooltip.el;
    const place = tooltipClearOf(at.clientX - rb.left, at.clientY - rb.top, { w: el.offsetWidth, h: el.offsetHeight }, avoid, rb);
    if (place) {
      el.style.left = `${place.left}px`;
      el.style.top = `${place.top}px`;
    } else tooltip.hide();
  }

  /** Hit-test the last pointer position once per frame; repaint only when the hover changed. */
  function onFrame() {
    frame = 0;
    const { lastMove, scene } = state;
    if (!lastMove || !scene) return;
    const rect = canvas.getBoundingClientRect();
    const px = lastMove.clientX - rect.left;
    const py = lastMove.clientY - rect.top;
    const n = nodeAt(scene, px, py);
    const k = n >= 0 ? -1 : edgeAt(scene, px, py);
    const changed = n !== state.hoverNode || k !== state.hoverEdge;
    state.hoverNode = n;
    state.hoverEdge = k;
    if (changed) deps.paint();
    update();
  }

  /** @param {MouseEvent} e */
  function onMove(e) {
    state.lastMove = e;
    if (!frame) frame = requestAnimationFrame(onFrame);
  }

  function onLeave() {
    state.lastMove = null;
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    if (state.hoverNode >= 0 || state.hoverEdge >= 0) {
      state.hoverNode = state.hoverEdge = -1;
      deps.paint();
    }
    update();
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const { scene } = state;
    if (!scene) return;
    const rect = canvas.getBoundingClientRect();
    const i = nodeAt(scene, e.clientX - rect.left, e.clientY - rect.top);
    if (i < 0) {
      deps.editor.close(); // a click on the background (or an edge) closes the editor
      return;
    }
    const id = state.graph.nodes[i].id;
    if (model.get("selected") === id) deps.editor.close();
    else deps.editor.open(id, true);
  }

  /** @param {FocusEvent} e */
  function onListFocus(e) {
    const b = /** @type {HTMLElement} */ (e.target);
    const i = Number(b.dataset.index);
    if (!Number.isInteger(i) || !state.scene) return;
    state.hoverNode = i;
    state.hoverEdge = -1;
    deps.paint();
    update();
  }

  function onListBlur() {
    if (state.lastMove) return;
    state.hoverNode = -1;
    deps.paint();
    update();
  }

  /** @param {MouseEvent} e */
  function onListClick(e) {
    const b = /** @type {HTMLElement} */ (e.target);
    if (b.dataset.id !== undefined) deps.editor.open(b.dataset.id, true);
  }

  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("click", onClick);
  nodeList.addEventListener("focusin", onListFocus);
  nodeList.addEventListener("focusout", onListBlur);
  nodeList.addEventListener("click", onListClick);
  return {
    update,
    rehover() {
      if (state.lastMove && !frame) frame = requestAnimationFrame(onFrame); // what is under the pointer now
    },
    dispose() {
      if (frame) cancelAnimationFrame(frame);
      canvas.removeEventListener("mousemove", onMove);
      canvas.removeEventListener("mouseleave", onLeave);
      canvas.removeEventListener("click", onClick);
      nodeList.removeEventListener("focusin", onListFocus);
      nodeList.removeEventListener("focusout", onListBlur);
      nodeList.removeEventListener("click", onListClick);
    },
  };
}
