// The anywidget model as the views use it: its type, setting a trait from a control, and
// listening to trait changes with one call to undo.
//
// A view reads and writes only its widget's synced traits; tests/test_traits_js.py checks
// every name a view (and the shared modules it imports) reads, writes or listens to against
// the Python class.

/**
 * The slice of anywidget's model that the views use.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, cb: Function) => void} on
 * @property {(event: string, cb: Function) => void} off
 * @property {() => void} save_changes
 * @property {(content: any) => void} send
 */

/**
 * Set a trait from a control, if it changed (JS -> Python).
 * @param {Pick<Model, "get" | "set" | "save_changes">} model
 * @param {string} name
 * @param {any} value
 * @returns {boolean} whether it was sent
 */
export function setTrait(model, name, value) {
  if (model.get(name) === value) return false;
  model.set(name, value);
  model.save_changes();
  return true;
}

/**
 * Call `handler(name)` on every change of the named traits (Python -> JS).
 * @param {Pick<Model, "on" | "off">} model
 * @param {readonly string[]} names
 * @param {(name: string) => void} handler
 * @returns {() => void} stops listening
 */
export function onChanges(model, names, handler) {
  /** @type {[string, () => void][]} */
  const handlers = names.map((name) => [`change:${name}`, () => handler(name)]);
  for (const [event, cb] of handlers) model.on(event, cb);
  return () => {
    for (const [event, cb] of handlers) model.off(event, cb);
  };
}
