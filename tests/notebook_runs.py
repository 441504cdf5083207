"""Running the course notebooks once per test session (see the fixture in conftest.py).

Two sets: the student notebooks (``notebooks/*.ipynb``, exercises left as ``...``: they
run top to bottom, their checks print "Not yet: ...") and the solutions
(``notebooks/solutions/*.ipynb``, the notebooks with exercises, filled in: every check
passes). Both are written by tools/make_notebooks.py.

The notebooks run with widget state stored and fake credentials in the kernel's
environment, so tests/test_notebooks.py (runs, time budget, checks) and
tests/test_notebook_hygiene.py (saved size, no secrets) inspect the same saved files.
Each runs in a temporary copy of ``notebooks/``, as a student would in the real folder;
what a notebook writes there is recorded (it should write nothing).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

COURSE = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))
SOLUTIONS = sorted((COURSE / "solutions").glob("*.ipynb"))
# the course promise: each notebook runs top to bottom in under 2 minutes on 2 CPU cores
BUDGET_S = 120.0
# recognisable fake credentials, set in the kernel's environment while the course runs
FAKE_SECRETS = {
    name: f"iwm-fake-{name.lower().replace('_', '-')}-7f3a9c0e51"
    for name in ("NDIF_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "OPENAI_API_KEY")
}


def key(path: Path) -> str:
    """``"02_probing_velocity.ipynb"`` or ``"solutions/02_probing_velocity.ipynb"``."""
    return path.relative_to(COURSE).as_posix()


@contextmanager
def fake_secrets() -> Iterator[None]:
    """The fake credentials in ``os.environ`` (kernels inherit it at launch), then restored."""
    saved = {k: os.environ.get(k) for k in FAKE_SECRETS}
    os.environ.update(FAKE_SECRETS)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class Run:
    path: Path  # the executed notebook, saved with its outputs and widget state
    seconds: float
    error: str  # the failing cell and its traceback, or ""
    written: list[str]  # files the run added or changed in (the copy of) notebooks/

    def __getitem__(self, i: int) -> object:  # (path, seconds, error), as before
        return (self.path, self.seconds, self.error)[i]


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


class Executed:
    """Runs each notebook once, on first request; keeps the saved file, time and error."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.course = out / "course"  # the student's folder: a copy of notebooks/
        shutil.copytree(COURSE, self.course, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (out / "executed" / "solutions").mkdir(parents=True)
        self.done: dict[str, Run] = {}

    def __getitem__(self, name: str) -> Run:
        if name not in self.done:
            src = self.course / name
            nb = nbformat.read(src, as_version=4)
            client = NotebookClient(
                nb,
                timeout=300,
                kernel_name="python3",
                store_widget_state=True,
                resources={"metadata": {"path": str(src.parent)}},
                extra_arguments=["--InteractiveShell.colors=nocolor"],
            )
            before = _snapshot(self.course)
            t0 = time.perf_counter()
            error = ""
            with fake_secrets():
                try:
                    client.execute()
                except CellExecutionError as e:
                    error = str(e)[-3000:]
            seconds = time.perf_counter() - t0
            after = _snapshot(self.course)
            written = sorted(k for k, v in after.items() if before.get(k) != v)
            path = self.out / "executed" / name
            nbformat.write(nb, path)
            self.done[name] = Run(path, seconds, error, written)
        return self.done[name]
