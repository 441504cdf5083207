"""The shipped bundles in iwm_widgets/static/ are exactly what the pinned esbuild builds
from js/ (so ``pip install`` needs no Node, and nobody ships a stale bundle).

Each widget's front end is a folder, ``js/<name>/`` (entry ``index.js``), bundled into
``iwm_widgets/static/<name>.js``. Rebuild with ``npm ci && npm run build``. Without Node the
test skips, except under ``CI`` where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STATIC = REPO / "iwm_widgets" / "static"


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed, and CI is set: the bundles must be checked")
        pytest.skip(f"{tool} is not installed (CI unset)")
    return path


def _pinned_esbuild() -> None:
    """``npm ci`` unless node_modules holds the esbuild version package.json pins."""
    want = json.loads((REPO / "package.json").read_text())["devDependencies"]["esbuild"]
    installed = REPO / "node_modules" / "esbuild" / "package.json"
    if installed.exists() and json.loads(installed.read_text())["version"] == want:
        return
    npm = _need("npm")
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout}\n{proc.stderr}"


def test_shipped_bundles_match_the_sources(tmp_path: Path) -> None:
    node = _need("node")
    _pinned_esbuild()
    proc = subprocess.run(
        [node, "scripts/build_js.mjs", "--outdir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"build failed:\n{proc.stdout}\n{proc.stderr}"
    built = sorted(p.name for p in tmp_path.glob("*.js"))
    shipped = sorted(p.name for p in STATIC.glob("*.js"))
    assert built, "the build produced no bundle"
    assert built == shipped, f"bundles built {built} != shipped {shipped}; run `npm run build`"
    stale = [n for n in built if (tmp_path / n).read_bytes() != (STATIC / n).read_bytes()]
    assert not stale, f"iwm_widgets/static/{stale} differ from js/ sources; run `npm run build`"


def test_every_widget_has_its_bundle() -> None:
    """One js/<name>/ folder (entry index.js) and one static bundle per widgets/<name>.py
    (except private modules); every other folder of js/ is js/shared/."""
    widgets = sorted(
        p.stem
        for p in (REPO / "iwm_widgets" / "widgets").glob("*.py")
        if not p.stem.startswith("_")
    )
    for name in widgets:
        assert (REPO / "js" / name / "index.js").exists(), f"js/{name}/index.js is missing"
        assert (STATIC / f"{name}.js").exists(), f"iwm_widgets/static/{name}.js is missing"
    folders = sorted(p.name for p in (REPO / "js").iterdir() if p.is_dir())
    assert folders == sorted([*widgets, "shared"]), f"js/ holds {folders}: one per widget + shared"
    loose = sorted(p.name for p in (REPO / "js").glob("*.js"))
    assert not loose, f"js/{loose}: a module belongs in js/<widget>/ or js/shared/"


def test_no_frontend_specific_apis() -> None:
    """The widgets run in any anywidget host (JupyterLab, Notebook 7, VS Code, Colab,
    marimo): no JupyterLab / classic-notebook globals, no AMD loader, no CDN imports, and
    no Python import of a notebook front end."""
    banned_js = (
        "@jupyterlab",
        "window.jupyterapp",
        "window.jupyterlab",
        "IPython.notebook",
        "requirejs",
        "define(",
        "cdn.jsdelivr",
        "unpkg.com",
    )
    sources = [*(REPO / "js").rglob("*.js"), *STATIC.glob("*.js")]
    assert sources
    for path in sources:
        text = path.read_text()
        found = [b for b in banned_js if b in text]
        assert not found, f"{path.relative_to(REPO)} uses {found}"
    banned_py = ("import jupyterlab", "from jupyterlab", "from notebook", "google.colab")
    for path in (REPO / "iwm_widgets").rglob("*.py"):
        text = path.read_text()
        found = [b for b in banned_py if b in text]
        assert not found, f"{path.relative_to(REPO)} uses {found}"
