// The synced traits of ModuleTree (iwm_widgets/widgets/module_tree.py). Declared in Python;
// tests/test_traits_js.py checks that this list is exactly the Python traits and that every
// name this folder reads or writes is one.

/**
 * @typedef {object} Traits
 * @property {string} error why the last selection could not be opened
 * @property {import("./tree.js").Node[]} nodes module records, depth-first
 * @property {string} selected path of the site opened below the tree ("" for none)
 * @property {string} summary one line under the title: kind, parameters, …
 * @property {string} title model name shown in the header
 */

/** Traits whose change redraws the view (`nodes` and `selected` do more: index.js). */
export const REDRAW = Object.freeze(["nodes", "title", "summary", "selected", "error"]);
