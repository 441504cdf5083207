"""binder/ launches the course: its requirements install into a fresh virtual environment
and the course runs there.

This is what mybinder.org (repo2docker) does: ``pip install -r binder/requirements.txt``
from the repository root, then JupyterLab on the repository. The environment is new (no
``--system-site-packages``, no ``PYTHONPATH``), so the notebooks import the *built* wheel
of iwm_widgets: the shipped weights and JS bundles must be in it. pip's own cache and the
local wheel directory are used as they are.

What runs in that environment: the first notebook (the demo) top to bottom; every zoo
model loaded from the installed package (its weights present and matching the card's
sha256); every widget's bundle present; and every module any course notebook imports,
imported. Those are what the environment adds over the development one, where
tests/test_notebooks.py runs every notebook. ``IWM_BINDER_ALL=1`` runs every notebook
here too (about 4 minutes more on 2 cores; not in CI, whose time budget it would break).

The requirements name the PyTorch CPU index. Where it cannot be reached (our CI: no DNS for
it, the CPU wheel of torch==2.13.0 on disk) pip skips it; ``PIP_RETRIES=0`` makes that
one failed look-up per package instead of five with back-off.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from iwm_widgets.zoo import ZOO, ZOO_DIRS

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
WIDGET_MODULES = sorted(p.stem for p in (REPO / "iwm_widgets" / "widgets").glob("[!_]*.py"))
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 900

# Runs inside the fresh environment: execute each notebook with that environment's nbclient
# and its own python3 kernel, then check the kernel imported the installed package.
RUNNER = r"""
import json, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

venv = sys.argv[1]
report = {}
for path in sys.argv[2:]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys as _s, iwm_widgets as _w\n"
        f"assert _s.prefix == {venv!r}, _s.prefix\n"
        f"assert _w.__file__.startswith({venv!r}), _w.__file__\n"
        "print('kernel:', _s.prefix, _w.__file__)"
    ))
    t0 = time.monotonic()
    err = None
    try:
        NotebookClient(
            nb, timeout=300, kernel_name="python3",
            resources={"metadata": {"path": str(Path(path).parent)}},
            extra_arguments=["--InteractiveShell.colors=nocolor"],
        ).execute()
    except Exception as e:  # CellExecutionError carries the cell and its traceback
        err = f"{type(e).__name__}: {e}"
    report[Path(path).name] = {"seconds": round(time.monotonic() - t0, 1), "error": err}
print("REPORT " + json.dumps(report))
"""

# Runs inside the fresh environment: what the installed wheel and requirements must hold
# for every notebook (the ones RUNNER does not execute included).
PACKAGE_CHECK = r"""
import ast, importlib, json, sys
from pathlib import Path
import nbformat
import iwm_widgets as iwm
from iwm_widgets.widgets import _base
from iwm_widgets.zoo import ZOO, ZOO_DIRS

report = {"models": {}, "bundles": {}, "imports": {}}
for name in sorted({*ZOO, *ZOO_DIRS}):
    try:
        m = iwm.load(name)  # checks the weights against the card's sha256
        report["models"][name] = type(m.module).__name__
    except Exception as e:
        report["models"][name] = f"ERROR {type(e).__name__}: {e}"
for src in sorted(Path(_base.__file__).parent.glob("[!_]*.py")):  # one bundle per widget
    p = Path(_base.esm(src.stem))
    ok = p.is_file() and p.stat().st_size > 0
    report["bundles"][src.stem] = "ok" if ok else f"ERROR missing or empty: {p}"
mods = set()
for path in sys.argv[1:]:
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # an exercise's "..." is valid Python; a magic is not
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                mods.add(node.module)
for mod in sorted(mods):
    try:
        importlib.import_module(mod)
        report["imports"][mod] = "ok"
    except Exception as e:
        report["imports"][mod] = f"ERROR {type(e).__name__}: {e}"
print("REPORT " + json.dumps(report))
"""


def _env(venv: Path, tmp: Path) -> dict[str, str]:
    """The caller's environment without anything that points into this venv or repo."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        PATH=os.pathsep.join([str(venv / "bin"), env.get("PATH", "")]),
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"),
        IPYTHONDIR=str(tmp / "ipython"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PIP_RETRIES="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def test_binder_files_pin_the_cpu_torch() -> None:
    req = (BINDER / "requirements.txt").read_text()
    lines = [ln.strip() for ln in req.splitlines() if ln.strip() and not ln.startswith("#")]
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert "torch==2.13.0" in lines
    # the package from this checkout, with JupyterLab (what Binder opens)
    assert ".[lab]" in lines
    assert (BINDER / "runtime.txt").read_text().strip().startswith("python-3.")


@pytest.mark.slow
@pytest.mark.notebook
def test_binder_environment_runs_the_course(tmp_path: Path) -> None:
    assert NOTEBOOKS, "notebooks/ is empty"
    venv = tmp_path / "venv"
    env = _env(venv, tmp_path)
    base = getattr(sys, "_base_executable", sys.executable)
    t0 = time.monotonic()
    subprocess.run([base, "-m", "venv", str(venv)], check=True, env=env, timeout=120)
    # as repo2docker does it: from the repository root, the file as it is
    install = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--no-compile",
            "-q",
            "-r",
            str(BINDER / "requirements.txt"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    t_install = time.monotonic() - t0
    assert install.returncode == 0, (
        f"pip install -r binder/requirements.txt failed:\n{install.stderr[-6000:]}"
    )
    # a fresh environment: nothing from the test runner's venv leaks in
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import sys, torch, iwm_widgets; print(sys.prefix); print(torch.__version__);"
         " print(iwm_widgets.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    prefix, torch_version, pkg_file = probe.stdout.split()
    assert Path(prefix) == venv
    assert torch_version.startswith("2.13.0"), torch_version
    assert "+cu" not in torch_version, f"a CUDA build of torch was installed: {torch_version}"
    assert Path(pkg_file).is_relative_to(venv), f"iwm_widgets imported from {pkg_file}"
    # the wheel enables its Jupyter server extension (kernel websockets without Nagle)
    enabled = venv / "etc" / "jupyter" / "jupyter_server_config.d" / "iwm_widgets_server.json"
    assert json.loads(enabled.read_text())["ServerApp"]["jpserver_extensions"] == {
        "iwm_widgets_server": True
    }

    work = tmp_path / "notebooks"
    work.mkdir()
    for nb in NOTEBOOKS:
        shutil.copy(nb, work / nb.name)
    py = str(venv / "bin" / "python")
    kw: dict[str, Any] = dict(cwd=work, env=env, capture_output=True, text=True)

    # what the wheel and the requirements hold for every notebook
    check = subprocess.run(
        [py, "-c", PACKAGE_CHECK, *(str(work / nb.name) for nb in NOTEBOOKS)], **kw, timeout=300
    )
    held = _report(check, "the package check")
    assert sorted(held["models"]) == sorted({*ZOO, *ZOO_DIRS})
    assert sorted(held["bundles"]) == WIDGET_MODULES
    assert {"torch", "iwm_widgets"} <= set(held["imports"])
    bad = {f"{kind} {k}": v for kind, d in held.items() for k, v in d.items() if "ERROR" in v}
    assert not bad, f"the binder environment lacks what the course needs: {bad}"

    # the demo notebook (every notebook with IWM_BINDER_ALL=1) runs top to bottom
    run_all = os.environ.get("IWM_BINDER_ALL") == "1"
    chosen = NOTEBOOKS if run_all else NOTEBOOKS[:1]
    t1 = time.monotonic()
    run = subprocess.run(
        [py, "-c", RUNNER, str(venv), *(str(work / nb.name) for nb in chosen)],
        **kw,
        timeout=RUN_TIMEOUT,
    )
    t_run = time.monotonic() - t1
    report = _report(run, "the notebook runner")
    print(
        f"\nbinder env: install {t_install:.0f} s, notebooks {t_run:.0f} s: {report}; "
        f"{len(held['models'])} models, {len(held['bundles'])} bundles, "
        f"{len(held['imports'])} imports"
    )
    failed = {k: v["error"] for k, v in report.items() if v["error"]}
    assert not failed, "notebooks failed in the binder environment:\n" + "\n\n".join(
        f"--- {k} ---\n{v}" for k, v in failed.items()
    )
    assert sorted(report) == sorted(nb.name for nb in chosen)


def _report(proc: subprocess.CompletedProcess[str], what: str) -> Any:
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT ")), None)
    assert line, f"{what} did not report:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return json.loads(line[len("REPORT ") :])
