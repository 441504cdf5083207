// ActivationMap's header controls: the title, the quantity select and the hidden
// dimension of quantity "dim" (JS -> Python: Python recomputes `values`), and the badges;
// and the aggregate of the level-of-detail line (JS -> Python: `aggregate`).
// A dimension out of range is refused here (the error box says why, the field shows the
// dimension still drawn); a static Heatmap (one quantity, no runs) hides the select and
// the generation badge.

import { fillSelect, generationText, numberInput } from "../shared/controls.js";
import { chooseAggregate, chooseDim, chooseQuantity } from "./state.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./view.js").View} View */

/**
 * @param {View} view
 * @param {Model} model
 * @param {() => void} [onError] called when `error()` changed (to show it)
 * @returns {{update: () => void, dispose: () => void, error: () => string}}
 */
export function createControls(view, model, onError = () => {}) {
  const { select, dimInput } = view;
  let refused = ""; // why the last typed dimension was refused
  const setRefused = (/** @type {string} */ msg) => {
    if (msg === refused) return;
    refused = msg;
    view.root.dataset.dimError = msg;
    onError();
  };
  const onSelect = () => {
    setRefused("");
    chooseQuantity(model, select.value);
  };
  select.addEventListener("change", onSelect);
  const onAggregate = () => chooseAggregate(model, view.aggSelect.value);
  view.aggSelect.addEventListener("change", onAggregate);
  const dim = numberInput(dimInput, (text) => {
    const { dim: shown, error } = chooseDim(model, Number(text));
    setRefused(error);
    return shown;
  });

  function update() {
    view.title.textContent = model.get("title") || "";
    const quantities = model.get("quantities") || [];
    const quantity = model.get("quantity") || "";
    const key = JSON.stringify(quantities);
    if (select.dataset.key !== key) {
      fillSelect(select, quantities.map((/** @type {{value: string, label?: string}} */ q) => ({ value: q.value, label: q.label || q.value })));
      select.dataset.key = key;
    }
    select.value = quantity;
    view.qLabel.hidden = quantities.length <= 1; // one quantity: the legend names it
    view.dimLabel.hidden = quantity !== "dim";
    const n = model.get("n_dims") || 0;
    dimInput.max = n > 0 ? String(n - 1) : "";
    if (document.activeElement !== dimInput) dimInput.value = String(model.get("dim") ?? 0);
    if (quantity !== "dim") setRefused("");
    view.status.hidden = model.get("status") !== "running";
    view.genBadge.hidden = model.get("status") === undefined; // a Heatmap never re-runs
    view.genBadge.textContent = generationText(model);
  }

  return {
    update,
    error: () => refused,
    dispose() {
      select.removeEventListener("change", onSelect);
      view.aggSelect.removeEventListener("change", onAggregate);
      dim.dispose();
    },
  };
}
