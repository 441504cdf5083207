// CausalGraph's options: the colouring of the nodes, the threshold slider (it filters the
// drawing at once and sets `edge_threshold`, debounced, at once on release), and the PNG
// and SVG exports.

import { formatValue } from "../shared/format.js";
import { setTrait } from "../shared/model.js";
import { debounce } from "../shared/timing.js";
import { themeOf } from "../shared/theme.js";
import { exportLabel, exportMessage, exportScene } from "./export.js";
import { colourBy, THRESHOLD_DEBOUNCE_MS, thresholdRange } from "./state.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/**
 * @param {View} view
 * @param {State} state
 * @param {Model} model
 * @param {() => void} schedule redraws soon
 * @returns {{update: () => void, fromPython: () => void, dispose: () => void}} fromPython:
 *   `edge_threshold` changed (followed unless the slider is moving)
 */
export function createOptions(view, state, model, schedule) {
  const { root, thInput, thValue, colourSelect } = view;
  const sendThreshold = debounce((/** @type {number} */ t) => setTrait(model, "edge_threshold", t), THRESHOLD_DEBOUNCE_MS);

  function onThreshold() {
    const t = Number(thInput.value);
    if (!Number.isFinite(t)) return;
    state.threshold = t;
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

  /** @param {"png" | "svg"} format */
  function onExport(format) {
    if (!state.scene) return;
    state.theme = themeOf(root); // the theme the button names, even before the next paint
    model.send(exportMessage(format, exportScene(state, format)));
    state.exported++;
    root.dataset.exported = format;
    root.dataset.exportCount = String(state.exported);
  }
  const onPng = () => onExport("png");
  const onSvg = () => onExport("svg");

  colourSelect.addEventListener("change", onColour);
  thInput.addEventListener("input", onThreshold);
  thInput.addEventListener("change", onThresholdChange);
  view.pngButton.addEventListener("click", onPng);
  view.svgButton.addEventListener("click", onSvg);

  return {
    update() {
      colourSelect.value = colourBy(model);
      const { max, step } = thresholdRange(state.graph.edges.maxAbs, state.threshold);
      thInput.max = String(max);
      thInput.step = String(step);
      if (document.activeElement !== thInput || !sendThreshold.pending()) thInput.value = String(state.threshold);
      thValue.textContent = formatValue(state.threshold);
      for (const [b, format] of /** @type {[HTMLButtonElement, "png" | "svg"][]} */ ([[view.pngButton, "png"], [view.svgButton, "svg"]])) {
        const { text, title } = exportLabel(format, themeOf(root));
        b.textContent = text;
        b.title = title;
      }
      root.dataset.exportTheme = themeOf(root).dark ? "dark" : "light";
    },
    fromPython() {
      if (!sendThreshold.pending()) state.threshold = Number(model.get("edge_threshold")) || 0;
    },
    dispose() {
      try {
        sendThreshold.flush(); // the user's last threshold still reaches Python
      } catch {
        sendThreshold.cancel(); // the model is closing
      }
      colourSelect.removeEventListener("change", onColour);
      thInput.removeEventListener("input", onThreshold);
      thInput.removeEventListener("change", onThresholdChange);
      view.pngButton.removeEventListener("click", onPng);
      view.svgButton.removeEventListener("click", onSvg);
    },
  };
}
