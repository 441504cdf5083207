// Bundle every widget's front end: js/<name>/index.js -> iwm_widgets/static/<name>.js.
//
// A folder js/<name>/ is a widget's front end when iwm_widgets/widgets/<name>.py exists (one
// .py and one folder of the same name per widget); js/shared/ holds the modules the front
// ends share, bundled into each one that imports them. Output is minified ESM, the same bytes on every machine, so the
// bundles can be committed and checked (tests/test_js_bundle.py rebuilds and compares).
// Minified because each widget's bundle is its `_esm` trait: it goes to the browser with
// every widget and into every notebook saved with widget state (≈ 40% smaller than
// unminified). Read and diff the sources in js/; exported names stay as written.
//
// Usage: node scripts/build_js.mjs [--outdir DIR] [--list]

import { readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** @returns {string[]} widget names, sorted */
export function widgetEntries() {
  return readdirSync(path.join(root, "js"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, "js", d.name, "index.js")))
    .map((d) => d.name)
    .filter((name) => existsSync(path.join(root, "iwm_widgets", "widgets", `${name}.py`)))
    .sort();
}

async function main(argv) {
  let outdir = path.join(root, "iwm_widgets", "static");
  const i = argv.indexOf("--outdir");
  if (i >= 0) outdir = path.resolve(argv[i + 1]);
  const names = widgetEntries();
  if (argv.includes("--list")) {
    console.log(names.join("\n"));
    return;
  }
  if (names.length === 0) throw new Error("no widget entries: js/<name>/index.js needs iwm_widgets/widgets/<name>.py");
  for (const name of names) {
    await esbuild.build({
      absWorkingDir: root, // paths in the bundle's comments are relative to the repo root
      entryPoints: [`js/${name}/index.js`],
      outfile: path.join(outdir, `${name}.js`),
      bundle: true,
      format: "esm",
      charset: "utf8", // keep "…" and "‖" readable instead of \u escapes
      minify: true,
      legalComments: "inline",
      banner: { js: `// Generated from js/${name}/index.js by scripts/build_js.mjs (npm run build). Do not edit.` },
      logLevel: "warning",
    });
    console.log(`built ${path.relative(root, path.join(outdir, name + ".js")) || outdir}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e.message ?? e);
    process.exit(1);
  });
}
