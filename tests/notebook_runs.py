"""Running the course notebooks once per test session (see the fixture in conftest.py).

The notebooks run with widget state stored and fake credentials in the kernel's
environment, so tests/test_notebooks.py (runs, time budget) and
tests/test_notebook_hygiene.py (saved size, no secrets) inspect the same saved files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
# the course promise: each notebook runs top to bottom in under 2 minutes on 2 CPU cores
BUDGET_S = 120.0
# recognisable fake credentials, set in the kernel's environment while the course runs
FAKE_SECRETS = {
    name: f"iwm-fake-{name.lower().replace('_', '-')}-7f3a9c0e51"
    for name in ("NDIF_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "OPENAI_API_KEY")
}


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


class Executed:
    """Runs each notebook once, on first request; keeps the saved file, time and error."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.done: dict[str, tuple[Path, float, str]] = {}

    def __getitem__(self, name: str) -> tuple[Path, float, str]:
        if name not in self.done:
            src = next(p for p in NOTEBOOKS if p.name == name)
            nb = nbformat.read(src, as_version=4)
            client = NotebookClient(
                nb,
                timeout=300,
                kernel_name="python3",
                store_widget_state=True,
                resources={"metadata": {"path": str(self.out)}},
                extra_arguments=["--InteractiveShell.colors=nocolor"],
            )
            t0 = time.perf_counter()
            error = ""
            with fake_secrets():
                try:
                    client.execute()
                except CellExecutionError as e:
                    error = str(e)[-3000:]
            seconds = time.perf_counter() - t0
            path = self.out / name
            nbformat.write(nb, path)
            self.done[name] = (path, seconds, error)
        return self.done[name]
