// SteeringDials' options and actions: where the edits apply (scope and its first step),
// along which direction, Reset (every dial off), and the edits as nnsight code (shown, and
// copied to the clipboard, or selected for Ctrl+C where there is no clipboard API).

import { numberInput } from "../shared/controls.js";
import { setTrait } from "../shared/model.js";
import { clampStep } from "./values.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */
/** @typedef {ReturnType<typeof import("./state.js").valueSender>} Sender */

/** The copy button says what it did for this long (ms). */
export const COPIED_MS = 1500;
/** A clipboard that has not answered after this long (a denied permission) is given up (ms). */
export const CLIPBOARD_TIMEOUT_MS = 1000;

/**
 * @param {View} view
 * @param {State} state
 * @param {Model} model
 * @param {Sender} sender
 * @param {() => void} schedule redraws soon
 * @returns {{update: () => void, dispose: () => void}}
 */
export function createOptions(view, state, model, sender, schedule) {
  const { root, scopeSelect, startInput, dirSelect, resetButton, copyButton, codeText } = view;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let copiedTimer;

  function onReset() {
    sender.cancel();
    state.dragging = null;
    model.send({ type: "reset" });
  }
  function onScope() {
    setTrait(model, "scope", scopeSelect.value);
    schedule();
  }
  function onDirection() {
    setTrait(model, "direction", dirSelect.value);
  }
  const start = numberInput(startInput, (text) => {
    const n = Number(model.get("n_steps")) || 0;
    const t = clampStep(text, n, Number(model.get("scope_start")) || 0);
    setTrait(model, "scope_start", t);
    return t;
  });

  async function onCopy() {
    const code = model.get("code") || "";
    codeText.value = code;
    let how = "";
    try {
      if (navigator.clipboard && window.isSecureContext) {
        // A denied permission may never settle: give up after a moment.
        await Promise.race([
          navigator.clipboard.writeText(code),
          new Promise((_, reject) => setTimeout(() => reject(new Error("clipboard timeout")), CLIPBOARD_TIMEOUT_MS)),
        ]);
        how = "clipboard";
      }
    } catch {
      how = "";
    }
    if (state.disposed) return;
    if (!how) {
      // No clipboard API (plain http, denied): copy from the selected text instead.
      view.details.open = true;
      codeText.focus();
      codeText.select();
      let ok = false;
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
      how = ok ? "selection" : "selected";
    }
    root.dataset.copied = how;
    copyButton.textContent = how === "selected" ? "Selected: press Ctrl+C" : "Copied ✓";
    clearTimeout(copiedTimer);
    copiedTimer = setTimeout(() => {
      copyButton.textContent = "Copy as nnsight code";
    }, COPIED_MS);
  }

  resetButton.addEventListener("click", onReset);
  copyButton.addEventListener("click", onCopy);
  scopeSelect.addEventListener("change", onScope);
  dirSelect.addEventListener("change", onDirection);

  return {
    update() {
      const scope = model.get("scope") || "rollout";
      scopeSelect.value = scope;
      view.startLabel.hidden = scope !== "from" && scope !== "once";
      const n = Number(model.get("n_steps")) || 0;
      startInput.max = n > 0 ? String(n - 1) : "";
      if (document.activeElement !== startInput) startInput.value = String(model.get("scope_start") ?? 0);
      dirSelect.value = model.get("direction") || "encoding";
      const code = model.get("code") || "";
      if (codeText.value !== code) codeText.value = code;
      copyButton.disabled = !code;
    },
    dispose() {
      resetButton.removeEventListener("click", onReset);
      copyButton.removeEventListener("click", onCopy);
      scopeSelect.removeEventListener("change", onScope);
      dirSelect.removeEventListener("change", onDirection);
      start.dispose();
      clearTimeout(copiedTimer);
    },
  };
}
