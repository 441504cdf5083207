"""Real-browser harness: one JupyterLab server and one Chromium for the whole session.

The server serves a temporary copy of ``notebooks/`` (no checkpoints or autosaves land
in the repo) with temporary Jupyter config/runtime dirs; its kernels import the working
tree (``PYTHONPATH``). Tests open a notebook with :class:`Notebook`, run all of its cells
through JupyterLab's own command, then drive the page with Playwright and read Python
state through the notebook's kernel. Waits are on DOM state (``data-*`` markers the
widgets set), never on fixed sleeps.

Without Chromium or Playwright the tests skip, except under ``CI`` where they fail.
The machinery itself (server, browser, :class:`Notebook`) lives in ``harness.py``, which
scripts such as ``benchmarks/bench_dials_browser.py`` use without pytest.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import (
    CHROMIUM,
    KNOWN_PAGE_ERRORS,
    NOTEBOOKS,
    REPO,
    RESULTS,
    JupyterServer,
    Notebook,
    NotebookError,
    PageErrors,
    ServerStartError,
    new_page,
)
from harness import chromium as _chromium
from harness import jupyter_server as _jupyter_server

__all__ = [
    "CHROMIUM",
    "KNOWN_PAGE_ERRORS",
    "NOTEBOOKS",
    "REPO",
    "RESULTS",
    "JupyterServer",
    "Notebook",
    "NotebookError",
    "PageErrors",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ui: real-browser tests (JupyterLab + Chromium)")


def _missing(reason: str) -> None:
    """Skip locally; under CI a missing browser is a failure, not a silent skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    base = tmp_path_factory.mktemp("jupyter")
    try:
        with _jupyter_server(base, NOTEBOOKS) as server:
            yield server
    except ServerStartError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM} (set IWM_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("playwright is not installed")
    with _chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page of its own for one test."""
    context, pg = new_page(browser)
    yield pg
    context.close()


@pytest.fixture(scope="module")
def module_page(browser: Any) -> Iterator[Any]:
    """A page shared by the tests of one module (open and run a notebook once)."""
    context, pg = new_page(browser)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def notebooks(jupyter_server: JupyterServer):
    """``notebooks(page, path, app="lab")`` -> an opened :class:`Notebook` (any page)."""

    def _open(page: Any, path: str, app: str = "lab") -> Notebook:
        return Notebook(page, jupyter_server, path, app).open()

    return _open


@pytest.fixture
def open_notebook(page: Any, notebooks: Any):
    """``open_notebook(path, app="lab")`` -> a :class:`Notebook` opened in this test's page."""

    def _open(path: str, app: str = "lab") -> Notebook:
        return notebooks(page, path, app)

    return _open


@pytest.fixture
def screenshot(tmp_path: Path, request: pytest.FixtureRequest):
    """``screenshot(target, name)``: save a PNG of a page or locator to ``tmp_path`` and a
    copy to ``test-results/`` in the repo (gitignored) so it can be looked at."""

    def _shot(target: Any, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        target.screenshot(path=str(path))
        RESULTS.mkdir(exist_ok=True)
        shutil.copy(path, RESULTS / f"{request.node.name}-{name}.png")
        return path

    return _shot
