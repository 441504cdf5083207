"""binder/ launches the course: its requirements install into a fresh virtual environment
and every notebook in notebooks/ runs there, top to bottom.

This is what mybinder.org (repo2docker) does: ``pip install -r binder/requirements.txt``
from the repository root, then JupyterLab on the repository. The environment is new (no
``--system-site-packages``, no ``PYTHONPATH``), so the notebooks import the *built* wheel
of iwm_widgets: the shipped weights and JS bundles must be in it. pip's own cache and the
local wheel directory are used as they are.

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

import pytest

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
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

    work = tmp_path / "notebooks"
    work.mkdir()
    for nb in NOTEBOOKS:
        shutil.copy(nb, work / nb.name)
    t1 = time.monotonic()
    run = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            RUNNER,
            str(venv),
            *(str(work / nb.name) for nb in NOTEBOOKS),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    t_run = time.monotonic() - t1
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("REPORT ")), None)
    assert line, f"the runner did not report:\n{run.stdout[-3000:]}\n{run.stderr[-6000:]}"
    report = json.loads(line[len("REPORT ") :])
    print(f"\nbinder env: install {t_install:.0f} s, notebooks {t_run:.0f} s: {report}")
    failed = {k: v["error"] for k, v in report.items() if v["error"]}
    assert not failed, "notebooks failed in the binder environment:\n" + "\n\n".join(
        f"--- {k} ---\n{v}" for k, v in failed.items()
    )
    assert sorted(report) == sorted(nb.name for nb in NOTEBOOKS)
