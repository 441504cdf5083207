"""Real-browser harness without pytest: a JupyterLab server on a temporary copy of
``notebooks/``, Debian's Chromium, and :class:`Notebook` to drive a notebook in the page.

``tests/ui/conftest.py`` wraps these in session fixtures; scripts (``benchmarks/``) use
them directly::

    with jupyter_server(tmp_dir) as server, chromium() as browser:
        context, page = new_page(browser)
        nb = Notebook(page, server, "01_activation_maps.ipynb").open().run_all()
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
RESULTS = REPO / "test-results"
CHROMIUM = os.environ.get("IWM_CHROMIUM", "/usr/bin/chromium")
# Debian's chromium, as measured in notes/browser-and-notebooks.md.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
SERVER_START_TIMEOUT = 90.0
RUN_ALL_TIMEOUT_MS = 180_000
# Notebook 7's shortcuts plugin throws the first on every page; harmless. Notebook 7 pages
# also throw the second once JupyterLab pages have used the same server (its own code asks
# for JupyterLab's file browser, which Notebook 7's notebook page lacks); harmless.
KNOWN_PAGE_ERRORS = ("reading 'schema'", "Command 'filebrowser:open-path' not registered")


class ServerStartError(RuntimeError):
    """JupyterLab exited or did not answer; the message holds the server log's tail."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log_tail(log: Path, n: int = 60) -> str:
    """The last ``n`` lines of a server's log file (for error messages)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return "(no server log)"
    return "\n".join(lines[-n:])


@dataclass
class JupyterServer:
    """A running JupyterLab: its base URL, served root (a temp copy) and log file."""

    url: str
    root: Path
    log: Path
    proc: subprocess.Popen[bytes]

    def log_tail(self, n: int = 60) -> str:
        return log_tail(self.log, n)

    def api(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None


@contextmanager
def jupyter_server(base: Path, notebooks: Path = NOTEBOOKS) -> Iterator[JupyterServer]:
    """Start JupyterLab in ``base`` (serving a copy of ``notebooks`` from ``base/notebooks``),
    wait until it answers, and shut it and its kernels down on exit.

    Raises :class:`ServerStartError` when it exits early or does not answer in time.
    """
    root = base / "notebooks"
    if notebooks.is_dir():
        shutil.copytree(notebooks, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    else:
        root.mkdir()
    config, runtime, ipython = base / "config", base / "runtime", base / "ipython"
    (config / "labconfig").mkdir(parents=True)
    # The news pop-up of the announcements plugin covers the bottom right of the page.
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    # No autosave: a notebook saved with widget outputs would be restored into later
    # pages (the workspace reopens it) and log "widget model not found" there.
    settings = config / "lab" / "user-settings"
    docmanager = settings / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(config / "lab" / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "IPYTHONDIR": str(ipython),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    log = base / "server.log"
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser", "--allow-root",
        "--ServerApp.token=", "--ServerApp.password=",
        "--ip", "127.0.0.1", "--port", str(port), "--ServerApp.port_retries=0",
        "--expose-app-in-browser",  # window.jupyterapp in JupyterLab...
        "--JupyterNotebookApp.expose_app_in_browser=True",  # ...and in Notebook 7
        f"--ServerApp.root_dir={root}",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=base)
    server = JupyterServer(f"http://127.0.0.1:{port}", root, log, proc)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise ServerStartError(
                    f"JupyterLab exited with code {proc.returncode} before answering.\n"
                    f"command: {' '.join(cmd)}\n--- server log ---\n{server.log_tail()}"
                )
            try:
                server.api("/api/status")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"JupyterLab did not answer on {server.url} within "
                    f"{SERVER_START_TIMEOUT:.0f} s.\n--- server log ---\n{server.log_tail()}"
                )
            time.sleep(0.25)
        yield server
    finally:
        stop_server(server)


def stop_server(server: JupyterServer) -> None:
    """Shut kernels down through the API (they are the server's children), then the server."""
    if server.proc.poll() is None:
        try:
            for k in server.api("/api/kernels") or []:
                server.api(f"/api/kernels/{k['id']}", method="DELETE")
        except Exception:
            pass
        server.proc.terminate()
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (ImportError without playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageErrors:
    """Uncaught page errors and console errors seen by a page (known harmless ones excluded)."""

    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        real = [e for e in self.errors if not any(k in e for k in KNOWN_PAGE_ERRORS)]
        assert not real, "errors in the page:\n" + "\n".join(real)


def new_page(browser: Any) -> tuple[Any, Any]:
    """A fresh context and page (no state shared), 1280 × 900 at DPR 1, recording errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    errors = PageErrors()
    pg.on("pageerror", lambda e: errors.errors.append(f"pageerror: {e}"))
    pg.on(
        "console",
        lambda m: (
            errors.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
        ),
    )
    pg.iwm_errors = errors  # checked by tests: pg.iwm_errors.check()
    return context, pg


# JS helpers, evaluated in the page. The notebook panel is found by its path, in
# JupyterLab and in Notebook 7 alike (both expose window.jupyterapp).
FIND_PANEL = """
(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.sessionContext) return w;
  }
  return null;
}
"""

KERNEL_READY = f"""
async (path) => {{
  const panel = ({FIND_PANEL})(path);
  if (!panel) return false;
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
}}
"""

RUN_ALL = f"""
async (path) => {{
  const panel = ({FIND_PANEL})(path);
  window.jupyterapp.shell.activateById(panel.id);
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
  // The command resolves when the last cell has run; report the first error output.
  const cells = panel.content.widgets;
  for (let i = 0; i < cells.length; i++) {{
    const outputs = cells[i].model.outputs;
    if (!outputs) continue;
    for (let j = 0; j < outputs.length; j++) {{
      const o = outputs.get(j).toJSON();
      if (o.output_type === 'error') {{
        return {{cell: i, source: cells[i].model.sharedModel.getSource(),
                 ename: o.ename, evalue: o.evalue, traceback: (o.traceback || []).join('\\n')}};
      }}
    }}
  }}
  return null;
}}
"""

EXECUTE = f"""
async ([path, code]) => {{
  const panel = ({FIND_PANEL})(path);
  const kernel = panel.sessionContext.session.kernel;
  const future = kernel.requestExecute({{code, store_history: false, stop_on_error: true}});
  const out = [];
  let error = null;
  future.onIOPub = (msg) => {{
    const t = msg.header.msg_type, c = msg.content;
    if (t === 'stream') out.push(c.text);
    else if (t === 'execute_result' || t === 'display_data') {{
      out.push((c.data['text/plain'] || '') + '\\n');
    }} else if (t === 'error') {{
      error = {{ename: c.ename, evalue: c.evalue, traceback: c.traceback.join('\\n')}};
    }}
  }};
  await future.done;
  return {{out: out.join(''), error}};
}}
"""


class NotebookError(AssertionError):
    """A cell or a kernel request raised in the notebook's kernel."""


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


class Notebook:
    """A notebook open in the browser, with its kernel.

    Parameters
    ----------
    page
        A Playwright page.
    server
        The session's :class:`JupyterServer`.
    path
        The notebook's path relative to the server root, e.g. ``"01_activation_maps.ipynb"``.
    app
        ``"lab"`` (JupyterLab, ``/lab/tree/<path>``) or ``"notebook"`` (Notebook 7,
        ``/notebooks/<path>``).
    """

    def __init__(self, page: Any, server: JupyterServer, path: str, app: str = "lab") -> None:
        self.page, self.server, self.path, self.app = page, server, path, app

    def open(self, timeout_ms: int = 90_000) -> Notebook:
        prefix = "/lab/tree/" if self.app == "lab" else "/notebooks/"
        self.page.goto(self.server.url + prefix + self.path)
        self.page.wait_for_function(
            f"(path) => !!({FIND_PANEL})(path)", arg=self.path, timeout=timeout_ms
        )
        # A notebook without kernel metadata asks for a kernel: take the default.
        accept = self.page.locator(".jp-Dialog .jp-mod-accept")
        deadline = time.monotonic() + timeout_ms / 1000
        while not self.page.evaluate(KERNEL_READY, self.path):
            if accept.count():
                accept.first.click()
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"kernel of {self.path} not ready\n--- server log ---\n{self.server.log_tail()}"
                )
            self.page.wait_for_timeout(100)
        return self

    def run_all(self, timeout_ms: int = RUN_ALL_TIMEOUT_MS) -> Notebook:
        """Run every cell (JupyterLab's command); raise with the cell and traceback on error."""
        self.page.set_default_timeout(timeout_ms)
        try:
            err = self.page.evaluate(RUN_ALL, self.path)
        finally:
            self.page.set_default_timeout(30_000)
        if err:
            raise NotebookError(
                f"{self.path}: cell {err['cell']} raised {err['ename']}: {err['evalue']}\n"
                f"--- cell ---\n{err['source']}\n--- traceback ---\n{strip_ansi(err['traceback'])}"
            )
        self.wait_idle()
        return self

    def wait_idle(self, timeout_ms: int = 60_000) -> None:
        self.page.wait_for_function(
            f"""(path) => {{
                const p = ({FIND_PANEL})(path);
                const k = p && p.sessionContext.session && p.sessionContext.session.kernel;
                return !!k && k.status === 'idle';
            }}""",
            arg=self.path,
            timeout=timeout_ms,
        )

    def execute(self, code: str) -> str:
        """Run ``code`` in the notebook's kernel; return its text output (stdout and results)."""
        res = self.page.evaluate(EXECUTE, [self.path, code])
        if res["error"]:
            e = res["error"]
            raise NotebookError(
                f"{e['ename']}: {e['evalue']}\n--- code ---\n{code}\n"
                f"--- traceback ---\n{strip_ansi(e['traceback'])}"
            )
        return str(res["out"])

    def shutdown(self) -> None:
        """Shut the notebook's kernel down (frees its memory before the next notebook)."""
        self.page.evaluate(
            f"""async (path) => {{
                const p = ({FIND_PANEL})(path);
                if (p && p.sessionContext.session) await p.sessionContext.shutdown();
            }}""",
            self.path,
        )

    def eval_json(self, expr: str) -> Any:
        """Evaluate a Python expression in the kernel and return it through JSON."""
        out = self.execute(f"import json as _j; print(_j.dumps({expr}))")
        return json.loads(out.strip().splitlines()[-1])

    def wait_for_python(self, expr: str, want: Any, timeout: float = 15.0) -> Any:
        """Poll a Python expression until it equals ``want`` (JS -> Python is asynchronous)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.eval_json(expr)
            if got == want or time.monotonic() > deadline:
                return got
            self.page.wait_for_timeout(50)


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write a notebook of code cells (no outputs, python3 kernel) to ``path``."""
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell-{i}",
                "metadata": {},
                "outputs": [],
                "source": src,
            }
            for i, src in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1))
    return path


# --- other frontends -------------------------------------------------------------------


@dataclass
class MarimoServer:
    """A running ``marimo run`` app: its URL, log file and process."""

    url: str
    log: Path
    proc: subprocess.Popen[bytes]

    def log_tail(self, n: int = 60) -> str:
        return log_tail(self.log, n)


@contextmanager
def marimo_server(base: Path, app: Path) -> Iterator[MarimoServer]:
    """Serve the marimo notebook ``app`` with ``marimo run`` on 127.0.0.1 (no token, no
    browser, config and caches under ``base``), wait until it answers, stop it on exit.

    Raises :class:`ServerStartError` when it exits early or does not answer in time.
    """
    base.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "XDG_CONFIG_HOME": str(base / "config"),
        "XDG_CACHE_HOME": str(base / "cache"),
        "XDG_STATE_HOME": str(base / "state"),
        "MARIMO_SKIP_UPDATE_CHECK": "1",
    }
    log = base / "marimo.log"
    cmd = [
        sys.executable, "-m", "marimo", "run", str(app),
        "--headless", "--no-token", "--no-sandbox",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=base)
    server = MarimoServer(f"http://127.0.0.1:{port}", log, proc)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise ServerStartError(
                    f"marimo exited with code {proc.returncode} before answering.\n"
                    f"command: {' '.join(cmd)}\n--- server log ---\n{server.log_tail()}"
                )
            try:
                with urllib.request.urlopen(server.url + "/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"marimo did not answer on {server.url} within "
                    f"{SERVER_START_TIMEOUT:.0f} s.\n--- server log ---\n{server.log_tail()}"
                )
            time.sleep(0.25)
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def block_external_requests(page: Any) -> list[str]:
    """Abort every request of ``page`` that is not to 127.0.0.1 / localhost (tests talk to
    nothing else); return the list the aborted URLs are appended to."""
    blocked: list[str] = []

    def route(r: Any) -> None:
        host = urllib.parse.urlsplit(r.request.url).hostname
        if host in ("127.0.0.1", "localhost") or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked


#: the two JupyterLab themes every widget is screenshotted in
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def set_theme(page: Any, name: str) -> None:
    """Switch JupyterLab to the ``"light"`` or ``"dark"`` theme and wait until it applies
    (and 300 ms more: the theme's CSS variables reach the canvases' next paint)."""
    page.evaluate(
        "(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})",
        THEMES[name],
    )
    page.wait_for_function(
        "(light) => document.body.dataset.jpThemeLight === light",
        arg="true" if name == "light" else "false",
    )
    page.wait_for_timeout(300)


def output_area(page: Any, notebook: str, index: int) -> Any:
    """The output area of code cell ``index`` of ``notebook``'s own panel (JupyterLab
    restores the tabs that other test modules opened)."""
    panel = page.evaluate(f"(path) => ({FIND_PANEL})(path).id", notebook)
    return page.locator(f"[id='{panel}'] .jp-CodeCell").nth(index).locator(".jp-OutputArea")
