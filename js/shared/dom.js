// Small DOM helpers shared by the views: elements, SVG elements, the error box, a canvas
// sized for the device's pixel ratio, and keeping our keys away from the notebook.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * A new element, with a class and appended to a parent if given.
 * @param {string} tag
 * @param {string} [className]
 * @param {Element} [parent]
 * @returns {any}
 */
export function h(tag, className, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (parent) parent.appendChild(e);
  return e;
}

/**
 * A new SVG element with attributes, appended to a parent if given.
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {Element} [parent]
 * @returns {any}
 */
export function svgEl(tag, attrs, parent) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

/**
 * The error box under the header (hidden until `showError` has something to say).
 * @param {Element} parent
 * @returns {HTMLDivElement}
 */
export function errorBox(parent) {
  const box = h("div", "iwm-error", parent);
  box.setAttribute("role", "alert");
  box.hidden = true;
  return box;
}

/**
 * Show the non-empty messages in the error box, one a line, and dim the widget
 * (class iwm-stale on its root) while there are any; hide the box when there are none.
 * @param {Element} root
 * @param {HTMLElement} box
 * @param {string[]} messages
 * @returns {string} what the box says
 */
export function showError(root, box, messages) {
  const msg = messages.filter(Boolean).join("\n");
  box.textContent = msg;
  box.hidden = !msg;
  root.classList.toggle("iwm-stale", !!msg);
  return msg;
}

/**
 * Size a canvas to width × height CSS px at the device's pixel ratio (its bitmap only
 * changes when the size does) and return its context, scaled to CSS px.
 * @param {HTMLCanvasElement} canvas
 * @param {number} width CSS px
 * @param {number} height CSS px
 * @returns {{ctx: CanvasRenderingContext2D, dpr: number, W: number, H: number}} W, H: device px
 */
export function fitCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  const W = Math.max(1, Math.round(width * dpr));
  const H = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== W) canvas.width = W;
  if (canvas.height !== H) canvas.height = H;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, dpr, W, H };
}

/** The attribute that makes Lumino's key bindings (JupyterLab, Notebook 7) match nothing. */
export const SUPPRESS_SHORTCUTS = "data-lm-suppress-shortcuts";

/**
 * Keys typed into our controls are ours, not the notebook's shortcuts: stop them at `el`,
 * after `onKey` (if given) has seen them. Stopping them is enough where the host handles
 * its shortcuts as the key bubbles up (JupyterLab); Notebook 7 handles them on the way
 * down (a capturing listener on the document, before `el` sees the key). So the element
 * that has the focus inside `el` (where a key goes) also carries SUPPRESS_SHORTCUTS while
 * it has it: Lumino matches a binding by walking up from the key's target, and stops at
 * the first element with that attribute, before it reaches the notebook's selector.
 * @param {HTMLElement} el
 * @param {(e: KeyboardEvent) => void} [onKey]
 * @returns {() => void} removes the listeners (and the attributes set)
 */
export function ownKeys(el, onKey) {
  const listener = (/** @type {KeyboardEvent} */ e) => {
    e.stopPropagation();
    if (onKey) onKey(e);
  };
  /** @type {Set<Element>} the elements given the attribute (not those that had it) */
  const marked = new Set();
  const onFocusIn = (/** @type {FocusEvent} */ e) => {
    const t = e.target;
    if (t instanceof Element && !t.hasAttribute(SUPPRESS_SHORTCUTS)) {
      t.setAttribute(SUPPRESS_SHORTCUTS, "true");
      marked.add(t);
    }
  };
  const onFocusOut = (/** @type {FocusEvent} */ e) => {
    const t = /** @type {Element} */ (e.target);
    if (marked.delete(t)) t.removeAttribute(SUPPRESS_SHORTCUTS);
  };
  el.addEventListener("keydown", listener);
  el.addEventListener("focusin", onFocusIn);
  el.addEventListener("focusout", onFocusOut);
  return () => {
    el.removeEventListener("keydown", listener);
    el.removeEventListener("focusin", onFocusIn);
    el.removeEventListener("focusout", onFocusOut);
    for (const t of marked) t.removeAttribute(SUPPRESS_SHORTCUTS);
    marked.clear();
  };
}
