// ActivationMap's header controls: the title, the quantity select and the hidden
// dimension of quantity "dim" (JS -> Python: Python recomputes `values`), and the badges.

import { fillSelect, generationText, numberInput } from "../shared/controls.js";
import { chooseDim, chooseQuantity } from "./state.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./view.js").View} View */

/**
 * @param {View} view
 * @param {Model} model
 * @returns {{update: () => void, dispose: () => void}}
 */
export function createControls(view, model) {
  const { select, dimInput } = view;
  const onSelect = () => chooseQuantity(model, select.value);
  select.addEventListener("change", onSelect);
  const dim = numberInput(dimInput, (text) => chooseDim(model, Number(text)));

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
    view.qLabel.hidden = quantities.length === 0;
    view.dimLabel.hidden = quantity !== "dim";
    const n = model.get("n_dims") || 0;
    dimInput.max = n > 0 ? String(n - 1) : "";
    if (document.activeElement !== dimInput) dimInput.value = String(model.get("dim") ?? 0);
    view.status.hidden = model.get("status") !== "running";
    view.genBadge.textContent = generationText(model);
  }

  return {
    update,
    dispose() {
      select.removeEventListener("change", onSelect);
      dim.dispose();
    },
  };
}
